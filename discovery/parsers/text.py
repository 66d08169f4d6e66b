"""Safe decoding of hostile bytes: every function here accepts anything and never raises."""

from __future__ import annotations

import re
from typing import Any

NAME_MAX = 255
DESCR_MAX = 4096

# C0/C1 controls and DEL; tab and newline are kept only where multi-line text is allowed
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t]+")

# Placeholder serials that identify nothing (compared case-insensitively, after stripping).
_PLACEHOLDER_SERIALS = {
    "",
    "to be filled by o.e.m.",
    "to be filled by oem",
    "default string",
    "system serial number",
    "chassis serial number",
    "serial number",
    "not specified",
    "not available",
    "not applicable",
    "none",
    "null",
    "n/a",
    "na",
    "unknown",
    "0123456789",
    "123456789",
    "1234567890",
    "xxxxxxxxxx",
    "serial",
    "sn",
    "oem",
    "empty",
    "invalid",
    "-",
    "0",
    ".",
}
_SERIAL_JUNK = re.compile(r"^(?:0+|f+|x+|\*+|-+|\.+|9+|1+)$", re.IGNORECASE)


def decode(value: Any, limit: int = DESCR_MAX) -> str:
    """Bytes (or anything) -> str: UTF-8, else latin-1; capped before decoding so 1 MB costs little."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        truncated = len(value) > limit * 4
        raw = bytes(value[: limit * 4])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                # truncation may have cut a UTF-8 sequence in two: retry without its tail
                if not truncated:
                    raise
                text = raw[:-3].decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
    else:
        try:
            text = str(value)
        except Exception:  # noqa: BLE001 - hostile __str__
            return ""
    return text[: limit * 2]


def clean(value: Any, limit: int = DESCR_MAX, multiline: bool = False) -> str | None:
    """Decoded, control-free, whitespace-trimmed text capped at ``limit`` characters; None when empty."""
    text = decode(value, limit)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        text = _CONTROL.sub("", text)
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()
    else:
        text = _CONTROL_ALL.sub(" ", text)
        text = _SPACES.sub(" ", text).strip()
    # lone surrogates cannot be stored or JSON-encoded
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    text = text[:limit].strip()
    return text or None


def name(value: Any) -> str | None:
    """A short identifier (hostname, model, port name)."""
    return clean(value, NAME_MAX)


def descr(value: Any) -> str | None:
    """A description: may be long and multi-line."""
    return clean(value, DESCR_MAX, multiline=True)


def is_printable(value: bytes) -> bool:
    """True when bytes look like text rather than binary (used for MACs and hex-only values)."""
    if not value:
        return True
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text.rstrip("\x00"))


def serial(value: Any) -> str | None:
    """A serial number, or None for placeholders that identify nothing."""
    text = name(value)
    if text is None:
        return None
    low = text.strip().lower()
    if low in _PLACEHOLDER_SERIALS or _SERIAL_JUNK.match(low.replace(" ", "")):
        return None
    if low.startswith(("to be filled", "default string", "not specified", "system serial")):
        return None
    return text


def placeholder(value: str | None) -> str | None:
    """Generic vendor/model placeholder filter (DMI "To be filled by O.E.M." etc.)."""
    if value is None:
        return None
    low = value.strip().lower()
    if low in _PLACEHOLDER_SERIALS or low.startswith(("to be filled", "default string", "system product name")):
        return None
    if low in ("system manufacturer", "system version", "not specified", "type1productconfigid"):
        return None
    return value


def mac(value: Any) -> str | None:
    """Normalise a MAC from 6 raw octets or text ("aa-bb-..", "aabb.ccdd.eeff", "AABBCCDDEEFF")."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
        if len(raw) == 6 and not (is_printable(raw) and _looks_like_mac_text(raw.decode("ascii", "ignore"))):
            octets = raw
        else:
            return mac(raw.decode("latin-1"))
    elif isinstance(value, str):
        hexdigits = re.sub(r"[^0-9A-Fa-f]", "", value)
        if len(hexdigits) != 12 or not _looks_like_mac_text(value):
            return None
        octets = bytes.fromhex(hexdigits)
    else:
        return None
    if octets == b"\x00" * 6 or octets == b"\xff" * 6:
        return None
    return ":".join(f"{b:02X}" for b in octets)


def _looks_like_mac_text(text: str) -> bool:
    text = text.strip()
    return bool(
        re.fullmatch(r"[0-9A-Fa-f]{2}([:\-. ]?[0-9A-Fa-f]{2}){5}", text)
        or re.fullmatch(r"[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}", text)
        or re.fullmatch(r"[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){5}", text)
    )


def to_int(value: Any) -> int | None:
    """An integer from an int or a decimal string; None otherwise (bools excluded)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = name(value)
    if text is None:
        return None
    text = text.strip()
    if re.fullmatch(r"[+-]?\d{1,30}", text):
        return int(text)
    return None
