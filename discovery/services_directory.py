"""Writes for directory sources: saving a source (bind password encrypted, write-only), starting a sync, and the
writes only a directory can make (disabled accounts, last logon as last seen, OU department, vanished computers).

Each computer is reconciled through ``discovery.reconcile.host_reconcile`` like any discovered host (same matching,
provenance and precedence); what follows here is what the directory alone knows.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from discovery.facts import HostFacts
from discovery.models_directory import DirectoryComputer, DirectorySource, mapping_lines
from discovery.parsers.directory import DirectoryComputer as Computer
from discovery.parsers.directory import computer_facts, dn_within
from discovery.reconcile import Outcome, batch_flush, host_keys, host_reconcile
from discovery.secrets import PLACEHOLDER, encrypt_secrets
from estate.audit_bulk import audit_context_values, audit_entry, rows_insert
from estate.jobs import job_enqueue
from estate.models import Job
from estate.services import object_save
from inventory.choices import DeviceStatusChoices, DiscoverySourceChoices
from inventory.matching import match_index_build
from inventory.models import Device, Site

SYNC_KIND = "directory_sync"


@transaction.atomic
def directory_source_save(*, source: DirectorySource, password: str | None) -> DirectorySource:
    """Save a source. A password sent as None, "" or the placeholder keeps the stored one; a new source needs one."""
    if password is not None and password != PLACEHOLDER and password != "":
        if "\x00" in password or len(password) > 1000:
            raise ValidationError({"password": "The password holds a NUL or is longer than 1,000 characters."})
        source.secret_data = encrypt_secrets({"password": password})
    if not source.secret_data:
        raise ValidationError({"password": "Give the bind password."})
    return object_save(instance=source)


@transaction.atomic
def directory_sync_start(*, source: DirectorySource, dry_run: bool = False, user=None, started_by: str = "",
                         queue: str | None = None) -> Job:
    """Queue a sync of a stored source (the "Sync now" button, the API, the CLI's --source)."""
    return job_enqueue(kind=SYNC_KIND, name=f"Directory sync {source.name}"[:200], user=user, started_by=started_by,
                       queue=queue or (f"site-{source.site.slug}" if settings.ESTATE_JOB_BACKEND == "celery"
                                       else "default"),
                       source_id=source.pk, dry_run=dry_run)


# --- a sync's plan and its batches --------------------------------------------------------------------------------


@dataclass
class SyncPlan:
    """Where a source's computers go and what a disabled account means; built once per sync."""

    default_site: Site
    disabled_status: str = DeviceStatusChoices.OFFLINE
    source: DirectorySource | None = None  # None: an ad hoc run (the CLI without --source): nothing remembered
    site_map: list[tuple[str, Site]] = field(default_factory=list)  # deepest OU first
    department_map: list[tuple[str, str]] = field(default_factory=list)
    known: dict[str, DirectoryComputer] = field(default_factory=dict)  # dn (lower) -> row, stored sources only

    @classmethod
    def for_source(cls, source: DirectorySource) -> SyncPlan:
        sites = {s.slug: s for s in Site.objects.filter(slug__in=[v for _d, v in mapping_lines(source.ou_site_map)])}
        plan = cls(default_site=source.site, disabled_status=source.disabled_status, source=source)
        plan.site_map = _deepest_first([(dn, sites[slug]) for dn, slug in mapping_lines(source.ou_site_map)
                                        if slug in sites])
        plan.department_map = _deepest_first(mapping_lines(source.ou_department_map))
        plan.known = {row.dn.lower(): row for row in DirectoryComputer.objects.filter(source=source)}
        return plan

    def site_for(self, computer: Computer) -> Site:
        return next((site for dn, site in self.site_map if dn_within(computer.dn, dn)), self.default_site)

    def department_for(self, computer: Computer) -> str | None:
        return next((dept for dn, dept in self.department_map if dn_within(computer.dn, dn)), None)


def _deepest_first(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return sorted(pairs, key=lambda pair: pair[0].count(","), reverse=True)


def directory_batch_apply(*, computers: Sequence[Computer], plan: SyncPlan, dry_run: bool = False,
                          now: datetime | None = None) -> list[dict[str, Any]]:
    """Reconcile a batch of computers and make the directory's own writes; one result dict per computer.

    On SQLite the batch is one transaction (each computer a savepoint in it) with one MatchIndex per site, as
    DiscoveryJob batches hosts; PostgreSQL keeps reconcile's transaction per host."""
    now = now or timezone.now()
    batched = connection.vendor == "sqlite"
    results: list[dict[str, Any]] = []
    by_site: dict[int, tuple[Site, list[Computer]]] = {}
    for computer in computers:
        site = plan.site_for(computer)
        by_site.setdefault(site.pk, (site, []))[1].append(computer)
    with transaction.atomic() if batched else contextlib.nullcontext():
        for site, group in by_site.values():
            facts = [computer_facts(c) for c in group]
            digests = [facts_digest(f, site) for f in facts]
            skip = _unchanged(group, digests, plan) if not dry_run else {}
            todo = [i for i in range(len(group)) if i not in skip]
            index = match_index_build(site=site, hosts=[host_keys(facts[i]) for i in todo])
            prior = {pk: d.last_seen for pk, d in index.devices.items()}  # before reconcile touches them
            prior.update(skip.values())
            use_index = batched and not dry_run and len(todo) > 1
            outcomes: list[Outcome] = []
            for i, (computer, fact) in enumerate(zip(group, facts, strict=True)):
                if i in skip:  # the directory says what it said last time, and the device is still there
                    pk = plan.known[computer.dn.lower()].device_id
                    outcomes.append(Outcome(action="unchanged", device_id=pk, device_name=computer.name))
                    continue
                # Seen by this sync now (first seen, provenance); last seen becomes the logon time below.
                outcomes.append(host_reconcile(facts=fact, site=site, source=DiscoverySourceChoices.DIRECTORY,
                                               dry_run=dry_run, seen_at=now, index=index if use_index else None))
            if use_index:
                index.seen = {}  # last seen is the directory's to write: the logon time, per device (below)
                batch_flush(index=index)
            if not dry_run:
                _directory_writes(group, outcomes, plan=plan, prior=prior, now=now, digests=digests)
            for computer, outcome in zip(group, outcomes, strict=True):
                results.append(_result(computer, outcome, site))
    return results


def facts_digest(facts: HostFacts, site: Site) -> str:
    """What reconcile would be told about the computer, hashed: equal digests, nothing new to reconcile."""
    wanted = (site.pk, facts.address, facts.hostname, facts.kind, facts.platform, facts.version, facts.extra,
              tuple((name, e.source, e.strength, e.detail) for name, e in facts.evidence))
    return hashlib.blake2b(repr(wanted).encode(), digest_size=16).hexdigest()


def _unchanged(group: Sequence[Computer], digests: list[str], plan: SyncPlan) -> dict[int, tuple[int, Any]]:
    """Positions in the group whose facts the source reconciled last time, unchanged, into a device that still
    exists: {position: (device id, its last seen)}. An unchanged re-run of 20,000 computers costs a query a batch."""
    candidates = {}
    for i, computer in enumerate(group):
        row = plan.known.get(computer.dn.lower())
        if row is not None and row.device_id and row.facts_digest == digests[i] and row.vanished is None:
            candidates[i] = row.device_id
    if not candidates:
        return {}
    alive = dict(Device.objects.filter(pk__in=candidates.values()).values_list("pk", "last_seen"))
    return {i: (pk, alive[pk]) for i, pk in candidates.items() if pk in alive}


def _result(computer: Computer, outcome, site: Site) -> dict[str, Any]:
    win = computer.windows
    return {
        "name": computer.name, "dn": computer.dn, "dns_hostname": computer.dns_hostname, "site": site.slug,
        "device_id": outcome.device_id, "device_name": outcome.device_name, "action": outcome.action,
        "kind": win.kind if win else None, "platform": win.platform if win else computer.os_name,
        "version": win.version if win else computer.os_version, "release": win.label if win else None,
        "last_logon": computer.last_logon.isoformat() if computer.last_logon else None,
        "disabled": computer.disabled, "error": outcome.error or None,
    }


def _directory_writes(group: Sequence[Computer], outcomes: list, *, plan: SyncPlan, prior: dict[int, datetime | None],
                      now: datetime, digests: list[str]) -> None:
    """Last seen from lastLogonTimestamp (never moved back), status of disabled accounts, OU department, and the
    source's record of each computer. Queryset updates, each change written to the audit history."""
    with transaction.atomic():
        pairs = [(c, o, d) for c, o, d in zip(group, outcomes, digests, strict=True)
                 if o.device_id and o.action != "failed"]
        ids = [o.device_id for _c, o, _d in pairs]
        devices = Device.objects.in_bulk(ids)
        # Last seen: the logon time, unless the device was seen later by other means (SSH yesterday): never back.
        # Reconcile stamped created and updated devices with the sync time; unchanged ones were left as they were.
        moved = []
        for computer, outcome, _digest in pairs:
            device = devices.get(outcome.device_id)
            if device is None:
                continue
            known = [t for t in (prior.get(device.pk), computer.last_logon) if t is not None]
            wanted = max(known) if known else None
            if device.last_seen != wanted:
                device.last_seen = wanted
                moved.append(device)
        Device.objects.bulk_update(moved, ["last_seen"], batch_size=500)
        status_changes: list[tuple[Device, str, str]] = []
        department_changes: list[tuple[Device, str, str]] = []
        for computer, outcome, _digest in pairs:
            device = devices.get(outcome.device_id)
            if device is None:
                continue
            known = plan.known.get(computer.dn.lower())
            if computer.disabled and device.status == DeviceStatusChoices.ACTIVE:
                status_changes.append((device, device.status, plan.disabled_status))
            elif not computer.disabled and known is not None and known.disabled and \
                    device.status == plan.disabled_status:
                status_changes.append((device, device.status, DeviceStatusChoices.ACTIVE))  # re-enabled
            department = plan.department_for(computer)
            if department and not device.department:  # a person's department is never overwritten
                department_changes.append((device, device.department, department[:100]))
        _audited_update(status_changes, "status", now=now)
        _audited_update(department_changes, "department", now=now)
        if plan.source is not None:
            _remember(pairs, plan=plan, now=now)


def _audited_update(changes: list[tuple[Device, str, str]], field_name: str, *, now: datetime) -> None:
    """One UPDATE per new value, and the history entries auditlog would have written for each device."""
    if not changes:
        return
    by_value: dict[str, list[int]] = defaultdict(list)
    for device, _old, new in changes:
        by_value[new].append(device.pk)
    for value, pks in by_value.items():
        Device.objects.filter(pk__in=pks).update(**{field_name: value, "last_updated": now})
    context = audit_context_values()
    ct = ContentType.objects.get_for_model(Device)
    rows_insert(LogEntry, [audit_entry(ct=ct, obj=device, action=LogEntry.Action.UPDATE,
                                       changes={field_name: [str(old), str(new)]}, actor=context.get("actor"),
                                       cid=context.get("cid"), remote_addr=context.get("remote_addr"), now=now)
                           for device, old, new in changes])
    for device, _old, new in changes:
        setattr(device, field_name, new)


def _remember(pairs: list, *, plan: SyncPlan, now: datetime) -> None:
    """The source's record of each computer it read: new rows in bulk, changed rows in bulk, unchanged untouched."""
    new, changed = [], []
    for computer, outcome, digest in pairs:
        key = computer.dn.lower()
        row = plan.known.get(key)
        if row is None:
            row = DirectoryComputer(source=plan.source, device_id=outcome.device_id, dn=computer.dn[:2048],
                                    name=computer.name[:255], disabled=computer.disabled,
                                    last_logon=computer.last_logon, first_synced=now, last_synced=now,
                                    facts_digest=digest)
            new.append(row)
            plan.known[key] = row
            continue
        wanted = (outcome.device_id, computer.disabled, computer.last_logon, None, computer.name[:255], digest)
        if (row.device_id, row.disabled, row.last_logon, row.vanished, row.name, row.facts_digest) != wanted:
            row.device_id, row.disabled, row.last_logon, row.vanished, row.name, row.facts_digest = wanted
            row.last_synced = now
            changed.append(row)
    DirectoryComputer.objects.bulk_create(new, batch_size=500)
    DirectoryComputer.objects.bulk_update(changed, ["device", "disabled", "last_logon", "vanished", "name",
                                                    "last_synced", "facts_digest"], batch_size=500)


@transaction.atomic
def directory_vanished_mark(*, plan: SyncPlan, seen_dns: set[str], now: datetime) -> list[DirectoryComputer]:
    """Computers the source knew but this (complete) read did not return: marked vanished, devices kept.

    Call only after a read that ended without error: a half-read directory would mark the unread half."""
    if plan.source is None:
        return []
    gone = [row for key, row in plan.known.items() if key not in seen_dns and row.vanished is None and row.pk]
    DirectoryComputer.objects.filter(pk__in=[row.pk for row in gone]).update(vanished=now)
    for row in gone:
        row.vanished = now
    return gone


def directory_source_synced(*, source: DirectorySource, summary: dict[str, int], now: datetime) -> None:
    """Stamp the source with its last sync (a plain update: not a change a person made)."""
    DirectorySource.objects.filter(pk=source.pk).update(last_synced=now, last_summary=summary)


@transaction.atomic
def directory_source_secrets_rotate() -> int:
    """Re-encrypt every source's bind password with the first key of ESTATE_SECRETS_KEYS (for
    `manage.py rotate_secrets_key`, beside credential_secrets_rotate); all or nothing."""
    from cryptography.fernet import InvalidToken

    from discovery.secrets import SecretsError, rotate_token

    rotated, unreadable = 0, []
    for source in DirectorySource.objects.select_for_update().exclude(secret_data="").order_by("pk"):
        try:
            token = rotate_token(source.secret_data)
        except InvalidToken:
            unreadable.append(source.name)
            continue
        DirectorySource.objects.filter(pk=source.pk).update(secret_data=token)
        rotated += 1
    if unreadable:
        raise SecretsError("no key in ESTATE_SECRETS_KEYS decrypts the bind password of: " + ", ".join(unreadable))
    return rotated
