"""Parsers against recorded fixtures, plus targeted checks of what reconcile relies on."""

from __future__ import annotations

import json

import pytest

from discovery import snmprec
from discovery.classify import classify
from discovery.parsers import merge_facts, parse_snmp, parse_ssh, text
from discovery.parsers.host_resources import split_package
from discovery.parsers.mib import date_and_time
from discovery.raw import CommandOutput, IpAddr, Oid, SnmpReply, SshReply
from tests.discovery.helpers import (
    FIXTURES,
    SNMP_FIXTURES,
    SSH_FIXTURES,
    as_json,
    expected_path,
    snmp_facts,
    snmp_reply,
    ssh_facts,
    ssh_reply,
)

REGEN = "regenerate with `.venv/bin/python -m tests.discovery.regen` if the change is intended"


@pytest.mark.parametrize("name", SNMP_FIXTURES)
def test_snmp_fixture_matches_expected(name: str) -> None:
    expected = json.loads(expected_path("snmp", name).read_text(encoding="utf-8"))
    assert as_json(snmp_facts(name)) == expected, REGEN


@pytest.mark.parametrize("name", SSH_FIXTURES)
def test_ssh_fixture_matches_expected(name: str) -> None:
    expected = json.loads(expected_path("ssh", name).read_text(encoding="utf-8"))
    assert as_json(ssh_facts(name)) == expected, REGEN


def test_fixture_sets_are_complete() -> None:
    assert len(SNMP_FIXTURES) >= 10 and len(SSH_FIXTURES) >= 5
    for name in SNMP_FIXTURES:
        assert expected_path("snmp", name).exists(), name
    for name in SSH_FIXTURES:
        assert expected_path("ssh", name).exists(), name


@pytest.mark.parametrize("name", SNMP_FIXTURES)
def test_snmprec_fixtures_are_sorted_and_round_trip(name: str) -> None:
    raw = (FIXTURES / "snmp" / f"{name}.snmprec").read_text(encoding="ascii")
    records = snmprec.load_records(raw)
    keys = [snmprec.oid_key(oid) for oid, _tag, _value in records]
    assert keys == sorted(keys), "snmpsim needs numeric OID order"
    assert len(set(keys)) == len(keys)
    assert snmprec.dumps(records) == raw


def test_snmprec_tags_and_encodings() -> None:
    values = snmprec.loads(
        "1.3.6.1.2.1.1.1.0|4x|41004243\n"
        "1.3.6.1.2.1.1.2.0|6|.1.3.6.1.4.1.9\n"
        "1.3.6.1.2.1.1.3.0|67|12345\n"
        "1.3.6.1.2.1.1.4.0|4e|a\\x00b\\n\n"
        "1.3.6.1.2.1.4.20.1.1.10.0.0.1|64x|0a000001\n"
        "1.3.6.1.2.1.4.20.1.1.10.0.0.2|64|10.0.0.2\n"
        "garbage line\n"
        "1.3.6.1.2.1.1.5.0|4|first|with|pipes\n"
        "1.3.6.1.2.1.1.5.0|4|duplicate\n"
    )
    assert values["1.3.6.1.2.1.1.1.0"] == b"A\x00BC"
    assert values["1.3.6.1.2.1.1.2.0"] == Oid("1.3.6.1.4.1.9") and isinstance(values["1.3.6.1.2.1.1.2.0"], Oid)
    assert values["1.3.6.1.2.1.1.3.0"] == 12345
    assert values["1.3.6.1.2.1.1.4.0"] == b"a\x00b\n"
    assert values["1.3.6.1.2.1.4.20.1.1.10.0.0.1"] == IpAddr("10.0.0.1")
    assert values["1.3.6.1.2.1.4.20.1.1.10.0.0.2"] == IpAddr("10.0.0.2")
    assert values["1.3.6.1.2.1.1.5.0"] == b"first|with|pipes"
    dumped = snmprec.dumps({"1.3.6.1.2.1.1.10.0": b" padded ", "1.3.6.1.2.1.1.9.0": (66, 7)})
    assert dumped == "1.3.6.1.2.1.1.9.0|66|7\n1.3.6.1.2.1.1.10.0|4x|2070616464656420\n"


