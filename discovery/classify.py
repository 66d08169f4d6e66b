"""Classification: decide manufacturer, kind, platform and version from facts, with rules kept in YAML.

Rule files (``discovery/rules/*.yaml`` plus any directory a site adds) look like::

    maps:                                   # optional lookup tables for templates
      windows_server_builds: {"9600": "2012 R2"}
    rules:
      - name: Cisco IOS XE                  # label shown in explanations
        match:                              # every condition must hold
          sys_object_id: 1.3.6.1.4.1.9      # OID prefix(es); the longest matching prefix scores highest
          sys_descr: 'IOS[ -]XE.*Version (?P<version>[^,\\s]+)'   # regex, case-insensitive
        not:                                # optional: none of these may hold
          sys_descr: 'IOS XR'
        priority: 0                         # optional tie-breaker (adds 100 per step)
        set:                                # overrides what the parsers found
          manufacturer: Cisco
          platform: Cisco IOS XE
          version: "{version}"              # template: regex groups, then fact fields, then extras
        fill:                               # only when nothing else gave a value
          kind: switch

Conditions: ``sys_object_id`` (prefix or list), ``chassis_type`` (int list), ``os_id`` / ``os_like`` /
``shell`` / ``device_types`` / ``mibs`` (case-insensitive value lists), ``processes`` / ``software`` /
``interfaces`` (regex on any process, installed product or interface type), ``extra.<key>`` and any
other text field of HostFacts (regex). Templates: ``{group}``, ``{group|map_name}`` (lookup),
``{group|upper}`` / ``{group|lower}``; a list of templates means "first that renders". A value whose
template references something missing is skipped, so a lower-scored rule may supply it.

Every matching rule contributes; for each field the highest-scoring rule that has a value wins.
Score = 100 * priority + arcs of the matched OID prefix + 5 per other condition; a tie goes to the
rule loaded last, so site rules override built-in ones. Rule ids are "<file name>#<1-based index>".
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from discovery.facts import KINDS, Classification, Evidence, HostFacts

RULES_DIR = Path(__file__).resolve().parent / "rules"
# rule files that hold no vendor family: canonical maker names and what standard MIBs and sysServices imply
GENERIC_RULE_FILES = frozenset({"vendors.yaml", "generic.yaml"})
FIELDS = ("manufacturer", "kind", "platform", "version", "model", "serial", "firmware", "hardware_revision")
_LIST_FIELDS = {"os_id", "os_like", "shell", "device_types", "mibs"}
_ANY_REGEX_FIELDS = {"processes": "processes", "software": "software", "interfaces": "interfaces"}
_TEMPLATE = re.compile(r"\{([A-Za-z_][\w.]*)(?:\|([\w.]+))?\}")
_TEXT_LIMIT = 8192
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there
_FACT_FIELDS = frozenset(f.name for f in dataclasses.fields(HostFacts))
_MEMO_LIMIT = 20_000


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and rule."""


@dataclass(frozen=True)
class Rule:
    rule_id: str
    name: str
    match: dict[str, Any]
    exclude: dict[str, Any]
    set: dict[str, Any]
    fill: dict[str, Any]
    priority: int = 0
    order: int = 0
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)  # optional: source, strength, generic
    patterns: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict, compare=False)


_INDEX_ARCS = 7  # 1.3.6.1.4.1.<enterprise>: deep enough to split vendors, shallow enough for every prefix


