"""Classification rules: matching, scoring, templates, rule files in extra directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from discovery.classify import RuleError, classify, default_rules, load_rules
from discovery.facts import KINDS, HostFacts

WIN = "Hardware: Intel64 Family 6 Model 85 Stepping 4 AT/AT COMPATIBLE - Software: Windows Version {nt} (Build {b} " \
      "Multiprocessor Free)"


def snmp(descr: str, oid: str | None = None, **fields: object) -> HostFacts:
    return HostFacts(address="192.0.2.1", sources=("snmp",), sys_descr=descr, sys_object_id=oid, **fields)


@pytest.mark.parametrize(("oid", "build", "kind", "platform", "version"), [
    ("1.3.6.1.4.1.311.1.1.3.1.2", "9600", "server", "Windows Server", "2012 R2"),
    ("1.3.6.1.4.1.311.1.1.3.1.3", "17763", "server", "Windows Server", "2019"),
    ("1.3.6.1.4.1.311.1.1.3.1.2", "20348", "server", "Windows Server", "2022"),
    ("1.3.6.1.4.1.311.1.1.3.1.2", "26100", "server", "Windows Server", "2025"),
    ("1.3.6.1.4.1.311.1.1.3.1.1", "9600", "desktop", "Windows", "8.1"),
    ("1.3.6.1.4.1.311.1.1.3.1.1", "14393", "desktop", "Windows", "10 1607"),
    ("1.3.6.1.4.1.311.1.1.3.1.1", "19045", "desktop", "Windows", "10 22H2"),
    ("1.3.6.1.4.1.311.1.1.3.1.1", "22631", "desktop", "Windows", "11 23H2"),
    ("1.3.6.1.4.1.311.1.1.3.1.1", "26100", "desktop", "Windows", "11 24H2"),
    ("1.3.6.1.4.1.311.1.1.3.1.2", "99999", "server", "Windows Server", "NT 10.0 build 99999"),
])
def test_windows_builds(oid: str, build: str, kind: str, platform: str, version: str) -> None:
    facts = classify(snmp(WIN.format(nt="6.3" if int(build) < 10000 else "10.0", b=build), oid))
    assert (facts.kind, facts.platform, facts.version) == (kind, platform, version)
    assert facts.manufacturer is None  # Microsoft makes the OS, not the hardware


def test_windows_named_product() -> None:
    facts = classify(HostFacts(address="x", os_name="Windows Server 2012 R2 Standard"))
    assert (facts.platform, facts.version, facts.kind) == ("Windows Server", "2012 R2", "server")


@pytest.mark.parametrize(("chassis", "kind"), [(3, "desktop"), (35, "desktop"), (10, "laptop"), (31, "laptop"),
                                               (17, "server"), (23, "server"), (1, "server")])
def test_chassis_type_decides_form_factor(chassis: int, kind: str) -> None:
    host = HostFacts(address="x", shell="unix", os_id="ubuntu", os_version="24.04",  # noqa: S604 - a field
                     chassis_type=chassis, sys_descr="Linux 6.8.0-31-generic x86_64")
    facts = classify(host)
    assert (facts.kind, facts.platform, facts.version) == (kind, "Ubuntu", "24.04")


def test_virtual_machine_beats_chassis_type() -> None:
    facts = classify(HostFacts(address="x", os_id="rhel", os_version="8.9", chassis_type=1,
                               manufacturer="VMware, Inc.", model="VMware Virtual Platform"))
    assert (facts.kind, facts.manufacturer, facts.platform) == ("virtual_machine", "VMware",
                                                               "Red Hat Enterprise Linux")


@pytest.mark.parametrize(("descr", "oid", "expected"), [
    ("Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.2(4)E10, RELEASE SOFTWARE (fc2)",
     "1.3.6.1.4.1.9.1.1227", ("Cisco", "switch", "Cisco IOS", "15.2(4)E10")),
    ("Cisco IOS Software, IOS-XE Software, Catalyst 4500 L3 Switch Software (cat4500es8-UNIVERSALK9-M), "
     "Version 03.11.03a.E RELEASE SOFTWARE (fc3)", "1.3.6.1.4.1.9.1.1749",
     ("Cisco", "switch", "Cisco IOS XE", "03.11.03a.E")),
    ("Cisco NX-OS(tm) n9000, Software (n9000-dk9), Version 9.3(10), RELEASE SOFTWARE", "1.3.6.1.4.1.9.12.3.1.3.1812",
     ("Cisco", "switch", "Cisco NX-OS", "9.3(10)")),
    ("Juniper Networks, Inc. ex4300-48p Ethernet Switch, kernel JUNOS 21.4R3-S4.9, Build date: 2023-05-10",
     "1.3.6.1.4.1.2636.1.1.1.2.63", ("Juniper", "switch", "Junos", "21.4R3-S4.9")),
    ("Juniper Networks, Inc. srx345 internet router, kernel JUNOS 22.4R2.8", "1.3.6.1.4.1.2636.1.1.1.2.135",
     ("Juniper", "firewall", "Junos", "22.4R2.8")),
    ("Arista Networks EOS version 4.30.1F running on an Arista Networks DCS-7050SX3-48YC8",
     "1.3.6.1.4.1.30065.1.3011.7050.3961.48", ("Arista", "switch", "Arista EOS", "4.30.1F")),
    ("Linux fw01 3.2.0 #1 SMP", "1.3.6.1.4.1.25461.2.3.18", ("Palo Alto Networks", "firewall", "PAN-OS", None)),
    ("Avaya IP Office 500 V2 11.1.3.0.0 build 8", "1.3.6.1.4.1.6889.1.2.1.10.3",
     ("Avaya", "pbx", "Avaya IP Office", "11.1.3.0.0 build 8")),
    ("Polycom VVX 411, UC Software 6.3.1", "1.3.6.1.4.1.13885.106", ("Poly", "ip_phone", None, "6.3.1")),
    ("Mediant 800B, SW Version: 7.20A.258.119", "1.3.6.1.4.1.5003.8.1.1.2.1",
     ("AudioCodes", "voice_gateway", "AudioCodes Mediant", "7.20A.258.119")),
    ("VMware ESXi 7.0.3 build-21930508 VMware, Inc. x86_64", "1.3.6.1.4.1.6876.4.1",
     ("VMware", "hypervisor", "VMware ESXi", "7.0.3")),
    ("Integrated Lights-Out 5 2.81 Jan 10 2023", "1.3.6.1.4.1.232.9.4.11", ("HPE", "bmc", "HPE iLO 5", "2.81")),
    ("FortiGate-100F", "1.3.6.1.4.1.12356.101.1.1004", ("Fortinet", "firewall", "FortiOS", None)),
])
def test_network_and_appliance_rules(descr: str, oid: str, expected: tuple[object, ...]) -> None:
    facts = classify(snmp(descr, oid))
    assert (facts.manufacturer, facts.kind, facts.platform, facts.version) == expected
    assert facts.classification is not None and facts.classification.rule_id


def test_longest_oid_prefix_wins(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "rules:\n"
        "  - {match: {sys_object_id: 1.3.6.1.4.1.99999}, set: {kind: router, platform: Short}}\n"
        "  - {match: {sys_object_id: 1.3.6.1.4.1.99999.1.2}, set: {kind: firewall, platform: Long}}\n"
        "  - {match: {sys_object_id: 1.3.6.1.4.1.99999.1.22}, set: {kind: ups}}\n", encoding="utf-8")
    rules = load_rules([tmp_path])
    facts = classify(snmp("box", "1.3.6.1.4.1.99999.1.2.7"), rules)
    assert (facts.kind, facts.platform) == ("firewall", "Long")
    assert facts.classification is not None and facts.classification.rule_id == "site.yaml#2"
    assert "site.yaml#2" in facts.classification.explanation
    # arc boundary: 1.2 must not match 1.22
    assert classify(snmp("box", "1.3.6.1.4.1.99999.1.20"), rules).kind == "router"


def test_site_rules_override_builtin_and_fill_does_not_override(tmp_path: Path) -> None:
    (tmp_path / "local.yml").write_text(
        "maps:\n  names: {abc: Alpha}\n"
        "rules:\n"
        "  - name: our Asterisk boxes are gateways\n"
        "    match: {extra.asterisk_version: '^20\\.', hostname: '^gw-(?P<site>\\w+)'}\n"
        "    priority: 2\n"
        "    set: {kind: voice_gateway, platform: 'Asterisk {site|names}'}\n"
        "    fill: {model: 'never used', serial: '{site|upper}'}\n", encoding="utf-8")
    facts = HostFacts(address="x", hostname="gw-abc", model="Known", extra=(("asterisk_version", "20.5.2"),))
    result = classify(facts, load_rules([tmp_path]))
    assert (result.kind, result.platform, result.model, result.serial) == ("voice_gateway", "Asterisk Alpha", "Known",
                                                                           "ABC")
    assert result.version is None  # Asterisk's version rule names another platform
    assert classify(facts).kind == "pbx"


def test_unknown_host_is_other() -> None:
    facts = classify(snmp("Mystery box", "1.3.6.1.4.1.424242.1"))
    assert facts.kind == "other"
    assert facts.classification is not None and facts.classification.rule_id is None


@pytest.mark.parametrize("body", [
    "rules:\n  - {match: {}, set: {kind: server}}\n",
    "rules:\n  - {match: {sys_descr: 'x'}, set: {kind: toaster}}\n",
    "rules:\n  - {match: {sys_descr: '(unclosed'}, set: {kind: server}}\n",
    "rules:\n  - {match: {sys_descr: 'x'}, set: {hostname: foo}}\n",
    "rules:\n  - {match: {sys_descr: 'x'}, set: {version: 'Version (?P<v>\\d+)'}}\n",
    "- just a list\n",
])
def test_bad_rule_files_are_rejected(tmp_path: Path, body: str) -> None:
    (tmp_path / "bad.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(RuleError):
        load_rules([tmp_path])


def test_builtin_rules_are_valid() -> None:
    rules = default_rules()
    assert len(rules.rules) > 100
    for rule in rules.rules:
        kind = rule.set.get("kind") or rule.fill.get("kind")
        assert kind is None or kind in KINDS, rule.rule_id


def test_repeated_inputs_are_classified_once_and_any_input_the_rules_read_counts(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "rules:\n"
        "  - name: tagged by an extra\n"
        "    match: {sys_object_id: 1.3.6.1.4.1.99998, extra.role: '^core$'}\n"
        "    set: {kind: router, platform: 'Box {extra.release}'}\n"
        "    fill: {serial: 'X-{extra.release}'}\n"
        "  - name: the rest\n"
        "    match: {sys_object_id: 1.3.6.1.4.1.99998}\n"
        "    set: {kind: switch}\n", encoding="utf-8")
    rules = load_rules([tmp_path])
    oid = "1.3.6.1.4.1.99998.1"
    first = classify(snmp("box", oid, hostname="a", serial="S1", extra=(("role", "core"), ("release", "1"))), rules)
    # same inputs, other identity: the memoised answer, applied to this host's facts
    second = classify(snmp("box", oid, hostname="b", serial="S2", extra=(("role", "core"), ("release", "1"))), rules)
    assert (first.kind, first.platform, second.kind, second.platform) == ("router", "Box 1", "router", "Box 1")
    assert (first.serial, second.hostname, second.serial) == ("S1", "b", "S2")
    # a field a rule only fills counts by its presence: without a serial of its own, the host gets the rule's
    assert classify(snmp("box", oid, extra=(("role", "core"), ("release", "1"))), rules).serial == "X-1"
    # an extra read only by a template, and one read by a condition, each change the answer
    assert classify(snmp("box", oid, extra=(("role", "core"), ("release", "2"))), rules).platform == "Box 2"
    assert classify(snmp("box", oid, extra=(("role", "edge"), ("release", "1"))), rules).kind == "switch"
    # hosts of the shipped rules: the memo gives what a fresh rule set gives
    hosts = [snmp(WIN.format(nt="6.3", b=b), "1.3.6.1.4.1.311.1.1.3.1.2") for b in ("9600", "17763", "9600")]
    fresh = [classify(h, load_rules()) for h in hosts]
    shared = load_rules()
    assert [classify(h, shared) for h in hosts] == fresh
    assert [classify(h, shared) for h in hosts] == fresh
