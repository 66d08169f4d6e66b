"""IANA enterprise numbers and IEEE OUIs -> maker: the shipped data, the lookups and their regeneration."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from discovery import registry
from discovery.parsers import parse_snmp
from discovery.raw import Oid, SnmpReply
from tests.agents import fixtures as agent_fixtures

snmp_responder = agent_fixtures.snmp_responder  # the fixture, as test_collectors_snmp takes it


def test_shipped_registry_covers_the_whole_iana_list() -> None:
    assert len(registry._enterprises()) > 60_000
    assert len(registry._ouis()) > 30_000


@pytest.mark.parametrize(("oid", "maker"), [
    ("1.3.6.1.4.1.9.1.2494", "Cisco"),  # ciscoSystems
    ("1.3.6.1.4.1.2636.1.1.1.2.57", "Juniper"),  # "Juniper Networks, Inc."
    ("1.3.6.1.4.1.11.2.3.9.1", "HP"),  # hpNetPeripheral: JetDirect
    ("1.3.6.1.4.1.11.2.3.7.11.160", "HPE"),  # ProCurve
    ("1.3.6.1.4.1.43211.1", "Atostek"),  # no canonical entry: the registry's name ("Atostek Oy"), legal form dropped
])
def test_sys_object_id_names_the_maker(oid: str, maker: str) -> None:
    found = registry.oid_maker(oid)
    assert found is not None and found[0] == maker


def test_agent_software_names_no_maker() -> None:
    assert registry.oid_maker("1.3.6.1.4.1.8072.3.2.10") is None  # net-snmp
    assert registry.oid_maker("1.3.6.1.4.1.311.1.1.3.1.2") is None  # Microsoft's agent on any hardware
    assert registry.oid_maker("1.3.6.1.2.1.1") is None
    assert registry.oid_maker("1.3.6.1.4.1.x") is None


def test_clean_name() -> None:
    assert registry.clean_name("Juniper Networks, Inc.") == "Juniper Networks"
    assert registry.clean_name("IBM (https://w3.ibm.com/standards )") == "IBM"
    assert registry.clean_name("QNAP SYSTEMS, INC") == "QNAP SYSTEMS"
    assert registry.canonical("Cisco Systems, Inc.") == "Cisco"
    assert registry.canonical("ciscoSystems") == "Cisco"


def test_engine_id_enterprise() -> None:
    assert registry.engine_enterprise("80000009030000112233445566") == 9  # RFC 3411 format, Cisco
    assert registry.engine_enterprise("000000090000112233445566") is None  # RFC 1910 style: top bit clear
    assert registry.engine_enterprise("zz") is None


def test_oui() -> None:
    assert registry.oui_maker("00:1B:54:12:34:56") == "Cisco"
    assert registry.oui_maker("02:00:00:00:00:01") is None  # locally administered
    assert registry.oui_maker("nonsense") is None


def test_manufacturer_from_the_registry_carries_its_evidence() -> None:
    facts = parse_snmp(SnmpReply(address="192.0.2.1", port=161, varbinds={
        "1.3.6.1.2.1.1.1.0": b"", "1.3.6.1.2.1.1.2.0": Oid("1.3.6.1.4.1.7526.1.2")}))
    assert facts.manufacturer == "Snom"
    evidence = facts.evidence_for("manufacturer")
    assert evidence is not None and evidence.strength == 60 and evidence.source == "snmp_generic"
    assert evidence.detail == "IANA enterprise 7526 (sysObjectID)"


def test_engine_id_names_the_maker_behind_a_net_snmp_object_id() -> None:
    facts = parse_snmp(SnmpReply(address="192.0.2.1", port=161, varbinds={
        "1.3.6.1.2.1.1.2.0": Oid("1.3.6.1.4.1.8072.3.2.10")}, engine_id=bytes.fromhex("80001a0a0300aabbccddeeff")))
    assert facts.manufacturer == "innovaphone"  # 0x1a0a = 6666
    assert facts.evidence_for("manufacturer").detail == "IANA enterprise 6666 (snmpEngineID)"


def test_an_entity_mib_maker_beats_the_registry_and_is_spelt_canonically() -> None:
    facts = parse_snmp(SnmpReply(address="192.0.2.1", port=161, varbinds={
        "1.3.6.1.2.1.1.2.0": Oid("1.3.6.1.4.1.8072.3.2.10"), "1.3.6.1.2.1.47.1.1.1.1.5.1": 3,
        "1.3.6.1.2.1.47.1.1.1.1.12.1": b"Cisco Systems, Inc.", "1.3.6.1.2.1.47.1.1.1.1.13.1": b"C9300-48P"}))
    assert facts.manufacturer == "Cisco"
    assert facts.evidence_for("manufacturer").strength == 70
    assert facts.evidence_for("model").detail == "ENTITY-MIB entPhysicalModelName of entity 1"


def test_lldp_neighbour_known_by_mac_gets_the_oui_maker() -> None:
    facts = parse_snmp(SnmpReply(address="192.0.2.1", port=161, varbinds={
        "1.0.8802.1.1.2.1.4.1.1.4.0.5.1": 4, "1.0.8802.1.1.2.1.4.1.1.5.0.5.1": bytes.fromhex("805ec0123456")}))
    assert [n.manufacturer for n in facts.neighbours] == ["Yealink"]


def _sources(tmp_path: Path) -> tuple[Path, Path]:
    enterprises = tmp_path / "enterprises.tsv"
    enterprises.write_text("# comment\n0\tReserved\n" + "".join(f"{n}\tMaker {n}, Inc.\n" for n in range(1, 1500))
                           + "9\tciscoSystems\n70000\tNew Maker GmbH\t# formerly 'Old'\n", encoding="utf-8")
    oui = tmp_path / "oui.csv"
    oui.write_text("Registry,Assignment,Organization Name,Organization Address\n" + "".join(
        f"MA-L,{n:06X},\"Maker {n}, Ltd.\",Somewhere\n" for n in range(1, 1500)), encoding="utf-8")
    return enterprises, oui


def test_refresh_registries_command_regenerates_the_files(tmp_path: Path) -> None:
    enterprises, oui = _sources(tmp_path)
    out = tmp_path / "out"
    call_command("refresh_registries", enterprises=str(enterprises), oui=str(oui), out=str(out))
    rows = gzip.decompress((out / "enterprises.tsv.gz").read_bytes()).decode().splitlines()
    assert "70000\tNew Maker GmbH" in rows and "9\tciscoSystems" in rows and not any(r.startswith("0\t") for r in rows)
    first = (out / "oui.tsv.gz").read_bytes()
    call_command("refresh_registries", enterprises=str(enterprises), oui=str(oui), out=str(out))
    assert (out / "oui.tsv.gz").read_bytes() == first  # the same input gives the same bytes


def test_refresh_registries_rejects_a_bad_source_and_changes_nothing(tmp_path: Path) -> None:
    enterprises, oui = _sources(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "bad.tsv").write_text("not a registry\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not an enterprise-numbers list"):
        call_command("refresh_registries", enterprises=str(tmp_path / "bad.tsv"), oui=str(oui), out=str(out))
    with pytest.raises(CommandError, match="No such file"):
        call_command("refresh_registries", enterprises=str(enterprises), oui=str(tmp_path / "missing.csv"),
                     out=str(out))
    assert list(out.iterdir()) == []


# --- behind a stock agent: the enterprise probe of a full inventory (a real responder on loopback) ---

NAS_BEHIND_NET_SNMP = {  # a NAS whose net-snmp agent names itself; SYNOLOGY-SYSTEM-MIB (public) holds the product
    "1.3.6.1.2.1.1.1.0": b"Linux nas-1 4.4.302+ #72806 SMP x86_64",
    "1.3.6.1.2.1.1.2.0": Oid("1.3.6.1.4.1.8072.3.2.10"),
    "1.3.6.1.2.1.1.5.0": b"nas-1",
    "1.3.6.1.4.1.2021.4.5.0": 8_000_000,  # UCD-SNMP-MIB memTotalReal: the agent's own enterprise, skipped
    "1.3.6.1.4.1.6574.1.1.0": 1,  # systemStatus
    "1.3.6.1.4.1.6574.1.5.1.0": b"DS920+",  # modelName
    "1.3.6.1.4.1.6574.1.5.2.0": b"2040PDN123456",  # serialNumber
    "1.3.6.1.4.1.6574.1.5.3.0": b"DSM 7.2-64570",  # version
    "1.3.6.1.4.1.8072.1.2.1.1.4.0.1.0.0": 1,
}


@pytest.mark.agents
def test_inventory_finds_the_maker_behind_a_net_snmp_agent(tmp_path: Path, snmp_responder) -> None:
    import asyncio
    import threading

    from discovery.classify import classify
    from discovery.collectors.snmp import SnmpV2cCredential, snmp_inventory
    from discovery.snmprec import dump
    from tests.agents.snmp import endpoints

    def collect(gen) -> list:
        """In a thread of its own: a browser test earlier in the session leaves an event loop running here."""
        replies: list = []

        async def run() -> None:
            replies.extend([reply async for reply in gen])

        thread = threading.Thread(target=lambda: asyncio.run(run()))
        thread.start()
        thread.join(60)
        return replies

    data = tmp_path / "data"
    data.mkdir()
    dump(NAS_BEHIND_NET_SNMP, data / "public.snmprec")
    [target] = endpoints(1, first="127.77.11.1", port=16171)
    snmp_responder(data, [target])
    [reply] = collect(snmp_inventory([target], [SnmpV2cCredential(1, "public")], timeout=1, retries=1))
    assert reply.error is None, reply.error
    assert reply.varbinds["1.3.6.1.4.1.6574.1.5.1.0"] == b"DS920+"  # the maker's identity subtree was walked
    facts = classify(parse_snmp(reply))
    assert (facts.manufacturer, facts.kind, facts.model, facts.serial) == ("Synology", "storage", "DS920+",
                                                                           "2040PDN123456")
    assert facts.evidence_for("manufacturer").detail.startswith(("IANA enterprise 6574", "SYNOLOGY"))
