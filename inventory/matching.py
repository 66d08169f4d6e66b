"""Which recorded device a discovered host is (inventory's one matching rule, used by discovery and the directory sync):
the match order of reconcile, from the database or from an index.

Order: serial + manufacturer, then MAC, then SNMP engine id or hostname within the site, then IP (the device's
primary or management address, then any recorded IP address).

``device_match()`` asks the database, a few indexed queries per host. A sweep of many hosts instead builds one
``MatchIndex`` per batch (``match_index_build()``: a handful of queries for the whole batch) and matches in memory
with the same rules; reconcile keeps the index current as it creates and updates devices. The index is only valid
while no other writer can change devices, i.e. inside the batch's SQLite transaction (SQLite has one writer).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.db.models.functions import Lower

from estate.audit_bulk import CreateRecord
from inventory.models import Device, FieldProvenance, Interface, IPAddress, Site
from inventory.provenance import Source

CANDIDATE_LIMIT = 50
_RELATED = ("manufacturer", "platform", "hardware_model")  # reconcile compares their names


def _name_variants(hostname: str) -> list[str]:
    short = hostname.split(".")[0]
    return list(dict.fromkeys([hostname, hostname.lower(), short, short.lower()]))


def is_ip(text: str | None) -> bool:
    if not text:
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _pick(found: Iterable[Device], *, site: Site, serial: str | None, manufacturer: str | None,
          mac_table: Callable[[], Device | None], engine_id: str | None, names: list[str], ip: str | None,
          ip_table: Callable[[], Device | None]) -> tuple[Device | None, str | None]:
    """The match rules over the candidates (ordered by pk), shared by the database and index paths. The MAC and
    IP-address tables are asked (``mac_table``, ``ip_table``) only when the identities before them found nothing."""
    found = list(found)
    if serial and manufacturer:
        for device in found:
            if device.serial == serial and device.manufacturer and device.manufacturer.name.lower() == \
                    manufacturer.lower():
                return device, "serial"
    macs_device = mac_table()
    if macs_device is not None:
        return macs_device, "mac"
    if engine_id:
        for device in found:
            if device.snmp_engine_id == engine_id and device.site_id == site.pk:
                return device, "engine_id"
    if names:
        for device in found:
            if device.site_id == site.pk and device.name in names:
                return device, "hostname"
    if ip:
        for device in found:
            if ip in (device.primary_ip, device.management_ip):
                return device, "ip"
        device = ip_table()
        if device is not None:
            return device, "ip"
    return None, None


def device_match(*, site: Site, serial: str | None, manufacturer: str | None, macs: list[str],
                 engine_id: str | None, hostname: str | None, address: str | None) -> tuple[Device | None, str | None]:
    """Find the device these identifiers describe, strongest identity first: one indexed query for the common
    identities, and the MAC and IP-address tables only when those found nothing."""
    candidates = Q(pk__in=[])
    names = _name_variants(hostname) if hostname else []
    if serial and manufacturer:
        candidates |= Q(serial=serial)
    if engine_id:
        candidates |= Q(snmp_engine_id=engine_id)  # the site is checked below: (engine id AND site) scans a site
    if names:
        candidates |= Q(site=site, name__in=names)
    ip = address if is_ip(address) else None
    if ip:
        candidates |= Q(primary_ip=ip) | Q(management_ip=ip)  # every branch indexed: no table scan per host
    found = list(Device.objects.filter(candidates).select_related(*_RELATED).order_by("pk")[:CANDIDATE_LIMIT])
    return _pick(
        found, site=site, serial=serial, manufacturer=manufacturer, engine_id=engine_id, names=names, ip=ip,
        mac_table=lambda: Device.objects.select_related(*_RELATED).filter(
            interfaces__mac_address__in=macs).order_by("pk").first() if macs else None,
        ip_table=lambda: Device.objects.select_related(*_RELATED).filter(
            ip_addresses__address=ip).order_by("pk").first(),
    )


@dataclass(frozen=True, slots=True)
class ProvenanceRow:
    """A field's recorded provenance, read without building a model instance (thousands per sweep)."""

    field: str
    source: str
    strength: int
    specific: bool
    detail: str

    def as_source(self) -> Source:
        return Source(self.source, self.strength, self.specific, self.detail)


