"""Reads for the lifecycle pages and API: findings, unmatched versions, the dashboard and the replacement forecast.

Forecast rules (``lifecycle_forecast``), the basis of a replacement programme and its capital budget:

* Events per device: its OS/firmware leaves security support (the catalogue cycle's end of security support),
  its hardware leaves vendor support (the hardware model's end of support, or a matching vendor notice), and it
  passes its replacement cycle (purchase date + the policy's years for its kind). Retired devices are left out.
* A published end date is the last supported day; the event falls in the UK financial year (1 April–31 March)
  holding that date: support ending 31/03/2027 is a 2026/27 event, ending 01/04/2027 a 2027/28 event.
* Events before the current financial year, or "ended, date unknown", go in the first column ("Before …"):
  kit that is already due. Events after the last year shown are left out.
* Per-reason rows count a device once per reason, in that reason's year. A device with an OS event in one year
  and a hardware event in another appears in both rows, in different years.
* The "Devices to replace" row, and the rows by kind and by site, count each device once, in the year of its
  first event (the earliest date; an unknown date counts as earliest), so its cost is budgeted once.
* Replacement cost: the hardware model's unit cost when known, else the device's purchase cost; devices with
  neither are counted under "no cost basis" and add nothing to the cost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from inventory.choices import DeviceKindChoices, FindingReasonChoices, FindingSeverityChoices
from inventory.lifecycle.fy import financial_year_end, financial_year_start, start_year
from inventory.lifecycle.versions import resolve_product
from inventory.lifecycle_engine import DEVICE_FIELDS, SKIPPED_STATUSES, LifecycleContext
from inventory.models import (
    Device,
    Finding,
    HardwareNotice,
    LifecycleCycle,
    LifecyclePolicy,
    LifecycleProduct,
    Site,
    VersionMapping,
)

OVERDUE = "overdue"
ANY = "any"
FORECAST_REASONS = {
    "os": "OS security support ends",
    "hardware": "Hardware vendor support ends",
    "replacement": "Replacement cycle passes",
}
# Rows that count installed software releases and applications, not devices (outside "Devices to replace").
FORECAST_OTHER = {
    "software": "Installed software security support ends (installs)",
    "application_support": "Application vendor support ends",
    "application_contract": "Application contract ends (renewal cost)",
}
ANY_LABEL = "Devices to replace (each once, at its first event)"
MAX_YEARS = 15


# --- lists ------------------------------------------------------------------------------------------------------


def finding_list() -> QuerySet[Finding]:
    return Finding.objects.select_related("device", "device__site")


def device_findings(*, device: Device) -> list[Finding]:
    findings = list(device.findings.all())
    order = {value: index for index, value in enumerate(FindingSeverityChoices.values)}
    return sorted(findings, key=lambda f: (order.get(f.severity, 99), f.reason))


def lifecycle_product_list() -> QuerySet[LifecycleProduct]:
    return LifecycleProduct.objects.annotate(cycle_count=Count("cycles"))


def lifecycle_cycle_list() -> QuerySet[LifecycleCycle]:
    return LifecycleCycle.objects.select_related("product")


def hardware_notice_list() -> QuerySet[HardwareNotice]:
    return HardwareNotice.objects.all()


def version_mapping_list() -> QuerySet[VersionMapping]:
    return VersionMapping.objects.select_related("platform", "cycle", "cycle__product")


def lifecycle_policy_list() -> QuerySet[LifecyclePolicy]:
    return LifecyclePolicy.objects.select_related("platform")


def cycle_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Cycles grouped by product, for a <select> with optgroups."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for cycle in LifecycleCycle.objects.select_related("product").order_by("product__name", "-release_date",
                                                                           "cycle"):
        groups.setdefault(cycle.product.name, []).append((cycle.pk, cycle.label or cycle.cycle))
    return list(groups.items())


def unmatched_versions(*, context: LifecycleContext | None = None) -> list[dict[str, Any]]:
    """Distinct platform + version texts that no mapping or catalogue rule resolves, most devices first."""
    context = context or LifecycleContext.load()
    pairs = (Device.objects.exclude(status__in=SKIPPED_STATUSES).filter(Q(platform__isnull=False) | ~Q(os_version=""))
             .values("platform_id", "platform__name", "platform__slug", "os_version").annotate(devices=Count("id"))
             .order_by("-devices", "platform__name", "os_version"))
    out = []
    for pair in pairs:
        if context.resolve(pair["platform_id"], pair["os_version"]) is not None:
            continue
        guess = resolve_product(pair["platform__name"], pair["os_version"], context.catalogue)
        out.append({"platform_id": pair["platform_id"], "platform": pair["platform__name"] or "",
                    "platform_slug": pair["platform__slug"] or "",
                    "version": pair["os_version"], "devices": pair["devices"],
                    "product_guess": guess.product if guess else "", "product_guess_name": guess.name if guess else ""})
    return out


# --- dashboard --------------------------------------------------------------------------------------------------


def lifecycle_summary() -> dict[str, Any]:
    """Counts of findings by reason and severity, and of affected devices by site and kind, with chart specs."""
    findings = Finding.objects.all()
    reasons = dict(FindingReasonChoices.choices)
    severities = dict(FindingSeverityChoices.choices)
    kinds = dict(DeviceKindChoices.choices)
    by_reason = [{"key": r["reason"], "label": reasons.get(r["reason"], r["reason"]), "count": r["count"]}
                 for r in findings.values("reason").annotate(count=Count("id")).order_by("-count", "reason")]
    by_severity = [{"key": key, "label": label, "count": 0} for key, label in severities.items()]
    counts = dict(findings.values_list("severity").annotate(count=Count("id")).values_list("severity", "count"))
    for row in by_severity:
        row["count"] = counts.get(row["key"], 0)
    serious = findings.filter(severity__in=[FindingSeverityChoices.CRITICAL, FindingSeverityChoices.HIGH])
    by_site = [{"key": r["device__site__slug"], "label": r["device__site__name"], "count": r["count"]}
               for r in serious.values("device__site__slug", "device__site__name")
               .annotate(count=Count("device", distinct=True)).order_by("-count", "device__site__name")]
    by_kind = [{"key": r["device__kind"], "label": kinds.get(r["device__kind"], r["device__kind"]), "count": r["count"]}
               for r in serious.values("device__kind").annotate(count=Count("device", distinct=True))
               .order_by("-count", "device__kind")]
    return {
        "devices": Device.objects.exclude(status__in=SKIPPED_STATUSES).count(),
        "devices_with_findings": findings.values("device").distinct().count(),
        "devices_serious": serious.values("device").distinct().count(),
        "unsupported_os": findings.filter(reason=FindingReasonChoices.OS_END_OF_SUPPORT).count(),
        "last_evaluated": findings.order_by("-last_updated").values_list("last_updated", flat=True).first(),
        "charts": [
            {"id": "reason", "title": "Findings by reason", "label": "Reason", "param": "reason", "type": "bar",
             "rows": by_reason},
            {"id": "severity", "title": "Findings by severity", "label": "Severity", "param": "severity",
             "type": "doughnut", "rows": by_severity},
            {"id": "site", "title": "Devices with critical/high findings by site", "label": "Site", "param": "site",
             "type": "bar", "rows": by_site},
            {"id": "kind", "title": "Devices with critical/high findings by kind", "label": "Kind", "param": "kind",
             "type": "bar", "rows": by_kind},
        ],
    }


def lifecycle_headline() -> list[dict[str, Any]]:
    """The home page's lifecycle cards: unsupported OS, unsupported hardware, past replacement, due this year."""
    from django.urls import reverse

    devices = reverse("inventory:device_list")
    counts = dict(Finding.objects.values_list("reason").annotate(n=Count("id")).values_list("reason", "n"))
    reason = FindingReasonChoices
    return [
        {"label": "OS out of security support", "count": counts.get(reason.OS_END_OF_SUPPORT, 0),
         "url": f"{devices}?finding={reason.OS_END_OF_SUPPORT}"},
        {"label": "OS support ends within the window", "count": counts.get(reason.OS_SECURITY_SUPPORT_ENDS_SOON, 0),
         "url": f"{devices}?finding={reason.OS_SECURITY_SUPPORT_ENDS_SOON}"},
        {"label": "Hardware out of vendor support", "count": counts.get(reason.HARDWARE_END_OF_SUPPORT, 0),
         "url": f"{devices}?finding={reason.HARDWARE_END_OF_SUPPORT}"},
        {"label": "Past replacement cycle", "count": counts.get(reason.PAST_REPLACEMENT_CYCLE, 0),
         "url": f"{devices}?finding={reason.PAST_REPLACEMENT_CYCLE}"},
    ]


