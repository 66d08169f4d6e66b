"""Version matching: real-world strings as discovery records them or people type them."""

import pytest

from inventory.lifecycle import default_catalogue, resolve, resolve_product
from inventory.lifecycle.versions import compare_versions, normalise, tokens, version_at_least, version_key

# (platform, version, expected product, expected cycle)
CASES = [
    # Windows Server
    (None, "Windows Server 2012 R2 Standard", "windows-server", "2012-r2"),
    ("Windows Server", "2012 R2", "windows-server", "2012-r2"),
    ("Windows Server", "2012", "windows-server", "2012"),
    (None, "Microsoft Windows Server 2012R2 Datacenter", "windows-server", "2012-r2"),
    (None, "Microsoft® Windows Server® 2008 R2 Standard SP1", "windows-server", "2008-r2"),
    (None, "Windows Server 2008 Enterprise SP2", "windows-server", "2008"),
    (None, "Microsoft Windows Server 2016 Datacenter", "windows-server", "2016"),
    ("Windows Server", "10.0.17763", "windows-server", "2019"),
    ("Microsoft Windows Server 2022 Standard", "10.0.20348.2113", "windows-server", "2022"),
    (None, "Windows Server 2025 Datacenter: Azure Edition", "windows-server", "2025"),
    ("Windows Server", "6.3.9600", "windows-server", "2012-r2"),
    ("Windows", "Server 2019", "windows-server", "2019"),
    # Windows client
    (None, "Microsoft Windows 10 Pro 22H2", "windows", "10-22h2"),
    (None, "Windows 10 Enterprise LTSC 2019", "windows", "10-1809-e-lts"),
    ("Microsoft Windows 10 Enterprise LTSC", "10.0.17763", "windows", "10-1809-e-lts"),
    (None, "Windows 10 IoT Enterprise LTSC 2021", "windows", "10-21h2-iot-lts"),
    (None, "Windows 10 Enterprise 2016 LTSB", "windows", "10-1607-e-lts"),
    (None, "Windows 10 Enterprise 21H2", "windows", "10-21h2-e"),
    (None, "Windows 10 Pro Education 21H2", "windows", "10-21h2-w"),
    ("Windows", "10.0.19045.3803", "windows", "10-22h2"),
    ("Microsoft Windows 11 Enterprise", "10.0.22631", "windows", "11-23h2-e"),
    (None, "Windows 11 Pro 23H2", "windows", "11-23h2-w"),
    (None, "Windows 11 Enterprise 24H2", "windows", "11-24h2-e"),
    (None, "Windows 11 Enterprise LTSC 2024", "windows", "11-24h2-e-lts"),
    ("Windows", "6.3.9600", "windows", "8.1"),
    (None, "Windows 8.1 Pro", "windows", "8.1"),
    (None, "Windows 7 Professional SP1", "windows", "7-sp1"),
    ("Windows", "6.1.7601", "windows", "7-sp1"),
    (None, "Microsoft Windows XP Professional", "windows", "xp-sp3"),
    # Linux
    (None, "Ubuntu 20.04.6 LTS", "ubuntu", "20.04"),
    ("Ubuntu", "22.04", "ubuntu", "22.04"),
    (None, "Ubuntu 22.04.3 LTS (GNU/Linux 5.15.0-91-generic x86_64)", "ubuntu", "22.04"),
    (None, "Ubuntu 24.04.1 LTS", "ubuntu", "24.04"),
    (None, "Ubuntu 14.04.6 LTS, Trusty Tahr", "ubuntu", "14.04"),
    ("Ubuntu", "jammy", "ubuntu", "22.04"),
    (None, "Debian GNU/Linux 11 (bullseye)", "debian", "11"),
    (None, "Debian 12.5", "debian", "12"),
    ("Debian", "buster", "debian", "10"),
    (None, "Red Hat Enterprise Linux 8.9", "rhel", "8"),
    (None, "Red Hat Enterprise Linux Server release 7.9 (Maipo)", "rhel", "7"),
    ("RHEL", "9.4", "rhel", "9"),
    (None, "Rocky Linux 9.3", "rocky-linux", "9"),
    (None, "Rocky Linux release 8.9 (Green Obsidian)", "rocky-linux", "8"),
    (None, "AlmaLinux 8.10 (Cerulean Leopard)", "almalinux", "8"),
    (None, "CentOS Linux 7 (Core)", "centos", "7"),
    (None, "CentOS release 6.10 (Final)", "centos", "6"),
    (None, "CentOS Linux release 8.5.2111", "centos", "8"),
    (None, "CentOS Stream release 9", "centos-stream", "9"),
    (None, "SUSE Linux Enterprise Server 15 SP4", "sles", "15-sp4"),
    (None, "SLES 12 SP5", "sles", "12-sp5"),
    ("SLES", "15.6", "sles", "15-sp6"),
    ("SUSE Linux Enterprise Server", "15", "sles", "15"),
    # Network
    (None, "Cisco IOS XE 17.6.4", "cisco-ios-xe", "17.6"),
    (None, "Cisco IOS XE Software, Version 16.12.04", "cisco-ios-xe", "16.12"),
    ("IOS-XE", "17.09.04a", "cisco-ios-xe", "17.9"),
    ("Cisco IOS", "15.2(7)E4", "cisco-ios", "15.2-e"),
    ("Cisco IOS", "12.2(55)SE12", "cisco-ios", "12.2-se"),
    (None, "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E8", "cisco-ios", "15.2-e"),
    ("Cisco IOS", "15.0(2)SE11", "cisco-ios", "15.0-se"),
    ("Cisco IOS", "15.7(3)M9", "cisco-ios", "15.7"),
    (
        None,
        "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.9.4a",
        "cisco-ios-xe",
        "17.9",
    ),
    (None, "Cisco Nexus Operating System (NX-OS) Software, Version 9.3(10)", "cisco-nx-os", "9.3"),
    (None, "NX-OS 7.0(3)I7(9)", "cisco-nx-os", "7.0-3-i7"),
    (None, "Junos 18.4R3-S9", "junos", "18.4"),
    (None, "JUNOS Software Release [21.4R3-S5]", "junos", "21.4"),
    (None, "FortiOS v7.0.12", "fortios", "7.0"),
    (None, "FortiGate-60F v7.2.8,build1639 (GA.M)", "fortios", "7.2"),
    (None, "PAN-OS 10.1.9", "pan-os", "10.1"),
    ("PAN-OS", "11.1.2-h3", "pan-os", "11.1"),
    # Virtualisation
    (None, "VMware ESXi 7.0.3", "esxi", "7.0"),
    (None, "ESXi 6.7.0 build-17700523", "esxi", "6.7"),
    (None, "VMware ESXi 8.0 Update 2", "esxi", "8.0"),
    (None, "VMware vCenter Server 7.0.3.01700", "vcenter", "7.0"),
    # Applications
    (
        None,
        "Microsoft SQL Server 2019 (RTM-CU22) (KB5027702) - 15.0.4322.2 (X64) Jul 27 2023 Copyright (C) 2019 "
        "Microsoft Corporation Developer Edition (64-bit) on Windows Server 2019 Standard 10.0 <X64> (Build 17763: )",
        "sql-server",
        "2019",
    ),
    (None, "Microsoft SQL Server 2008 R2 (SP3) - 10.50.6000.34 (X64)", "sql-server", "2008-r2"),
    ("SQL Server", "13.0.6300.2", "sql-server", "2016"),
    ("MSSQL", "2014", "sql-server", "2014"),
    ("Microsoft Exchange Server", "15.2.1544.4", "exchange-server", "2019"),
    ("Exchange Server", "Version 15.1 (Build 2507.6)", "exchange-server", "2016"),
    ("Exchange Server", "Version 15.2 (Build 2562.17)", "exchange-server", "se"),
    (None, "Exchange Server 2013 CU23", "exchange-server", "2013"),
    (None, "macOS 14.2", "macos", "14"),
    (None, "macOS 14 Sonoma", "macos", "14"),
    ("macOS", "13 Ventura", "macos", "13"),
    ("Mac OS X", "10.15.7", "macos", "10.15"),
    (None, "macOS High Sierra", "macos", "10.13"),
    # Telephony
    (None, "CUCM 12.5.1.14900-63", "cisco-ucm", "12.5"),
    ("Cisco Unified Communications Manager", "14.0.1.13900-155", "cisco-ucm", "14"),
    ("CUCM", "11.5(1)SU10", "cisco-ucm", "11.5"),
    (None, "Asterisk 18.20.0", "asterisk", "18"),
    (None, "Asterisk certified/18.9-cert5", "asterisk", "18"),
    (None, "Mitel MiVoice Business 9.4", "mitel-mivoice-business", "9.4"),
    ("MiVB", "10.1.0.24", "mitel-mivoice-business", "10.1"),
    (None, "Mitel 3300 ICP MCD 5.0", "mitel-mivoice-business", "mcd"),
    ("Avaya Aura Communication Manager", "8.1.3.2", "avaya-aura-cm", "8.1"),
]

