"""Parsers must never raise, whatever a device sends (property-based).

Production absorbs a failing parser (parsers._safe) so one bad reply never loses a host; the tests watch every
failure through parsers.record_errors() and fail on any, so a parser that raises cannot hide here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from discovery import parsers
from discovery.classify import classify
from discovery.facts import KINDS, facts_to_dict
from discovery.parsers import asterisk, ios, linux, merge_facts, parse_snmp, parse_ssh, record_errors, text
from discovery.raw import CommandOutput, IpAddr, Oid, SnmpReply, SshReply
from discovery.snmprec import loads
from tests.discovery.helpers import snmp_facts

# OIDs the parsers actually read, so random values land where they are looked at
PREFIXES = [
    "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.5.0", "1.3.6.1.6.3.10.2.1.1.0",
    "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.3", "1.3.6.1.2.1.2.2.1.5", "1.3.6.1.2.1.2.2.1.6",
    "1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.31.1.1.1.15", "1.3.6.1.2.1.4.20.1.2", "1.3.6.1.2.1.4.20.1.3",
    "1.3.6.1.2.1.4.34.1.3", "1.3.6.1.2.1.4.34.1.5", "1.3.6.1.2.1.25.2.3.1.2", "1.3.6.1.2.1.25.2.3.1.5",
    "1.3.6.1.2.1.25.3.2.1.2", "1.3.6.1.2.1.25.6.3.1.2", "1.3.6.1.2.1.25.6.3.1.5", "1.3.6.1.2.1.47.1.1.1.1.4",
    "1.3.6.1.2.1.47.1.1.1.1.5", "1.3.6.1.2.1.47.1.1.1.1.11", "1.0.8802.1.1.2.1.4.1.1.5", "1.0.8802.1.1.2.1.4.1.1.12",
    "1.0.8802.1.1.2.1.4.2.1.3", "1.0.8802.1.1.2.1.5.4795.1.3.3.1.4", "1.3.6.1.4.1.9.9.23.1.2.1.1.4",
    "1.3.6.1.4.1.9.9.23.1.2.1.1.9", "1.3.6.1.4.1.9.9.156.1.2.1.1.6", "1.3.6.1.4.1.9.9.156.1.2.1.1.20",
    "1.3.6.1.4.1.318.1.1.1.1.2.3.0", "1.3.6.1.4.1.674.10892.5.1.3.2.0",
    # standard MIBs read generically: UPS-MIB ident, LLDP local system, sysServices, BRIDGE/Q-BRIDGE, ENTITY revisions
    "1.3.6.1.2.1.33.1.1.1.0", "1.3.6.1.2.1.33.1.1.3.0", "1.3.6.1.2.1.33.1.1.4.0", "1.0.8802.1.1.2.1.3.4.0",
    "1.0.8802.1.1.2.1.3.6.0", "1.3.6.1.2.1.1.7.0", "1.3.6.1.2.1.17.1.2.0", "1.3.6.1.2.1.17.7.1.1.4.0",
    "1.3.6.1.2.1.47.1.1.1.1.10", "1.3.6.1.2.1.47.1.1.1.1.12", "1.3.6.1.2.1.43.5.1.1.17.1",
]


@pytest.fixture(autouse=True)
def _no_parser_errors() -> Iterator[list[str]]:
    """Every test here fails if any parser raised, even though production would have carried on."""
    with record_errors() as errors:
        yield errors
    assert errors == [], f"parsers raised: {errors[:3]}"
values = st.one_of(
    st.binary(max_size=64),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.builds(Oid, st.from_regex(r"\A[0-9.]{0,30}\Z")),
    st.builds(IpAddr, st.text(max_size=20)),
    st.text(max_size=20),
    st.none(),
)
oids = st.builds(lambda p, tail: p + "".join(f".{t}" for t in tail), st.sampled_from(PREFIXES),
                 st.lists(st.integers(min_value=0, max_value=300), max_size=20)) | st.text(max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(oids, values, max_size=40), st.one_of(st.none(), st.binary(max_size=40)))
def test_parse_snmp_never_raises(varbinds: dict[str, object], engine_id: bytes | None) -> None:
    facts = classify(parse_snmp(SnmpReply(address="192.0.2.1", port=161, varbinds=varbinds,  # type: ignore[arg-type]
                                          engine_id=engine_id)))
    json.dumps(facts_to_dict(facts))  # everything stays JSON-serialisable
    for value in (facts.hostname, facts.sys_descr, facts.model, facts.serial):
        assert value is None or ("\x00" not in value and len(value) <= text.DESCR_MAX)


NAMES = ["hostname", "os_release", "uname", "dmi", "cpu", "memory", "disks", "interfaces", "packages_dpkg",
         "packages_rpm", "connections", "show_version", "show_inventory", "asterisk_version"]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(NAMES), st.binary(max_size=300)), st.sampled_from([None, "unix", "x"]))
def test_parse_ssh_never_raises_on_random_bytes(outputs: dict[str, bytes], shell: str | None) -> None:
    reply = SshReply(address="192.0.2.1", port=22, shell=shell,
                     outputs={k: CommandOutput(k, 0, v) for k, v in outputs.items()})
    facts = classify(merge_facts(parse_ssh(reply), parse_snmp(SnmpReply(address="192.0.2.1", port=161))))
    json.dumps(facts_to_dict(facts))


structured = st.lists(st.sampled_from([
    "ID=", "ubuntu", "=", "\t", " ", "\n", ":", "LISTEN", "ESTAB", "0", "[::]", "*:22", "10.0.0.1:80", "inet",
    "inet6", "link/ether", "<UP>", "1:", "eth0", "mtu", "NAME=\"sda\"", "SIZE=\"1\"", "PID:", "SN:", "NAME: \"1\"",
    ", DESCR: \"x\"", "uptime is", "Asterisk", "MemTotal:", "kB", "model name", "%lo", "\\", "\"", "'",
    "999999999999999999999", "-1", "\x00", "\udcff", "é",
]), max_size=60).map("".join)


@settings(max_examples=500, deadline=None)
@given(structured)
def test_text_parsers_never_raise_on_near_valid_input(blob: str) -> None:
    for parse in (linux.os_release, linux.uname, linux.hostname, linux.dmi, linux.cpu, linux.memory, linux.disks,
                  linux.interfaces, linux.connections, ios.show_version, ios.show_inventory,
                  asterisk.core_show_version):
        parse(blob)
    linux.packages_dpkg(blob)
    linux.packages_rpm(blob)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_snmprec_loader_never_raises(blob: str) -> None:
    loads(blob)


@given(st.one_of(st.binary(max_size=200), st.text(max_size=200), st.integers(), st.none(), st.floats()))
def test_text_helpers_never_raise(value: object) -> None:
    for helper in (text.name, text.descr, text.serial, text.mac, text.to_int):
        helper(value)


def test_hostile_fixture_is_neutralised() -> None:
    facts = snmp_facts("hostile")
    assert facts.hostname == "<script>alert(1)</script>"  # kept as text: templates escape it
    assert facts.sys_descr is not None and "\x00" not in facts.sys_descr and "\x1b" not in facts.sys_descr
    assert facts.location is not None and len(facts.location) == text.NAME_MAX  # the 1 MB string is capped
    assert facts.sys_object_id is None  # an OCTET STRING where an OID belongs is ignored
    assert facts.uptime_seconds is None
    assert facts.serial is None and facts.model is None  # placeholders and NULs are not identities
    assert all(i.mac is None for i in facts.interfaces)
    assert facts.interfaces[0].name == "eth0"
    assert facts.kind == "other"


def test_a_raising_parser_is_seen(monkeypatch: pytest.MonkeyPatch, _no_parser_errors: list[str]) -> None:
    """The guard above can fail: a parser that raises is recorded (and production still returns facts)."""

    def broken(*_args: object) -> dict[str, object]:
        raise ValueError("boom")

    monkeypatch.setattr(parsers.standard, "parse", broken)
    with record_errors() as errors:
        facts = parse_snmp(SnmpReply(address="192.0.2.1", port=161, varbinds={"1.3.6.1.2.1.1.5.0": b"ok"}))
    assert facts.hostname == "ok"
    assert len(errors) == 1 and "broken: ValueError: boom" in errors[0]
    assert _no_parser_errors == errors  # the guard of every other test saw it too
    _no_parser_errors.clear()


MIB = 1 << 20
HOSTILE_VALUES = [b"<script>alert(1)</script>", b"\x00" * 64, b"\xff\xfe\x80abc\xc3", b"A" * MIB,
                  b"<script>" + b"\x00\x1b[31m" + b"\xe2\x80\xae" * 1000]


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=["script", "nul", "non-utf8", "1MiB", "mixed"])
def test_hostile_value_in_every_identity_field_is_stored_cleanly(value: bytes) -> None:
    """The same hostile value in every OID an identity is read from: clean text, capped, JSON-safe, no errors."""
    varbinds: dict[str, object] = dict.fromkeys((
        "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0", "1.3.6.1.2.1.33.1.1.1.0",
        "1.3.6.1.2.1.33.1.1.2.0", "1.3.6.1.2.1.33.1.1.3.0", "1.3.6.1.2.1.33.1.1.4.0", "1.0.8802.1.1.2.1.3.4.0",
        "1.0.8802.1.1.2.1.3.6.0", "1.3.6.1.2.1.1.7.0", "1.3.6.1.2.1.17.1.2.0", "1.3.6.1.2.1.2.2.1.3.1",
        "1.3.6.1.2.1.47.1.1.1.1.10.1", "1.3.6.1.2.1.47.1.1.1.1.11.1", "1.3.6.1.2.1.47.1.1.1.1.12.1",
        "1.3.6.1.2.1.47.1.1.1.1.13.1", "1.3.6.1.2.1.43.5.1.1.17.1", "1.3.6.1.2.1.25.3.2.1.3.1",
    ), value)
    varbinds["1.3.6.1.2.1.47.1.1.1.1.5.1"] = 3
    varbinds["1.3.6.1.2.1.1.2.0"] = Oid("1.3.6.1.4.1.99999999999999999999.1")
    facts = classify(parse_snmp(SnmpReply(address="192.0.2.1", port=161, varbinds=varbinds,  # type: ignore[arg-type]
                                          engine_id=value[:32])))
    json.dumps(facts_to_dict(facts))
    for name in ("hostname", "manufacturer", "model", "serial", "version", "firmware", "platform", "location"):
        field = getattr(facts, name)
        assert field is None or ("\x00" not in field and "\x1b" not in field and len(field) <= text.NAME_MAX), name
    for _key, item in facts.extra:
        assert "\x00" not in item and len(item) <= text.DESCR_MAX
    assert facts.kind in KINDS