def provenance_rows(*, device_ids: Iterable[int]) -> dict[int, list[ProvenanceRow]]:
    out: dict[int, list[ProvenanceRow]] = {}
    ids = sorted(set(device_ids))
    for start in range(0, len(ids), 500):
        for device_id, *values in FieldProvenance.objects.filter(device_id__in=ids[start:start + 500]).values_list(
                "device_id", "field", "source", "strength", "specific", "detail"):
            out.setdefault(device_id, []).append(ProvenanceRow(*values))
    return out


@dataclass
class MatchIndex:
    """The devices a batch of hosts at one site can match, by each identity, and the owners of the (lower-cased)
    device names at the site that the batch may want: names are unique per site, whatever their case."""

    site_id: int
    devices: dict[int, Device] = field(default_factory=dict)
    by_serial: dict[str, set[int]] = field(default_factory=dict)
    by_engine: dict[str, set[int]] = field(default_factory=dict)
    by_name: dict[str, set[int]] = field(default_factory=dict)
    by_ip: dict[str, set[int]] = field(default_factory=dict)
    by_mac: dict[str, int] = field(default_factory=dict)
    by_ip_table: dict[str, int] = field(default_factory=dict)
    asked_names: set[str] = field(default_factory=set)
    name_owners: dict[str, set[int]] = field(default_factory=dict)
    _names: dict[int, str] = field(default_factory=dict)
    valid: bool = True  # False once a host failed in the batch: its rolled-back changes may be in the objects
    seen: dict[int, datetime] = field(default_factory=dict)  # unchanged devices: last seen, written per batch
    created: list[CreateRecord] = field(default_factory=list)  # new devices: their history, written per batch
    # provenance: of the indexed devices as read (device id -> rows), of new devices (inserted per batch), and the
    # sources whose confirmation time moves with the batch's last-seen update
    known_provenance: dict[int, list[ProvenanceRow]] = field(default_factory=dict)
    provenance: list[dict] = field(default_factory=list)  # rows to insert (estate.audit_bulk.rows_insert)
    confirm_sources: set[str] = field(default_factory=set)

    def provenance_of(self, pk: int) -> list[ProvenanceRow]:
        return self.known_provenance.get(pk, [])

    def confirm_known(self, pk: int, field_name: str, source) -> bool:
        """Whether this field's recorded source is the one confirming it (then only its time moves)."""
        return any(p.field == field_name and p.source == source.source and p.strength == source.strength
                   for p in self.known_provenance.get(pk, ()))

    def add(self, device: Device) -> None:
        """Index a device as it is now (after reconcile created or changed it). Keys it no longer has may stay:
        matching checks each candidate's current values."""
        self.devices[device.pk] = device
        for key, table in ((device.serial, self.by_serial), (device.snmp_engine_id, self.by_engine),
                           (device.primary_ip, self.by_ip), (device.management_ip, self.by_ip)):
            if key:
                table.setdefault(str(key), set()).add(device.pk)
        if device.site_id != self.site_id:
            return
        self.by_name.setdefault(device.name, set()).add(device.pk)
        self._own(device.pk, device.name.lower())

    def _own(self, pk: int, lowered: str) -> None:
        previous = self._names.get(pk)
        if previous is not None and previous != lowered:
            self.name_owners.get(previous, set()).discard(pk)  # renamed: its old name is free again
        self._names[pk] = lowered
        self.name_owners.setdefault(lowered, set()).add(pk)

    def name_taken(self, name: str) -> bool | None:
        """Whether a device at the site has this name, in any case; None when the index was not asked it."""
        lowered = name.lower()
        if lowered not in self.asked_names:
            return None
        return bool(self.name_owners.get(lowered))

    def match(self, *, site: Site, serial: str | None, manufacturer: str | None, macs: list[str],
              engine_id: str | None, hostname: str | None, address: str | None) -> tuple[Device | None, str | None]:
        """``device_match()`` over the index: the same rules, the same candidates, no query."""
        names = _name_variants(hostname) if hostname else []
        ip = address if is_ip(address) else None
        ids: set[int] = set()
        if serial and manufacturer:
            ids |= self.by_serial.get(serial, set())
        if engine_id:
            ids |= self.by_engine.get(engine_id, set())
        for name in names:
            ids |= self.by_name.get(name, set())
        if ip:
            ids |= self.by_ip.get(ip, set())
        found = [self.devices[pk] for pk in sorted(ids)[:CANDIDATE_LIMIT]]
        mac_ids = [self.by_mac[mac] for mac in macs if mac in self.by_mac]
        return _pick(found, site=site, serial=serial, manufacturer=manufacturer, engine_id=engine_id, names=names,
                     ip=ip, mac_table=lambda: self.devices.get(min(mac_ids)) if mac_ids else None,
                     ip_table=lambda: self.devices.get(self.by_ip_table.get(ip or "", 0)))


