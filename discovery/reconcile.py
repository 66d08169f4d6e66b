"""Reconcile: diff what discovery learnt about a host against the database and apply it in one transaction.

Match order: serial + manufacturer, then MAC, then SNMP engine id or hostname within the site, then IP.
Never duplicates (identity locks + database constraints), never deletes, respects fields a person set.
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
from django.utils.text import slugify

from discovery.facts import HostFacts, InterfaceFact, NeighbourFact
from discovery.matching import HostKeys, MatchIndex, device_match, is_ip
from estate.audit_bulk import audit_create_record, audit_creates_write, object_insert
from inventory.choices import (
    DependencyProtocolChoices,
    DependencySourceChoices,
    DeviceKindChoices,
    DeviceStatusChoices,
    DiscoverySourceChoices,
    InterfaceTypeChoices,
)
from inventory.models import (
    Dependency,
    Device,
    HardwareModel,
    InstalledSoftware,
    Interface,
    IPAddress,
    Manufacturer,
    Platform,
    Site,
)
from inventory.models.devices import normalise_mac

# Devices a person entered or imported: discovery fills their blanks but never overwrites their values.
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


class _DryRunRollback(Exception):
    """Raised at the end of a dry run so the transaction, and everything in it, is rolled back."""


@dataclass
class Outcome:
    """What reconcile did (or, in a dry run, would do) for one host."""

    action: str  # created / updated / unchanged / failed
    device_id: int | None = None
    device_name: str = ""
    changes: dict[str, list[Any]] = field(default_factory=dict)
    matched_by: str | None = None
    neighbours: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""


def host_reconcile(*, facts: HostFacts, site: Site, source: str, dry_run: bool = False,
                   seen_at: datetime | None = None, index: MatchIndex | None = None) -> Outcome:
    """Apply one host's facts; retried once if a parallel run created the same device first.

    ``index`` (from ``match_index_build()``, for a batch of hosts in one SQLite transaction) replaces the per-host
    match queries; it is used only for hosts without interfaces or neighbours (an identification sweep), and
    dropped after any failure, since the rolled-back work may have changed the devices it holds."""
    if index is not None and (dry_run or not index.valid or facts.interfaces or facts.neighbours):
        index = None
    for attempt in range(2):
        created = len(index.created) if index is not None else 0
        try:
            return _reconcile_once(facts=facts, site=site, source=source, dry_run=dry_run,
                                   seen_at=seen_at or timezone.now(), index=index)
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
    entries auditlog would have made, attributed to the run) and the last-seen time of its unchanged devices (one
    UPDATE rather than one per host). Call it inside the batch's transaction."""
    created, index.created = index.created, []
    audit_creates_write(created, now=timezone.now())
    seen, index.seen = index.seen, {}
    if seen:
        latest = max(seen.values())
        ids = sorted(seen)
        for start in range(0, len(ids), 500):
            Device.objects.filter(pk__in=ids[start:start + 500]).update(last_seen=latest)


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
    return _replace(facts, **changes) if changes else facts  # usually already clean: no copy


def _reconcile_once(*, facts, site, source, dry_run, seen_at, index: MatchIndex | None) -> Outcome:
    outcome = Outcome(action="unchanged")
    facts = _cleaned(facts)
    try:
        with transaction.atomic():
            _lock_identities(facts)
            identities = {"site": site, "serial": facts.serial, "manufacturer": facts.manufacturer,
                          "macs": _macs(facts.interfaces), "engine_id": facts.engine_id, "hostname": facts.hostname,
                          "address": facts.address}
            device, matched_by = index.match(**identities) if index is not None else device_match(**identities)
            outcome.matched_by = matched_by
            device = _apply_device(device, facts=facts, site=site, source=source, seen_at=seen_at, outcome=outcome,
                                   index=index)
            if index is not None:
                index.add(device)
            _apply_interfaces(device, facts.interfaces, outcome)
            _apply_software(device, facts, outcome)
            _apply_connections(device, facts, seen_at, outcome)
            for neighbour in facts.neighbours:
                _apply_neighbour(neighbour, site=site, seen_at=seen_at, outcome=outcome, parent=device)
            outcome.device_id, outcome.device_name = device.pk, device.name
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        reference_cache_clear()
        outcome.device_id = outcome.device_id if outcome.action != "created" else None
    return outcome


# --- identity locks (matching itself is in discovery/matching.py) ----------------------------------------------


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


# --- the device row -----------------------------------------------------------------------------------------------


