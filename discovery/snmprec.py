"""Read and write the snmpsim ``.snmprec`` format: one ``OID|TAG|VALUE`` record per line, sorted by OID.

TAG is the BER type number (2 Integer32, 4 OCTET STRING, 5 NULL, 6 OBJECT IDENTIFIER, 64 IpAddress,
65 Counter32, 66 Gauge32, 67 TimeTicks, 68 Opaque, 70 Counter64); a trailing ``x`` means VALUE is hex,
a trailing ``e`` means VALUE uses backslash escapes. Values map to the types of discovery.raw.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from discovery.raw import IpAddr, Oid, SnmpValue

INTEGER32 = 2
OCTET_STRING = 4
NULL = 5
OBJECT_IDENTIFIER = 6
IP_ADDRESS = 64
COUNTER32 = 65
GAUGE32 = 66
TIMETICKS = 67
OPAQUE = 68
COUNTER64 = 70

_INT_TAGS = {INTEGER32, COUNTER32, GAUGE32, TIMETICKS, COUNTER64}
_TAG = re.compile(r"^(\d+)([a-z]*)(?::.*)?$")
_OID = re.compile(r"^\d+(\.\d+)*$")

# A record with its BER tag, so Gauge32/TimeTicks survive a load -> dump round trip.
Record = tuple[str, int, SnmpValue]


def oid_key(oid: str) -> tuple[int, ...]:
    """Sort key: numeric OID order (what snmpsim needs), not string order."""
    try:
        return tuple(int(part) for part in oid.strip(".").split("."))
    except ValueError:
        return (1 << 62,)


def _value(tag: int, flags: str, text: str) -> SnmpValue | None:
    if "x" in flags:
        raw = bytes.fromhex(re.sub(r"\s", "", text))
    elif "e" in flags:
        raw = codecs.escape_decode(text.encode("utf-8"))[0]
    else:
        raw = text.encode("utf-8")
    if tag in (OCTET_STRING, OPAQUE):
        return raw
    if tag == NULL:
        return b""
    if tag in _INT_TAGS:
        return int(raw.decode("ascii").strip() or "0")
    if tag == OBJECT_IDENTIFIER:
        return Oid(raw.decode("ascii").strip().strip("."))
    if tag == IP_ADDRESS:
        if "x" in flags and len(raw) == 4:
            return IpAddr(".".join(str(b) for b in raw))
        return IpAddr(raw.decode("ascii").strip())
    return None  # unknown tag: skipped


def load_records(text: str) -> list[Record]:
    """Parse snmprec text into (oid, tag, value) records in file order; bad lines are skipped."""
    records: list[Record] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("|", 2)
        if len(parts) != 3:
            continue
        oid, tag_text, value_text = parts
        oid = oid.strip().strip(".")
        match = _TAG.match(tag_text.strip())
        if not match or not _OID.match(oid):
            continue
        try:
            value = _value(int(match.group(1)), match.group(2), value_text)
        except (ValueError, UnicodeDecodeError):
            continue
        if value is not None:
            records.append((oid, int(match.group(1)), value))
    return records


def loads(text: str) -> dict[str, SnmpValue]:
    """snmprec text -> varbinds (first record wins for a repeated OID, as snmpsim serves it)."""
    out: dict[str, SnmpValue] = {}
    for oid, _tag, value in load_records(text):
        out.setdefault(oid, value)
    return out


def load(path: str | Path) -> dict[str, SnmpValue]:
    return loads(Path(path).read_text(encoding="utf-8", errors="surrogateescape"))


def _printable(raw: bytes) -> bool:
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return False
    # snmpsim strips blanks around a line, so leading/trailing spaces must go as hex
    return text == text.strip() and all(32 <= ord(ch) < 127 for ch in text)


def _tag_for(value: SnmpValue) -> int:
    if isinstance(value, Oid):
        return OBJECT_IDENTIFIER
    if isinstance(value, IpAddr):
        return IP_ADDRESS
    if isinstance(value, int):
        return INTEGER32
    return OCTET_STRING


def dumps(values: Mapping[str, SnmpValue | tuple[int, SnmpValue]] | Iterable[Record]) -> str:
    """Varbinds -> snmprec text sorted by OID. Give ``(tag, value)`` to choose Gauge32, TimeTicks etc."""
    items: list[Record] = []
    if isinstance(values, Mapping):
        for oid, entry in values.items():
            if isinstance(entry, tuple):
                items.append((oid, entry[0], entry[1]))
            else:
                items.append((oid, _tag_for(entry), entry))
    else:
        items = list(values)
    lines = []
    for oid, tag, value in sorted(items, key=lambda item: oid_key(item[0])):
        oid = oid.strip(".")
        if isinstance(value, bytes):
            if tag == NULL:
                lines.append(f"{oid}|{tag}|")
            elif _printable(value):
                lines.append(f"{oid}|{tag}|{value.decode('ascii')}")
            else:
                lines.append(f"{oid}|{tag}x|{value.hex()}")
        elif isinstance(value, IpAddr | Oid):
            lines.append(f"{oid}|{tag}|{value}")
        else:
            lines.append(f"{oid}|{tag}|{int(value)}")
    return "\n".join(lines) + "\n"


def dump(values: Mapping[str, SnmpValue | tuple[int, SnmpValue]] | Iterable[Record], path: str | Path) -> None:
    Path(path).write_text(dumps(values), encoding="ascii")