NEGATIVES = [
    (None, "Linux 5.15.0"),  # a kernel, no distribution
    (None, "Linux 4.19.0-26-amd64"),
    (None, ""),
    (None, None),
    ("", "   "),
    ("Darwin", "23.2.0"),  # a kernel version, not a macOS release
    (None, "Windows 10"),  # product known, release unknown
    (None, "Ubuntu 99.04"),  # no such release
    (None, "Windows Server 2030"),
    (None, "Junos 99.1R1"),
    (None, "HP ProCurve J9728A"),
    (None, "FreeBSD 13.2-RELEASE"),
    ("Cisco IOS", "11.2(26)P"),
]


@pytest.fixture(scope="module")
def catalogue():
    return default_catalogue()


def test_case_table_is_big_enough():
    assert len(CASES) + len(NEGATIVES) >= 60


@pytest.mark.parametrize(("platform", "version", "product", "cycle"), CASES)
def test_resolves(catalogue, platform, version, product, cycle):
    match = resolve(platform, version, catalogue)
    assert match is not None, f"{platform!r} / {version!r} did not resolve"
    assert (match.product, match.cycle) == (product, cycle), match


@pytest.mark.parametrize(("platform", "version"), NEGATIVES)
def test_does_not_resolve(catalogue, platform, version):
    assert resolve(platform, version, catalogue) is None


