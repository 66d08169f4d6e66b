"""Identification from evidence: standard MIBs read generically, and the documented order that decides the kind
(vendor family rule > MIB-based evidence > maker's product line > sysDescr keywords > sysServices). Varbinds are
written here from the public MIBs (RFC 1628, RFC 3418, IEEE 802.1AB, RFC 4188, IANAifType-MIB)."""

from __future__ import annotations

import pytest

from discovery.classify import NO_KIND_REASON, classify, load_rules
from discovery.facts import HostFacts
from discovery.parsers import parse_snmp, record_errors
from discovery.raw import Oid, SnmpReply

DESCR, OBJECT_ID, SERVICES = "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.7.0"
LLDP_CAPS = "1.0.8802.1.1.2.1.3.6.0"


def facts(varbinds: dict[str, object], **kw: object) -> HostFacts:
    with record_errors() as errors:
        reply = SnmpReply(address="192.0.2.7", port=161, varbinds=varbinds)  # type: ignore[arg-type]
        result = classify(parse_snmp(reply), **kw)  # type: ignore[arg-type]
    assert errors == []
    return result


def test_ups_mib_ident_gives_maker_model_and_version() -> None:
    host = facts({DESCR: b"Network Management Card", OBJECT_ID: Oid("1.3.6.1.4.1.99998.1"),
                  "1.3.6.1.2.1.33.1.1.1.0": b"Acme Power", "1.3.6.1.2.1.33.1.1.2.0": b"AP-3000",
                  "1.3.6.1.2.1.33.1.1.3.0": b"UPS 04.2", "1.3.6.1.2.1.33.1.1.4.0": b"NMC 1.9"})
    assert (host.kind, host.manufacturer, host.model, host.version) == ("ups", "Acme Power", "AP-3000", "UPS 04.2")
    assert host.evidence_for("version").detail == "UPS-MIB upsIdentUPSSoftwareVersion"


def test_voice_ports_make_a_voice_gateway() -> None:
    host = facts({DESCR: b"Embedded gateway", "1.3.6.1.2.1.2.2.1.3.1": 6, "1.3.6.1.2.1.2.2.1.3.2": 102,
                  "1.3.6.1.2.1.2.2.1.3.3": 102})
    assert host.kind == "voice_gateway"
    assert dict(host.extra)["voice_ports"] == "voiceFXS"
    assert "IF-MIB ifType voice ports" in host.evidence_for("kind").detail


@pytest.mark.parametrize(("caps", "kind"), [(b"\x04\x00", "ip_phone"), (b"\x10\x00", "wireless_ap"),
                                            (b"\x20\x00", "switch"), (b"\x28\x00", "router")])
def test_lldp_local_capabilities(caps: bytes, kind: str) -> None:
    # LldpSystemCapabilitiesMap: bit 2 bridge (0x20), 3 wlanAccessPoint (0x10), 4 router (0x08), 5 telephone (0x04)
    assert facts({DESCR: b"device", LLDP_CAPS: caps}).kind == kind


def test_sys_services_is_the_last_word() -> None:
    assert facts({DESCR: b"unit", SERVICES: 2}).kind == "switch"  # datalink only
    assert facts({DESCR: b"unit", SERVICES: 4}).kind == "router"
    assert facts({DESCR: b"unit", SERVICES: 72}).kind == "other"  # a host's services say no more


def test_the_order_mib_beats_maker_beats_sysdescr_beats_services() -> None:
    # a Linux sysDescr under Synology's enterprise: the maker's product line (storage) beats "Linux" (server)
    nas = facts({DESCR: b"Linux nas1 4.4.302+ #69057 SMP x86_64", OBJECT_ID: Oid("1.3.6.1.4.1.6574.1")})
    assert (nas.kind, nas.manufacturer) == ("storage", "Synology")
    assert not nas.evidence_for("version").specific  # a kernel is never an OS version
    assert not nas.evidence_for("platform").specific  # "Linux" is no platform beside a maker's product
    # the same box answering the Printer-MIB: MIB-based evidence beats the maker's product line
    assert facts({DESCR: b"Linux nas1 4.4", OBJECT_ID: Oid("1.3.6.1.4.1.6574.1"),
                  "1.3.6.1.2.1.43.5.1.1.17.1": b"X1"}).kind == "printer"
    # a sysDescr keyword beats sysServices
    assert facts({DESCR: b"24-port managed switch", SERVICES: 4}).kind == "switch"
    # a vendor family rule beats everything (Cisco IOS XE: a router, though it has a voice port)
    ios = facts({DESCR: b"Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.9.4",
                 OBJECT_ID: Oid("1.3.6.1.4.1.9.1.2494"), "1.3.6.1.2.1.2.2.1.3.9": 101})
    assert ios.kind == "router" and ios.platform == "Cisco IOS XE"
    assert dict(ios.classification.decided)["kind"].startswith("network.yaml#")


def test_other_only_when_nothing_points_anywhere_and_the_reason_is_recorded() -> None:
    host = facts({DESCR: b"XYZ-1000", SERVICES: 72})
    assert host.kind == "other"
    assert NO_KIND_REASON in host.classification.explanation
    assert host.evidence_for("kind").detail == NO_KIND_REASON and not host.evidence_for("kind").specific


def test_generic_only_rules_still_name_maker_and_kind() -> None:
    generic = load_rules(generic_only=True)
    assert {r.rule_id.split("#")[0] for r in generic.rules} <= {"generic.yaml", "vendors.yaml"}
    host = facts({DESCR: b"", OBJECT_ID: Oid("1.3.6.1.4.1.2435.2.3.9.1")}, rules=generic)  # Brother
    assert (host.manufacturer, host.kind) == ("Brother", "printer")


def test_a_labelled_version_in_sysdescr_is_a_weak_version() -> None:
    host = facts({DESCR: b"Acme Widget HW V3.20 - SW V6.50.00"})
    assert host.version == "6.50.00"  # the hardware revision is not the version
    assert host.evidence_for("version").strength == 30
    linux = facts({DESCR: b"Linux box 5.15.0-91-generic #101-Ubuntu SMP x86_64"})
    assert linux.version is None or not linux.evidence_for("version").specific  # a kernel is never an OS version


def test_a_print_device_is_named_by_its_hr_device_descr() -> None:
    printer = {"1.3.6.1.2.1.25.3.2.1.2.1": Oid("1.3.6.1.2.1.25.3.1.5"), "1.3.6.1.2.1.25.3.2.1.3.1": b"Acme MFC-100"}
    host = facts({DESCR: b"Acme NIC, Firmware 1.2", **printer})
    assert (host.kind, host.model) == ("printer", "Acme MFC-100")
    assert host.evidence_for("model").detail == "HOST-RESOURCES-MIB hrDeviceDescr of the printer"
    queue = facts({DESCR: b"Linux print-1 5.10.0 #1 SMP x86_64", **printer})  # a CUPS queue on a server
    assert queue.kind == "server" and queue.model is None
