"""Pure: the Windows release table (build -> release, edition, kind), AD attribute parsing and hostile values,
and that what the parser writes is what the lifecycle matcher understands."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from discovery.collectors.ldap import filter_error, search_filter, url_error
from discovery.parsers.directory import (
    computer_facts,
    dn_within,
    filetime,
    generalized_time,
    parent_dn,
    parse_computer,
)
from discovery.parsers.windows import edition_of, parse_version, windows_release
from inventory.lifecycle import default_catalogue, resolve

CATALOGUE = default_catalogue()

# (operatingSystem, operatingSystemVersion, service pack) -> (platform, release, edition, kind, lifecycle cycle)
CASES = [
    ("Windows 2000 Professional", "5.0 (2195)", "Service Pack 4", "Windows 2000", None, "Professional", "desktop",
     None),
    ("Windows XP Professional", "5.1 (2600)", "Service Pack 3", "Windows XP", "SP3", "Professional", "desktop",
     "xp-sp3"),
    ("Windows Vista™ Business", "6.0 (6002)", "Service Pack 2", "Windows Vista", "SP2", "Business", "desktop",
     "vista-sp2"),
    ("Windows 7 Professional", "6.1 (7601)", "Service Pack 1", "Windows 7", "SP1", "Professional", "desktop", "7-sp1"),
    ("Windows 8 Pro", "6.2 (9200)", None, "Windows 8", None, "Pro", "desktop", "8"),
    ("Windows 8.1 Pro", "6.3 (9600)", None, "Windows 8.1", None, "Pro", "desktop", "8.1"),
    ("Windows 10 Pro", "10.0 (10240)", None, "Windows 10", "1507", "Pro", "desktop", "10-1507"),
    ("Windows 10 Enterprise 2015 LTSB", "10.0 (10240)", None, "Windows 10", "1507", "Enterprise LTSC", "desktop",
     "10-1507-e-lts"),
    ("Windows 10 Pro", "10.0 (10586)", None, "Windows 10", "1511", "Pro", "desktop", "10-1511"),
    ("Windows 10 Pro", "10.0 (14393)", None, "Windows 10", "1607", "Pro", "desktop", "10-1607"),
    ("Windows 10 Enterprise 2016 LTSB", "10.0 (14393)", None, "Windows 10", "1607", "Enterprise LTSC", "desktop",
     "10-1607-e-lts"),
    ("Windows 10 Pro", "10.0 (15063)", None, "Windows 10", "1703", "Pro", "desktop", "10-1703"),
    ("Windows 10 Pro", "10.0 (16299)", None, "Windows 10", "1709", "Pro", "desktop", "10-1709-w"),
    ("Windows 10 Education", "10.0 (17134)", None, "Windows 10", "1803", "Education", "desktop", "10-1803-e"),
    ("Windows 10 Enterprise LTSC", "10.0 (17763)", None, "Windows 10", "1809", "Enterprise LTSC", "desktop",
     "10-1809-e-lts"),
    ("Windows 10 Pro", "10.0 (17763)", None, "Windows 10", "1809", "Pro", "desktop", "10-1809-w"),
    ("Windows 10 Pro", "10.0 (18362)", None, "Windows 10", "1903", "Pro", "desktop", "10-1903"),
    ("Windows 10 Enterprise", "10.0 (18363)", None, "Windows 10", "1909", "Enterprise", "desktop", "10-1909-e"),
    ("Windows 10 Pro", "10.0 (19041)", None, "Windows 10", "2004", "Pro", "desktop", "10-2004"),
    ("Windows 10 Pro", "10.0 (19042)", None, "Windows 10", "20H2", "Pro", "desktop", "10-20h2-w"),
    ("Windows 10 Pro", "10.0 (19043)", None, "Windows 10", "21H1", "Pro", "desktop", "10-21h1"),
    ("Windows 10 Enterprise", "10.0 (19044)", None, "Windows 10", "21H2", "Enterprise", "desktop", "10-21h2-e"),
    ("Windows 10 IoT Enterprise LTSC", "10.0 (19044)", None, "Windows 10", "21H2", "IoT Enterprise LTSC", "desktop",
     "10-21h2-iot-lts"),
    ("Windows 10 Pro", "10.0 (19045)", None, "Windows 10", "22H2", "Pro", "desktop", "10-22h2"),
    ("Windows 10 Home", "10.0 (19045)", None, "Windows 10", "22H2", "Home", "desktop", "10-22h2"),
    ("Windows 11 Pro", "10.0 (22000)", None, "Windows 11", "21H2", "Pro", "desktop", "11-21h2-w"),
    ("Windows 11 Enterprise", "10.0 (22621)", None, "Windows 11", "22H2", "Enterprise", "desktop", "11-22h2-e"),
    ("Windows 10 Pro", "10.0 (22631)", None, "Windows 11", "23H2", "Pro", "desktop", "11-23h2-w"),  # old DC, new OS
    ("Windows 11 Pro", "10.0 (26100)", None, "Windows 11", "24H2", "Pro", "desktop", "11-24h2-w"),
    ("Windows 11 Enterprise", "10.0 (26100)", None, "Windows 11", "24H2", "Enterprise", "desktop", "11-24h2-e"),
    ("Windows 11 Enterprise LTSC", "10.0 (26100)", None, "Windows 11", "24H2", "Enterprise LTSC", "desktop",
     "11-24h2-e-lts"),
    ("Windows 11 IoT Enterprise LTSC", "10.0 (26100)", None, "Windows 11", "24H2", "IoT Enterprise LTSC", "desktop",
     "11-24h2-iot-lts"),
    ("Windows 11 Education", "10.0 (26200)", None, "Windows 11", "25H2", "Education", "desktop", "11-25h2-e"),
    ("Windows Server 2003", "5.2 (3790)", "Service Pack 2", "Windows Server", "2003", None, "server", "2003"),
    ("Windows Server 2008 Enterprise", "6.0 (6002)", "Service Pack 2", "Windows Server", "2008", "Enterprise",
     "server", "2008"),
    ("Windows Server 2008 R2 Standard", "6.1 (7601)", "Service Pack 1", "Windows Server", "2008 R2", "Standard",
     "server", "2008-r2"),
    ("Windows Server 2012 Standard", "6.2 (9200)", None, "Windows Server", "2012", "Standard", "server", "2012"),
    ("Windows Server 2012 R2 Datacenter", "6.3 (9600)", None, "Windows Server", "2012 R2", "Datacenter", "server",
     "2012-r2"),
    ("Windows Server 2016 Standard", "10.0 (14393)", None, "Windows Server", "2016", "Standard", "server", "2016"),
    ("Windows Server 2019 Standard", "10.0 (17763)", None, "Windows Server", "2019", "Standard", "server", "2019"),
    ("Windows Server 2022 Datacenter", "10.0 (20348)", None, "Windows Server", "2022", "Datacenter", "server", "2022"),
    ("Windows Server Standard", "10.0 (20348)", None, "Windows Server", "2022", "Standard", "server", "2022"),
    ("Windows Server Datacenter", "10.0 (25398)", None, "Windows Server", "23H2", "Datacenter", "server", None),
    ("Windows Server 2025 Datacenter", "10.0 (26100)", None, "Windows Server", "2025", "Datacenter", "server", "2025"),
    ("Windows Server Standard", "6.3 (9600)", None, "Windows Server", "2012 R2", "Standard", "server", "2012-r2"),
]


@pytest.mark.parametrize(("os_name", "version", "sp", "platform", "release", "edition", "kind", "cycle"), CASES)
def test_windows_release_table(os_name, version, sp, platform, release, edition, kind, cycle):
    found = windows_release(os_name, version, sp)
    assert (found.platform, found.release, found.edition, found.kind) == (platform, release, edition, kind)
    match = resolve(found.platform, found.version, CATALOGUE)
    assert (match.cycle if match else None) == cycle, (found.platform, found.version)


def test_the_issue_examples():
    assert windows_release("Windows 10 Pro", "10.0 (19045)").label == "Windows 10 22H2 Pro"
    assert windows_release("Windows 11 Pro", "10.0 (22631)").label == "Windows 11 23H2 Pro"
    assert windows_release("Windows 11 Pro", "10.0 (26100)").release == "24H2"
    assert windows_release("Windows Server 2019 Standard", "10.0 (17763)").label == "Windows Server 2019 Standard"
    assert windows_release("Windows Server 2012 R2 Standard", "6.3 (9600)").release == "2012 R2"
    assert windows_release("Windows 10 Pro", "10.0 (19045)").version == "22H2 Pro (10.0.19045)"


@pytest.mark.parametrize(("text", "expected"), [
    ("10.0 (19045)", ("10.0", 19045)), ("10.0.19045", ("10.0", 19045)), ("6.3 (9600)", ("6.3", 9600)),
    ("6.1", ("6.1", None)), ("", (None, None)), (None, (None, None)), ("garbage", (None, None)),
    ("10.0 (99999999999)", ("10.0", None)),
])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_unknown_and_odd_builds():
    newer = windows_release("Windows 11 Pro", "10.0 (26300)")  # an insider build: the release at or below it
    assert (newer.platform, newer.release) == ("Windows 11", "25H2")
    assert windows_release("Windows 10 Pro", "6.3 (19045)").release is None  # NT version and build disagree
    assert windows_release("Windows 10 Pro", None).platform == "Windows 10"
    assert windows_release("Samba", "4.17.12-Debian") is None
    assert windows_release("Mac OS X", "10.15") is None
    assert edition_of("Windows 10 Pro for Workstations") == ("Pro for Workstations", "home_pro")
    assert edition_of("Windows 10 Pro Education") == ("Pro Education", "home_pro")


def test_time_values():
    assert filetime(b"133000000000000000") == datetime.fromtimestamp(1655526400, UTC)  # (n - 1970 in ticks) / 1e7
    assert filetime(b"0") is None and filetime(b"9223372036854775807") is None and filetime(b"junk") is None
    assert generalized_time(b"20240131120000.0Z") == datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
    assert generalized_time(b"20241399000000.0Z") is None and generalized_time(None) is None


def test_dns():
    dn = "CN=PC1,OU=Front\\, Desk,OU=Libraries,DC=council,DC=local"
    assert parent_dn(dn) == "OU=Front\\, Desk,OU=Libraries,DC=council,DC=local"
    assert dn_within(dn, "ou=libraries, dc=council, dc=local")
    assert not dn_within(dn, "OU=Schools,DC=council,DC=local")
    assert not dn_within("CN=PC1,OU=XLibraries,DC=a", "OU=Libraries,DC=a")


def _entry(**attrs):
    base = {"cn": [b"PC-001"], "distinguishedName": [b"CN=PC-001,OU=Desktops,DC=council,DC=local"],
            "dNSHostName": [b"PC-001.council.local"], "operatingSystem": [b"Windows 10 Pro"],
            "operatingSystemVersion": [b"10.0 (19045)"], "userAccountControl": [b"4096"],
            "lastLogonTimestamp": [b"134090000000000000"], "whenCreated": [b"20230101090000.0Z"]}
    base.update(attrs)
    return base


def test_parse_computer_and_its_facts():
    computer = parse_computer(_entry(description=[b"Reception PC"], managedBy=[b"CN=Jo Bloggs,OU=Staff,DC=c"]))
    assert computer.name == "PC-001" and computer.dns_hostname == "pc-001.council.local"
    assert computer.ou == "OU=Desktops,DC=council,DC=local" and not computer.disabled
    assert computer.last_logon.year == 2025 and computer.created.year == 2023
    facts = computer_facts(computer)
    assert (facts.hostname, facts.address, facts.kind, facts.platform, facts.version) == (
        "PC-001", "pc-001.council.local", "desktop", "Windows 10", "22H2 Pro (10.0.19045)")
    assert facts.manufacturer is None  # Microsoft makes the OS, not the machine
    for name in ("hostname", "kind", "platform", "version"):
        evidence = facts.evidence_for(name)
        assert (evidence.source, evidence.strength) == ("directory", 60)
    assert "AD operatingSystemVersion 10.0 (19045)" in facts.evidence_for("version").detail
    assert dict(facts.extra)["ad_managed_by"] == "CN=Jo Bloggs,OU=Staff,DC=c"
    assert parse_computer(_entry(userAccountControl=[b"4098"])).disabled
    server = computer_facts(parse_computer(_entry(operatingSystem=[b"Windows Server 2019 Standard"],
                                                  operatingSystemVersion=[b"10.0 (17763)"])))
    assert (server.kind, server.platform, server.version) == ("server", "Windows Server", "2019 Standard (10.0.17763)")
    samba = computer_facts(parse_computer(_entry(operatingSystem=[b"Samba"], operatingSystemVersion=[b"4.17"])))
    assert (samba.kind, samba.platform, samba.version) == (None, "Samba", "4.17")


def test_hostile_values_are_cleaned_and_bounded():
    computer = parse_computer(_entry(
        cn=[b"PC\x00-<script>"], description=[b"<script>alert(1)</script>" + b"A" * (1 << 20)],
        operatingSystem=[b"Windows 10 Pro\x00\x1b[31m"], dNSHostName=[b"evil host/../x"],
        userAccountControl=[b"not a number"], lastLogonTimestamp=[b"\xff\xfe"], whenCreated=[b"x" * 5000],
        managedBy=[b"\xc3\x28 invalid utf-8"]))
    assert "\x00" not in computer.name and len(computer.description) <= 1000
    assert computer.description.startswith("<script>")  # text: the templates escape it
    assert computer.dns_hostname is None and computer.last_logon is None and computer.created is None
    assert not computer.disabled and computer.os_name == "Windows 10 Pro [31m"
    facts = computer_facts(computer)
    assert all(len(value) <= 500 for _k, value in facts.extra)
    assert parse_computer({"cn": [b""], "distinguishedName": [b""]}) is None
    assert parse_computer({}) is None


def test_filters_and_urls():
    assert filter_error("") is None and filter_error("(operatingSystem=Windows*)") is None
    assert filter_error("operatingSystem=Windows*") and filter_error("(cn=x") and filter_error("(cn=\x00)")
    assert search_filter("(cn=PC*)") == "(&(objectCategory=computer)(cn=PC*))"
    assert url_error("ldap://dc1:389") is None and url_error("ldaps://dc1") is None
    for bad in ("http://dc1", "ldap://", "ldap://dc1:99999", "ldap://user:pw@dc1", "ldap://dc1/dc=x"):
        assert url_error(bad), bad
