"""Windows release from the build number, plus edition and kind from the OS name. Pure: no Django, never raises.

Active Directory keeps ``operatingSystem`` ("Windows 10 Pro", "Windows Server 2019 Standard") and
``operatingSystemVersion`` ("10.0 (19045)"): the build names the release ("22H2"), the name the edition
("Pro" vs "Enterprise": their servicing dates differ). Windows 11 machines joined before their DC knew about
Windows 11 still say "Windows 10 …": the build wins.

Platform and version are written the way the lifecycle matcher (inventory/lifecycle, microsoft.yaml) reads them:
platform "Windows 10" / "Windows 11" / "Windows Server", version "22H2 Pro (10.0.19045)" or
"2012 R2 Standard (6.3.9600)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (major.minor, build) -> (client family, client release, server release); None where that side has no such build.
# Sources: Microsoft's Windows release-information pages (client and server).
_BUILDS: dict[int, tuple[str, str | None, str | None, str | None]] = {
    # build: (NT version, client family, client release, server release)
    2195: ("5.0", "Windows 2000", None, "2000"),
    2600: ("5.1", "Windows XP", None, None),
    3790: ("5.2", "Windows XP", None, "2003"),
    6000: ("6.0", "Windows Vista", None, None),
    6001: ("6.0", "Windows Vista", "SP1", "2008"),
    6002: ("6.0", "Windows Vista", "SP2", "2008"),
    6003: ("6.0", "Windows Vista", "SP2", "2008"),
    7600: ("6.1", "Windows 7", None, "2008 R2"),
    7601: ("6.1", "Windows 7", "SP1", "2008 R2"),
    9200: ("6.2", "Windows 8", None, "2012"),
    9600: ("6.3", "Windows 8.1", None, "2012 R2"),
    10240: ("10.0", "Windows 10", "1507", None),
    10586: ("10.0", "Windows 10", "1511", None),
    14393: ("10.0", "Windows 10", "1607", "2016"),
    15063: ("10.0", "Windows 10", "1703", None),
    16299: ("10.0", "Windows 10", "1709", "1709"),
    17134: ("10.0", "Windows 10", "1803", "1803"),
    17763: ("10.0", "Windows 10", "1809", "2019"),
    18362: ("10.0", "Windows 10", "1903", "1903"),
    18363: ("10.0", "Windows 10", "1909", "1909"),
    19041: ("10.0", "Windows 10", "2004", "2004"),
    19042: ("10.0", "Windows 10", "20H2", "20H2"),
    19043: ("10.0", "Windows 10", "21H1", None),
    19044: ("10.0", "Windows 10", "21H2", None),
    19045: ("10.0", "Windows 10", "22H2", None),
    20348: ("10.0", "Windows Server", None, "2022"),
    22000: ("10.0", "Windows 11", "21H2", None),
    22621: ("10.0", "Windows 11", "22H2", None),
    22631: ("10.0", "Windows 11", "23H2", None),
    25398: ("10.0", "Windows Server", None, "23H2"),
    26100: ("10.0", "Windows 11", "24H2", "2025"),
    26200: ("10.0", "Windows 11", "25H2", None),
}
# Releases whose first build is unknown to the table: the newest release at or below the build.
_SORTED_BUILDS = sorted(_BUILDS)

# "10.0 (19045)", "6.3 (9600)", "10.0.19045", "6.1 (7601) Service Pack 1"
_VERSION = re.compile(r"^\s*(\d+)\.(\d+)(?:\s*\(\s*(\d+)\s*\)|\.(\d+))?")
_SERVER_YEAR = re.compile(r"\bserver\s+(2000|2003|2008|2012|2016|2019|2022|2025)(\s+r2)?\b", re.IGNORECASE)
_SP = re.compile(r"service pack\s*(\d+)|\bsp\s*(\d+)\b", re.IGNORECASE)

# Edition words as AD writes them, in the order they are looked for; the first group that matches wins.
_EDITIONS: tuple[tuple[str, str, str], ...] = (
    # (regex on the OS name, edition label, servicing class)
    (r"\biot\b.*\blts[bc]\b", "IoT Enterprise LTSC", "iot_ltsc"),
    (r"\blts[bc]\b", "Enterprise LTSC", "ltsc"),
    (r"\bdatacenter\b", "Datacenter", "server"),
    (r"\bstandard\b", "Standard", "server"),
    (r"\bessentials\b", "Essentials", "server"),
    (r"\bfoundation\b", "Foundation", "server"),
    (r"\bweb\b", "Web", "server"),
    (r"\bpro(?:fessional)?\s+education\b", "Pro Education", "home_pro"),
    (r"\bpro(?:fessional)?\s+for\s+workstations\b", "Pro for Workstations", "home_pro"),
    (r"\beducation\b", "Education", "enterprise"),
    (r"\benterprise\b", "Enterprise", "enterprise"),
    (r"\bultimate\b", "Ultimate", "home_pro"),
    (r"\bbusiness\b", "Business", "home_pro"),
    (r"\bprofessional\b", "Professional", "home_pro"),
    (r"\bpro\b", "Pro", "home_pro"),
    (r"\bhome\b", "Home", "home_pro"),
)
_EDITION_RES = tuple((re.compile(p, re.IGNORECASE), label, cls) for p, label, cls in _EDITIONS)
_CLIENT_FAMILY = re.compile(r"\bwindows\s+(xp|vista|7|8\.1|8|10|11|2000)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class WindowsRelease:
    """One computer's Windows, as the lifecycle matcher and the inventory want it."""

    platform: str  # "Windows 10", "Windows 11", "Windows Server", "Windows 8.1"
    release: str | None  # "22H2", "2019", "2012 R2", "SP1"; None when the build is not known
    edition: str | None  # "Pro", "Enterprise", "Enterprise LTSC", "Standard", "Datacenter" ...
    servicing: str | None  # "home_pro", "enterprise", "ltsc", "iot_ltsc", "server"
    kind: str  # "desktop" or "server"
    build: int | None  # 19045
    nt_version: str | None  # "10.0"
    service_pack: int | None = None

    @property
    def version(self) -> str:
        """The device's os_version: release, edition and build, e.g. "22H2 Pro (10.0.19045)"."""
        parts = [p for p in (self.release, f"SP{self.service_pack}" if self.service_pack and
                             (self.release or "").upper() != f"SP{self.service_pack}" else None, self.edition) if p]
        if self.build is not None and self.nt_version:
            parts.append(f"({self.nt_version}.{self.build})")
        elif self.nt_version:
            parts.append(f"({self.nt_version})")
        return " ".join(parts)

    @property
    def label(self) -> str:
        """A person's name for it: "Windows 10 22H2 Pro", "Windows Server 2019 Standard"."""
        return " ".join(p for p in (self.platform, self.release, self.edition) if p)


