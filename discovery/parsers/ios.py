"""Network CLIs: Cisco-style `show version` / `show inventory` (IOS, IOS XE, NX-OS, and similar
formats from Arista EOS and Junos where the same words appear)."""

from __future__ import annotations

import re
from typing import Any

from discovery.parsers import text

_UNITS = {"year": 31536000, "week": 604800, "day": 86400, "hour": 3600, "minute": 60, "second": 1}


def _uptime(value: str) -> int | None:
    total = 0
    for amount, unit in re.findall(r"(\d+)\s+(year|week|day|hour|minute|second)s?", value):
        total += int(amount) * _UNITS[unit]
    return total or None


def show_version(output: str | None) -> dict[str, Any]:
    raw = (output or "")[:200000]
    if not raw.strip():
        return {}
    out: dict[str, Any] = {}
    # the head of show version plays the role of sysDescr for classification rules
    head = [line for line in raw.splitlines()[:40] if line.strip()][:12]
    out["sys_descr"] = text.descr("\n".join(head))
    patterns = (
        ("hostname", r"^(\S+) uptime is (.+)$"),
        ("model", r"^Model [Nn]umber\s*:\s*(\S+)"),
        ("serial", r"^System [Ss]erial [Nn]umber\s*:\s*(\S+)"),
        ("serial", r"^Processor board ID (\S+)"),
        ("model", r"^[Cc]isco (\S+) \([^)]*\) processor"),
        ("model", r"^cisco (Nexus\s?\S+ \S+)(?: [Cc]hassis)?"),
        ("model", r"^Arista (\S+)$"),
        ("serial", r"^Serial number:\s*(\S+)"),
        ("model", r"^Model:\s*(\S+)"),
        ("hostname", r"^Hostname:\s*(\S+)"),
        ("memory", r"with (\d+)K(?:/(\d+)K)? bytes of memory"),
    )
    for key, pattern in patterns:
        match = re.search(pattern, raw, re.MULTILINE)
        if not match:
            continue
        if key == "hostname" and "hostname" not in out:
            out["hostname"] = text.name(match.group(1))
            if match.lastindex and match.lastindex >= 2:
                out["uptime_seconds"] = _uptime(match.group(2))
        elif key == "memory" and "memory_bytes" not in out:
            out["memory_bytes"] = sum(int(g) for g in match.groups() if g) * 1024
        elif key in ("model", "serial") and key not in out:
            value = text.serial(match.group(1)) if key == "serial" else text.name(match.group(1))
            if value:
                out[key] = value
    return {k: v for k, v in out.items() if v}


_INVENTORY = re.compile(
    r'NAME:\s*"(?P<name>[^"]*)"\s*,\s*DESCR:\s*"(?P<descr>[^"]*)"\s*\n?\s*'
    r"PID:\s*(?P<pid>[^,]*?)\s*,\s*VID:\s*(?P<vid>[^,]*?)\s*,\s*SN:\s*(?P<sn>\S*)",
    re.MULTILINE,
)


def show_inventory(output: str | None) -> dict[str, Any]:
    """The chassis entry (name "Chassis", "Switch 1", "1" ... or simply the first) -> model/serial/VID."""
    entries = list(_INVENTORY.finditer((output or "")[:500000]))
    if not entries:
        return {}

    def rank(entry: re.Match[str]) -> int:
        label = entry.group("name").lower()
        if "chassis" in label or "chassis" in entry.group("descr").lower():
            return 0
        if re.fullmatch(r"(switch|stack)?\s*1", label):
            return 1
        return 2

    best = min(entries, key=rank)  # min is stable: first of the best rank
    out = {
        "model": text.name(best.group("pid")),
        "serial": text.serial(best.group("sn")),
        "hardware_revision": text.name(best.group("vid")),
    }
    return {k: v for k, v in out.items() if v}
