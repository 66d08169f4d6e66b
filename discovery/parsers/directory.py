"""Active Directory computer objects -> DirectoryComputer -> HostFacts. Pure: no Django, no I/O, never raises.

The collector (discovery/collectors/ldap.py) hands over each entry's raw attribute values (lists of bytes, as
the server sent them), so nothing here trusts a value: every string is decoded, stripped of control characters
and capped (a 1 MiB description costs a slice, a NUL disappears, "<script>" stays text for the templates to
escape).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from discovery.facts import Evidence, HostFacts
from discovery.parsers import text
from discovery.parsers.windows import WindowsRelease, windows_release

# The attributes the collector asks for (and nothing else: no password hashes, no ms-Mcs-AdmPwd / LAPS).
COMPUTER_ATTRIBUTES: tuple[str, ...] = (
    "cn", "dNSHostName", "operatingSystem", "operatingSystemVersion", "operatingSystemServicePack",
    "lastLogonTimestamp", "whenCreated", "userAccountControl", "description", "managedBy", "distinguishedName",
    "objectGUID",
)
COMPUTER_FILTER = "(objectCategory=computer)"
UAC_ACCOUNTDISABLE = 0x2
DIRECTORY_SOURCE = "directory"  # inventory ProvenanceSourceChoices.DIRECTORY
DIRECTORY_STRENGTH = 60  # weaker than SSH (90) and SNMP vendor MIBs (70), stronger than a guess (30)
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_GENERALIZED = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})")
_DN_MAX = 2048


@dataclass(frozen=True, slots=True)
class DirectoryComputer:
    """One computer object, cleaned."""

    dn: str
    name: str  # cn: the computer's (NetBIOS-style) name
    dns_hostname: str | None
    os_name: str | None
    os_version: str | None
    service_pack: str | None
    last_logon: datetime | None  # lastLogonTimestamp (replicated; up to ~14 days behind the real last logon)
    created: datetime | None
    disabled: bool
    description: str | None
    managed_by: str | None
    guid: str | None
    windows: WindowsRelease | None

    @property
    def ou(self) -> str:
        """The container the computer sits in: its DN without the first RDN."""
        return parent_dn(self.dn)


def _values(attrs: Mapping[str, Any], name: str) -> list[Any]:
    # Attribute names are case-insensitive in LDAP.
    for key, value in attrs.items():
        if key.lower() == name.lower():
            if isinstance(value, list | tuple):
                return list(value)
            return [value]
    return []


def _first(attrs: Mapping[str, Any], name: str) -> Any:
    values = _values(attrs, name)
    return values[0] if values else None


def filetime(value: Any) -> datetime | None:
    """Windows FILETIME (100 ns since 1601, as decimal text) -> aware datetime; None for 0, 'never' or junk."""
    number = text.to_int(text.decode(value, 40) if isinstance(value, bytes | bytearray) else value)
    if number is None or number <= 0 or number >= 0x7FFFFFFFFFFFFFFF:
        return None
    try:
        return _FILETIME_EPOCH + timedelta(microseconds=number // 10)
    except OverflowError:
        return None


def generalized_time(value: Any) -> datetime | None:
    """'20240131120000.0Z' -> aware datetime (UTC); None for junk."""
    found = _GENERALIZED.match(text.decode(value, 40).strip())
    if not found:
        return None
    try:
        return datetime(*(int(g) for g in found.groups()), tzinfo=UTC)
    except ValueError:
        return None


def parent_dn(dn: str) -> str:
    """'CN=PC1,OU=Libraries,DC=council,DC=local' -> 'OU=Libraries,DC=council,DC=local' (escaped commas kept)."""
    position = 0
    while True:
        comma = dn.find(",", position)
        if comma < 0:
            return ""
        backslashes = len(dn[:comma]) - len(dn[:comma].rstrip("\\"))
        if backslashes % 2 == 0:
            return dn[comma + 1:].strip()
        position = comma + 1


def dn_within(dn: str, base: str) -> bool:
    """Whether dn is base or below it (case- and space-insensitive compare of the RDN sequence)."""
    def norm(value: str) -> str:
        return ",".join(part.strip().lower() for part in value.split(","))
    dn_n, base_n = norm(dn), norm(base)
    return bool(base_n) and (dn_n == base_n or dn_n.endswith("," + base_n))


def _guid(value: Any) -> str | None:
    if isinstance(value, bytes | bytearray) and len(value) == 16:
        return str(uuid.UUID(bytes_le=bytes(value)))
    return None


def parse_computer(attrs: Mapping[str, Any]) -> DirectoryComputer | None:
    """A computer entry's raw attributes -> DirectoryComputer; None when it has no usable name or DN."""
    dn = text.clean(_first(attrs, "distinguishedName"), _DN_MAX) or ""
    name = text.name(_first(attrs, "cn"))
    if not name and dn:
        first = dn.split(",", 1)[0]
        name = text.name(first.split("=", 1)[1]) if "=" in first else None
    if not name or not dn:
        return None
    name = name.rstrip("$") or name
    dns = text.name(_first(attrs, "dNSHostName"))
    if dns and (" " in dns or "/" in dns):
        dns = None  # not a host name: never let it through as one
    os_name = text.name(_first(attrs, "operatingSystem"))
    os_version = text.name(_first(attrs, "operatingSystemVersion"))
    service_pack = text.name(_first(attrs, "operatingSystemServicePack"))
    uac = text.to_int(text.decode(_first(attrs, "userAccountControl"), 20)) or 0
    return DirectoryComputer(
        dn=dn, name=name[:63], dns_hostname=dns.lower() if dns else None, os_name=os_name, os_version=os_version,
        service_pack=service_pack, last_logon=filetime(_first(attrs, "lastLogonTimestamp")),
        created=generalized_time(_first(attrs, "whenCreated")), disabled=bool(uac & UAC_ACCOUNTDISABLE),
        description=text.clean(_first(attrs, "description"), 1000), managed_by=text.clean(_first(attrs, "managedBy"),
                                                                                          _DN_MAX),
        guid=_guid(_first(attrs, "objectGUID")), windows=windows_release(os_name, os_version, service_pack),
    )