# --- forecast ---------------------------------------------------------------------------------------------------


@dataclass
class _Assigned:
    device_id: int
    site_id: int
    kind: str
    cost: Decimal | None
    buckets: dict[str, str] = field(default_factory=dict)  # reason -> bucket
    first: str | None = None


def _bucket(day: dt.date | None, first_year: int, years: int) -> str | None:
    if day is None:
        return OVERDUE
    year = start_year(day)
    if year < first_year:
        return OVERDUE
    if year >= first_year + years:
        return None
    return f"{year}/{(year + 1) % 100:02d}"


def _clamp_years(years: int) -> int:
    return max(1, min(int(years), MAX_YEARS))


def forecast_assignments(*, years: int = 5, as_of: dt.date | None = None, site_ids: Sequence[int] | None = None,
                         kinds: Sequence[str] | None = None, context: LifecycleContext | None = None
                         ) -> list[_Assigned]:
    """Each device with at least one event in the horizon, with the bucket of each of its events and of the first."""
    years = _clamp_years(years)
    as_of = as_of or timezone.localdate()
    first_year = start_year(as_of)
    context = context or LifecycleContext.load()
    devices = Device.objects.exclude(status__in=SKIPPED_STATUSES)
    if site_ids:
        devices = devices.filter(site_id__in=list(site_ids))
    if kinds:
        devices = devices.filter(kind__in=list(kinds))
    out = []
    for row in devices.values(*DEVICE_FIELDS).iterator(chunk_size=5000):
        events = context.events(row)
        if not events:
            continue
        item = _Assigned(device_id=row["id"], site_id=row["site_id"], kind=row["kind"], cost=None)
        for event in events:
            bucket = _bucket(event.date, first_year, years)
            if bucket is not None:
                item.buckets[event.reason] = bucket
        earliest = min(events, key=lambda e: dt.date.min if e.date is None else e.date)
        item.first = _bucket(earliest.date, first_year, years)
        if item.buckets or item.first:
            item.cost = context.cost(row)
            out.append(item)
    return out


