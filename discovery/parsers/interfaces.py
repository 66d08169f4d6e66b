"""IF-MIB ifTable/ifXTable and IP-MIB ipAddrTable/ipAddressTable -> InterfaceFact."""

from __future__ import annotations

import ipaddress
from typing import Any

from discovery.facts import InterfaceFact
from discovery.parsers import text
from discovery.parsers.mib import Mib, as_ip, as_oid, ip_from_arcs

IF_TABLE = "1.3.6.1.2.1.2.2.1"
IFX_TABLE = "1.3.6.1.2.1.31.1.1.1"
IP_ADDR_TABLE = "1.3.6.1.2.1.4.20.1"
IP_ADDRESS_TABLE = "1.3.6.1.2.1.4.34.1"
MAX_INTERFACES = 10000

IF_TYPES = {
    1: "other", 6: "ethernetCsmacd", 23: "ppp", 24: "softwareLoopback", 32: "frameRelay", 37: "atm",
    53: "propVirtual", 54: "propMultiplexor", 62: "fastEther", 69: "fastEtherFX", 71: "ieee80211",
    117: "gigabitEthernet", 131: "tunnel", 135: "l2vlan", 136: "l3ipvlan", 142: "ipForward",
    161: "ieee8023adLag", 166: "mpls", 209: "bridge", 244: "wwanPP2", 188: "radioMAC", 150: "mplsTunnel",
}
_UINT32_MAX = 4294967295


def if_names(mib: Mib) -> dict[int, str]:
    """ifIndex -> ifName (falling back to ifDescr): used by LLDP/CDP for local ports."""
    out: dict[int, str] = {}
    for col in (f"{IF_TABLE}.2", f"{IFX_TABLE}.1"):
        for index, value in mib.column(col).items():
            label = text.name(value)
            if len(index) == 1 and label:
                out[index[0]] = label
    return out


def _prefix_from_mask(mask: Any) -> int | None:
    ip = as_ip(mask)
    if ip is None:
        return None
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{ip}").prefixlen
    except ValueError:
        return None


def addresses(mib: Mib) -> dict[int, list[str]]:
    """ifIndex -> ["10.0.0.1/24", ...] from both the legacy and the current IP-MIB tables."""
    out: dict[int, list[str]] = {}

    def add(if_index: int | None, address: str | None, prefix: int | None) -> None:
        if if_index is None or address is None:
            return
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return
        if ip.is_unspecified or (ip.version == 6 and ip.is_link_local):
            return  # no identity in 0.0.0.0 or fe80::/10
        max_len = 32 if ip.version == 4 else 128
        if prefix is None or not 0 <= prefix <= max_len:
            prefix = max_len
        entry = f"{ip}/{prefix}"
        bucket = out.setdefault(if_index, [])
        if entry not in bucket and not any(e.split("/")[0] == str(ip) for e in bucket):
            bucket.append(entry)

    masks = mib.column(f"{IP_ADDR_TABLE}.3")
    for index, value in mib.column(f"{IP_ADDR_TABLE}.2").items():
        add(text.to_int(value), ip_from_arcs(index), _prefix_from_mask(masks.get(index)))

    prefixes = mib.column(f"{IP_ADDRESS_TABLE}.5")
    for index, value in mib.column(f"{IP_ADDRESS_TABLE}.3").items():
        if len(index) < 2:
            continue
        addr_type, rest = index[0], index[1:]
        if addr_type not in (1, 2):  # ipv4z/ipv6z carry a zone: link-local, skipped
            continue
        size = 4 if addr_type == 1 else 16
        # the index is normally length-prefixed; some agents omit the length
        arcs = rest[1:] if len(rest) == size + 1 and rest[0] == size else rest
        prefix = None
        pointer = as_oid(prefixes.get(index))
        if pointer:
            last = pointer.rsplit(".", 1)[-1]
            prefix = int(last) if last.isdigit() else None
        add(text.to_int(value), ip_from_arcs(tuple(arcs)), prefix)
    return out


def parse(mib: Mib) -> dict[str, Any]:
    if not (mib.has(IF_TABLE) or mib.has(IFX_TABLE)):
        return {}  # interfaces are the rows of these tables: without them, nothing to read
    descrs = mib.column(f"{IF_TABLE}.2")
    types = mib.column(f"{IF_TABLE}.3")
    mtus = mib.column(f"{IF_TABLE}.4")
    speeds = mib.column(f"{IF_TABLE}.5")
    macs = mib.column(f"{IF_TABLE}.6")
    admin = mib.column(f"{IF_TABLE}.7")
    oper = mib.column(f"{IF_TABLE}.8")
    names = mib.column(f"{IFX_TABLE}.1")
    high = mib.column(f"{IFX_TABLE}.15")
    aliases = mib.column(f"{IFX_TABLE}.18")
    ips = addresses(mib)

    indexes = sorted({i[0] for i in list(descrs) + list(names) if len(i) == 1})[:MAX_INTERFACES]
    interfaces: list[InterfaceFact] = []
    for if_index in indexes:
        key = (if_index,)
        descr = text.name(descrs.get(key))
        label = text.name(names.get(key)) or descr or f"if{if_index}"
        alias = text.name(aliases.get(key))
        type_num = text.to_int(types.get(key))
        speed_bps = text.to_int(speeds.get(key))
        high_mbps = text.to_int(high.get(key))
        if high_mbps and high_mbps > 0 and (speed_bps is None or speed_bps >= _UINT32_MAX or high_mbps > 4000):
            speed_kbps: int | None = high_mbps * 1000
        elif speed_bps is not None and speed_bps > 0:
            speed_kbps = speed_bps // 1000
        else:
            speed_kbps = None
        admin_status = text.to_int(admin.get(key))
        oper_status = text.to_int(oper.get(key))
        description = alias or (descr if descr and descr != label else None)
        interfaces.append(InterfaceFact(
            name=label,
            index=if_index,
            type=IF_TYPES.get(type_num, f"iana{type_num}") if type_num is not None else None,
            description=description,
            mac=text.mac(macs.get(key)),
            speed_kbps=speed_kbps,
            mtu=text.to_int(mtus.get(key)),
            enabled=None if admin_status not in (1, 2) else admin_status == 1,
            oper_up=None if oper_status is None else oper_status == 1,
            addresses=tuple(ips.get(if_index, ())),
        ))
    return {"interfaces": tuple(interfaces)} if interfaces else {}
