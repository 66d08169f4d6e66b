"""CISCO-CDP-MIB cdpCacheTable -> NeighbourFact."""

from __future__ import annotations

import re
from typing import Any

from discovery.facts import NeighbourFact
from discovery.parsers import text
from discovery.parsers.mib import Mib, as_ip

CDP_CACHE = "1.3.6.1.4.1.9.9.23.1.2.1.1"
MAX_NEIGHBOURS = 5000

# cdpCacheCapabilities bits (CDP TLV 0x04), least significant first
_CAPS = ((0x01, "router"), (0x02, "bridge"), (0x04, "sourceRouteBridge"), (0x08, "switch"), (0x10, "host"),
         (0x20, "igmp"), (0x40, "repeater"), (0x80, "telephone"), (0x100, "remotelyManaged"),
         (0x200, "cvta"), (0x400, "twoPortMacRelay"))


def capabilities(value: Any) -> tuple[str, ...]:
    if isinstance(value, bytes) and 1 <= len(value) <= 4:
        mask = int.from_bytes(value, "big")
    elif isinstance(value, int) and not isinstance(value, bool):
        mask = value
    else:
        return ()
    return tuple(label for bit, label in _CAPS if mask & bit)


_AP = re.compile(r"(AIR-|Aironet|\bC91\d\dAX|\bCW91\d\d|access point|\bAP Software)", re.IGNORECASE)


def _hint(caps: tuple[str, ...], platform: str | None, description: str | None) -> str | None:
    if "telephone" in caps or (platform and "phone" in platform.lower()):
        return "ip_phone"
    if _AP.search(platform or "") or _AP.search((description or "")[:200]):
        return "wireless_ap"
    if "router" in caps and "switch" not in caps:
        return "router"
    if "switch" in caps:
        return "switch"
    return None


def parse(mib: Mib, if_names: dict[int, str]) -> list[NeighbourFact]:
    if not mib.has(CDP_CACHE):
        return []
    rows: dict[tuple[int, ...], dict[int, Any]] = {}
    for col in (3, 4, 5, 6, 7, 8, 9):
        for index, value in mib.column(f"{CDP_CACHE}.{col}").items():
            if len(index) == 2:
                rows.setdefault(index, {})[col] = value
        if len(rows) > MAX_NEIGHBOURS:
            break
    out: list[NeighbourFact] = []
    for index in sorted(rows)[:MAX_NEIGHBOURS]:
        row = rows[index]
        address_type = text.to_int(row.get(3))
        address = as_ip(row.get(4)) if address_type in (None, 1, 20) else None
        caps = capabilities(row.get(9))
        platform = text.name(row.get(8))
        device_id = text.name(row.get(6))
        description = text.descr(row.get(5))
        out.append(NeighbourFact(
            protocol="cdp",
            local_port=if_names.get(index[0]),
            remote_name=device_id,
            remote_chassis_id=device_id,
            # IP phones announce "SEP" + their MAC as the device id
            remote_mac=text.mac(device_id[3:]) if device_id and device_id.upper().startswith("SEP") else None,
            remote_address=address,
            remote_port=text.name(row.get(7)),
            remote_description=description,
            remote_platform=platform,
            capabilities=caps,
            manufacturer="Cisco" if platform and platform.lower().startswith("cisco") else None,
            model=platform.split(None, 1)[1] if platform and platform.lower().startswith("cisco ") else None,
            kind_hint=_hint(caps, platform, description),
        ))
    return out
