"""Reconcile: diff what discovery learnt about a host against the database and apply it in one transaction.

Load → plan → apply, per host: ``device_state_read()`` snapshots the matched device (its values, their provenance, a
person's locks and proposals), ``reconcile_plan()`` (discovery/reconcile_plan.py, pure) decides each field by the
precedence rule of inventory/provenance.py, and ``reconcile_apply()`` writes the plan in one transaction. A dry run
stops after the plan: it reads, and writes nothing.

Match order (inventory/matching.py): serial + manufacturer, then MAC, then SNMP engine id or hostname within the site,
then IP. Never duplicates (identity locks + database constraints), never deletes, never overwrites a person's value:
a stronger conflicting value becomes a proposed change for a person to decide.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from discovery.facts import Evidence, HostFacts, InterfaceFact, NeighbourFact
from discovery.reconcile_plan import CHANGING, DevicePlan, DeviceState, reconcile_plan
from estate.audit_bulk import audit_create_record, audit_creates_write, object_insert, rows_insert
from inventory.choices import (
    DependencyProtocolChoices,
    DependencySourceChoices,
    DeviceKindChoices,
    DeviceStatusChoices,
    DiscoverySourceChoices,
    FieldDecisionChoices,
    InterfaceTypeChoices,
    ProposedChangeStatusChoices,
    ProvenanceSourceChoices,
)
from inventory.matching import HostKeys, MatchIndex, ProvenanceRow, device_match, is_ip, provenance_rows
from inventory.models import (
    Dependency,
    Device,
    FieldProvenance,
    InstalledSoftware,
    Interface,
    IPAddress,
    ProposedChange,
    Site,
)
from inventory.models.devices import normalise_mac
from inventory.provenance import STRENGTH, Source, legacy_source
from inventory.services import (
    device_field_text,
    device_value_set,
    proposed_change_open,
    provenance_record,
    reference_cache_clear,
)

__all__ = ["Outcome", "batch_flush", "device_state_read", "host_keys", "host_reconcile", "reconcile_apply",
           "reference_cache_clear"]

# Devices a person entered or imported: every value they hold is a person's, unless provenance says otherwise.
PERSON_SOURCES = (DiscoverySourceChoices.MANUAL, DiscoverySourceChoices.IMPORT)

_IF_TYPES = {
    "ethernetCsmacd": InterfaceTypeChoices.ETHERNET, "gigabitEthernet": InterfaceTypeChoices.ETHERNET,
    "fastEther": InterfaceTypeChoices.ETHERNET, "ieee80211": InterfaceTypeChoices.WIRELESS,
    "softwareLoopback": InterfaceTypeChoices.LOOPBACK, "ieee8023adLag": InterfaceTypeChoices.LAG,
    "tunnel": InterfaceTypeChoices.TUNNEL, "propVirtual": InterfaceTypeChoices.VIRTUAL,
    "l2vlan": InterfaceTypeChoices.VIRTUAL, "l3ipvlan": InterfaceTypeChoices.VIRTUAL,
    "bridge": InterfaceTypeChoices.VIRTUAL,
}
_NEIGHBOUR_SOURCE = {"lldp": DiscoverySourceChoices.LLDP, "lldp-med": DiscoverySourceChoices.LLDP,
                     "cdp": DiscoverySourceChoices.CDP, "cucm": DiscoverySourceChoices.CALL_MANAGER}


@dataclass
class Outcome:
    """What reconcile did (or, in a dry run, would do) for one host."""

    action: str  # created / updated / unchanged / failed
    device_id: int | None = None
    device_name: str = ""
    changes: dict[str, Any] = field(default_factory=dict)  # field -> [old, new]; "proposed"/"kept": the plan's rest
    matched_by: str | None = None
    neighbours: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""


def host_reconcile(*, facts: HostFacts, site: Site, source: str, dry_run: bool = False,
                   seen_at: datetime | None = None, index: MatchIndex | None = None,
                   job_id: int | None = None) -> Outcome:
    """Plan and apply one host's facts; retried once if a parallel run created the same device first.

    ``index`` (from ``match_index_build()``, for a batch of hosts in one SQLite transaction) replaces the per-host
    match queries; it is used only for hosts without interfaces or neighbours (an identification sweep), and
    dropped after any failure, since the rolled-back work may have changed the devices it holds.
    A dry run plans and reads only: nothing is written."""
    seen_at = seen_at or timezone.now()
    facts = _cleaned(facts)
    if dry_run:
        return _dry_run(facts=facts, site=site)
    if index is not None and (not index.valid or facts.interfaces or facts.neighbours):
        index = None
    for attempt in range(2):
        created = len(index.created) if index is not None else 0
        try:
            with transaction.atomic():
                return _reconcile_once(facts=facts, site=site, source=source, seen_at=seen_at, index=index,
                                       job_id=job_id)
        except IntegrityError as exc:
            reference_cache_clear()
            if index is not None:
                del index.created[created:]  # rolled back with the host's savepoint: no history for it
                index.valid, index = False, None
            if attempt:
                return Outcome(action="failed", error=f"conflicts with an existing device: {exc}"[:500])
    raise AssertionError("unreachable")


def batch_flush(*, index: MatchIndex) -> None:
    """The writes a batch defers to its end: the history of the devices it created (one bulk insert, the same
    entries auditlog would have made, attributed to the run), the last-seen time of its unchanged devices and the
    confirmation time of their provenance (one UPDATE each rather than one per host). Call it inside the batch's
    transaction."""
    created, index.created = index.created, []
    audit_creates_write(created, now=timezone.now())
    if index.provenance:
        rows_insert(FieldProvenance, index.provenance)  # executemany: thousands of rows per sweep
        index.provenance = []
    seen, index.seen = index.seen, {}
    if seen:
        latest = max(seen.values())
        ids = sorted(seen)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            Device.objects.filter(pk__in=chunk).update(last_seen=latest)
            FieldProvenance.objects.filter(device_id__in=chunk, source__in=sorted(index.confirm_sources)).update(
                confirmed=latest)
    index.confirm_sources = set()


def host_keys(facts: HostFacts) -> HostKeys:
    """The identities reconcile will look a host up by (for ``match_index_build()``)."""
    facts = _cleaned(facts)
    return HostKeys(serial=facts.serial, manufacturer=facts.manufacturer, macs=tuple(_macs(facts.interfaces)),
                    engine_id=facts.engine_id, hostname=facts.hostname, address=facts.address,
                    wanted_name=facts.hostname or facts.address)


_CLEANED_FIELDS = ("hostname", "serial", "manufacturer", "model", "platform", "version", "firmware", "engine_id")


def _cleaned(facts: HostFacts) -> HostFacts:
    # Parsers clean strings already; reconcile must not trust that (PostgreSQL refuses NUL in any query).
    changes = {}
    for name in _CLEANED_FIELDS:
        value = getattr(facts, name)
        cleaned = _clean_name(value) or None
        if cleaned != value:
            changes[name] = cleaned
    if facts.kind is not None and facts.kind not in DeviceKindChoices.values:
        changes["kind"] = None
    return _replace(facts, **changes) if changes else facts  # usually already clean: no copy


def _identities(facts: HostFacts, site: Site) -> dict[str, Any]:
    return {"site": site, "serial": facts.serial, "manufacturer": facts.manufacturer,
            "macs": _macs(facts.interfaces), "engine_id": facts.engine_id, "hostname": facts.hostname,
            "address": facts.address}


def _reconcile_once(*, facts: HostFacts, site: Site, source: str, seen_at: datetime, index: MatchIndex | None,
                    job_id: int | None) -> Outcome:
    outcome = Outcome(action="unchanged")
    _lock_identities(facts)
    identities = _identities(facts, site)
    device, matched_by = index.match(**identities) if index is not None else device_match(**identities)
    outcome.matched_by = matched_by
    plan = _plan(facts, site, device, index)
    device = reconcile_apply(plan=plan, device=device, facts=facts, site=site, source=source, seen_at=seen_at,
                             outcome=outcome, index=index, job_id=job_id)
    if index is not None:
        index.add(device)
    _apply_interfaces(device, facts.interfaces, outcome)
    _apply_software(device, facts, outcome)
    _apply_connections(device, facts, seen_at, outcome)
    for neighbour in facts.neighbours:
        _apply_neighbour(neighbour, site=site, seen_at=seen_at, outcome=outcome, parent=device, job_id=job_id)
    outcome.device_id, outcome.device_name = device.pk, device.name
    return outcome


def _dry_run(*, facts: HostFacts, site: Site) -> Outcome:
    """The plan, with the queries of a real run's reading phase and no write."""
    device, matched_by = device_match(**_identities(facts, site))
    plan = _plan(facts, site, device, None)
    outcome = Outcome(action={"create": "created", "update": "updated"}.get(plan.action, "unchanged"),
                      device_id=device.pk if device else None, matched_by=matched_by,
                      device_name=device.name if device else plan.new_name)
    outcome.changes = _changes(plan) | plan.summary()
    if device is not None:
        names = set(device.interfaces.values_list("name", flat=True))
        new = {_clean_name(i.name)[:100] for i in facts.interfaces} - names - {""}
        if new:
            outcome.changes["interfaces"] = [None, f"{len(new)} to add"]
        known = set(device.software.values_list("product", "version"))
        software = {(_clean_name(s.product), (s.version or "")[:100]) for s in facts.software} - known
        if software:
            outcome.changes["software"] = [None, f"{len(software)} to add"]
        if (new or software) and outcome.action == "unchanged":
            outcome.action = "updated"
    for n in facts.neighbours:
        found, by = device_match(site=site, serial=n.serial, manufacturer=n.manufacturer,
                                 macs=[normalise_mac(n.remote_mac)] if n.remote_mac else [], engine_id=None,
                                 hostname=_clean_name(n.remote_name) or None, address=n.remote_address)
        outcome.neighbours.append({"device_id": found.pk if found else None, "name": found.name if found else (
            _clean_name(n.remote_name) or n.remote_mac or n.serial or ""), "action": "updated" if found else "created",
            "kind": n.kind_hint, "protocol": n.protocol, "local_port": n.local_port, "matched_by": by})
    return outcome


