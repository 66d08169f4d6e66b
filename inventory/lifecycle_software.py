"""Support phases for device OSes, installed software and applications, and the software findings.

Built on ``LifecycleContext`` (the catalogue, mappings and policies loaded once). Installed software is matched
against the catalogue's application products only (an "Update for Windows 10" row must not raise a Windows
finding), after ``software_text()`` has split package names such as ``php8.1-fpm``. A person's software mapping
(``VersionMapping.software``) wins over the rules: the exact product + version first, then the product with a blank
version. Every distinct product/version text is resolved once per process until the catalogue changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from inventory.choices import FindingReasonChoices as R  # noqa: N817
from inventory.choices import LifecycleKindChoices
from inventory.choices import LifecyclePolicyRuleChoices as Rule
from inventory.lifecycle.catalogue import Catalogue
from inventory.lifecycle.phases import (
    EXTENDED_ONLY,
    UNKNOWN_STATE,
    UNSUPPORTED,
    PhaseState,
    explicit_phase,
    software_text,
    support_phase,
)
from inventory.lifecycle.versions import resolve, tokens
from inventory.lifecycle_engine import DEFAULT_SEVERITY, CycleFacts, FindingData, LifecycleContext, _date, _iso

SOFTWARE_KINDS = frozenset({LifecycleKindChoices.APPLICATION})
# Evidence lists at most this many items; the count says how many there are.
EVIDENCE_ITEMS = 10

# Resolutions per catalogue fingerprint, kept across evaluations in a long-lived process.
_SOFTWARE_CACHE: dict[str, Any] = {"fingerprint": None, "results": {}}


def state_tuple(state: PhaseState) -> tuple[str, dt.date | None, str]:
    return state.status, state.ends, state.next


class SupportResolver:
    """Phases of device OSes, installed software and applications as of one day."""

    def __init__(self, context: LifecycleContext, as_of: dt.date) -> None:
        from inventory.models import VersionMapping

        self.context, self.as_of = context, as_of
        products = tuple(p for p in context.catalogue.products if p.kind in SOFTWARE_KINDS)
        self.catalogue = Catalogue(products=products)
        self.by_word: dict[str, set[str]] = {}
        for product in products:
            for name in (*product.platform_names, product.name, product.product):
                words = tokens(name)
                if words:
                    self.by_word.setdefault(words[0], set()).add(product.product)
        self.mappings = {(m["software"].casefold(), m["version"].strip().casefold()): m["cycle_id"]
                         for m in VersionMapping.objects.exclude(software="").values("software", "version", "cycle_id")}
        fingerprint = (context.fingerprint, hash(tuple(sorted(self.mappings.items()))))
        if _SOFTWARE_CACHE["fingerprint"] != fingerprint:
            _SOFTWARE_CACHE.update(fingerprint=fingerprint, results={})
        self._results: dict[tuple[str, str], CycleFacts | None] = _SOFTWARE_CACHE["results"]
        self._phases: dict[int | None, PhaseState] = {}
        self._os: dict[tuple[int | None, str], PhaseState] = {}

    # --- phases ---

    def phase(self, facts: CycleFacts | None) -> PhaseState:
        key = facts.pk if facts is not None else None
        found = self._phases.get(key)
        if found is None:
            found = self._phases[key] = support_phase(facts.cycle if facts else None, self.as_of)
        return found

    def device_state(self, platform_id: int | None, version: str | None) -> PhaseState:
        key = (platform_id, version or "")
        found = self._os.get(key)
        if found is None:
            facts = self.context.resolve(platform_id, version) if (platform_id or (version or "").strip()) else None
            found = self._os[key] = self.phase(facts)
        return found

    def software(self, product: str, version: str) -> CycleFacts | None:
        key = (product, version)
        if key in self._results:
            return self._results[key]
        found: CycleFacts | None = None
        product_key = product.strip().casefold()
        mapped = self.mappings.get((product_key, version.strip().casefold()))
        if mapped is None:
            mapped = self.mappings.get((product_key, ""))
        if mapped is not None and mapped in self.context.cycles_by_pk:
            base = self.context.cycles_by_pk[mapped]
            found = CycleFacts(pk=base.pk, product=base.product, product_name=base.product_name, cycle=base.cycle,
                               source=base.source, matched_by="mapping", confidence=base.confidence)
        else:
            name, text = software_text(product, version)
            slugs: set[str] = set()
            for word in set(tokens(name)):
                slugs |= self.by_word.get(word, set())
            candidates = [p for p in self.catalogue.products if p.product in slugs]
            match = resolve(name, text, candidates) if candidates else None
            base = self.context.cycles.get((match.product, match.cycle)) if match else None
            if base is not None and match is not None:
                confidence = min((base.confidence, match.confidence), key=("high", "medium", "low").index)
                found = CycleFacts(pk=base.pk, product=base.product, product_name=base.product_name, cycle=base.cycle,
                                   source=base.source, matched_by="rule", rule=match.rule, confidence=confidence)
        if len(self._results) > 200_000:
            self._results.clear()
        self._results[key] = found
        return found

    def software_state(self, product: str, version: str) -> PhaseState:
        return self.phase(self.software(product, version))

    def application_state(self, row: dict[str, Any]) -> tuple[PhaseState, CycleFacts | None]:
        """A known support end wins; else the catalogue cycle the product and version match; else unknown."""
        if row["support_end"] is not None:
            return explicit_phase(row["support_end"], self.as_of), None
        if not (row["product"] or "").strip():
            return UNKNOWN_STATE, None
        facts = self.software(row["product"], row["version"] or "")
        return self.phase(facts), facts

    # --- findings ---

    def software_problem(self, facts: CycleFacts | None, window_days: int | None) -> str | None:
        """The finding reason one installed release raises (None when it raises nothing)."""
        if facts is None:
            return None
        state = self.phase(facts)
        if state.status == UNSUPPORTED:
            return R.SOFTWARE_END_OF_SUPPORT
        if state.status == EXTENDED_ONLY:
            return R.SOFTWARE_EXTENDED_SUPPORT_ONLY
        eos = _date(facts.cycle.eos)
        if eos is not None and window_days and (eos - self.as_of).days < window_days:
            return R.SOFTWARE_SECURITY_SUPPORT_ENDS_SOON
        return None

    def window_days(self, device_kind: str) -> int | None:
        policy = self.context.policy(Rule.SUPPORT_WINDOW, device_kind)
        return policy.days if policy is not None else None


@dataclass(frozen=True, eq=False)
class SoftwareItem:
    """One installed release (product + version text) with its catalogue cycle; shared by every device with it."""

    product: str
    version: str
    facts: CycleFacts

    @cached_property
    def evidence(self) -> dict[str, Any]:
        cycle = self.facts.cycle
        return {"software": self.product, "version": self.version, "cycle_id": self.facts.pk,
                "cycle_label": cycle.label, "end_of_security_support": _iso(cycle.eos),
                "extended_support_end": _iso(cycle.eoes), "matched_by": self.facts.matched_by,
                "source": self.facts.source}

    @cached_property
    def evidence_json(self) -> str:
        return json.dumps(self.evidence, sort_keys=True, default=str)

    @cached_property
    def sort_key(self) -> tuple:
        return _date(self.facts.cycle.eos) or dt.date.min, self.product, self.version

    @cached_property
    def detail(self) -> dict[str, str]:
        """The finding's sentence per reason when this release is the first (earliest ending) of a device."""
        cycle = self.facts.cycle
        day = _date(cycle.eos)
        when = f" on {day:%d/%m/%Y}" if day else ""
        eoes = _date(cycle.eoes)
        head = f"{cycle.label} ({self.product} {self.version}".rstrip() + ")"
        return {
            R.SOFTWARE_END_OF_SUPPORT: f"{head}: security support ended{when}",
            R.SOFTWARE_EXTENDED_SUPPORT_ONLY: f"{head}: paid extended support only, security support ended{when}"
                                              + (f"; extended support until {eoes:%d/%m/%Y}" if eoes else ""),
            R.SOFTWARE_SECURITY_SUPPORT_ENDS_SOON: f"{head}: security support ends{when}",
        }


