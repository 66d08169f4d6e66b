"""Writes of the denormalised support phase columns (device OS, installed software, applications).

Called by ``findings_evaluate()`` in its transaction. Set-based: rows are grouped by their new phase and written
with one UPDATE per group (per product/version pair for installed software), and only where the stored phase
differs, so an unchanged re-run writes nothing. Derived data, like findings: not audited row by row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count

from inventory.lifecycle_engine import SKIPPED_STATUSES, FindingData
from inventory.lifecycle_software import SoftwareItem, SupportResolver, software_finding, state_tuple
from inventory.models import Application, Device, InstalledSoftware

WRITE_BATCH = 1000
State = tuple[str, dt.date | None, str]


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _stored(row: dict[str, Any]) -> State:
    return row["support_status"], row["support_phase_ends"], row["support_next_phase"] or ""


def _update_by_ids(model: type, groups: dict[State, list[int]]) -> int:
    """UPDATE ... WHERE id IN (...) once per new state and thousand ids."""
    table = connection.ops.quote_name(model._meta.db_table)
    adapt = connection.ops.adapt_datefield_value
    written = 0
    with connection.cursor() as cursor:
        for (status, ends, following), ids in groups.items():
            for chunk in _chunks(ids, WRITE_BATCH):
                cursor.execute(
                    f"UPDATE {table} SET support_status = %s, support_phase_ends = %s, "  # noqa: S608
                    f"support_next_phase = %s WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                    [status, adapt(ends), following, *chunk])
                written += len(chunk)
    return written


def device_support_write(*, resolver: SupportResolver, rows: list[dict[str, Any]]) -> int:
    """Each device's OS phase; rows carry the stored phase (``SUPPORT_FIELDS``). Returns how many changed."""
    groups: dict[State, list[int]] = defaultdict(list)
    for row in rows:
        state = state_tuple(resolver.device_state(row["platform_id"], row["os_version"]))
        if state != _stored(row):
            groups[state].append(row["id"])
    return _update_by_ids(Device, groups)


def software_support_write(*, resolver: SupportResolver, rows: list[dict[str, Any]],
                           device_ids: list[int] | None) -> tuple[int, dict[int, list[FindingData]]]:
    """Installed software phases and the software findings of the evaluated devices.

    Whole estate: the distinct (product, version, stored phase) combinations are read (a few thousand for
    millions of rows), changed pairs updated with one statement each, and only the device ids of the releases with
    a problem read back for the findings. Some devices: their rows are read and updated by id.
    """
    kinds = {row["id"]: row["kind"] for row in rows if row["status"] not in SKIPPED_STATUSES}
    installs: dict[tuple[str, str], list[int]] = defaultdict(list)  # release -> device ids
    if device_ids is None:
        changed = _software_pairs_write(resolver)
        table = connection.ops.quote_name(InstalledSoftware._meta.db_table)
        with connection.cursor() as cursor:
            for product, version in sorted(_problem_pairs(resolver, set(kinds.values()))):
                cursor.execute(f"SELECT device_id FROM {table} WHERE product = %s AND version = %s",  # noqa: S608
                               [product, version])
                installs[(product, version)] = [device_id for (device_id,) in cursor.fetchall()]
    else:
        groups: dict[State, list[int]] = defaultdict(list)
        for chunk in _chunks(device_ids, WRITE_BATCH):
            for item in (InstalledSoftware.objects.filter(device_id__in=chunk).order_by()
                         .values("id", "device_id", "product", "version", "support_status", "support_phase_ends",
                                 "support_next_phase")):
                state = state_tuple(resolver.software_state(item["product"], item["version"]))
                if state != _stored(item):
                    groups[state].append(item["id"])
                installs[(item["product"], item["version"])].append(item["device_id"])
        changed = _update_by_ids(InstalledSoftware, groups)
    return changed, _software_findings(resolver, installs, kinds)


def _software_pairs_write(resolver: SupportResolver) -> int:
    combos = (InstalledSoftware.objects.order_by()
              .values("product", "version", "support_status", "support_phase_ends", "support_next_phase")
              .annotate(n=Count("id")))
    stale: dict[tuple[str, str], State] = {}
    count = 0
    for combo in combos:
        state = state_tuple(resolver.software_state(combo["product"], combo["version"]))
        if state != _stored(combo):
            stale[(combo["product"], combo["version"])] = state
            count += combo["n"]
    if stale:
        table = connection.ops.quote_name(InstalledSoftware._meta.db_table)
        adapt = connection.ops.adapt_datefield_value
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET support_status = %s, support_phase_ends = %s, support_next_phase = %s "  # noqa: S608
                "WHERE product = %s AND version = %s",
                [(status, adapt(ends), following, product, version)
                 for (product, version), (status, ends, following) in stale.items()])
    return count


def _problem_pairs(resolver: SupportResolver, kinds: set[str]) -> set[tuple[str, str]]:
    """Product/version pairs that raise a finding for some device kind."""
    windows = {resolver.window_days(kind) for kind in kinds}
    out = set()
    for product, version in InstalledSoftware.objects.order_by().values_list("product", "version").distinct():
        facts = resolver.software(product, version)
        if facts is not None and any(resolver.software_problem(facts, days) for days in windows):
            out.add((product, version))
    return out


def _software_findings(resolver: SupportResolver, installs: dict[tuple[str, str], list[int]],
                       kinds: dict[int, str]) -> dict[int, list[FindingData]]:
    """Per device, one finding per reason listing its releases with that problem (earliest end first)."""
    windows = {kind: resolver.window_days(kind) for kind in set(kinds.values())}
    items = []
    for (product, version), devices in installs.items():
        facts = resolver.software(product, version)
        if facts is not None:
            items.append((SoftwareItem(product, version, facts), devices))
    items.sort(key=lambda pair: pair[0].sort_key)  # so every device's list comes out in order
    # reason -> device id -> its releases; the reason of a release depends only on the device kind's window.
    by_reason: dict[str, dict[int, list[SoftwareItem]]] = defaultdict(dict)
    for item, devices in items:
        reasons = {days: resolver.software_problem(item.facts, days) for days in set(windows.values())}
        if not any(reasons.values()):
            continue
        for device_id in devices:
            kind = kinds.get(device_id)
            if kind is None:
                continue  # retired, or not being evaluated
            reason = reasons[windows[kind]]
            if reason is not None:
                by_reason[reason].setdefault(device_id, []).append(item)
    # Memoised by content: devices with the same releases share one finding object.
    memo: dict[tuple, FindingData] = {}
    out: dict[int, list[FindingData]] = defaultdict(list)
    for reason, devices in by_reason.items():
        for device_id, found_items in devices.items():
            days = windows[kinds[device_id]]
            key = (reason, days, *found_items)
            found = memo.get(key)
            if found is None:
                found = memo[key] = software_finding(reason, found_items, days)
            out[device_id].append(found)
    return out


def applications_support_write(*, resolver: SupportResolver) -> int:
    """Each application's phase (its vendor support end, else its catalogue cycle)."""
    groups: dict[State, list[int]] = defaultdict(list)
    for row in Application.objects.order_by().values("id", "product", "version", "support_end", "support_status",
                                                     "support_phase_ends", "support_next_phase"):
        state = state_tuple(resolver.application_state(row)[0])
        if state != _stored(row):
            groups[state].append(row["id"])
    return _update_by_ids(Application, groups)


__all__ = ["applications_support_write", "device_support_write", "software_support_write"]