# --- load: the device as reconcile sees it --------------------------------------------------------------------------


def device_state_read(device: Device, *, provenance: list[ProvenanceRow] | None = None,
                      name_free: bool = True) -> DeviceState:
    """Snapshot a device for ``reconcile_plan()``: its values as text, their provenance, the person's fields, and
    the proposals already open or rejected (only looked up when a person owns any field)."""
    from inventory.models.devices import DISCOVERABLE_FIELDS

    values = {name: device_field_text(device, name) for name in DISCOVERABLE_FIELDS}
    rows = provenance if provenance is not None else provenance_rows(device_ids=[device.pk]).get(device.pk, [])
    recorded = {p.field: p.as_source() for p in rows}
    legacy = legacy_source(device.discovery_source)
    sources = {name: recorded.get(name, legacy) for name in DISCOVERABLE_FIELDS if values[name]}
    locked = set(device.locked_fields or [])
    if device.discovery_source in PERSON_SOURCES:  # before provenance: every value of a person's device is theirs
        locked |= {name for name in DISCOVERABLE_FIELDS if values[name] and name not in recorded}
    rejected: set[tuple[str, str]] = set()
    proposed: dict[str, str] = {}
    if locked:
        for field_, value, status in ProposedChange.objects.filter(device=device).exclude(
                status=ProposedChangeStatusChoices.SUPERSEDED).values_list("field", "proposed_value", "status"):
            if status == ProposedChangeStatusChoices.REJECTED:
                rejected.add((field_, value.lower()))
            elif status == ProposedChangeStatusChoices.OPEN:
                proposed[field_] = value.lower()
    return DeviceState(device_id=device.pk, name=device.name, values=values, sources=sources,
                       locked=frozenset(locked), rejected=frozenset(rejected), proposed=proposed, name_free=name_free)


