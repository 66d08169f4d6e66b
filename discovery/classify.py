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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from discovery.facts import KINDS, Classification, HostFacts

RULES_DIR = Path(__file__).resolve().parent / "rules"
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
    if not isinstance(data, dict):
        raise RuleError(f"{path.name}: expected a mapping with 'rules'")
    maps = {str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in (data.get("maps") or {}).items()}
    rules: list[Rule] = []
    for number, entry in enumerate(data.get("rules") or [], start=1):
        rule_id = f"{path.name}#{number}"
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
            order=order_start + number, patterns=patterns,
        ))
    return rules, maps


def load_rules(paths: Sequence[Path | str] | None = None) -> RuleSet:
    """Load rule files: the built-in directory first, then each given directory or file in order."""
    files: list[Path] = sorted(RULES_DIR.glob("*.yaml"))
    for entry in paths or ():
        path = Path(entry)
        if path.is_dir():
            files += sorted(list(path.glob("*.yaml")) + list(path.glob("*.yml")))
        elif path.is_file():
            files.append(path)
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


_DEFAULT: RuleSet | None = None


def default_rules() -> RuleSet:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_rules()
    return _DEFAULT


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
    return dataclasses.replace(facts, classification=classification, **changes)


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
                                        rules=tuple(contributors))
    else:
        classification = Classification(rule_id=None, explanation="no rule matched", rules=())
    return changes, classification