def test_switch_neighbours_give_phones_and_uplinks() -> None:
    facts = snmp_facts("cisco_c9300_iosxe")
    by_port = {n.local_port: n for n in facts.neighbours}
    avaya = by_port["Gi1/0/1"]
    assert (avaya.protocol, avaya.manufacturer, avaya.model, avaya.serial) == ("lldp-med", "Avaya", "J179",
                                                                               "19WZ43021178")
    assert avaya.remote_address == "10.30.40.112" and avaya.remote_mac == "C8:1F:EA:E1:0A:2B"
    assert avaya.kind_hint == "ip_phone" and "telephone" in avaya.capabilities
    polycom = by_port["Gi1/0/2"]
    assert (polycom.model, polycom.asset_id, polycom.firmware_revision) == ("VVX 450", "ASSET-3F14", "6.4.3.5156")
    uplink = by_port["Te1/1/1"]
    assert uplink.protocol == "lldp" and uplink.kind_hint in ("switch", "router")
    assert uplink.remote_mac == "00:A3:D1:E4:B7:00" and uplink.remote_port == "Te1/0/23"
    ap = by_port["Gi1/0/3"]
    assert ap.protocol == "cdp" and ap.remote_address == "10.30.50.21" and ap.kind_hint == "wireless_ap"
    assert ap.model == "C9120AXI-E"
    assert facts.model == "C9300-48P" and facts.serial == "FOC2412X1AB"
    vlan = next(i for i in facts.interfaces if i.name == "Vl30")
    assert vlan.addresses == ("10.30.0.23/24",)


def test_cucm_phones_become_neighbours() -> None:
    facts = snmp_facts("cisco_cucm")
    phones = {n.remote_name: n for n in facts.neighbours}
    assert set(phones) == {"SEP00EBD5A1B2C3", "SEP2C3124ABCDEF", "SEP0050569A0B1C"}
    reception = phones["SEP00EBD5A1B2C3"]
    assert reception.protocol == "cucm" and reception.kind_hint == "ip_phone"
    assert (reception.remote_mac, reception.remote_address, reception.model, reception.status) == (
        "00:EB:D5:A1:B2:C3", "10.50.10.21", "Cisco 8845", "registered")
    assert phones["SEP0050569A0B1C"].status == "unregistered"


def test_linux_snmp_interfaces_software_and_resources() -> None:
    facts = snmp_facts("linux_ubuntu2204")
    ens18 = next(i for i in facts.interfaces if i.name == "ens18")
    assert ens18.mac == "BC:24:11:89:A1:C3" and ens18.speed_kbps == 10_000_000
    assert ens18.addresses == ("10.20.30.41/24", "2001:db8:1e::41/64")  # link-local dropped
    ssh = next(s for s in facts.software if s.product == "openssh-server")
    assert (ssh.version, ssh.architecture, ssh.install_date) == ("1:8.9p1-3ubuntu0.6", "amd64",
                                                                 "2024-01-09T06:25:31+00:00")
    assert facts.memory_bytes == 16365284 * 1024 and facts.cpu_count == 2
    assert [d.name for d in facts.disks] == ["/", "/var/lib/postgresql", "/run"]
    assert facts.platform == "Ubuntu" and facts.version is None  # the kernel is not Ubuntu's version


def test_ssh_connections_are_deduplicated_with_direction() -> None:
    facts = ssh_facts("ubuntu_server")
    listening = {(c.local_address, c.local_port) for c in facts.connections if c.state == "listening"}
    assert ("0.0.0.0", 22) in listening and ("::", 22) in listening
    established = [(c.direction, c.remote_address, c.local_port if c.direction == "inbound" else c.remote_port)
                   for c in facts.connections if c.state == "established"]
    assert ("outbound", "10.20.40.5", 5432) in established
    assert established.count(("inbound", "10.20.30.10", 8080)) == 1  # two sockets, one relation
    assert ("inbound", "10.20.31.9", 8080) in established  # IPv4-mapped IPv6 unwrapped
    assert all(c.remote_address != "127.0.0.1" for c in facts.connections)