def _plan(facts: HostFacts, site: Site, device: Device | None, index: MatchIndex | None) -> DevicePlan:
    if device is None:
        return reconcile_plan(facts=facts, state=None, address_is_ip=is_ip(facts.address),
                              new_name=_free_name(site, _clean_name(facts.hostname) or facts.address, index))
    hostname = _clean_name(facts.hostname)
    name_free = True
    if hostname and hostname.lower() != device.name.lower():
        taken = index.name_taken(hostname) if index is not None and device.site_id == index.site_id else None
        if taken is None:
            taken = Device.objects.filter(site=device.site_id, name__iexact=hostname).exclude(pk=device.pk).exists()
        name_free = not taken
    provenance = index.provenance_of(device.pk) if index is not None else None
    state = device_state_read(device, provenance=provenance, name_free=name_free)
    return reconcile_plan(facts=facts, state=state, address_is_ip=is_ip(facts.address))


# --- apply: one transaction ----------------------------------------------------------------------------------------


def _changes(plan: DevicePlan) -> dict[str, list[Any]]:
    if plan.action == "create":
        return {f.field: [None, f.wanted] for f in plan.fields}
    return {f.field: [f.current or None, f.wanted] for f in plan.changing()}


def reconcile_apply(*, plan: DevicePlan, device: Device | None, facts: HostFacts, site: Site, source: str,
                    seen_at: datetime, outcome: Outcome, index: MatchIndex | None = None,
                    job_id: int | None = None) -> Device:
    """Write the plan: the device row, the provenance of what changed, and the proposals. Call inside a
    transaction (``host_reconcile`` opens one per host)."""
    if plan.action == "create":
        device = Device(name=plan.new_name, site=site, status=DeviceStatusChoices.ACTIVE, discovery_source=source,
                        first_seen=seen_at, last_seen=seen_at, kind=DeviceKindChoices.OTHER)
        _set_fields(device, plan, facts)
        _validate(device)
        if index is not None:
            object_insert(device)  # no signals: its history is written with the batch's (batch_flush)
            index.created.append(audit_create_record(device))
        else:
            device.save()
        outcome.action = "created"
        outcome.changes = _changes(plan)
        _record(device.pk, plan, seen_at, job_id, index)
        return device
    assert device is not None
    changes = _changes(plan)
    if changes:
        _set_fields(device, plan, facts)
    first_sighting = device.first_seen is None
    if first_sighting:
        device.first_seen = seen_at
    if changes or first_sighting:
        device.last_seen = seen_at
        _validate(device)
        device.save()
        outcome.action = "updated" if changes else "unchanged"
    elif index is not None:
        index.seen[device.pk] = seen_at  # a sighting is not a change: written for the whole batch by batch_flush()
        device.last_seen = seen_at
    else:
        Device.objects.filter(pk=device.pk).update(last_seen=seen_at)
        device.last_seen = seen_at
    outcome.changes = changes | plan.summary()
    _record(device.pk, plan, seen_at, job_id, index)
    for proposal in plan.proposals():
        proposed_change_open(device=device, field=proposal.field, value=proposal.wanted, source=proposal.source,
                             at=seen_at, job_id=job_id, current_source=_current_source(device, proposal.field),
                             manufacturer=facts.manufacturer or "" if proposal.field == "hardware_model" else "")
    return device