def _empty_cell(bucket: str) -> dict[str, Any]:
    return {"bucket": bucket, "devices": 0, "cost": Decimal("0.00"), "no_cost": 0}


def _add(cell: dict[str, Any], cost: Decimal | None) -> None:
    cell["devices"] += 1
    if cost is None:
        cell["no_cost"] += 1
    else:
        cell["cost"] += cost


def _row(key: str, label: str, bucket_keys: list[str]) -> dict[str, Any]:
    return {"key": key, "label": label, "cells": [_empty_cell(b) for b in bucket_keys], "total": _empty_cell("total")}


def lifecycle_forecast(*, years: int = 5, as_of: dt.date | None = None, site_ids: Sequence[int] | None = None,
                       kinds: Sequence[str] | None = None) -> dict[str, Any]:
    """Devices leaving support or passing their replacement cycle per UK financial year, with replacement costs.

    Returns ``{as_of, years, buckets: [{key, label, start, end}], rows: [...reasons..., any], by_kind: [...],
    by_site: [...]}``; each row is ``{key, label, cells: [{bucket, devices, cost, no_cost}], total}`` with the
    cells in bucket order. See the module docstring for the counting rules.
    """
    years = _clamp_years(years)
    as_of = as_of or timezone.localdate()
    first_year = start_year(as_of)
    buckets = [{"key": OVERDUE, "label": f"Before {first_year}/{(first_year + 1) % 100:02d}", "start": None,
                "end": financial_year_start(first_year) - dt.timedelta(days=1)}]
    for year in range(first_year, first_year + years):
        buckets.append({"key": f"{year}/{(year + 1) % 100:02d}", "label": f"{year}/{(year + 1) % 100:02d}",
                        "start": financial_year_start(year), "end": financial_year_end(year)})
    keys = [b["key"] for b in buckets]
    index = {key: i for i, key in enumerate(keys)}
    rows = {reason: _row(reason, label, keys) for reason, label in FORECAST_REASONS.items()}
    rows[ANY] = _row(ANY, ANY_LABEL, keys)
    kind_labels = dict(DeviceKindChoices.choices)
    by_kind: dict[str, dict[str, Any]] = {}
    by_site: dict[int, dict[str, Any]] = {}
    sites = dict(Site.objects.values_list("id", "name"))
    site_slugs = dict(Site.objects.values_list("id", "slug"))
    for item in forecast_assignments(years=years, as_of=as_of, site_ids=site_ids, kinds=kinds):
        for reason, bucket in item.buckets.items():
            _add(rows[reason]["cells"][index[bucket]], item.cost)
            _add(rows[reason]["total"], item.cost)
        if item.first is None:
            continue
        targets = [rows[ANY]]
        if item.kind not in by_kind:
            by_kind[item.kind] = _row(item.kind, kind_labels.get(item.kind, item.kind), keys)
        if item.site_id not in by_site:
            by_site[item.site_id] = _row(site_slugs.get(item.site_id, str(item.site_id)),
                                         sites.get(item.site_id, str(item.site_id)), keys)
        targets += [by_kind[item.kind], by_site[item.site_id]]
        for row in targets:
            _add(row["cells"][index[item.first]], item.cost)
            _add(row["total"], item.cost)
    other = _forecast_other(keys=keys, index=index, first_year=first_year, years=years, as_of=as_of,
                            site_ids=site_ids, kinds=kinds)
    return {
        "as_of": as_of, "years": years, "buckets": buckets,
        "rows": [*(rows[r] for r in FORECAST_REASONS), rows[ANY]],
        "other": other,
        "by_kind": sorted(by_kind.values(), key=lambda r: (-r["total"]["devices"], r["label"])),
        "by_site": sorted(by_site.values(), key=lambda r: (-r["total"]["devices"], r["label"])),
    }


