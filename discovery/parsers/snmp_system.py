"""SNMPv2-MIB system group, sysUpTime and snmpEngineID."""

from __future__ import annotations

from typing import Any

from discovery.parsers import text
from discovery.parsers.mib import Mib, as_oid, timeticks_seconds

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_CONTACT = "1.3.6.1.2.1.1.4.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_LOCATION = "1.3.6.1.2.1.1.6.0"
HR_SYSTEM_UPTIME = "1.3.6.1.2.1.25.1.1.0"
SNMP_ENGINE_ID = "1.3.6.1.6.3.10.2.1.1.0"


def parse(mib: Mib, engine_id: bytes | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "sys_descr": text.descr(mib.get(SYS_DESCR)),
        "sys_object_id": as_oid(mib.get(SYS_OBJECT_ID)),
        "hostname": text.name(mib.get(SYS_NAME)),
        "contact": text.name(mib.get(SYS_CONTACT)),
        "location": text.name(mib.get(SYS_LOCATION)),
    }
    # hrSystemUptime is the host's uptime; sysUpTime only the agent's, so prefer the former
    out["uptime_seconds"] = timeticks_seconds(mib.get(HR_SYSTEM_UPTIME))
    if out["uptime_seconds"] is None:
        out["uptime_seconds"] = timeticks_seconds(mib.get(SYS_UPTIME))
    raw_engine = engine_id if isinstance(engine_id, bytes) and engine_id else mib.get(SNMP_ENGINE_ID)
    if isinstance(raw_engine, bytes) and 5 <= len(raw_engine) <= 32:
        out["engine_id"] = raw_engine.hex()
    return {k: v for k, v in out.items() if v is not None}