def test_ssh_rpm_and_placeholders() -> None:
    facts = ssh_facts("rocky_vm")
    bash = next(s for s in facts.software if s.product == "bash")
    assert bash.install_date == "2023-11-03T11:52:25+00:00"
    assert next(s for s in facts.software if s.product == "gpg-pubkey").architecture is None
    assert facts.serial and facts.serial.startswith("VMware-")  # a real per-VM serial
    assert facts.hardware_revision is None  # product_version "None" is a placeholder
    assert facts.disks[0].serial is None


def test_ios_show_version_and_inventory() -> None:
    facts = ssh_facts("cisco_ios")
    assert (facts.model, facts.serial, facts.hostname) == ("WS-C2960X-48FPD-L", "FOC1932Y0ZZ", "acc-sw-2b")
    assert facts.uptime_seconds == 12 * 604800 + 3 * 86400 + 4 * 3600 + 17 * 60
    assert (facts.platform, facts.version, facts.kind) == ("Cisco IOS", "15.2(7)E8", "switch")


def test_merge_prefers_first_and_unites_collections() -> None:
    snmp = parse_snmp(snmp_reply("linux_ubuntu2204"))
    ssh = parse_ssh(ssh_reply("ubuntu_server"))
    merged = merge_facts(ssh, snmp)
    assert merged.sources == ("ssh", "snmp")
    assert merged.hostname == "app02" and merged.os_id == "ubuntu"
    assert merged.sys_object_id == "1.3.6.1.4.1.8072.3.2.10" and merged.engine_id
    assert merged.sys_descr == snmp.sys_descr
    names = [i.name for i in merged.interfaces]
    assert len(names) == len(set(names)) and {"eno1", "ens18", "lo"} <= set(names)
    lo = next(i for i in merged.interfaces if i.name == "lo")
    assert "127.0.0.1/8" in lo.addresses
    assert merged.classification is None
    classified = classify(merged)
    assert (classified.platform, classified.version, classified.kind) == ("Ubuntu", "22.04", "server")


def test_placeholder_serials_and_macs() -> None:
    for junk in ("To be filled by O.E.M.", "Default string", "System Serial Number", "Not Specified", "None",
                 "0123456789", "N/A", "", "   ", "000000000", "FFFFFFFF", "ffffffffffff"):
        assert text.serial(junk) is None, junk
    assert text.serial(b"FOC1932Y0ZZ ") == "FOC1932Y0ZZ"
    assert text.serial("VMware-42 1c 8d") == "VMware-42 1c 8d"
    assert text.mac(b"\x00\x1a\x2b\x3c\x4d\x5e") == "00:1A:2B:3C:4D:5E"
    assert text.mac("001a.2b3c.4d5e") == text.mac("00-1A-2B-3C-4D-5E") == "00:1A:2B:3C:4D:5E"
    assert text.mac(b"\x00" * 6) is None and text.mac(b"\x01\x02") is None and text.mac("hello") is None


def test_helpers() -> None:
    assert split_package("libc6_2.35-0ubuntu3.5_amd64") == ("libc6", "2.35-0ubuntu3.5", "amd64")
    assert split_package("perl-open-1.11-416.el8.noarch") == ("perl-open", "1.11-416.el8", "noarch")
    assert split_package("7-Zip 22.01 (x64)") == ("7-Zip 22.01 (x64)", None, None)
    assert split_package("Mozilla Firefox 115.6.0") == ("Mozilla Firefox", "115.6.0", None)
    assert date_and_time(bytes.fromhex("07e8010906191f00")) == "2024-01-09T06:25:31"
    assert date_and_time(bytes.fromhex("0000000000000000")) is None
    assert text.clean(b"a\x00b\x1bc\xff") == "a b c\xff"
    assert len(text.name("x" * 10_000) or "") == text.NAME_MAX


def test_ssh_output_that_is_not_utf8_falls_back_to_latin1() -> None:
    reply = SshReply(address="192.0.2.1", port=22, outputs={
        "hostname": CommandOutput("hostname", 0, b"caf\xe9\n"),
        "uname": CommandOutput("uname -srm", 0, b"Linux 6.1.0 x86_64\n"),
    })
    facts = parse_ssh(reply)
    assert facts.hostname == "café" and facts.shell == "unix"


def test_empty_replies() -> None:
    assert parse_snmp(SnmpReply(address="192.0.2.1", port=161)).kind is None
    assert classify(parse_ssh(SshReply(address="192.0.2.1", port=22))).kind == "other"
