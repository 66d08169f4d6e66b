"""LLDP-MIB remote systems (lldpRemTable, lldpRemManAddrTable) and LLDP-MED inventory -> NeighbourFact."""

from __future__ import annotations

import ipaddress
from typing import Any

from discovery.facts import NeighbourFact
from discovery.parsers import text
from discovery.parsers.mib import Mib

LLDP = "1.0.8802.1.1.2.1"
LOC_PORT = f"{LLDP}.3.7.1"  # lldpLocPortTable: 2 subtype, 3 id, 4 desc
REM = f"{LLDP}.4.1.1"  # lldpRemTable
REM_MAN_ADDR = f"{LLDP}.4.2.1"  # lldpRemManAddrTable
MED = f"{LLDP}.5.4795.1"
MED_CAPS = f"{MED}.3.1.1"  # lldpXMedRemCapabilitiesTable: 3 device class
MED_INVENTORY = f"{MED}.3.3.1"  # lldpXMedRemInventoryTable
MAX_NEIGHBOURS = 5000

# LLDP system capability bits (bit 0 = most significant bit of the first octet)
CAPABILITIES = ("other", "repeater", "bridge", "wlanAccessPoint", "router", "telephone", "docsisCableDevice",
                "stationOnly", "cVLAN", "sVLAN", "tpmr")
MED_CLASSES = {1: "endpointClass1", 2: "endpointClass2", 3: "endpointClass3", 4: "networkConnectivity"}


def bits(value: Any, names: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, bytes):
        return ()
    out = []
    for i, label in enumerate(names):
        byte, bit = divmod(i, 8)
        if byte < len(value) and value[byte] & (0x80 >> bit):
            out.append(label)
    return tuple(out)


def kind_hint(capabilities: tuple[str, ...]) -> str | None:
    caps = set(capabilities)
    if "telephone" in caps:
        return "ip_phone"
    if "wlanAccessPoint" in caps:
        return "wireless_ap"
    if "router" in caps and "bridge" not in caps:
        return "router"
    if "bridge" in caps:
        return "switch"
    return None


def _id_value(subtype: int | None, value: Any) -> tuple[str | None, str | None]:
    """(printable id, MAC) from a chassis/port id with its subtype."""
    if subtype in (4, 3) and isinstance(value, bytes):  # chassis 4 / port 3: macAddress
        mac = text.mac(value)
        return mac or text.name(value), mac
    if subtype == 5 and isinstance(value, bytes) and len(value) in (5, 17):  # chassis networkAddress
        try:
            return str(ipaddress.ip_address(value[1:])), None
        except ValueError:
            return None, None
    if isinstance(value, bytes) and len(value) == 6 and not text.is_printable(value):
        mac = text.mac(value)
        return mac, mac
    label = text.name(value)
    return label, text.mac(label) if label else None


def local_ports(mib: Mib, if_names: dict[int, str]) -> dict[int, str]:
    out: dict[int, str] = {}
    subtypes = mib.column(f"{LOC_PORT}.2")
    ids = mib.column(f"{LOC_PORT}.3")
    descs = mib.column(f"{LOC_PORT}.4")
    for index in set(ids) | set(descs):
        if len(index) != 1:
            continue
        port_id = text.name(ids.get(index)) if text.is_printable(ids.get(index) or b"") else None
        desc = text.name(descs.get(index))
        subtype = text.to_int(subtypes.get(index))
        label = port_id if subtype in (1, 5, 7) and port_id else (desc or port_id)
        if label:
            out[index[0]] = label
    for port, label in if_names.items():
        out.setdefault(port, label)
    return out


def parse(mib: Mib, if_names: dict[int, str]) -> list[NeighbourFact]:
    if not mib.has(LLDP):
        return []  # most agents have no LLDP: one lookup instead of a dozen empty columns
    rows: dict[tuple[int, ...], dict[int, Any]] = {}
    for col in (4, 5, 6, 7, 8, 9, 10, 12):
        for index, value in mib.column(f"{REM}.{col}").items():
            if len(index) == 3:
                rows.setdefault(index, {})[col] = value
        if len(rows) > MAX_NEIGHBOURS:
            break

    addresses: dict[tuple[int, ...], str] = {}
    for col in (3, 4, 5):
        for index in mib.column(f"{REM_MAN_ADDR}.{col}"):
            if len(index) < 6:
                continue
            key, subtype, rest = index[:3], index[3], index[4:]
            arcs = rest[1:] if rest and rest[0] == len(rest) - 1 else rest
            if subtype in (1, 2) and len(arcs) in (4, 16) and all(0 <= a <= 255 for a in arcs):
                address = str(ipaddress.ip_address(bytes(arcs)))
                # prefer IPv4 as the management address
                if key not in addresses or (":" in addresses[key] and ":" not in address):
                    addresses[key] = address

    med: dict[tuple[int, ...], dict[int, Any]] = {}
    for col in range(1, 8):
        for index, value in mib.column(f"{MED_INVENTORY}.{col}").items():
            if len(index) == 3:
                med.setdefault(index, {})[col] = value
    med_class = {i: text.to_int(v) for i, v in mib.column(f"{MED_CAPS}.3").items() if len(i) == 3}

    ports = local_ports(mib, if_names)
    out: list[NeighbourFact] = []
    for index in sorted(rows)[:MAX_NEIGHBOURS]:
        row = rows[index]
        chassis_id, chassis_mac = _id_value(text.to_int(row.get(4)), row.get(5))
        port_id, port_mac = _id_value(text.to_int(row.get(6)), row.get(7))
        capabilities = bits(row.get(12), CAPABILITIES)
        inventory = med.get(index, {})
        is_med = bool(inventory) or index in med_class
        hint = kind_hint(capabilities)
        if hint is None and med_class.get(index) in (1, 2, 3):
            hint = "ip_phone" if "telephone" in capabilities or inventory else None
        out.append(NeighbourFact(
            protocol="lldp-med" if is_med else "lldp",
            local_port=ports.get(index[1]),
            remote_name=text.name(row.get(9)),
            remote_chassis_id=chassis_id,
            remote_mac=chassis_mac or port_mac,
            remote_address=addresses.get(index),
            remote_port=port_id,
            remote_port_description=text.name(row.get(8)),
            remote_description=text.descr(row.get(10)),
            capabilities=capabilities,
            manufacturer=text.name(inventory.get(5)),
            model=text.name(inventory.get(6)),
            serial=text.serial(inventory.get(4)),
            hardware_revision=text.name(inventory.get(1)),
            firmware_revision=text.name(inventory.get(2)),
            software_revision=text.name(inventory.get(3)),
            asset_id=text.name(inventory.get(7)),
            kind_hint=hint,
        ))
    return out