def parse_version(text: str | None) -> tuple[str | None, int | None]:
    """'10.0 (19045)' -> ('10.0', 19045); '10.0.19045' -> ('10.0', 19045); '6.3' -> ('6.3', None)."""
    found = _VERSION.match(text or "")
    if not found:
        return None, None
    build = found.group(3) or found.group(4)
    number = int(build) if build and len(build) <= 6 else None
    return f"{int(found.group(1))}.{int(found.group(2))}", number


def edition_of(os_name: str | None) -> tuple[str | None, str | None]:
    """('Windows 10 Enterprise LTSC' ->) ('Enterprise LTSC', 'ltsc'); (None, None) when the name has none."""
    for regex, label, servicing in _EDITION_RES:
        if regex.search(os_name or ""):
            return label, servicing
    return None, None


def _known_build(build: int | None) -> int | None:
    if build is None:
        return None
    if build in _BUILDS:
        return build
    # A build between releases (insider, or newer than this table): the release at or below it, same NT version.
    below = [b for b in _SORTED_BUILDS if b <= build]
    return below[-1] if below and build < 30000 else None


def windows_release(os_name: str | None, os_version: str | None, service_pack: str | None = None
                    ) -> WindowsRelease | None:
    """The Windows release of an AD computer; None when the OS is not Windows (Samba, macOS, a NAS ...)."""
    name = " ".join((os_name or "").split())
    if "windows" not in name.lower():
        return None
    nt, build = parse_version(os_version)
    sp_match = _SP.search(service_pack or "") or _SP.search(name)
    sp = int(sp_match.group(1) or sp_match.group(2)) if sp_match else None
    edition, servicing = edition_of(name)
    is_server = "server" in name.lower()
    known = _known_build(build)
    row = _BUILDS.get(known) if known is not None else None
    if row is not None and nt and row[0] != nt:
        row = None  # "6.3 (19045)" is nonsense: trust neither
    if is_server:
        year = _SERVER_YEAR.search(name)
        release = None
        if year:
            release = year.group(1) + (" R2" if year.group(2) else "")
        elif row is not None:
            release = row[3]
        elif nt:
            release = {"5.0": "2000", "5.2": "2003", "6.0": "2008", "6.1": "2008 R2", "6.2": "2012",
                       "6.3": "2012 R2"}.get(nt)
        if release and year is None and row is not None and row[3] and release != row[3]:
            release = row[3]
        return WindowsRelease(platform="Windows Server", release=release, edition=edition,
                              servicing=servicing or "server", kind="server", build=build, nt_version=nt,
                              service_pack=sp)
    family, release = None, None
    if row is not None:
        family, release = row[1], row[2]
        if family == "Windows Server":  # a server-only build on a client name: keep the name's family
            family, release = None, None
    if family is None:
        named = _CLIENT_FAMILY.search(name)
        family = f"Windows {named.group(1).upper() if named.group(1).isalpha() else named.group(1)}" if named else None
        if family and family in ("Windows XP", "Windows VISTA"):
            family = "Windows XP" if "XP" in family else "Windows Vista"
        family = family or (f"Windows NT {nt}" if nt else "Windows")
    if family in ("Windows 7", "Windows Vista", "Windows XP") and sp:
        release = f"SP{sp}"
    return WindowsRelease(platform=family, release=release, edition=edition, servicing=servicing, kind="desktop",
                          build=build, nt_version=nt, service_pack=sp)
