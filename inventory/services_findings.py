"""Writes for lifecycle findings: recompute them for the whole estate or some devices, writing only differences.

Findings are derived data (``inventory.lifecycle_engine`` works them out from the catalogue, policies and device
rows), so they are written set-based with plain parameterised SQL rather than through the ORM, and not audited row
by row: the job that runs ``findings_evaluate()`` keeps a log.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypedDict

from django.db import connection, transaction
from django.utils import timezone

from estate.background import Emit, background_batches
from inventory.lifecycle_engine import (
    DEVICE_FIELDS,
    SKIPPED_STATUSES,
    SUPPORT_FIELDS,
    FindingData,
    LifecycleContext,
    device_rows,
)
from inventory.lifecycle_software import SupportResolver
from inventory.models import Device, Finding
from inventory.services_support import applications_support_write, device_support_write, software_support_write

LIFECYCLE_JOB_KIND = "lifecycle"
WRITE_BATCH = 1000
READ_CHUNK = 5000
SQLITE_CACHE_KIB = 64 * 1024  # page cache while findings are written (SQLite's default is 2 MiB)
# Below this many devices the findings are worked out inline; above it, in a second thread while this one writes.
PIPELINE_MIN_DEVICES = 5000
PIPELINE_BATCH = 2000
_COLUMNS = ("device_id", "reason", "severity", "effective_date", "detail", "evidence", "digest", "created",
            "last_updated")


class FindingsSummary(TypedDict):
    as_of: str
    devices: int
    findings: int
    created: int
    updated: int
    deleted: int
    unchanged: int
    unmatched_versions: int
    devices_status_changed: int
    software_status_changed: int
    applications_status_changed: int
    seconds: float


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def findings_evaluate(*, device_ids: Iterable[int] | None = None, as_of: dt.date | None = None) -> FindingsSummary:
    """Recompute the findings of the given devices (all when None) as of a day (today when None).

    Set-based: the catalogue, mappings and policies are loaded once, each distinct platform/version is resolved
    once, findings are computed in Python from ``values()`` rows, and only the differences are written (new
    findings inserted, changed ones updated in place, gone ones deleted), so re-running with nothing changed
    writes nothing. For a large estate the rules run in a second thread while this one streams the new findings
    into the database, so the database's work (B-trees, constraint checks; SQLite and libpq release the GIL for it)
    overlaps with the Python.
    """
    started = time.monotonic()
    as_of = as_of or timezone.localdate()
    context = LifecycleContext.load()
    ids = None if device_ids is None else sorted({int(pk) for pk in device_ids})
    rows, existing = _current_state(ids)
    resolver = SupportResolver(context, as_of)
    # Support phases (denormalised columns) first, then the findings that agree with them.
    devices_changed = device_support_write(resolver=resolver, rows=rows)
    software_changed, software_findings = software_support_write(resolver=resolver, rows=rows, device_ids=ids)
    applications_changed = applications_support_write(resolver=resolver) if ids is None else 0
    writer = _FindingWriter()
    evaluation = _Evaluation(context=context, as_of=as_of, existing=existing, make_row=writer.row,
                             extra=software_findings)
    if len(rows) < PIPELINE_MIN_DEVICES:
        writer.insert(evaluation.new_rows(rows))
    else:
        _pipeline(lambda: evaluation.new_rows(rows), writer.insert)
    stale = [pk for pk, _ in existing.values()]
    writer.delete(stale)
    writer.update(evaluation.to_update)
    return {"as_of": as_of.isoformat(), "devices": len(rows), "findings": evaluation.total,
            "created": evaluation.created, "updated": len(evaluation.to_update), "deleted": len(stale),
            "unchanged": evaluation.unchanged, "unmatched_versions": context.unmatched_count(),
            "devices_status_changed": devices_changed, "software_status_changed": software_changed,
            "applications_status_changed": applications_changed,
            "seconds": round(time.monotonic() - started, 3)}


def _current_state(ids: list[int] | None) -> tuple[list[dict[str, Any]], dict[tuple[int, str], tuple[int, str]]]:
    """The device rows to evaluate and their current findings, keyed (device id, reason) -> (finding id, digest)."""
    existing: dict[tuple[int, str], tuple[int, str]] = {}
    fields = DEVICE_FIELDS + SUPPORT_FIELDS
    if ids is None:
        rows = device_rows(Device.objects.all(), fields)
        for pk, device_id, reason, digest in Finding.objects.values_list(
                "id", "device_id", "reason", "digest").iterator(chunk_size=20000):
            existing[(device_id, reason)] = (pk, digest)
        return rows, existing
    rows = []
    for chunk in _chunks(ids, READ_CHUNK):
        rows.extend(device_rows(Device.objects.filter(pk__in=chunk), fields))
        for pk, device_id, reason, digest in Finding.objects.filter(device_id__in=chunk).values_list(
                "id", "device_id", "reason", "digest"):
            existing[(device_id, reason)] = (pk, digest)
    return rows, existing


class _Evaluation:
    """Runs the rules over device rows, sorting each finding into new / changed / unchanged against ``existing``
    (which it consumes: what is left at the end is stale)."""

    def __init__(self, *, context: LifecycleContext, as_of: dt.date,
                 existing: dict[tuple[int, str], tuple[int, str]], make_row: Callable[[int, FindingData], Any],
                 extra: dict[int, list[FindingData]] | None = None):
        self.context, self.as_of, self.existing, self.make_row = context, as_of, existing, make_row
        self.extra = extra or {}  # findings worked out elsewhere (installed software), by device id
        self.to_update: list[tuple[int, FindingData]] = []
        self.total = self.created = self.unchanged = 0

    def new_rows(self, rows: list[dict[str, Any]]) -> Iterator[list[Any]]:
        """Batches of insert rows for the new findings; changed ones are kept in ``to_update``."""
        findings, as_of, pop, make_row = self.context.findings, self.as_of, self.existing.pop, self.make_row
        extra = self.extra
        batch: list[Any] = []
        for row in rows:
            device_id = row["id"]
            found_list = findings(row, as_of)
            if device_id in extra and row["status"] not in SKIPPED_STATUSES:
                found_list = found_list + extra[device_id]
            for found in found_list:
                self.total += 1
                current = pop((device_id, found.reason), None)
                if current is None:
                    batch.append(make_row(device_id, found))
                elif current[1] == found.digest:
                    self.unchanged += 1
                else:
                    self.to_update.append((current[0], found))
            if len(batch) >= PIPELINE_BATCH:
                self.created += len(batch)
                yield batch
                batch = []
        if batch:
            self.created += len(batch)
            yield batch


def _pipeline(produce: Callable[[], Iterator[list[Any]]], consume: Callable[[Iterable[list[Any]]], None]) -> None:
    """Run ``produce`` in a worker thread and ``consume`` its batches here (the thread that owns the database
    connection). An error on either side stops both and is raised here."""
    current_tz = timezone.get_current_timezone()

    def worker(emit: Emit, _stop: threading.Event) -> None:
        with timezone.override(current_tz):  # the rules read local dates the way the caller would
            for batch in produce():
                emit(batch)

    received = background_batches(worker, name="findings-evaluate", max_batch=1, maxsize=8)
    try:
        consume(batch for [batch] in received)
    finally:
        received.close()  # stops the rules when consume() failed half-way


class _FindingWriter:
    """Plain parameterised SQL for findings: the ORM's per-field preparation costs more than the rules at
    100,000-device scale. Values are adapted with the backend's own adapters, so SQLite and PostgreSQL match.

    ``row()`` is called from the rules' thread and must not touch the connection; the other methods run in the
    caller's thread.
    """

    def __init__(self) -> None:
        self.ops = connection.ops
        self.table = connection.ops.quote_name(Finding._meta.db_table)
        self.vendor = connection.vendor
        self.now = timezone.now()
        self._now_db = self.ops.adapt_datetimefield_value(self.now)
        self._tails: dict[int, tuple[FindingData, Any]] = {}  # id(finding) -> (finding kept alive, its row tail)
        self._copy = False
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                self._copy = hasattr(cursor.cursor, "copy")  # psycopg 3: COPY is several times faster than INSERT

    # Findings are memoised by the rules, so the same object recurs for thousands of devices: its row "tail"
    # (everything but the device id) is prepared once.
    def row(self, device_id: int, found: FindingData) -> Any:
        cached = self._tails.get(id(found))
        if cached is None:
            cached = self._tails[id(found)] = (found, self._tail(found))
        if self._copy:
            return f"{device_id}\t{cached[1]}"
        return (device_id, *cached[1])

    def _tail(self, found: FindingData) -> Any:
        if self._copy:
            values = (found.reason, found.severity, found.effective_date, found.detail, found.evidence_json,
                      found.digest, self.now, self.now)
            return "\t".join(_copy_text(value) for value in values) + "\n"
        return (found.reason, found.severity, self.ops.adapt_datefield_value(found.effective_date), found.detail,
                found.evidence_json, found.digest, self._now_db, self._now_db)

    def insert(self, batches: Iterable[list[Any]]) -> None:
        columns = ", ".join(_COLUMNS)
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                self._insert_sqlite(cursor, batches, columns)
                return
            if self._copy:
                with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    for batch in batches:
                        copy.write("".join(batch))
                return
            # Another backend: one statement per thousand rows (a round trip per row would dominate).
            row_sql = f"({', '.join(['%s'] * len(_COLUMNS))})"
            for chunk in _chunks(list(itertools.chain.from_iterable(batches)), WRITE_BATCH):
                cursor.execute(f"INSERT INTO {self.table} ({columns}) VALUES "  # noqa: S608
                               f"{', '.join([row_sql] * len(chunk))}", [value for row in chunk for value in row])

    def _insert_sqlite(self, cursor: Any, batches: Iterable[list[Any]], columns: str) -> None:
        # The driver's own executemany (prepared once, looping in C, releasing the GIL while SQLite works) fed by a
        # generator; Django's wrapper would want a list. A bigger page cache for the duration keeps the B-trees
        # being filled from spilling to the WAL mid-transaction.
        raw = cursor.cursor
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
        try:
            sql = f"INSERT INTO {self.table} ({columns}) VALUES ({', '.join(['?'] * len(_COLUMNS))})"  # noqa: S608
            with connection.wrap_database_errors:
                sqlite3.Cursor.executemany(raw, sql, itertools.chain.from_iterable(batches))
        finally:
            cursor.execute(f"PRAGMA cache_size = {previous}")

    def delete(self, stale: list[int]) -> None:
        with connection.cursor() as cursor:
            for chunk in _chunks(stale, WRITE_BATCH):
                cursor.execute(f"DELETE FROM {self.table} WHERE id IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608
                               chunk)

    def update(self, changed: list[tuple[int, FindingData]]) -> None:
        rows = [(pk, f.severity, self.ops.adapt_datefield_value(f.effective_date), f.detail, f.evidence_json,
                 f.digest, self._now_db) for pk, f in changed]
        if not rows:
            return
        with connection.cursor() as cursor:
            if self.vendor != "postgresql":
                cursor.executemany(f"UPDATE {self.table} SET severity = %s, effective_date = %s, detail = %s, "  # noqa: S608
                                   "evidence = %s, digest = %s, last_updated = %s WHERE id = %s",
                                   [(*row[1:], row[0]) for row in rows])
                return
            update_row = "(%s, %s, %s, %s, %s, %s, %s)"
            for chunk in _chunks(rows, WRITE_BATCH):
                cursor.execute(
                    f"UPDATE {self.table} AS f SET severity = v.severity, "  # noqa: S608
                    "effective_date = v.effective_date::date, detail = v.detail, evidence = v.evidence::jsonb, "
                    "digest = v.digest, last_updated = v.last_updated::timestamptz "
                    f"FROM (VALUES {', '.join([update_row] * len(chunk))}) "
                    "AS v(id, severity, effective_date, detail, evidence, digest, last_updated) "
                    "WHERE f.id = v.id::bigint",
                    [value for row in chunk for value in row])


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format (NULL is \\N; backslash, tab and line breaks escaped)."""
    if value is None:
        return "\\N"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def lifecycle_evaluate_enqueue(*, user=None, device_ids: list[int] | None = None, started_by: str = ""):
    """Start the re-evaluation as a background job (a Job with a log)."""
    from estate.jobs import job_enqueue

    kwargs: dict[str, Any] = {} if device_ids is None else {"device_ids": list(device_ids)}
    return job_enqueue(kind=LIFECYCLE_JOB_KIND, name="Re-evaluate lifecycle findings", user=user,
                       started_by=started_by, **kwargs)
