"""Vendor MIBs that state model, serial and firmware better than ENTITY-MIB, and CUCM's phone table."""

from __future__ import annotations

import re
from typing import Any

from discovery.facts import NeighbourFact
from discovery.parsers import text
from discovery.parsers.mib import Mib, as_ip

ENTERPRISES = "1.3.6.1.4.1"

# (MIB label, subtree that must answer, {field: scalar OID}); first table with a value wins per field.
# Public OIDs: Dell IDRAC-MIB-SMIv2 / MIB-Dell-10892, HPE CPQSINFO-MIB, APC PowerNet-MIB, CyberPower CPS-MIB,
# UPS-MIB (RFC 1628), Eaton XUPS-MIB, Juniper JUNIPER-MIB, Fortinet FORTINET-CORE/FORTIGATE-MIB,
# PAN-COMMON-MIB, Synology SYNOLOGY-SYSTEM-MIB, Check Point CHECKPOINT-MIB, Printer-MIB (RFC 3805),
# OLD-CISCO-CHASSIS-MIB.
SCALARS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("IDRAC-MIB", "1.3.6.1.4.1.674.10892.5", {
        "model": "1.3.6.1.4.1.674.10892.5.1.3.12.0",
        "serial": "1.3.6.1.4.1.674.10892.5.1.3.2.0",
        "firmware": "1.3.6.1.4.1.674.10892.5.1.1.8.0",
        "asset_tag": "1.3.6.1.4.1.674.10892.5.1.3.4.0",
    }),
    ("MIB-Dell-10892", "1.3.6.1.4.1.674.10892.1", {
        "model": "1.3.6.1.4.1.674.10892.1.300.10.1.9.1",
        "serial": "1.3.6.1.4.1.674.10892.1.300.10.1.11.1",
    }),
    ("CPQSINFO-MIB", "1.3.6.1.4.1.232.2.2", {
        "model": "1.3.6.1.4.1.232.2.2.4.2.0",
        "serial": "1.3.6.1.4.1.232.2.2.2.1.0",
    }),
    ("PowerNet-MIB", "1.3.6.1.4.1.318.1.1.1.1", {
        "model": "1.3.6.1.4.1.318.1.1.1.1.1.1.0",
        "serial": "1.3.6.1.4.1.318.1.1.1.1.2.3.0",
        "firmware": "1.3.6.1.4.1.318.1.1.1.1.2.1.0",
    }),
    ("PowerNet-MIB-rPDU", "1.3.6.1.4.1.318.1.1.12.1", {
        "model": "1.3.6.1.4.1.318.1.1.12.1.5.0",
        "serial": "1.3.6.1.4.1.318.1.1.12.1.6.0",
        "firmware": "1.3.6.1.4.1.318.1.1.12.1.3.0",
    }),
    ("CPS-MIB", "1.3.6.1.4.1.3808.1.1.1.1", {
        "model": "1.3.6.1.4.1.3808.1.1.1.1.1.1.0",
        "serial": "1.3.6.1.4.1.3808.1.1.1.1.2.3.0",
        "firmware": "1.3.6.1.4.1.3808.1.1.1.1.2.1.0",
    }),
    ("XUPS-MIB", "1.3.6.1.4.1.534.1.1", {
        "manufacturer": "1.3.6.1.4.1.534.1.1.1.0",
        "model": "1.3.6.1.4.1.534.1.1.2.0",
        "firmware": "1.3.6.1.4.1.534.1.1.3.0",
    }),
    ("UPS-MIB", "1.3.6.1.2.1.33.1", {
        "manufacturer": "1.3.6.1.2.1.33.1.1.1.0",
        "model": "1.3.6.1.2.1.33.1.1.2.0",
        "firmware": "1.3.6.1.2.1.33.1.1.3.0",
    }),
    ("JUNIPER-MIB", "1.3.6.1.4.1.2636.3.1", {
        "model": "1.3.6.1.4.1.2636.3.1.2.0",
        "serial": "1.3.6.1.4.1.2636.3.1.3.0",
    }),
    ("FORTINET-CORE-MIB", "1.3.6.1.4.1.12356.100", {
        "serial": "1.3.6.1.4.1.12356.100.1.1.1.0",
    }),
    ("FORTINET-FORTIGATE-MIB", "1.3.6.1.4.1.12356.101.4", {
        "firmware": "1.3.6.1.4.1.12356.101.4.1.1.0",
    }),
    ("PAN-COMMON-MIB", "1.3.6.1.4.1.25461.2.1.2", {
        "firmware": "1.3.6.1.4.1.25461.2.1.2.1.1.0",
        "serial": "1.3.6.1.4.1.25461.2.1.2.1.3.0",
        "model": "1.3.6.1.4.1.25461.2.1.2.2.1.0",
    }),
    ("SYNOLOGY-SYSTEM-MIB", "1.3.6.1.4.1.6574.1", {
        "model": "1.3.6.1.4.1.6574.1.5.1.0",
        "serial": "1.3.6.1.4.1.6574.1.5.2.0",
        "firmware": "1.3.6.1.4.1.6574.1.5.3.0",
    }),
    ("CHECKPOINT-MIB", "1.3.6.1.4.1.2620.1.6", {  # svnInfo / svnApplianceInfo
        "model": "1.3.6.1.4.1.2620.1.6.16.7.0",  # svnApplianceProductName
        "serial": "1.3.6.1.4.1.2620.1.6.16.3.0",  # svnApplianceSerialNumber
        "version": "1.3.6.1.4.1.2620.1.6.4.1.0",  # svnVersion ("R80.10")
    }),
    ("Printer-MIB", "1.3.6.1.2.1.43", {
        "serial": "1.3.6.1.2.1.43.5.1.1.17.1",
    }),
    ("OLD-CISCO-CHASSIS-MIB", "1.3.6.1.4.1.9.3.6", {
        "serial": "1.3.6.1.4.1.9.3.6.3.0",
    }),
)