def test_product_without_cycle(catalogue):
    product = resolve_product(None, "Windows 10", catalogue)
    assert product is not None and product.product == "windows"
    assert resolve_product(None, "Linux 5.15.0", catalogue) is None


def test_platform_field_beats_text(catalogue):
    match = resolve("Windows Server", "2012 R2", catalogue)
    assert match.product_via == "platform" and match.confidence == "high"


def test_guessed_edition_lowers_confidence(catalogue):
    match = resolve(None, "Windows 10 21H2", catalogue)
    assert (match.cycle, match.confidence) == ("10-21h2-w", "medium")
    assert resolve(None, "Windows 10 Enterprise 21H2", catalogue).confidence == "high"


def test_related_product_fallback(catalogue):
    # IOS XE often reports itself as "Cisco IOS Software"; classic IOS never had 16.x/17.x.
    match = resolve("Cisco IOS", "17.9.4a", catalogue)
    assert (match.product, match.cycle, match.product_via, match.confidence) == (
        "cisco-ios-xe", "17.9", "related", "medium",
    )  # fmt: skip


def test_accepts_plain_product_list(catalogue):
    match = resolve("Ubuntu", "22.04", list(catalogue.products))
    assert match.cycle == "22.04"


def test_normalise_and_tokens():
    assert normalise("Microsoft® Windows Server™ 2012R2") == "microsoft windows server 2012 r2"
    assert tokens("Debian GNU/Linux 11 (bullseye)") == ("debian", "gnu", "linux", "11", "bullseye")
    assert tokens("FortiOS v7.0.12,build0523") == ("fortios", "7.0.12", "build0523")
    assert "15.2(7)e4" in tokens("Version 15.2(7)E4,")


@pytest.mark.parametrize(
    ("newer", "older"),
    [
        ("15.2(7)E4", "15.2(4)E10"),
        ("15.2(7)E10", "15.2(7)E4"),
        ("17.9.4a", "17.9.4"),
        ("17.10.1", "17.9.5"),
        ("18.4R3-S9", "18.4R3"),
        ("18.4R3", "18.4R2-S1"),
        ("10.0.19045", "10.0.17763"),
        ("12.5.1.14900-63", "12.5.1.11900-146"),
        ("v7.2.8", "7.0.12"),
        ("9.3(10)", "9.3(9)"),
    ],
)
def test_version_key_orders(newer, older):
    assert version_key(newer) > version_key(older)
    assert compare_versions(newer, older) == 1
    assert compare_versions(older, newer) == -1
    assert version_at_least(newer, older)
    assert not version_at_least(older, newer)


def test_version_key_equal_forms():
    assert version_key("16.12.04") == version_key("16.12.4")
    assert compare_versions("V7.0.12", "7.0.12") == 0
    assert version_at_least("15.2(4)E10", "15.2(4)E10")


def test_long_alias_still_matches():
    from inventory.lifecycle.catalogue import CatalogueCycle, CatalogueProduct

    product = CatalogueProduct(
        product="demo",
        name="Demo",
        kind="os",
        vendor="Demo",
        source="https://example.org",
        platform_names=("Very Long Vendor Product Name For The Demo Operating System",),
        cycles=(CatalogueCycle(cycle="3", label="Demo 3", eos=False, source="https://example.org", match=("3",)),),
    )
    match = resolve(None, "Very Long Vendor Product Name For The Demo Operating System 3.1", [product])
    assert (match.product, match.cycle) == ("demo", "3")