def _current_source(device: Device, field_: str) -> str:
    row = FieldProvenance.objects.filter(device=device, field=field_).values_list("source", flat=True).first()
    return row or legacy_source(device.discovery_source).source


def _set_fields(device: Device, plan: DevicePlan, facts: HostFacts) -> None:
    for f in plan.fields:
        if plan.action == "create" or f.action in CHANGING:
            device_value_set(device=device, field=f.field, value=f.wanted,
                             manufacturer=facts.manufacturer or "" if f.field == "hardware_model" else "")


def _record(device_id: int, plan: DevicePlan, at: datetime, job_id: int | None, index: MatchIndex | None) -> None:
    """Provenance of the values the plan set, and of confirmed values whose recorded source was weaker or
    unknown; a confirmation by the recorded source only moves its time (batched with the last-seen update)."""
    sources: dict[str, Source] = {}
    for f in plan.fields:
        if plan.action == "create" or f.action in CHANGING:
            sources[f.field] = f.source
        elif f.action == FieldDecisionChoices.CONFIRM:
            if index is not None and index.confirm_known(device_id, f.field, f.source):
                continue
            sources[f.field] = f.source
    if plan.action == "create" and index is not None:
        index.provenance.extend(
            {"device_id": device_id, "field": name, "source": src.source, "strength": src.strength,
             "specific": src.specific, "detail": src.detail[:200], "confirmed": at, "job_id": job_id}
            for name, src in sources.items())
        return
    if index is not None and index.provenance and sources:  # a device created earlier in this batch: newest wins
        index.provenance = [p for p in index.provenance if p["device_id"] != device_id or p["field"] not in sources]
    if index is not None:
        index.confirm_sources.update(f.source.source for f in plan.fields if f.action == FieldDecisionChoices.CONFIRM)
    provenance_record(device_id=device_id, sources=sources, at=at, job_id=job_id)
    if index is not None and sources:
        index.known_provenance[device_id] = provenance_rows(device_ids=[device_id]).get(device_id, [])