def software_finding(reason: str, items: list[SoftwareItem], window_days: int | None = None) -> FindingData:
    """One finding per device and reason, its evidence listing the installed releases behind it (earliest end
    first; the first ``EVIDENCE_ITEMS``, and how many there are).

    ``items`` must already be in ``sort_key`` order. The evidence JSON is assembled from each release's JSON (made
    once per release) in the form ``json.dumps(sort_keys=True)`` gives: a large estate has a different mix of
    releases on almost every device, so this runs once per device.
    """
    first = items[0]
    day = _date(first.facts.cycle.eos)
    count = len(items)
    soon = f" (within {window_days} days)" if reason == R.SOFTWARE_SECURITY_SUPPORT_ENDS_SOON and window_days else ""
    detail = (first.detail[reason] + soon + (f" (and {count - 1} more)" if count > 1 else "") + ".")[:500]
    shown = items[:EVIDENCE_ITEMS]
    evidence = {"count": count, "fact": "end_of_security_support", "items": [item.evidence for item in shown],
                "kind": "software"}
    evidence_json = (f'{{"count": {count}, "fact": "end_of_security_support", "items": ['
                     + ", ".join([item.evidence_json for item in shown]) + '], "kind": "software"}')
    severity = DEFAULT_SEVERITY[reason]
    payload = "\x1f".join((severity, _iso(day) or "", detail, evidence_json))
    digest = hashlib.md5(payload.encode(), usedforsecurity=False).hexdigest()
    return FindingData(reason, severity, day, detail, evidence, evidence_json, digest)
