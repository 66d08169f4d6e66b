"""Read-only access to a varbind mapping: single values and table columns, tolerant of any types."""

from __future__ import annotations

import bisect
import functools
import ipaddress
from collections.abc import Mapping
from typing import Any

from discovery.parsers import text
from discovery.raw import IpAddr, Oid, SnmpValue

_BAD_KEY = (1 << 62,)


@functools.lru_cache(maxsize=1 << 16)  # the same OIDs come back from every host of a sweep
def _key(oid: str) -> tuple[int, ...]:
    parts = oid.strip(".").split(".")
    if len(parts) > 256:
        return _BAD_KEY
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        return _BAD_KEY


class Mib:
    """Varbinds indexed by numeric OID, so a table column is one bisect plus a slice."""

    def __init__(self, varbinds: Mapping[str, SnmpValue] | None) -> None:
        self._values: dict[tuple[int, ...], Any] = {}
        try:
            items = list((varbinds or {}).items())
        except Exception:  # noqa: BLE001 - a broken mapping is an empty reply
            items = []
        for oid, value in items:
            if not isinstance(oid, str):
                continue
            key = _key(oid)
            if key != _BAD_KEY:
                self._values.setdefault(key, value)
        self._keys = sorted(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def get(self, oid: str) -> Any:
        key = _key(oid)
        value = self._values.get(key)
        if value is None and key[-1:] == (0,):
            # some agents (and recordings) omit the ".0" of a scalar
            value = self._values.get(key[:-1])
        return value

    def text(self, oid: str, limit: int = text.NAME_MAX) -> str | None:
        return text.clean(self.get(oid), limit)

    def int(self, oid: str) -> int | None:
        return text.to_int(self.get(oid))

    def _range(self, prefix: tuple[int, ...]) -> range:
        lo = bisect.bisect_left(self._keys, prefix)
        hi = bisect.bisect_left(self._keys, prefix[:-1] + (prefix[-1] + 1,)) if prefix else len(self._keys)
        return range(lo, hi)

    def has(self, prefix: str) -> bool:
        return len(self._range(_key(prefix))) > 0

    def column(self, prefix: str) -> dict[tuple[int, ...], Any]:
        """Every value below ``prefix``, keyed by the index arcs after it (in OID order)."""
        base = _key(prefix)
        if base == _BAD_KEY:
            return {}
        n = len(base)
        out: dict[tuple[int, ...], Any] = {}
        for i in self._range(base):
            key = self._keys[i]
            if len(key) > n:
                out[key[n:]] = self._values[key]
        return out

    def subtree_arcs(self, prefix: str) -> set[int]:
        """The distinct arcs directly below ``prefix`` that hold values (e.g. enterprise numbers)."""
        base = _key(prefix)
        n = len(base)
        return {self._keys[i][n] for i in self._range(base) if len(self._keys[i]) > n}


def as_oid(value: Any) -> str | None:
    if isinstance(value, Oid):
        return str(value).strip(".") or None
    if isinstance(value, bytes):
        cleaned = text.name(value)
        if cleaned and all(part.isdigit() for part in cleaned.strip(".").split(".")):
            return cleaned.strip(".")
    return None


def as_ip(value: Any) -> str | None:
    """IpAddress, 4/16 raw octets, or dotted text -> canonical address string."""
    try:
        if isinstance(value, IpAddr):
            return str(ipaddress.ip_address(str(value)))
        if isinstance(value, bytes):
            if len(value) in (4, 16):
                return str(ipaddress.ip_address(value))
            cleaned = text.name(value)
            return str(ipaddress.ip_address(cleaned)) if cleaned else None
        if isinstance(value, str):
            return str(ipaddress.ip_address(value))
    except ValueError:
        return None
    return None


def ip_from_arcs(arcs: tuple[int, ...]) -> str | None:
    """An address from OID index arcs (4 for IPv4, 16 for IPv6)."""
    if len(arcs) not in (4, 16) or any(not 0 <= a <= 255 for a in arcs):
        return None
    return str(ipaddress.ip_address(bytes(arcs)))


def timeticks_seconds(value: Any) -> int | None:
    ticks = text.to_int(value)
    if ticks is None or ticks < 0:
        return None
    return ticks // 100


def date_and_time(value: Any) -> str | None:
    """SNMPv2-TC DateAndTime (8 or 11 octets) -> ISO 8601; None when invalid or unset."""
    if not isinstance(value, bytes) or len(value) not in (8, 11):
        return None
    year = int.from_bytes(value[0:2], "big")
    month, day, hour, minute, second = value[2], value[3], value[4], value[5], value[6]
    if not (1970 <= year <= 2200 and 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
        return None
    second = min(second, 59)
    out = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if len(value) == 11 and chr(value[8]) in "+-" and value[9] <= 14 and value[10] < 60:
        out += f"{chr(value[8])}{value[9]:02d}:{value[10]:02d}"
    return out