# --- identity locks (matching itself is in inventory/matching.py) ----------------------------------------------


def _lock_identities(facts: HostFacts) -> None:
    """On PostgreSQL, serialise reconciles of the same real-world host (SQLite already serialises writers)."""
    if connection.vendor != "postgresql":
        return
    keys = {f"addr:{facts.address}"}
    if facts.serial:
        keys.add(f"serial:{(facts.manufacturer or '').lower()}:{facts.serial}")
    keys.update(f"mac:{m}" for m in _macs(facts.interfaces))
    if facts.hostname:
        keys.add(f"name:{facts.hostname.lower()}")
    with connection.cursor() as cursor:
        for key in sorted(keys):  # one order everywhere: no deadlocks
            lock_id = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def _validate(device: Device) -> None:
    """Field and cross-field rules. Foreign keys come from rows we just read, and unique constraints are enforced
    by the database (a lost race is retried), so skip the queries full_clean would make for them."""
    device.clean_fields(exclude=["site", "location", "manufacturer", "hardware_model", "platform"])
    device.clean()


def _clean_name(value: str | None) -> str:
    if not value:
        return ""
    if not value.isprintable():  # the C check first: most names have nothing to remove
        value = re.sub(r"[\x00-\x1f\x7f]", "", value)
    return value.strip()[:255]


def _free_name(site: Site, wanted: str, index: MatchIndex | None = None) -> str:
    """Device names are unique per site; an unknown host whose name is taken gets a number appended."""
    taken = index.name_taken(wanted) if index is not None and site.pk == index.site_id else None
    if taken is False or (taken is None and not Device.objects.filter(site=site, name__iexact=wanted).exists()):
        return wanted
    for n in range(2, 1000):
        candidate = f"{wanted[:240]} ({n})"
        if not Device.objects.filter(site=site, name__iexact=candidate).exists():
            return candidate
    raise IntegrityError(f"no free name for {wanted}")


# --- interfaces, addresses, software --------------------------------------------------------------------------------


def _macs(interfaces: tuple[InterfaceFact, ...]) -> list[str]:
    macs = []
    for iface in interfaces:
        mac = normalise_mac(iface.mac or "")
        if mac and mac not in ("00:00:00:00:00:00", "FF:FF:FF:FF:FF:FF") and mac not in macs:
            macs.append(mac)
    return macs