# Subtrees whose mere presence is a classification hint.
PRESENCE = (
    ("HOST-RESOURCES-MIB", "1.3.6.1.2.1.25"),
    ("ENTITY-MIB", "1.3.6.1.2.1.47.1.1.1"),
    ("LLDP-MIB", "1.0.8802.1.1.2.1.4"),
    ("BRIDGE-MIB", "1.3.6.1.2.1.17"),
    ("CISCO-CDP-MIB", "1.3.6.1.4.1.9.9.23"),
    ("CISCO-CCM-MIB", "1.3.6.1.4.1.9.9.156"),
    ("IEEE802dot11-MIB", "1.2.840.10036"),
    ("IMM-MIB", "1.3.6.1.4.1.2.3.51.3"),  # IBM Integrated Management Module
    ("ATEN-BMC-MIB", "1.3.6.1.4.1.21317"),  # ATEN firmware of Supermicro BMCs
)

# CISCO-CCM-MIB
CCM_VERSION = "1.3.6.1.4.1.9.9.156.1.1.2.1.4"  # ccmTable ccmVersion
CCM_PRODUCT_NAME = "1.3.6.1.4.1.9.9.156.1.1.8.1.3"  # ccmProductTypeTable ccmProductName
CCM_PHONE = "1.3.6.1.4.1.9.9.156.1.2.1.1"  # ccmPhoneTable
PHONE_STATUS = {1: "unknown", 2: "registered", 3: "unregistered", 4: "rejected", 5: "partiallyregistered"}
MAX_PHONES = 50000


def scalars(mib: Mib) -> dict[str, Any]:
    out: dict[str, Any] = {}
    mibs: list[str] = []
    detail: dict[str, str] = {}
    for label, subtree, fields in SCALARS:
        if not mib.has(subtree):
            continue
        found = False
        for field_name, oid in fields.items():
            value = text.serial(mib.get(oid)) if field_name == "serial" else text.name(mib.get(oid))
            if value:
                found = True
                if field_name not in out:
                    out[field_name] = value
                    detail[field_name] = f"{label} {oid}"
        if found or label in ("UPS-MIB", "Printer-MIB"):
            mibs.append(label)
    for label, subtree in PRESENCE:
        if mib.has(subtree):
            mibs.append(label)
    # enterprise subtrees that answered: lets rules recognise a vendor behind a generic net-snmp agent
    mibs.extend(f"enterprise:{n}" for n in sorted(mib.subtree_arcs(ENTERPRISES))[:64])
    if mibs:
        out["mibs"] = tuple(sorted(set(mibs)))
    if "manufacturer" in out:
        out["manufacturer"] = text.placeholder(out["manufacturer"])
    result = {k: v for k, v in out.items() if v}
    if detail:
        result["_detail"] = detail
    return result


def ccm_version(mib: Mib) -> str | None:
    for value in mib.column(CCM_VERSION).values():
        version = text.name(value)
        if version:
            return version
    return None


def cucm_phones(mib: Mib) -> list[NeighbourFact]:
    """Phones registered on a CUCM: each becomes a neighbour-like fact of kind ip_phone."""
    if not mib.has(CCM_PHONE):
        return []
    products = {i[0]: text.name(v) for i, v in mib.column(CCM_PRODUCT_NAME).items() if len(i) == 1}
    rows: dict[int, dict[int, Any]] = {}
    for col in (2, 4, 5, 6, 7, 10, 15, 18, 20):
        for index, value in mib.column(f"{CCM_PHONE}.{col}").items():
            if len(index) == 1:
                rows.setdefault(index[0], {})[col] = value
        if len(rows) > MAX_PHONES:
            break
    out: list[NeighbourFact] = []
    for index in sorted(rows)[:MAX_PHONES]:
        row = rows[index]
        phone_name = text.name(row.get(20))
        physical = text.name(row.get(2))
        mac = None
        for candidate in (phone_name, physical):
            if candidate:
                match = re.search(r"([0-9A-Fa-f]{12})$", candidate)
                mac = text.mac(match.group(1)) if match else None
                if mac:
                    break
        product = products.get(text.to_int(row.get(18)) or -1)
        status = text.to_int(row.get(7))
        out.append(NeighbourFact(
            protocol="cucm",
            remote_name=phone_name or physical,
            remote_mac=mac,
            remote_address=as_ip(row.get(6)) or as_ip(row.get(15)),
            remote_description=text.descr(row.get(4)),
            remote_platform=product,
            manufacturer="Cisco" if product and product.lower().startswith("cisco") else None,
            model=product,
            firmware_revision=text.name(row.get(10)),
            status=PHONE_STATUS.get(status) if status is not None else None,
            kind_hint="ip_phone",
        ))
    return out