def forecast_device_ids(*, reason: str, bucket: str, years: int = 5, as_of: dt.date | None = None,
                        site_ids: Sequence[int] | None = None, kinds: Sequence[str] | None = None) -> list[int]:
    """The devices behind one forecast cell: reason 'os'/'hardware'/'replacement', or 'any' (each device at its
    first event); bucket a financial year label, 'overdue', or 'total' (any bucket shown)."""
    ids = []
    for item in forecast_assignments(years=years, as_of=as_of, site_ids=site_ids, kinds=kinds):
        found = item.first if reason == ANY else item.buckets.get(reason)
        if found is not None and bucket in (found, "total"):
            ids.append(item.device_id)
    return ids


# --- support phases and installed software ------------------------------------------------------------------------


def support_counts() -> list[dict[str, Any]]:
    """Devices (OS), installed software rows and applications per support phase, for the dashboard."""
    from inventory.choices import SupportStatusChoices
    from inventory.models import Application, InstalledSoftware

    out = []
    for key, label, queryset in (
            ("device", "Devices (OS)", Device.objects.exclude(status__in=SKIPPED_STATUSES)),
            ("software", "Installed software", InstalledSoftware.objects.exclude(device__status__in=SKIPPED_STATUSES)),
            ("application", "Applications", Application.objects.all())):
        counts = dict(queryset.order_by().values_list("support_status").annotate(n=Count("id")))
        out.append({"key": key, "label": label, "counts": [
            {"status": status, "label": status_label, "count": counts.get(status, 0)}
            for status, status_label in SupportStatusChoices.choices], "total": sum(counts.values())})
    return out


