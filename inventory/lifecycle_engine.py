"""The rules that turn a device row plus the catalogue and policies into findings and forecast events.

``LifecycleContext.load()`` reads the catalogue, mappings, policies and hardware facts once (a few thousand rows at
most) and caches every platform/version resolution, so evaluating 100,000 devices is plain Python over ``values()``
rows. Both ``findings_evaluate()`` (services) and ``lifecycle_forecast()`` (selectors) use it, so a finding and a
forecast cell can never disagree.

Dates follow the catalogue: a published end date is the last supported day (inclusive). A finding about an ended
phase exists from the day after; its ``effective_date`` is the published date itself (the date people quote), or
the replacement due date (purchase date + the policy's years), or the day the not-seen threshold was crossed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from inventory.choices import DeviceStatusChoices
from inventory.choices import FindingReasonChoices as R  # noqa: N817
from inventory.choices import FindingSeverityChoices as S  # noqa: N817
from inventory.choices import LifecyclePolicyRuleChoices as Rule
from inventory.lifecycle.catalogue import Catalogue, CatalogueCycle
from inventory.lifecycle.catalogue import HardwareNotice as NoticeData
from inventory.lifecycle.versions import Match, find_hardware_notice, resolve, tokens, version_at_least
from inventory.models import Device

DEFAULT_SEVERITY: dict[str, str] = {
    R.OS_END_OF_SUPPORT: S.CRITICAL,
    R.OS_EXTENDED_SUPPORT_ONLY: S.HIGH,
    R.OS_SECURITY_SUPPORT_ENDS_SOON: S.MEDIUM,
    R.HARDWARE_END_OF_SUPPORT: S.HIGH,
    R.HARDWARE_END_OF_SALE: S.LOW,
    R.WARRANTY_EXPIRED: S.LOW,
    R.WARRANTY_EXPIRES_SOON: S.INFO,
    R.PAST_REPLACEMENT_CYCLE: S.MEDIUM,
    R.NOT_SEEN: S.MEDIUM,
    R.UNKNOWN_VERSION: S.INFO,
    R.BELOW_MINIMUM_VERSION: S.HIGH,
    R.SOFTWARE_END_OF_SUPPORT: S.HIGH,
    R.SOFTWARE_EXTENDED_SUPPORT_ONLY: S.MEDIUM,
    R.SOFTWARE_SECURITY_SUPPORT_ENDS_SOON: S.LOW,
}
SEVERITY_ORDER = {S.CRITICAL: 0, S.HIGH: 1, S.MEDIUM: 2, S.LOW: 3, S.INFO: 4}

# The values() columns every evaluation reads.
DEVICE_FIELDS = ("id", "kind", "status", "site_id", "platform_id", "os_version", "hardware_model_id",
                 "purchase_date", "warranty_end", "last_seen", "purchase_cost")
SUPPORT_FIELDS = ("support_status", "support_phase_ends", "support_next_phase")
# Devices that are gone raise nothing and leave no forecast.
SKIPPED_STATUSES = frozenset({DeviceStatusChoices.RETIRED})

def device_rows(queryset: QuerySet, fields: tuple[str, ...] = DEVICE_FIELDS) -> list[dict[str, Any]]:
    """``queryset.values(*fields)`` as plain dicts.

    On SQLite, dates and datetimes come back as text turned into objects by a Python converter per value, which
    costs more than the lifecycle rules themselves at 100,000 devices; here those columns are read as text (a
    CAST) and parsed with the C ``fromisoformat``. Other backends return date objects already: plain ``values()``.
    """
    queryset = queryset.order_by()
    if connection.vendor != "sqlite":
        return list(queryset.values(*fields).iterator(chunk_size=10000))
    kinds = {name: Device._meta.get_field(name.removesuffix("_id")).get_internal_type() for name in fields}
    cast = {name for name, kind in kinds.items() if kind in ("DateField", "DateTimeField", "DecimalField")}
    queryset = queryset.annotate(**{f"text_{name}": Cast(name, CharField()) for name in cast})
    columns = [f"text_{name}" if name in cast else name for name in fields]
    converters = []
    for index, name in enumerate(fields):
        if kinds[name] == "DateField":
            converters.append((index, dt.date.fromisoformat))
        elif kinds[name] == "DateTimeField":
            converters.append((index, lambda text: dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)))
        elif kinds[name] == "DecimalField":
            converters.append((index, lambda text: Decimal(text).quantize(Decimal("0.01"))))
    out = []
    for raw in queryset.values_list(*columns).iterator(chunk_size=10000):
        row = list(raw)
        for index, convert in converters:
            if row[index] is not None:
                row[index] = convert(row[index])
        out.append(dict(zip(fields, row, strict=True)))
    return out


_VERSION_TOKEN_RE = re.compile(r"\d[\w.()]*")


def version_token(text: str | None) -> str:
    """The first version-looking token: 'Cisco IOS XE 17.6.4' -> '17.6.4', '15.2(7)E4' -> '15.2(7)E4'."""
    found = _VERSION_TOKEN_RE.search(text or "")
    return found.group(0).rstrip(".") if found else ""


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a non-leap year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def mapping_key(platform_id: int | None, version: str | None) -> tuple[int | None, str]:
    return platform_id, (version or "").strip().casefold()


def _iso(value: dt.date | bool | None) -> str | None:
    if isinstance(value, bool) or value is None:
        return "ended, date unknown" if value is True else None
    return value.isoformat()


# Pure resolve() results for the catalogue content they were computed from (a worker process re-evaluating daily,
# or after each discovery run, resolves each distinct version text once until the catalogue changes).
_MATCH_CACHE: dict[str, Any] = {"fingerprint": None, "results": {}, "index": None}


def _catalogue_index(catalogue: Catalogue) -> tuple[dict[str, set[str]], dict[str, Any]]:
    """First alias word -> product slugs, so resolve() only looks at products the text can name."""
    by_word: dict[str, set[str]] = {}
    for product in catalogue.products:
        for name in (*product.platform_names, product.name, product.product):
            words = tokens(name)
            if words:
                by_word.setdefault(words[0], set()).add(product.product)
    return by_word, {p.product: p for p in catalogue.products}


def _match(platform: str | None, version: str | None, catalogue: Catalogue, fingerprint: tuple) -> Match | None:
    """resolve() against only the products whose names could occur in the text (and the products they are related
    to): the same answer as against the whole catalogue, without scoring every product for every version text."""
    if _MATCH_CACHE["fingerprint"] != fingerprint:
        _MATCH_CACHE.update(fingerprint=fingerprint, results={}, index=_catalogue_index(catalogue))
    results = _MATCH_CACHE["results"]
    key = (platform, version)
    if key in results:
        return results[key]
    by_word, by_slug = _MATCH_CACHE["index"]
    words = set(tokens(platform)) | set(tokens(version))
    slugs: set[str] = set()
    for word in words:
        slugs |= by_word.get(word, set())
    for slug in list(slugs):
        slugs.update(r for r in by_slug[slug].related if r in by_slug)
    # Keep the catalogue's order: resolve() breaks ties between equally good product names by it.
    found = resolve(platform, version, [p for p in catalogue.products if p.product in slugs]) if slugs else None
    if len(results) > 200_000:
        results.clear()
    results[key] = found
    return found


@dataclass(frozen=True, eq=False)
class CycleFacts:
    """A resolved catalogue cycle, with what is needed for evidence."""

    pk: int
    product: str
    product_name: str
    cycle: CatalogueCycle
    source: str
    matched_by: str  # "mapping" or "rule"
    rule: str = ""
    confidence: str = "high"

    def evidence(self, fact: str, value: dt.date | bool | None) -> dict[str, Any]:
        return {
            "kind": "catalogue", "fact": fact, "value": _iso(value), "product": self.product,
            "cycle": self.cycle.cycle, "cycle_label": self.cycle.label,
            "cycle_id": self.pk, "source": self.source, "matched_by": self.matched_by, "rule": self.rule,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class HardwareFacts:
    end_of_sale: dt.date | bool | None
    end_of_support: dt.date | bool | None
    model_pk: int
    model_name: str
    source: str
    notice: str
    confidence: str

    def evidence(self, fact: str, value: dt.date | bool | None) -> dict[str, Any]:
        return {
            "kind": "hardware", "fact": fact, "value": _iso(value), "hardware_model_id": self.model_pk,
            "hardware_model": self.model_name, "notice": self.notice, "source": self.source,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, eq=False)
class PolicyFacts:
    pk: int | None
    name: str
    rule: str
    years: int | None = None
    days: int | None = None
    minimum_version: str = ""
    severity: str = ""
    device_kind: str = ""

    def evidence(self, **extra: Any) -> dict[str, Any]:
        return {"kind": "policy", "policy_id": self.pk, "policy": self.name, "rule": self.rule, **extra}


@dataclass(frozen=True)
class FindingData:
    reason: str
    severity: str
    effective_date: dt.date | None
    detail: str
    evidence: dict[str, Any]
    evidence_json: str
    digest: str


def _finding(reason: str, policy: PolicyFacts | None, effective: dt.date | None, detail: str,
             evidence: dict[str, Any]) -> FindingData:
    """Build a finding with its severity (the policy's when set, else the reason's default) and content hash."""
    severity = (policy.severity if policy is not None else "") or DEFAULT_SEVERITY[reason]
    detail = detail[:500]
    evidence_json = json.dumps(evidence, sort_keys=True, default=str)
    payload = "\x1f".join((severity, _iso(effective) or "", detail, evidence_json))
    digest = hashlib.md5(payload.encode(), usedforsecurity=False).hexdigest()
    return FindingData(reason, severity, effective, detail, evidence, evidence_json, digest)


@dataclass(frozen=True)
class Event:
    """A dated forecast event: the device leaves support or passes its replacement cycle (None = already, date
    unknown)."""

    reason: str  # "os", "hardware", "replacement"
    date: dt.date | None


_MISSING = object()


def _latest_purchase(as_of: dt.date, years: int) -> dt.date:
    """The latest purchase date whose replacement (purchase + years) is due on or before as_of."""
    day = add_years(as_of, -years) - dt.timedelta(days=3)
    while add_years(day + dt.timedelta(days=1), years) <= as_of:
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True, eq=False)
class _KindRules:
    window: PolicyFacts | None
    warranty: PolicyFacts | None
    replacement: PolicyFacts | None
    purchased_by: dt.date | None
    not_seen: PolicyFacts | None
    seen_before: dt.datetime | None


@dataclass
class LifecycleContext:
    catalogue: Catalogue
    fingerprint: tuple
    cycles: dict[tuple[str, str], CycleFacts]
    cycles_by_pk: dict[int, CycleFacts]
    mappings: dict[tuple[int | None, str], int]
    platform_names: dict[int, str]
    policies: dict[str, dict[str, PolicyFacts]]  # rule -> device_kind ("" = any) -> policy
    minimums: dict[int, list[PolicyFacts]]  # platform id -> policies
    hardware_rows: dict[int, dict[str, Any]]
    notices: tuple[NoticeData, ...]
    _resolved: dict[tuple[int | None, str], CycleFacts | None] = field(default_factory=dict)
    _hardware: dict[int, HardwareFacts | None] = field(default_factory=dict)
    _resolved_raw: dict[tuple[int | None, str | None], CycleFacts | None] = field(default_factory=dict)
    _memo: dict[tuple, FindingData | None] = field(default_factory=dict)
    _memo_as_of: dt.date | None = None
    _kinds: dict[str, _KindRules] = field(default_factory=dict)

    @classmethod
    def load(cls) -> LifecycleContext:
        from inventory.models import (
            HardwareModel,
            HardwareNotice,
            LifecycleCycle,
            LifecyclePolicy,
            LifecycleProduct,
            Platform,
            VersionMapping,
        )

        products = {p.pk: p for p in LifecycleProduct.objects.all()}
        by_product: dict[int, list[LifecycleCycle]] = {}
        for cycle in LifecycleCycle.objects.all():
            by_product.setdefault(cycle.product_id, []).append(cycle)
        catalogue_products = []
        cycles: dict[tuple[str, str], CycleFacts] = {}
        by_pk: dict[int, CycleFacts] = {}
        for pk, product in products.items():
            rows = by_product.get(pk, [])
            data = tuple(row.to_catalogue(product.source) for row in rows)
            catalogue_products.append(product.to_catalogue(data))
            for row, item in zip(rows, data, strict=True):
                facts = CycleFacts(pk=row.pk, product=product.slug, product_name=product.name, cycle=item,
                                   source=item.source or product.source, matched_by="rule",
                                   confidence=row.confidence)
                cycles[(product.slug, row.cycle)] = facts
                by_pk[row.pk] = facts
        policies: dict[str, dict[str, PolicyFacts]] = {}
        minimums: dict[int, list[PolicyFacts]] = {}
        for policy in LifecyclePolicy.objects.filter(enabled=True):
            facts = PolicyFacts(pk=policy.pk, name=policy.name, rule=policy.rule, years=policy.years,
                                days=policy.days, minimum_version=policy.minimum_version, severity=policy.severity,
                                device_kind=policy.device_kind)
            if policy.rule == Rule.MINIMUM_VERSION:
                minimums.setdefault(policy.platform_id, []).append(facts)
            else:
                policies.setdefault(policy.rule, {})[policy.device_kind] = facts
        hardware_rows = {
            row["id"]: row for row in HardwareModel.objects.values(
                "id", "model", "part_number", "end_of_sale", "end_of_support", "unit_cost", "manufacturer__name")
        }
        # Identifies the catalogue content: any create, edit or delete of a product or cycle changes it.
        fingerprint = (hash(tuple(sorted((p.pk, p.last_updated) for p in products.values()))),
                       hash(tuple(sorted((c.pk, c.product_id, c.last_updated) for r in by_product.values()
                                         for c in r))))
        return cls(
            catalogue=Catalogue(products=tuple(catalogue_products)), fingerprint=fingerprint,
            cycles=cycles, cycles_by_pk=by_pk,
            mappings={mapping_key(m.platform_id, m.version): m.cycle_id
                      for m in VersionMapping.objects.filter(software="")},
            platform_names=dict(Platform.objects.values_list("id", "name")),
            policies=policies, minimums=minimums, hardware_rows=hardware_rows,
            notices=tuple(n.to_catalogue() for n in HardwareNotice.objects.all()),
        )

    # --- look-ups (cached) ---

    def policy(self, rule: str, kind: str) -> PolicyFacts | None:
        by_kind = self.policies.get(rule) or {}
        return by_kind.get(kind) or by_kind.get("")

    def resolve(self, platform_id: int | None, version: str | None) -> CycleFacts | None:
        raw = (platform_id, version)
        if raw in self._resolved_raw:
            return self._resolved_raw[raw]
        self._resolved_raw[raw] = found = self._resolve(platform_id, version)
        return found

    def _resolve(self, platform_id: int | None, version: str | None) -> CycleFacts | None:
        key = mapping_key(platform_id, version)
        if key in self._resolved:
            return self._resolved[key]
        found: CycleFacts | None = None
        mapped = self.mappings.get(key)
        if mapped is not None and mapped in self.cycles_by_pk:
            base = self.cycles_by_pk[mapped]
            found = CycleFacts(pk=base.pk, product=base.product, product_name=base.product_name, cycle=base.cycle,
                               source=base.source, matched_by="mapping", rule="", confidence=base.confidence)
        else:
            platform = self.platform_names.get(platform_id) if platform_id else None
            if platform or (version or "").strip():
                match = _match(platform, version, self.catalogue, self.fingerprint)
                base = self.cycles.get((match.product, match.cycle)) if match else None
                if base is not None and match is not None:
                    confidence = min((base.confidence, match.confidence), key=("high", "medium", "low").index)
                    found = CycleFacts(pk=base.pk, product=base.product, product_name=base.product_name,
                                       cycle=base.cycle, source=base.source, matched_by="rule", rule=match.rule,
                                       confidence=confidence)
        self._resolved[key] = found
        return found

    def hardware(self, hardware_model_id: int | None) -> HardwareFacts | None:
        if not hardware_model_id:
            return None
        if hardware_model_id in self._hardware:
            return self._hardware[hardware_model_id]
        row = self.hardware_rows.get(hardware_model_id)
        facts = None
        if row is not None:
            text = " ".join(x for x in (row["model"], row["part_number"]) if x)
            notice = find_hardware_notice(row["manufacturer__name"], text, self.notices) if self.notices else None
            sale = row["end_of_sale"] or (notice.end_of_sale if notice else None)
            support = row["end_of_support"] or (notice.end_of_support if notice else None)
            if sale is not None or support is not None:
                source = notice.source if notice else ""
                facts = HardwareFacts(
                    end_of_sale=sale, end_of_support=support, model_pk=hardware_model_id,
                    model_name=f"{row['manufacturer__name']} {row['model']}",
                    source=source, notice=f"{notice.manufacturer} {notice.model}" if notice else "",
                    confidence=notice.confidence if notice and not row["end_of_support"] else "high",
                )
        self._hardware[hardware_model_id] = facts
        return facts

    def cost(self, row: dict[str, Any]) -> Decimal | None:
        """Replacement cost: the hardware model's typical unit cost when known, else what this device cost."""
        hardware = self.hardware_rows.get(row["hardware_model_id"]) if row["hardware_model_id"] else None
        if hardware is not None and hardware["unit_cost"] is not None:
            return hardware["unit_cost"]
        return row["purchase_cost"]

    def unmatched_count(self) -> int:
        """Distinct platform/version pairs resolved so far that matched nothing."""
        return sum(1 for value in self._resolved.values() if value is None)

    # --- rules ---

    def _kind_rules(self, kind: str, as_of: dt.date) -> _KindRules:
        """The policies that apply to a device kind, with their as_of thresholds worked out once."""
        rules = self._kinds.get(kind)
        if rules is None:
            replacement = self.policy(Rule.REPLACEMENT_CYCLE, kind)
            if replacement is not None and not replacement.years:
                replacement = None
            not_seen = self.policy(Rule.NOT_SEEN, kind)
            if not_seen is not None and not not_seen.days:
                not_seen = None
            midnight = timezone.make_aware(dt.datetime.combine(as_of, dt.time.min))
            rules = _KindRules(
                window=self.policy(Rule.SUPPORT_WINDOW, kind), warranty=self.policy(Rule.WARRANTY, kind),
                replacement=replacement,
                purchased_by=_latest_purchase(as_of, replacement.years) if replacement and replacement.years else None,
                not_seen=not_seen,
                seen_before=midnight - dt.timedelta(days=not_seen.days) if not_seen and not_seen.days else None,
            )
            self._kinds[kind] = rules
        return rules

    def findings(self, row: dict[str, Any], as_of: dt.date) -> list[FindingData]:
        """Every finding true for one device on as_of (plus the 'soon' ones about to become true).

        Findings are memoised by what they depend on (the cycle, the hardware model, the warranty date…), so
        100,000 devices cost a few thousand rule evaluations and dictionary look-ups for the rest.
        """
        if row["status"] in SKIPPED_STATUSES:
            return []
        if self._memo_as_of != as_of:
            self._memo, self._memo_as_of, self._kinds = {}, as_of, {}
        memo = self._memo
        out: list[FindingData] = []
        kind = row["kind"]
        rules = self._kinds.get(kind) or self._kind_rules(kind, as_of)
        version = row["os_version"] or ""
        platform_id = row["platform_id"]

        if platform_id or version:
            cycle_facts = self.resolve(platform_id, version)
            if cycle_facts is not None:
                window = rules.window
                key = ("os", cycle_facts, window)
                found = memo.get(key, _MISSING)
                if found is _MISSING:
                    found = memo[key] = self._os_finding(cycle_facts, window, as_of)
            else:
                key = ("unknown", platform_id, version)
                found = memo.get(key, _MISSING)
                if found is _MISSING:
                    found = memo[key] = self._unknown_finding(platform_id, version)
            if found is not None:
                out.append(found)
            minimums = self.minimums.get(platform_id) if platform_id else None
            if minimums:
                key = ("minimum", platform_id, version, kind)
                found = memo.get(key, _MISSING)
                if found is _MISSING:
                    found = memo[key] = self._minimum_finding(minimums, kind, version)
                if found is not None:
                    out.append(found)

        hardware_model_id = row["hardware_model_id"]
        if hardware_model_id:
            key = ("hardware", hardware_model_id)
            found = memo.get(key, _MISSING)
            if found is _MISSING:
                found = memo[key] = self._hardware_finding(hardware_model_id, as_of)
            if found is not None:
                out.append(found)

        warranty_end = row["warranty_end"]
        if warranty_end is not None:
            key = ("warranty", warranty_end, rules.warranty)
            found = memo.get(key, _MISSING)
            if found is _MISSING:
                found = memo[key] = self._warranty_finding(warranty_end, rules.warranty, as_of)
            if found is not None:
                out.append(found)

        purchase = row["purchase_date"]
        if purchase is not None and rules.purchased_by is not None and purchase <= rules.purchased_by:
            policy = rules.replacement
            key = ("replacement", purchase, policy)
            found = memo.get(key, _MISSING)
            if found is _MISSING and policy is not None:
                found = memo[key] = self._replacement_finding(purchase, policy, as_of)
            if found is not None:
                out.append(found)

        last_seen = row["last_seen"]
        if last_seen is not None and rules.seen_before is not None and last_seen < rules.seen_before:
            policy = rules.not_seen
            seen = timezone.localtime(last_seen).date()
            key = ("not_seen", seen, policy)
            found = memo.get(key, _MISSING)
            if found is _MISSING:
                found = memo[key] = _finding(R.NOT_SEEN, policy, seen + dt.timedelta(days=policy.days),
                                             f"Last seen on {seen:%d/%m/%Y}, more than {policy.days} days ago.",
                                             policy.evidence(days=policy.days, last_seen=seen.isoformat()))
            out.append(found)
        return out

    def _os_finding(self, facts: CycleFacts, window: PolicyFacts | None, as_of: dt.date) -> FindingData | None:
        cycle = facts.cycle
        eos, label = cycle.eos, cycle.label
        if cycle.phase_ended("eos", as_of):
            eoes = cycle.eoes
            effective = _date(eos)
            if eoes is False or (_date(eoes) is not None and as_of <= eoes):
                until = f" until {eoes:%d/%m/%Y}" if _date(eoes) else ""
                return _finding(R.OS_EXTENDED_SUPPORT_ONLY, None, effective,
                                f"{label}: security support ended{_on(eos)}; only paid extended support{until}.",
                                facts.evidence("end_of_security_support", eos)
                                | {"extended_support_end": _iso(eoes) if eoes is not False else "no end date"})
            return _finding(R.OS_END_OF_SUPPORT, None, effective, f"{label}: security support ended{_on(eos)}.",
                            facts.evidence("end_of_security_support", eos))
        day = _date(eos)
        if day is not None and window is not None and window.days and (day - as_of).days < window.days:
            return _finding(R.OS_SECURITY_SUPPORT_ENDS_SOON, window, day,
                            f"{label}: security support ends on {day:%d/%m/%Y} (within {window.days} days).",
                            facts.evidence("end_of_security_support", eos)
                            | {"policy": window.name, "policy_id": window.pk})
        return None

    def _unknown_finding(self, platform_id: int | None, version: str) -> FindingData | None:
        if not platform_id and not version.strip():
            return None
        platform = self.platform_names.get(platform_id, "") if platform_id else ""
        text = f"{platform} {version}".strip()
        return _finding(R.UNKNOWN_VERSION, None, None,
                        f"“{text}” matches no catalogue cycle: map it once on the unmatched versions page.",
                        {"kind": "match", "platform_id": platform_id, "platform": platform, "version": version})

    def _minimum_finding(self, policies: list[PolicyFacts], kind: str, version: str) -> FindingData | None:
        token = version_token(version)
        if not token:
            return None
        for policy in policies:
            if policy.device_kind and policy.device_kind != kind:
                continue
            if not version_at_least(token, policy.minimum_version):
                return _finding(R.BELOW_MINIMUM_VERSION, policy, None,
                                f"Version {token} is below the approved minimum {policy.minimum_version}.",
                                policy.evidence(minimum_version=policy.minimum_version, version=token))
        return None

    def _hardware_finding(self, hardware_model_id: int, as_of: dt.date) -> FindingData | None:
        hardware = self.hardware(hardware_model_id)
        if hardware is None:
            return None
        support, sale = hardware.end_of_support, hardware.end_of_sale
        if _passed(support, as_of):
            return _finding(R.HARDWARE_END_OF_SUPPORT, None, _date(support),
                            f"{hardware.model_name}: vendor support ended{_on(support)}.",
                            hardware.evidence("end_of_support", support))
        if _passed(sale, as_of):
            until = f"; support until {support:%d/%m/%Y}" if _date(support) else ""
            return _finding(R.HARDWARE_END_OF_SALE, None, _date(sale),
                            f"{hardware.model_name}: no longer sold{_on(sale)}{until}.",
                            hardware.evidence("end_of_sale", sale) | {"end_of_support": _iso(support)})
        return None

    def _warranty_finding(self, warranty_end: dt.date, policy: PolicyFacts | None, as_of: dt.date
                          ) -> FindingData | None:
        evidence = {"kind": "device", "fact": "warranty_end", "value": warranty_end.isoformat()}
        if as_of > warranty_end:
            return _finding(R.WARRANTY_EXPIRED, policy, warranty_end, f"Warranty ended on {warranty_end:%d/%m/%Y}.",
                            evidence)
        if policy is not None and policy.days and (warranty_end - as_of).days < policy.days:
            return _finding(R.WARRANTY_EXPIRES_SOON, policy, warranty_end,
                            f"Warranty ends on {warranty_end:%d/%m/%Y} (within {policy.days} days).",
                            evidence | {"policy": policy.name, "policy_id": policy.pk})
        return None

    def _replacement_finding(self, purchase: dt.date, policy: PolicyFacts, as_of: dt.date) -> FindingData | None:
        due = add_years(purchase, policy.years or 0)
        if as_of < due:
            return None
        return _finding(R.PAST_REPLACEMENT_CYCLE, policy, due,
                        f"Bought {purchase:%d/%m/%Y}; due for replacement after {policy.years} years "
                        f"({due:%d/%m/%Y}).",
                        policy.evidence(years=policy.years, purchase_date=purchase.isoformat()))

    def replacement_due(self, row: dict[str, Any]) -> tuple[dt.date, PolicyFacts] | None:
        purchase = row["purchase_date"]
        if purchase is None:
            return None
        policy = self.policy(Rule.REPLACEMENT_CYCLE, row["kind"])
        if policy is None or not policy.years:
            return None
        return add_years(purchase, policy.years), policy

    def events(self, row: dict[str, Any]) -> list[Event]:
        """Forecast events of one device: OS security support end, hardware end of support, replacement due."""
        if row["status"] in SKIPPED_STATUSES:
            return []
        out: list[Event] = []
        version = row["os_version"] or ""
        if row["platform_id"] or version.strip():
            cycle_facts = self.resolve(row["platform_id"], version)
            if cycle_facts is not None:
                eos = cycle_facts.cycle.eos
                if eos is True:
                    out.append(Event("os", None))
                elif isinstance(eos, dt.date):
                    out.append(Event("os", eos))
        hardware = self.hardware(row["hardware_model_id"])
        if hardware is not None:
            if hardware.end_of_support is True:
                out.append(Event("hardware", None))
            elif isinstance(hardware.end_of_support, dt.date):
                out.append(Event("hardware", hardware.end_of_support))
        due = self.replacement_due(row)
        if due is not None:
            out.append(Event("replacement", due[0]))
        return out


def _date(value: dt.date | bool | None) -> dt.date | None:
    return value if isinstance(value, dt.date) and not isinstance(value, bool) else None


def _passed(value: dt.date | bool | None, as_of: dt.date) -> bool:
    if value is True:
        return True
    day = _date(value)
    return day is not None and as_of > day


def _on(value: dt.date | bool | None) -> str:
    day = _date(value)
    return f" on {day:%d/%m/%Y}" if day else " (date unknown)"