def _apply_interfaces(device: Device, interfaces: tuple[InterfaceFact, ...], outcome: Outcome) -> None:
    if not interfaces:
        return
    existing = {i.name: i for i in device.interfaces.all()}
    used_macs = {i.mac_address for i in existing.values() if i.mac_address}
    created = updated = 0
    for fact in interfaces[:2000]:
        name = _clean_name(fact.name)[:100]
        if not name:
            continue
        mac = normalise_mac(fact.mac or "")
        if mac in ("00:00:00:00:00:00",):
            mac = ""
        iface = existing.get(name)
        default = InterfaceTypeChoices.OTHER if fact.type else InterfaceTypeChoices.ETHERNET
        kind = _IF_TYPES.get(fact.type or "", default)
        if iface is None:
            if mac in used_macs:
                mac = ""  # sub-interfaces share their parent's MAC: the MAC identifies one interface
            iface = Interface.objects.create(device=device, name=name, type=kind, mac_address=mac,
                                             speed=fact.speed_kbps, enabled=fact.enabled is not False,
                                             description=(fact.description or "")[:200])
            existing[name] = iface
            created += 1
        else:
            dirty = False
            if mac and iface.mac_address != mac and mac not in used_macs:
                iface.mac_address, dirty = mac, True
            if fact.speed_kbps and iface.speed != fact.speed_kbps:
                iface.speed, dirty = fact.speed_kbps, True
            if fact.enabled is not None and iface.enabled != fact.enabled:
                iface.enabled, dirty = fact.enabled, True
            if dirty:
                iface.save()
                updated += 1
        if mac:
            used_macs.add(mac)
        _apply_addresses(device, iface, fact.addresses, outcome)
    if created or updated:
        outcome.changes["interfaces"] = [None, f"{created} added, {updated} updated"]
        if outcome.action == "unchanged":
            outcome.action = "updated"


def _apply_addresses(device: Device, iface: Interface, addresses: tuple[str, ...], outcome: Outcome) -> None:
    for text in addresses[:100]:
        try:
            iface_addr = ipaddress.ip_interface(text)
        except ValueError:
            continue
        address = str(iface_addr.ip)
        prefix = iface_addr.network.prefixlen
        obj = IPAddress.objects.filter(device=device, address=address).first()
        if obj is None:
            IPAddress.objects.create(device=device, interface=iface, address=address, prefix_length=prefix)
            outcome.changes.setdefault("ip_addresses", [None, []])[1].append(f"{address}/{prefix}")
            if outcome.action == "unchanged":
                outcome.action = "updated"


def _apply_software(device: Device, facts: HostFacts, outcome: Outcome) -> None:
    if not facts.software:
        return
    existing = set(device.software.values_list("product", "version"))
    new = []
    for sw in facts.software[:20000]:
        product = _clean_name(sw.product)
        version = (sw.version or "")[:100]
        if not product or (product, version) in existing:
            continue
        existing.add((product, version))
        new.append(InstalledSoftware(device=device, product=product, version=version,
                                     vendor=(sw.vendor or "")[:100], install_date=_date(sw.install_date)))
    if new:
        InstalledSoftware.objects.bulk_create(new, batch_size=500)  # no signals: write their history as auditlog would
        if new[0].pk is not None:  # (ids come back from bulk_create on SQLite and PostgreSQL)
            audit_creates_write([audit_create_record(o) for o in new], now=timezone.now())
        outcome.changes["software"] = [None, f"{len(new)} added"]
        if outcome.action == "unchanged":
            outcome.action = "updated"


def _date(value: str | None):
    if not value:
        return None
    try:
        return datetime.fromisoformat(value[:10]).date()
    except ValueError:
        return None


# --- connections become dependencies -------------------------------------------------------------------------------


def _apply_connections(device: Device, facts: HostFacts, seen_at: datetime, outcome: Outcome) -> None:
    established = [c for c in facts.connections if c.state == "established" and c.remote_address]
    if not established:
        return
    own = {facts.address} | {str(ipaddress.ip_interface(a).ip) for i in facts.interfaces for a in i.addresses
                             if _is_interface(a)}
    peers = {c.remote_address for c in established if c.remote_address not in own}
    if not peers:
        return
    by_address: dict[str, int] = {}
    for pk, primary, mgmt in Device.objects.filter(Q(primary_ip__in=peers) | Q(management_ip__in=peers)).values_list(
            "pk", "primary_ip", "management_ip"):
        for addr in (primary, mgmt):
            if addr in peers:
                by_address.setdefault(addr, pk)
    for pk, addr in IPAddress.objects.filter(address__in=peers).values_list("device_id", "address"):
        by_address.setdefault(addr, pk)
    added = 0
    for conn in established:
        peer = by_address.get(conn.remote_address)
        if peer is None or peer == device.pk:
            continue
        if conn.direction == "inbound":
            source_id, target_id, port = peer, device.pk, conn.local_port
        else:
            source_id, target_id, port = device.pk, peer, conn.remote_port
        dep = Dependency.objects.filter(source_device_id=source_id, target_device_id=target_id,
                                        protocol=DependencyProtocolChoices.TCP, port=port).first()
        if dep is None:
            Dependency.objects.create(source_device_id=source_id, target_device_id=target_id, port=port,
                                      protocol=DependencyProtocolChoices.TCP, last_seen=seen_at,
                                      source=DependencySourceChoices.CONNECTIONS)
            added += 1
        else:
            Dependency.objects.filter(pk=dep.pk).update(last_seen=seen_at)  # a sighting, not a change to audit
    if added:
        outcome.changes["dependencies"] = [None, f"{added} added"]
        if outcome.action == "unchanged":
            outcome.action = "updated"