def software_releases(*, context: LifecycleContext | None = None, as_of: dt.date | None = None,
                      statuses: Sequence[str] | None = None, search: str = "") -> list[dict[str, Any]]:
    """Installed software grouped by product and version: installs, devices, support phase and catalogue cycle."""
    from inventory.lifecycle_software import SupportResolver
    from inventory.models import InstalledSoftware

    resolver = SupportResolver(context or LifecycleContext.load(), as_of or timezone.localdate())
    queryset = InstalledSoftware.objects.order_by()
    if statuses:
        queryset = queryset.filter(support_status__in=list(statuses))
    if search:
        queryset = queryset.filter(Q(product__icontains=search) | Q(version__icontains=search))
    groups = (queryset.values("product", "version", "support_status", "support_phase_ends", "support_next_phase")
              .annotate(installs=Count("id"), devices=Count("device", distinct=True))
              .order_by("product", "version"))
    out = []
    for group in groups:
        facts = resolver.software(group["product"], group["version"])
        out.append(group | {"cycle_id": facts.pk if facts else None,
                            "cycle_label": facts.cycle.label if facts else "",
                            "catalogue_product": facts.product_name if facts else "",
                            "matched_by": facts.matched_by if facts else "",
                            "end_of_security_support": facts.cycle.eos if facts else None})
    return out


def unmatched_software(*, context: LifecycleContext | None = None, everything: bool = False) -> list[dict[str, Any]]:
    """Product + version texts no mapping or rule resolves, most installs first. Only those that name a catalogue
    product (a release the catalogue lacks) unless ``everything``: most installed software is not tracked."""
    from inventory.lifecycle.phases import software_text
    from inventory.lifecycle_software import SupportResolver
    from inventory.models import InstalledSoftware

    resolver = SupportResolver(context or LifecycleContext.load(), timezone.localdate())
    pairs = (InstalledSoftware.objects.exclude(device__status__in=SKIPPED_STATUSES).order_by()
             .values("product", "version").annotate(installs=Count("id")).order_by("-installs", "product", "version"))
    out = []
    for pair in pairs:
        if resolver.software(pair["product"], pair["version"]) is not None:
            continue
        name, text = software_text(pair["product"], pair["version"])
        guess = resolve_product(name, text, resolver.catalogue)
        if guess is None and not everything:
            continue
        out.append({"product": pair["product"], "version": pair["version"], "installs": pair["installs"],
                    "product_guess": guess.product if guess else "", "product_guess_name": guess.name if guess else ""})
    return out


def _forecast_other(*, keys: list[str], index: dict[str, int], first_year: int, years: int, as_of: dt.date,
                    site_ids: Sequence[int] | None, kinds: Sequence[str] | None) -> list[dict[str, Any]]:
    """Installed software (each install once, in the year its security support ends; no cost basis) and
    applications (vendor support end, and contract end with its renewal cost) per financial year."""
    from inventory.lifecycle_software import SupportResolver
    from inventory.models import Application, InstalledSoftware

    resolver = SupportResolver(LifecycleContext.load(), as_of)
    rows = {key: _row(key, label, keys) for key, label in FORECAST_OTHER.items()}

    def add(key: str, day: dt.date | None, count: int, cost: Decimal | None) -> None:
        bucket = _bucket(day, first_year, years)
        if bucket is None:
            return
        for cell in (rows[key]["cells"][index[bucket]], rows[key]["total"]):
            cell["devices"] += count
            if cost is None:
                cell["no_cost"] += count
            else:
                cell["cost"] += cost

    software = InstalledSoftware.objects.exclude(device__status__in=SKIPPED_STATUSES).order_by()
    if site_ids:
        software = software.filter(device__site_id__in=list(site_ids))
    if kinds:
        software = software.filter(device__kind__in=list(kinds))
    for product, version, count in software.values_list("product", "version").annotate(n=Count("id")):
        facts = resolver.software(product, version)
        eos = facts.cycle.eos if facts else False
        if eos is not False:
            add("software", None if eos is True else eos, count, None)
    if not site_ids and not kinds:  # applications belong to no site or device kind
        for app in Application.objects.order_by().values("id", "product", "version", "support_end", "contract_end",
                                                          "renewal_cost"):
            state, facts = resolver.application_state(app)
            end = app["support_end"] or (facts.cycle.eos if facts else False)
            if end is not False:
                add("application_support", None if end is True else end, 1, app["renewal_cost"])
            if app["contract_end"] is not None:
                add("application_contract", app["contract_end"], 1, app["renewal_cost"])
    return list(rows.values())