def _apply_device(device: Device | None, *, facts: HostFacts, site: Site, source: str, seen_at: datetime,
                  outcome: Outcome, index: MatchIndex | None = None) -> Device:
    manufacturer = _manufacturer(facts.manufacturer)
    wanted: dict[str, Any] = {
        "kind": facts.kind if facts.kind in DeviceKindChoices.values else None,
        "manufacturer": manufacturer,
        "hardware_model": _hardware_model(manufacturer, facts.model, facts.kind),
        "serial": (facts.serial or "")[:100] or None,
        "platform": _platform(facts.platform, manufacturer),
        "os_version": (facts.version or "")[:255] or None,
        "firmware": (facts.firmware or "")[:255] or None,
        "snmp_engine_id": (facts.engine_id or "")[:64] or None,
    }
    if is_ip(facts.address):
        wanted["primary_ip"] = facts.address
    if device is None:
        name = _free_name(site, _clean_name(facts.hostname) or facts.address, index)
        device = Device(name=name, site=site, status=DeviceStatusChoices.ACTIVE, discovery_source=source,
                        first_seen=seen_at, last_seen=seen_at, kind=DeviceKindChoices.OTHER)
        for name_, value in wanted.items():
            if value is not None:
                setattr(device, name_, value)
        _validate(device)
        if index is not None:
            object_insert(device)  # no signals: its history is written with the batch's (batch_flush)
            index.created.append(audit_create_record(device))
        else:
            device.save()
        outcome.action = "created"
        outcome.changes = {k: [None, _plain(v)] for k, v in wanted.items() if v is not None}
        outcome.changes["name"] = [None, device.name]
        return device

    locked = set(device.locked_fields or [])
    person_owned = device.discovery_source in PERSON_SOURCES
    hostname = _clean_name(facts.hostname)
    if hostname and hostname.lower() != device.name.lower():
        taken = index.name_taken(hostname) if index is not None and device.site_id == index.site_id else None
        if taken is None:  # the device itself does not have the name (the names differ in more than case)
            taken = Device.objects.filter(site=device.site, name__iexact=hostname).exclude(pk=device.pk).exists()
        wanted["name"] = None if taken else hostname
    changes: dict[str, list[Any]] = {}
    for name_, value in wanted.items():
        if value is None or name_ in locked:
            continue
        is_relation = hasattr(value, "pk")
        # Compare foreign keys by id: loading the related row for every host would cost a query each.
        current = getattr(device, f"{name_}_id") if is_relation else getattr(device, name_)
        if person_owned and current not in (None, ""):
            continue  # a person's value wins; discovery only fills blanks
        if name_ == "serial" and current and device.manufacturer_id and manufacturer and \
                device.manufacturer_id != manufacturer.pk:
            continue
        if (current != value.pk) if is_relation else (current != value):
            changes[name_] = [_plain(getattr(device, name_)) if current is not None else None, _plain(value)]
            setattr(device, name_, value)
    if "manufacturer" in changes and device.hardware_model_id and "hardware_model" not in changes and \
            device.hardware_model.manufacturer_id != device.manufacturer_id:
        device.hardware_model = None  # a stale model of another maker would fail validation
    if device.first_seen is None:
        device.first_seen = seen_at
        changes.setdefault("first_seen", [None, seen_at.isoformat()])
    if changes:
        device.last_seen = seen_at
        _validate(device)
        device.save()
        outcome.action = "updated"
        outcome.changes = {k: v for k, v in changes.items() if k != "first_seen"} or changes
        if set(outcome.changes) == {"first_seen"}:
            outcome.action = "unchanged"
    else:
        # A sighting is not a change: no history entry per device per run.
        if index is not None:
            index.seen[device.pk] = seen_at  # written for the whole batch by batch_flush()
        else:
            Device.objects.filter(pk=device.pk).update(last_seen=seen_at)
        device.last_seen = seen_at
    return device


def _validate(device: Device) -> None:
    """Field and cross-field rules. Foreign keys come from rows we just read, and unique constraints are enforced
    by the database (a lost race is retried), so skip the queries full_clean would make for them."""
    device.clean_fields(exclude=["site", "location", "manufacturer", "hardware_model", "platform"])
    device.clean()


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value)
    return value


def _clean_name(value: str | None) -> str:
    if not value:
        return ""
    if not value.isprintable():  # the C check first: most names have nothing to remove
        value = re.sub(r"[\x00-\x1f\x7f]", "", value)
    return value.strip()[:255]


