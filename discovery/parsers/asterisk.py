"""Asterisk `core show version`."""

from __future__ import annotations

import re
from typing import Any

from discovery.parsers import text

_VERSION = re.compile(r"^Asterisk\s+(?P<version>(?:certified/)?[\w.\-~+]+)"
                      r"(?:\s+built by .*? on a (?P<arch>\S+) running (?P<os>\S+))?", re.MULTILINE)


def core_show_version(output: str | None) -> dict[str, Any]:
    match = _VERSION.search((output or "")[:20000])
    if not match:
        return {}
    out: dict[str, Any] = {"extra": {"asterisk_version": text.name(match.group("version")) or ""}}
    if match.group("arch"):
        out["architecture"] = text.name(match.group("arch"))
    return out