def _oid_key(oid: str, arcs: int) -> str:
    return ".".join(oid.strip(".").split(".")[:arcs])


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    maps: dict[str, dict[str, str]]

    @cached_property
    def _index(self) -> tuple[tuple[Rule, ...], dict[str, tuple[Rule, ...]]]:
        """Rules without a sysObjectID condition, and the others by the first arcs of each of their prefixes."""
        general: list[Rule] = []
        by_prefix: dict[str, list[Rule]] = {}
        for rule in self.rules:
            prefixes = rule.match.get("sys_object_id")
            if prefixes is None:
                general.append(rule)
                continue
            for prefix in prefixes if isinstance(prefixes, list) else [prefixes]:
                bucket = by_prefix.setdefault(_oid_key(str(prefix), _INDEX_ARCS), [])
                if rule not in bucket:
                    bucket.append(rule)
        return tuple(general), {k: tuple(v) for k, v in by_prefix.items()}

    @cached_property
    def by_id(self) -> dict[str, Rule]:
        return {rule.rule_id: rule for rule in self.rules}

    @cached_property
    def _plans(self) -> dict[str | None, tuple[list[Rule], tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
        return {}

    @cached_property
    def _results(self) -> dict[tuple, tuple[dict[str, Any], Classification]]:
        return {}

    def plan(self, sys_object_id: str | None) -> tuple[list[Rule], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """The candidate rules for a sysObjectID and what they read (see ``_inputs``)."""
        plan = self._plans.get(sys_object_id)
        if plan is None:
            rules = self.candidates(sys_object_id)
            plan = (rules, *_inputs(rules))
            if len(self._plans) < _MEMO_LIMIT:
                self._plans[sys_object_id] = plan
        return plan

    def candidates(self, sys_object_id: str | None) -> list[Rule]:
        """Every rule that could match: a rule whose sysObjectID prefixes all differ from the host's is skipped."""
        general, by_prefix = self._index
        found: dict[str, Rule] = {r.rule_id: r for r in general}
        if sys_object_id:
            for arcs in range(1, _INDEX_ARCS + 1):
                for rule in by_prefix.get(_oid_key(sys_object_id, arcs), ()):
                    found.setdefault(rule.rule_id, rule)
        return list(found.values())


def _compile(conditions: dict[str, Any], where: str) -> dict[str, tuple[re.Pattern[str], ...]]:
    patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
    for key, value in conditions.items():
        if key in ("sys_object_id", "chassis_type") or key in _LIST_FIELDS:
            continue
        values = value if isinstance(value, list) else [value]
        try:
            patterns[key] = tuple(re.compile(str(v), re.IGNORECASE) for v in values)
        except re.error as exc:
            raise RuleError(f"{where}: bad regex for {key}: {exc}") from exc
    return patterns


def _load_file(path: Path, order_start: int) -> tuple[list[Rule], dict[str, dict[str, str]]]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"{path.name}: {exc}") from exc
    return load_entries(data, path.name, order_start)


def load_entries(data: Any, label: str, order_start: int = 0) -> tuple[list[Rule], dict[str, dict[str, str]]]:
    """Rules from one parsed rule document ({maps, rules}); ids are "<label>#<n>". Raises RuleError."""
    if not isinstance(data, dict):
        raise RuleError(f"{label}: expected a mapping with 'rules'")
    if not isinstance(data.get("rules") or [], list) or not isinstance(data.get("maps") or {}, dict):
        raise RuleError(f"{label}: 'rules' must be a list and 'maps' a mapping")
    maps = {str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in (data.get("maps") or {}).items()}
    rules: list[Rule] = []
    for number, entry in enumerate(data.get("rules") or [], start=1):
        rule_id = f"{label}#{number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("match"), dict) or not entry["match"]:
            raise RuleError(f"{rule_id}: a rule needs a non-empty 'match' mapping")
        sets = entry.get("set") or {}
        fills = entry.get("fill") or {}
        for key in list(sets) + list(fills):
            if key not in FIELDS:
                raise RuleError(f"{rule_id}: cannot set {key!r}; settable: {', '.join(FIELDS)}")
        for key, template in list(sets.items()) + list(fills.items()):
            for item in template if isinstance(template, list) else [template]:
                if item is not None and not isinstance(item, str | int | float):
                    raise RuleError(f"{rule_id}: {key} must be a template string or a list of them")
                if isinstance(item, str) and "(?P<" in item:
                    raise RuleError(f"{rule_id}: {key} is a template, not a regex; capture in 'match'")
        kind = sets.get("kind") or fills.get("kind")
        if kind and kind not in KINDS:
            raise RuleError(f"{rule_id}: unknown kind {kind!r}")
        match = dict(entry["match"])
        exclude = dict(entry.get("not") or {})
        patterns = {**_compile(match, rule_id), **{f"not:{k}": v for k, v in _compile(exclude, rule_id).items()}}
        rules.append(Rule(
            rule_id=rule_id, name=str(entry.get("name") or rule_id), match=match, exclude=exclude,
            set=dict(sets), fill=dict(fills), priority=int(entry.get("priority") or 0),
            order=order_start + number, patterns=patterns, evidence=_evidence_spec(entry.get("evidence"), rule_id),
        ))
    return rules, maps


_EVIDENCE_SOURCES = ("ssh", "snmp_vendor", "snmp_generic", "directory", "neighbour", "rule")


def _evidence_spec(spec: Any, rule_id: str) -> dict[str, Any]:
    """A rule's own statement of its strength: {source, strength, detail, generic: [fields]} (all optional)."""
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise RuleError(f"{rule_id}: evidence must be a mapping (source, strength, detail, generic)")
    source = str(spec.get("source") or "snmp_generic")
    if source not in _EVIDENCE_SOURCES:
        raise RuleError(f"{rule_id}: evidence source must be one of {', '.join(_EVIDENCE_SOURCES)}")
    strength = spec.get("strength", 30)
    if not isinstance(strength, int) or not 0 <= strength <= 100:
        raise RuleError(f"{rule_id}: evidence strength must be a whole number from 0 to 100")
    generic = spec.get("generic") or []
    if not isinstance(generic, list) or any(g not in FIELDS for g in generic):
        raise RuleError(f"{rule_id}: evidence generic lists fields: {', '.join(FIELDS)}")
    return {"source": source, "strength": strength, "detail": str(spec.get("detail") or ""),
            "generic": tuple(generic)}


def load_rules(paths: Sequence[Path | str] | None = None, *, generic_only: bool = False,
               taught: bool = True) -> RuleSet:
    """Load rule files: the built-in directory first, then each given directory or file in order, then the rules of
    RULE_SOURCES (the rules people taught Estate) unless ``taught`` is False.

    ``generic_only`` loads only GENERIC_RULE_FILES (what the registries and standard MIBs conclude, no vendor family
    rules, no taught rules): the benchmark's measure of how Estate does on a maker it has no rule for.
    The result is cached on the files' names, sizes and modification times, so a sweep may call this per host."""
    files: list[Path] = sorted(RULES_DIR.glob("*.yaml"))
    if generic_only:
        files = [f for f in files if f.name in GENERIC_RULE_FILES]
    for entry in paths or ():
        path = Path(entry)
        if path.is_dir():
            files += sorted(list(path.glob("*.yaml")) + list(path.glob("*.yml")))
        elif path.is_file():
            files.append(path)
    key = _files_key(files)
    base = _FILE_CACHE.get(key)
    if base is None:
        base = _load_files(files)
        if len(_FILE_CACHE) > 32:
            _FILE_CACHE.clear()
        _FILE_CACHE[key] = base
    if not taught or generic_only or not RULE_SOURCES:
        return base
    versions, documents = _taught_documents()
    combined = _TAUGHT_CACHE.get((key, versions))
    if combined is None:
        combined = ruleset_with(base, documents)
        _TAUGHT_CACHE.clear()
        _TAUGHT_CACHE[(key, versions)] = combined
    return combined


_STAT_SECONDS = 2.0  # how long a check of the rule files' sizes and times stands
_STAT_CACHE: dict[tuple[str, ...], tuple[float, tuple]] = {}


def _files_key(files: list[Path]) -> tuple:
    names = tuple(str(path) for path in files)
    now = time.monotonic()
    known = _STAT_CACHE.get(names)
    if known is not None and now - known[0] < _STAT_SECONDS:
        return known[1]
    key = tuple(_file_key(path) for path in files)
    if len(_STAT_CACHE) > 32:
        _STAT_CACHE.clear()
    _STAT_CACHE[names] = (now, key)
    return key


def _file_key(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), 0, 0)
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def _load_files(files: list[Path]) -> RuleSet:
    rules: list[Rule] = []
    maps: dict[str, dict[str, str]] = {}
    seen: set[Path] = set()
    for path in files:
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        file_rules, file_maps = _load_file(path, len(rules) * 1000)
        rules += file_rules
        for name, table in file_maps.items():
            maps.setdefault(name, {}).update(table)
    return RuleSet(tuple(rules), maps)


_FILE_CACHE: dict[tuple, RuleSet] = {}
_TAUGHT_CACHE: dict[tuple, RuleSet] = {}
# Rules kept elsewhere (the rules people taught Estate, stored in the database): callables returning
# (version, rule document), registered by discovery.models_rules; asked at most every RULE_SOURCE_SECONDS (a saved
# rule resets the wait in its own process), and the rule set rebuilt when a version changed.
RULE_SOURCES: list[Callable[[], tuple[Any, dict[str, Any]]]] = []
RULE_SOURCE_SECONDS = 2.0
_SOURCE_STATE: dict[str, Any] = {"checked": float("-inf"), "versions": (), "documents": []}


def _taught_documents() -> tuple[tuple, list[dict[str, Any]]]:
    if time.monotonic() - _SOURCE_STATE["checked"] >= RULE_SOURCE_SECONDS:
        _SOURCE_STATE["checked"] = time.monotonic()
        found = []
        for source in RULE_SOURCES:
            try:
                found.append(source())
            except Exception:  # noqa: BLE001 - no database here (a pure test, a child process): built-ins only
                found.append((None, {}))
        _SOURCE_STATE["versions"] = tuple(version for version, _doc in found)
        _SOURCE_STATE["documents"] = [doc for _version, doc in found]
    return _SOURCE_STATE["versions"], _SOURCE_STATE["documents"]


def taught_rules_changed() -> None:
    """A taught rule was saved or deleted: the next classification in this process reads them again."""
    _SOURCE_STATE["checked"] = float("-inf")


def default_rules() -> RuleSet:
    """The built-in rules and the taught ones (cached: see load_rules)."""
    return load_rules()


def ruleset_with(base: RuleSet, documents: Iterable[dict[str, Any]], label: str = "taught") -> RuleSet:
    """``base`` plus the rules of each document (a document that does not load is skipped: it was checked when
    saved, and one bad row must not stop discovery)."""
    rules = list(base.rules)
    maps = {name: dict(table) for name, table in base.maps.items()}
    for document in documents:
        if not document:
            continue
        try:
            extra, extra_maps = load_entries(document, str(document.get("label") or label),
                                             (len(rules) + 1) * 1000)
        except RuleError:
            continue
        rules += extra
        for name, table in extra_maps.items():
            maps.setdefault(name, {}).update(table)
    return RuleSet(tuple(rules), maps)


def _inputs(rules: Iterable[Rule]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """What these rules can read of a host: the fields whose values count (conditions, template placeholders,
    which fall back from a regex group to a field and then to an extra), the fields of which only presence counts
    (a "fill" applies only where the parsers found nothing) and the extras."""
    fields = {"sys_object_id", "kind"}  # the candidates, and the "other" default when no kind was decided
    extras: set[str] = set()
    present: set[str] = set()
    for rule in rules:
        present.update(rule.fill)
        for key in (*rule.match, *rule.exclude):
            if key.startswith("extra."):
                extras.add(key[6:])
            else:
                fields.add(key)
        for template in (*rule.set.values(), *rule.fill.values()):
            for item in template if isinstance(template, list) else [template]:
                for found in _TEMPLATE.finditer(item if isinstance(item, str) else ""):
                    name = found.group(1)
                    extras.add(name.removeprefix("extra."))
                    if name in _FACT_FIELDS:
                        fields.add(name)
    fields &= _FACT_FIELDS
    return tuple(sorted(fields)), tuple(sorted(present - fields)), tuple(sorted(extras))


# --- matching -------------------------------------------------------------------------------------


def _text_of(facts: HostFacts, key: str) -> str | None:
    if key.startswith("extra."):
        return dict(facts.extra).get(key[6:])
    value = getattr(facts, key, None)
    if isinstance(value, str):
        return value[:_TEXT_LIMIT]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _oid_arcs(facts: HostFacts, prefixes: Any) -> int:
    """Arcs of the longest prefix that matches sysObjectID on an arc boundary, 0 when none does."""
    oid = facts.sys_object_id or ""
    best = 0
    for prefix in prefixes if isinstance(prefixes, list) else [prefixes]:
        prefix = str(prefix).strip(".")
        if prefix and (oid == prefix or oid.startswith(prefix + ".")):
            best = max(best, prefix.count(".") + 1)
    return best


def _condition(facts: HostFacts, key: str, value: Any, patterns: tuple[re.Pattern[str], ...] | None,
               groups: dict[str, str]) -> bool:
    if key == "sys_object_id":
        return _oid_arcs(facts, value) > 0
    if key == "chassis_type":
        wanted = {int(v) for v in (value if isinstance(value, list) else [value])}
        return facts.chassis_type in wanted
    if key in _LIST_FIELDS:
        wanted = {str(v).lower() for v in (value if isinstance(value, list) else [value])}
        have = getattr(facts, key, None)
        items = have if isinstance(have, tuple) else (have,)
        return any(isinstance(i, str) and i.lower() in wanted for i in items)
    if not patterns:
        return False
    if key in _ANY_REGEX_FIELDS:
        if key == "software":
            candidates: Iterable[str] = (s.product for s in facts.software)
        elif key == "interfaces":
            candidates = (i.type or "" for i in facts.interfaces)
        else:
            candidates = facts.processes
        return any(p.search(c) for c in candidates for p in patterns)
    subject = _text_of(facts, key)
    if subject is None:
        return False
    for pattern in patterns:
        found = pattern.search(subject)
        if found:
            groups.update({k: v for k, v in found.groupdict().items() if v})
            return True
    return False


def _matches(rule: Rule, facts: HostFacts) -> tuple[bool, int, dict[str, str]]:
    groups: dict[str, str] = {}
    score = 100 * rule.priority
    for key, value in rule.match.items():
        if not _condition(facts, key, value, rule.patterns.get(key), groups):
            return False, 0, {}
        score += _oid_arcs(facts, value) if key == "sys_object_id" else 5
    for key, value in rule.exclude.items():
        if _condition(facts, key, value, rule.patterns.get(f"not:{key}"), {}):
            return False, 0, {}
    return True, score, groups


def _render(template: Any, facts: HostFacts, groups: dict[str, str], maps: dict[str, dict[str, str]]) -> str | None:
    if isinstance(template, list):
        for item in template:
            value = _render(item, facts, groups, maps)
            if value:
                return value
        return None
    if template is None:
        return None
    template = str(template)
    missing = False

    def substitute(found: re.Match[str]) -> str:
        nonlocal missing
        key, flt = found.group(1), found.group(2)
        value = groups.get(key)
        if value is None:
            value = _text_of(facts, key) or dict(facts.extra).get(key)
        if not value:
            missing = True
            return ""
        value = value.strip()
        if flt == "upper":
            value = value.upper()
        elif flt == "lower":
            value = value.lower()
        elif flt:
            table = maps.get(flt, {})
            if value not in table:
                missing = True
                return ""
            value = table[value]
        return value

    rendered = _TEMPLATE.sub(substitute, template)
    if missing:
        return None
    rendered = re.sub(r"\s+", " ", rendered).strip()
    return rendered[:255] or None


def classify(facts: HostFacts, rules: RuleSet | None = None) -> HostFacts:
    """Return ``facts`` with manufacturer/kind/platform/version (and missing model ...) filled by rules."""
    ruleset = rules if rules is not None else default_rules()
    candidates, fields, present, extras = ruleset.plan(facts.sys_object_id)
    # Classification reads only these inputs, and a sweep meets the same model and firmware many times over:
    # the same inputs give the same answer, so it is worked out once.
    extra = dict(facts.extra) if extras else {}
    key = (facts.sys_object_id, tuple(getattr(facts, name) for name in fields),
           tuple(bool(getattr(facts, name)) for name in present), tuple(extra.get(name) for name in extras))
    try:
        known = ruleset._results.get(key)
    except TypeError:  # an unhashable input: classify without the memo
        key, known = None, None
    if known is None:
        known = _classify(facts, ruleset, candidates)
        if key is not None:
            if len(ruleset._results) >= _MEMO_LIMIT:
                ruleset._results.clear()
            ruleset._results[key] = known
    changes, classification = known
    if classification.decided:
        changes = {**changes, "evidence": _evidence(facts, changes, classification, ruleset)}
    if changes.get("kind") == "other" and not any(key == "kind" for key, _rule in classification.decided):
        # nothing pointed anywhere: say so where the device page and the API show the evidence
        reason = Evidence("snmp_generic", 0, NO_KIND_REASON, specific=False)
        changes = {**changes, "evidence": (*changes.get("evidence", facts.evidence), ("kind", reason))}
    return dataclasses.replace(facts, classification=classification, **changes)


NO_KIND_REASON = ("no evidence of a kind: no family rule, standard MIB (UPS/Printer/voice ports/LLDP), maker product "
                  "line, sysDescr keyword or sysServices pointed to one")


_READ_AS = {"sys_descr": "sysDescr", "manufacturer": "maker (registry / MIB)", "mibs": "MIBs answering",
            "device_types": "hrDeviceType", "voice_ports": "IF-MIB ifType voice ports",
            "lldp_capabilities": "LLDP-MIB lldpLocSysCapEnabled", "sys_services": "sysServices",
            "bridge_ports": "BRIDGE-MIB dot1dBaseNumPorts", "model": "model"}

# How strong a rule's conclusion is, by what the rule matched on (a rule file may say so itself: `evidence:`).
_OS_RELEASE_KEYS = frozenset({"os_id", "os_like", "os_name", "os_version"})


def _rule_evidence(rule: Rule, facts: HostFacts, key: str, value: Any) -> Evidence:
    stated = rule.evidence
    if stated:
        return Evidence(source=stated.get("source", "snmp_generic"), strength=int(stated.get("strength", 30)),
                        detail=f"{stated.get('detail') or rule.name} ({rule.rule_id})",
                        specific=key not in stated.get("generic", ()))
    specific = not (key == "version" and facts.kernel and str(value) == facts.kernel) and not (
        key == "version" and "{kernel}" in str(rule.set.get(key, rule.fill.get(key, ""))))
    matched = set(rule.match)
    if matched & _OS_RELEASE_KEYS:
        return Evidence("ssh", 90, f"/etc/os-release over SSH ({rule.rule_id})", specific)
    if "sys_object_id" in matched:
        return Evidence("snmp_vendor", 70, f"sysObjectID, rule {rule.name} ({rule.rule_id})", specific)
    if "ssh" in facts.sources and ("sys_descr" not in matched or "snmp" not in facts.sources):
        # matched on what SSH read (DMI, the shell, packages): as good as the machine's own word, less direct
        return Evidence("ssh", 80, f"{rule.name}, from facts read over SSH ({rule.rule_id})", specific)
    if "snmp" in facts.sources:
        read = ", ".join(sorted(_READ_AS.get(k.split(".")[-1], k) for k in matched)) or "no condition"
        return Evidence("snmp_generic", 30, f"{read}: rule {rule.name} ({rule.rule_id})", specific)
    return Evidence("ssh" if "ssh" in facts.sources else "snmp_generic", 30, f"rule {rule.name} ({rule.rule_id})",
                    specific)


def _evidence(facts: HostFacts, changes: dict[str, Any], classification: Classification, ruleset: RuleSet
              ) -> tuple[tuple[str, Evidence], ...]:
    """The parsers' evidence, with the fields the rules decided described by the rule that decided them."""
    by_id = ruleset.by_id
    decided = {key: _rule_evidence(by_id[rule_id], facts, key, changes.get(key)) for key, rule_id in
               classification.decided if rule_id in by_id}
    for key, ev in list(decided.items()):
        # a rule that only confirms what a stronger source already said keeps that source's evidence
        before = facts.evidence_for(key)
        if before is not None and getattr(facts, key, None) == changes.get(key) and before.strength > ev.strength:
            del decided[key]
    kept = tuple((key, ev) for key, ev in facts.evidence if key not in decided)
    return kept + tuple(sorted(decided.items()))


def _classify(facts: HostFacts, ruleset: RuleSet, candidates: list[Rule]) -> tuple[dict[str, Any], Classification]:
    matched: list[tuple[int, int, Rule, dict[str, str]]] = []
    for rule in candidates:
        ok, score, groups = _matches(rule, facts)
        if ok:
            matched.append((score, rule.order, rule, groups))
    matched.sort(key=lambda m: (-m[0], -m[1]))

    # candidates per field: "set" beats "fill", then score, then the rule loaded last
    candidates: dict[str, list[tuple[bool, int, int, Rule, dict[str, str], Any]]] = {}
    for score, order, rule, groups in matched:
        for is_set, mapping in ((True, rule.set), (False, rule.fill)):
            for key, template in mapping.items():
                candidates.setdefault(key, []).append((is_set, score, order, rule, groups, template))
    decided: dict[str, tuple[str, Rule]] = {}
    for key in sorted(candidates, key=lambda k: k == "version"):  # version last: it follows the platform
        for is_set, _score, _order, rule, groups, template in sorted(
                candidates[key], key=lambda c: (not c[0], -c[1], -c[2])):
            if not is_set and getattr(facts, key):
                continue  # fill never overrides what the parsers found
            if key == "version" and "platform" in decided:
                # a version belongs to its platform: skip versions from rules naming another platform
                own = rule.set.get("platform", rule.fill.get("platform"))
                if own is not None and _render(own, facts, groups, ruleset.maps) != decided["platform"][0]:
                    continue
            if template is None and is_set:
                break  # an explicit null: this field is decided as unknown
            value = _render(template, facts, groups, ruleset.maps)
            if value:
                decided[key] = (value, rule)
                break
    changes: dict[str, Any] = {key: value for key, (value, _rule) in decided.items()}
    if "kind" in changes and changes["kind"] not in KINDS:
        changes.pop("kind")
    if not changes.get("kind") and not facts.kind:
        changes["kind"] = "other"

    contributors = list(dict.fromkeys(rule.rule_id for _value, rule in decided.values()))
    if matched:
        # the rule that decided the kind is the one a device page names; else the best match
        by_rule = {rule.rule_id: rule for _s, _o, rule, _g in matched}
        winner = decided["kind"][1] if "kind" in decided else by_rule.get(contributors[0] if contributors else "",
                                                                          matched[0][2])
        contributors = [winner.rule_id] + [r for r in contributors if r != winner.rule_id]
        parts = [f"{key}={value!r} by {rule.rule_id}" for key, (value, rule) in sorted(decided.items())]
        explanation = f"classified by rule {winner.rule_id} ({winner.name})"
        if parts:
            explanation += ": " + ", ".join(parts)
        classification = Classification(rule_id=winner.rule_id, explanation=explanation,
                                        rules=tuple(contributors),
                                        decided=tuple((key, rule.rule_id) for key, (_v, rule) in sorted(
                                            decided.items())))
    else:
        classification = Classification(rule_id=None, explanation="no rule matched", rules=())
    if changes.get("kind") == "other" and "kind" not in decided:
        classification = dataclasses.replace(classification,
                                             explanation=f"{classification.explanation}; kind other: {NO_KIND_REASON}")
    return changes, classification