def _free_name(site: Site, wanted: str, index: MatchIndex | None = None) -> str:
    """Device names are unique per site; an unknown host whose name is taken gets its address appended."""
    taken = index.name_taken(wanted) if index is not None and site.pk == index.site_id else None
    if taken is False or (taken is None and not Device.objects.filter(site=site, name__iexact=wanted).exists()):
        return wanted
    for n in range(2, 1000):
        candidate = f"{wanted[:240]} ({n})"
        if not Device.objects.filter(site=site, name__iexact=candidate).exists():
            return candidate
    raise IntegrityError(f"no free name for {wanted}")


_REF_CACHE: dict[tuple[str, ...], Any] = {}


def reference_cache_clear() -> None:
    _REF_CACHE.clear()


def _cached(key: tuple[str, ...], load):
    """Manufacturers, platforms and models repeat across thousands of hosts: look each up once per process."""
    value = _REF_CACHE.get(key)
    if value is None:
        value = load()
        if value is not None and len(_REF_CACHE) < 50_000:
            _REF_CACHE[key] = value
    return value


def _manufacturer(name: str | None) -> Manufacturer | None:
    if not name:
        return None
    name = name.strip()[:100]
    return _cached(("maker", name.lower()), lambda: _manufacturer_load(name))


def _manufacturer_load(name: str) -> Manufacturer:
    found = Manufacturer.objects.filter(name__iexact=name).first()
    if found:
        return found
    slug = _unique_slug(Manufacturer.objects, slugify(name) or "maker")
    return Manufacturer.objects.create(name=name, slug=slug)


def _platform(name: str | None, manufacturer: Manufacturer | None) -> Platform | None:
    if not name:
        return None
    name = name.strip()[:100]
    return _cached(("platform", name.lower()), lambda: _platform_load(name, manufacturer))


def _platform_load(name: str, manufacturer: Manufacturer | None) -> Platform:
    found = Platform.objects.filter(name__iexact=name).first()
    if found:
        return found
    return Platform.objects.create(name=name, slug=_unique_slug(Platform.objects, slugify(name) or "platform"),
                                   manufacturer=manufacturer)


def _hardware_model(manufacturer: Manufacturer | None, model: str | None, kind: str | None) -> HardwareModel | None:
    if not (manufacturer and model):
        return None
    model = model.strip()[:100]
    return _cached(("model", str(manufacturer.pk), model.lower()), lambda: _hardware_model_load(manufacturer, model,
                                                                                                kind))


def _hardware_model_load(manufacturer: Manufacturer, model: str, kind: str | None) -> HardwareModel:
    found = HardwareModel.objects.filter(manufacturer=manufacturer, model__iexact=model).first()
    if found:
        return found
    return HardwareModel.objects.create(
        manufacturer=manufacturer, model=model, kind=kind if kind in DeviceKindChoices.values else "other",
        slug=_unique_slug(HardwareModel.objects.filter(manufacturer=manufacturer), slugify(model) or "model"),
    )


def _unique_slug(queryset, base: str) -> str:
    base = base[:90]
    slug, n = base, 2
    while queryset.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


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


def _apply_neighbour(n: NeighbourFact, *, site: Site, seen_at: datetime, outcome: Outcome, parent: Device) -> None:
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
    facts = HostFacts(
        address=n.remote_address or "", hostname=name or None, manufacturer=n.manufacturer, kind=kind, model=n.model,
        serial=n.serial, firmware=n.firmware_revision or n.software_revision,
        version=n.software_revision if kind == DeviceKindChoices.IP_PHONE else None,
        interfaces=(InterfaceFact(name="port", mac=mac),) if mac else (),
    )
    if not facts.hostname:
        facts = _replace(facts, hostname=f"{kind.replace('_', '-')}-{mac.replace(':', '').lower()}" if mac
                         else f"{kind}-{n.serial}")
    sub = Outcome(action="unchanged")
    source = _NEIGHBOUR_SOURCE.get(n.protocol, DiscoverySourceChoices.LLDP)
    with transaction.atomic():
        dev = _apply_device(device, facts=facts, site=site, source=source, seen_at=seen_at, outcome=sub)
        _apply_interfaces(dev, facts.interfaces, sub)
    outcome.neighbours.append({"device_id": dev.pk, "name": dev.name, "action": sub.action, "kind": dev.kind,
                               "protocol": n.protocol, "local_port": n.local_port, "matched_by": matched_by})


def _replace(facts: HostFacts, **changes: Any) -> HostFacts:
    import dataclasses

    return dataclasses.replace(facts, **changes)