def computer_facts(computer: DirectoryComputer) -> HostFacts:
    """What the directory says about the computer, as host facts with their evidence (source "directory")."""
    win = computer.windows
    os_detail = f"AD operatingSystem {computer.os_name!r}" if computer.os_name else ""
    version_detail = f"AD operatingSystemVersion {computer.os_version}" if computer.os_version else ""

    def evidence(detail: str) -> Evidence:
        return Evidence(source=DIRECTORY_SOURCE, strength=DIRECTORY_STRENGTH, detail=detail[:300])

    evidences: list[tuple[str, Evidence]] = [("hostname", evidence(f"AD cn {computer.name}"))]
    if win is not None:
        platform, version, kind = win.platform, win.version, win.kind
        evidences.append(("kind", evidence(f"{os_detail} ({'server' if kind == 'server' else 'client'} Windows)")))
        evidences.append(("platform", evidence(f"{os_detail}, {version_detail}".strip(", "))))
        evidences.append(("version", evidence(f"{version_detail}, {os_detail}".strip(", "))))
    else:  # not Windows (Samba, macOS, a NAS): the directory's own words, no kind guessed
        platform, version, kind = computer.os_name, computer.os_version, None
        if platform:
            evidences.append(("platform", evidence(os_detail)))
        if version:
            evidences.append(("version", evidence(version_detail)))
    extra = [("ad_dn", computer.dn[:500])]
    if computer.description:
        extra.append(("ad_description", computer.description[:500]))
    if computer.managed_by:
        extra.append(("ad_managed_by", computer.managed_by[:500]))
    if computer.service_pack:
        extra.append(("ad_service_pack", computer.service_pack))
    return HostFacts(
        address=computer.dns_hostname or computer.name, sources=(DIRECTORY_SOURCE,), hostname=computer.name,
        kind=kind, platform=platform, version=version, os_name=computer.os_name, os_version=computer.os_version,
        extra=tuple(sorted(extra)), evidence=tuple(evidences),
    )