@dataclass(frozen=True)
class HostKeys:
    """The identities of one host, as reconcile will look them up."""

    serial: str | None
    manufacturer: str | None
    macs: tuple[str, ...]
    engine_id: str | None
    hostname: str | None
    address: str | None
    wanted_name: str  # the name a new device would get


def match_index_build(*, site: Site, hosts: Iterable[HostKeys]) -> MatchIndex:
    """Read every device the hosts could match, and the site's device names they may want, in a few queries."""
    index = MatchIndex(site_id=site.pk)
    serials: set[str] = set()
    engines: set[str] = set()
    names: set[str] = set()
    ips: set[str] = set()
    macs: set[str] = set()
    lowered: set[str] = set()
    for host in hosts:
        if host.serial and host.manufacturer:
            serials.add(host.serial)
        if host.engine_id:
            engines.add(host.engine_id)
        if host.hostname:
            names.update(_name_variants(host.hostname))
            lowered.add(host.hostname.lower())
        if host.wanted_name:
            lowered.add(host.wanted_name.lower())
        if is_ip(host.address):
            ips.add(host.address)  # type: ignore[arg-type]
        macs.update(host.macs)
    index.asked_names = lowered
    query = Q(pk__in=[])
    if serials:
        query |= Q(serial__in=serials)
    if engines:
        query |= Q(snmp_engine_id__in=engines)
    if names:
        query |= Q(site=site, name__in=names)
    if ips:
        query |= Q(primary_ip__in=ips) | Q(management_ip__in=ips)
    if macs:
        for mac, device_id in Interface.objects.filter(mac_address__in=macs).order_by("device_id").values_list(
                "mac_address", "device_id"):
            index.by_mac.setdefault(mac, device_id)
    if ips:
        for address, device_id in IPAddress.objects.filter(address__in=ips, device__isnull=False).order_by(
                "device_id").values_list("address", "device_id"):
            index.by_ip_table.setdefault(str(address), device_id)
    extra_ids = set(index.by_mac.values()) | set(index.by_ip_table.values())
    if extra_ids:
        query |= Q(pk__in=extra_ids)
    for device in Device.objects.filter(query).select_related(*_RELATED).order_by("pk"):
        index.add(device)
    if index.devices:
        index.known_provenance = provenance_rows(device_ids=index.devices)
    if lowered:
        for pk, lname in Device.objects.filter(site=site).annotate(lname=Lower("name")).filter(
                lname__in=lowered).values_list("pk", "lname"):
            index._own(pk, lname)
    return index