def _is_interface(text: str) -> bool:
    try:
        ipaddress.ip_interface(text)
    except ValueError:
        return False
    return True


# --- neighbours: phones behind a switch, phones registered on a call manager ----------------------------------------


def _apply_neighbour(n: NeighbourFact, *, site: Site, seen_at: datetime, outcome: Outcome, parent: Device,
                     job_id: int | None = None) -> None:
    mac = normalise_mac(n.remote_mac or "") if n.remote_mac else ""
    name = _clean_name(n.remote_name)
    if not (mac or n.serial or name):
        return  # nothing to know it by
    kind = n.kind_hint if n.kind_hint in DeviceKindChoices.values else DeviceKindChoices.OTHER
    device, matched_by = device_match(site=site, serial=n.serial, manufacturer=n.manufacturer,
                                      macs=[mac] if mac else [], engine_id=None, hostname=name or None,
                                      address=n.remote_address)
    if device is not None and device.pk == parent.pk:
        return
    detail = f"{n.protocol.upper()} neighbour of {parent.name}"[:200]
    facts = HostFacts(
        address=n.remote_address or "", sources=("neighbour",), hostname=name or None, manufacturer=n.manufacturer,
        kind=kind, model=n.model, serial=n.serial, firmware=n.firmware_revision or n.software_revision,
        version=n.software_revision if kind == DeviceKindChoices.IP_PHONE else None,
        interfaces=(InterfaceFact(name="port", mac=mac),) if mac else (),
    )
    if not facts.hostname:
        facts = _replace(facts, hostname=f"{kind.replace('_', '-')}-{mac.replace(':', '').lower()}" if mac
                         else f"{kind}-{n.serial}")
    # What a switch or call manager says about another device is second-hand: weaker than the device itself.
    evidence = Evidence(ProvenanceSourceChoices.NEIGHBOUR, STRENGTH[ProvenanceSourceChoices.NEIGHBOUR], detail,
                        specific=True)
    facts = _replace(facts, evidence=tuple(
        (name_, evidence if name_ != "kind" or kind != DeviceKindChoices.OTHER else
         Evidence(ProvenanceSourceChoices.NEIGHBOUR, 0, detail, specific=False))
        for name_ in ("hostname", "manufacturer", "kind", "model", "serial", "firmware", "version", "address")))
    sub = Outcome(action="unchanged")
    source = _NEIGHBOUR_SOURCE.get(n.protocol, DiscoverySourceChoices.LLDP)
    with transaction.atomic():
        plan = _plan(facts, site, device, None)
        dev = reconcile_apply(plan=plan, device=device, facts=facts, site=site, source=source, seen_at=seen_at,
                              outcome=sub, job_id=job_id)
        _apply_interfaces(dev, facts.interfaces, sub)
    outcome.neighbours.append({"device_id": dev.pk, "name": dev.name, "action": sub.action, "kind": dev.kind,
                               "protocol": n.protocol, "local_port": n.local_port, "matched_by": matched_by})


def _replace(facts: HostFacts, **changes: Any) -> HostFacts:
    import dataclasses

    return dataclasses.replace(facts, **changes)
