"""Pure parsers: raw collector replies -> HostFacts. No Django, no I/O, never raise on garbage.

    parse_snmp(reply: SnmpReply) -> HostFacts
    parse_ssh(reply: SshReply) -> HostFacts
    merge_facts(*facts: HostFacts) -> HostFacts   # SNMP + SSH about one host

The results are not classified: call discovery.classify.classify(facts) after merging.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from discovery import registry
from discovery.facts import Evidence, HostFacts, InterfaceFact, NeighbourFact
from discovery.parsers import (
    asterisk,
    cdp,
    entity,
    host_resources,
    interfaces,
    ios,
    linux,
    lldp,
    snmp_system,
    standard,
    text,
    vendor,
)
from discovery.parsers.mib import Mib
from discovery.raw import CommandOutput, SnmpReply, SshReply

__all__ = ["merge_facts", "parse_snmp", "parse_ssh", "record_errors"]

log = logging.getLogger(__name__)

_FIELDS = {f.name for f in dataclasses.fields(HostFacts)}
MAX_OUTPUT = 16 * 1024 * 1024


# Callbacks told of every parser failure that _safe absorbed (tests use record_errors() to see them).
ERROR_HOOKS: list[Callable[[str, BaseException], None]] = []


@contextlib.contextmanager
def record_errors() -> Iterator[list[str]]:
    """Collect "<parser>: <exception>" for every parser failure inside the block (production goes on regardless)."""
    errors: list[str] = []

    def hook(name: str, exc: BaseException) -> None:
        errors.append(f"{name}: {type(exc).__name__}: {exc}"[:500])

    ERROR_HOOKS.append(hook)
    try:
        yield errors
    finally:
        ERROR_HOOKS.remove(hook)


def _safe(func: Callable[..., Any], *args: Any, default: Any = None) -> Any:
    """One broken parser must not lose the whole host: log it, tell the hooks, and go on."""
    try:
        return func(*args)
    except Exception as exc:  # noqa: BLE001 - parsers must never raise on hostile input
        name = getattr(func, "__qualname__", repr(func))
        log.exception("discovery parser %s failed", name)
        for hook in list(ERROR_HOOKS):
            hook(f"{getattr(func, '__module__', '')}.{name}", exc)
        return {} if default is None else default


def _combine(address: str, sources: tuple[str, ...], parts: Iterable[dict[str, Any]]) -> HostFacts:
    """Build HostFacts from partial dicts; the first part that has a value for a field wins."""
    values: dict[str, Any] = {}
    extra: dict[str, str] = {}
    mibs: list[str] = []
    for part in parts:
        for key, value in part.items():
            if key == "extra":
                for k, v in value.items():
                    if v:
                        extra.setdefault(str(k), str(v))
            elif key == "mibs":
                mibs.extend(value)
            elif key in _FIELDS and value not in (None, "", ()) and key not in values:
                values[key] = value
    values["extra"] = tuple(sorted(extra.items()))
    if mibs:
        values["mibs"] = tuple(sorted(set(mibs)))
    return HostFacts(address=address, sources=sources, **values)


def parse_snmp(reply: SnmpReply) -> HostFacts:
    address = text.name(getattr(reply, "address", None)) or ""
    mib = _safe(Mib, getattr(reply, "varbinds", None), default=Mib({}))
    system = _safe(snmp_system.parse, mib, getattr(reply, "engine_id", None))
    chassis = _safe(entity.parse, mib)
    resources = _safe(host_resources.parse, mib)
    vendor_facts = _safe(vendor.scalars, mib)
    generic = _safe(standard.parse, mib)
    ifaces = _safe(interfaces.parse, mib)
    names = _safe(interfaces.if_names, mib)
    neighbours: list[NeighbourFact] = []
    neighbours += _safe(lldp.parse, mib, names, default=[])
    neighbours += _safe(cdp.parse, mib, names, default=[])
    neighbours += _safe(vendor.cucm_phones, mib, default=[])
    extra: dict[str, Any] = {}
    version = _safe(vendor.ccm_version, mib, default="")
    if version:
        extra["ccm_version"] = version
    # a printer's hrDeviceDescr names the model ("HP Color LaserJet M452nw")
    printer = resources.get("extra", {}).get("printer_descr")
    fallback = {"model": printer, "_detail": {"model": "HOST-RESOURCES-MIB hrDeviceDescr of the printer"}} if (
        printer and ("Printer-MIB" in vendor_facts.get("mibs", ()) or _is_print_device(resources, system))) else {}
    # vendor MIBs state the product better than ENTITY-MIB; the system group fills the rest
    parts = [vendor_facts, chassis, fallback, generic, system, resources, ifaces,
             {"neighbours": tuple(_with_oui(neighbours)), "extra": extra}]
    facts = _combine(address, ("snmp",), parts)
    facts = _with_evidence(facts, _SNMP_EVIDENCE, parts)
    return _safe(_registry_maker, facts, default=facts)


_GENERAL_PURPOSE = ("linux", "freebsd", "openbsd", "netbsd", "sunos", "aix", "hp-ux", "darwin", "hardware:")


def _is_print_device(resources: dict[str, Any], system: dict[str, Any]) -> bool:
    """hrDevicePrinter on a box with no disks and no general-purpose OS: the printer itself, not a print queue."""
    descr = (system.get("sys_descr") or "").lower()
    return "disk_storage" not in resources.get("device_types", ()) and not descr.startswith(_GENERAL_PURPOSE) and (
        "software: windows" not in descr)


def _with_oui(neighbours: list[NeighbourFact]) -> list[NeighbourFact]:
    """A neighbour known only by its MAC gets the maker the IEEE assigned its OUI to."""
    out = []
    for item in neighbours:
        if not item.manufacturer and item.remote_mac:
            maker = registry.oui_maker(item.remote_mac)
            if maker:
                item = dataclasses.replace(item, manufacturer=maker)
        out.append(item)
    return out


# who registered the number says who made the box, no more: below a vendor MIB or rule (70), above a guess (30)
REGISTRY_STRENGTH = 60


def _registry_maker(facts: HostFacts) -> HostFacts:
    """Canonical maker names; a manufacturer from the IANA registry (sysObjectID, else snmpEngineID, else an
    enterprise subtree that answers) when no MIB named one."""
    if facts.manufacturer:
        maker = registry.canonical(facts.manufacturer)
        return dataclasses.replace(facts, manufacturer=maker) if maker and maker != facts.manufacturer else facts
    found = registry.oid_maker(facts.sys_object_id)
    where = "sysObjectID"
    if found is None:
        number = registry.engine_enterprise(facts.engine_id)
        maker = registry.enterprise_maker(number)
        found = (maker, number) if maker and number is not None else None
        where = "snmpEngineID"
    number = registry.enterprise_of(facts.sys_object_id)
    if found is None and number is not None and registry.is_agent(number):
        # behind a stock agent (net-snmp): the first maker's enterprise subtree that answered
        for item in facts.mibs:
            number = text.to_int(item.removeprefix("enterprise:")) if item.startswith("enterprise:") else None
            maker = registry.enterprise_maker(number)
            if maker and number is not None:
                found, where = (maker, number), "its MIB subtree answers"
                break
    if found is None:
        return facts
    maker, number = found
    evidence = Evidence("snmp_generic", REGISTRY_STRENGTH, f"IANA enterprise {number} ({where})")
    return dataclasses.replace(facts, manufacturer=maker, evidence=(*facts.evidence, ("manufacturer", evidence)))


def _stdout(outputs: Any, name: str) -> str | None:
    try:
        output = outputs.get(name)
    except Exception:  # noqa: BLE001
        return None
    if not isinstance(output, CommandOutput) or not isinstance(output.stdout, bytes) or not output.stdout:
        return None
    raw = output.stdout[:MAX_OUTPUT]
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        # line by line, so one latin-1 line does not garble the rest
        decoded = "\n".join(text.decode(line, MAX_OUTPUT) for line in raw.split(b"\n"))
    return decoded.replace("\x00", "")


def parse_ssh(reply: SshReply) -> HostFacts:
    address = text.name(getattr(reply, "address", None)) or ""
    outputs = getattr(reply, "outputs", None) or {}
    out = {name: _stdout(outputs, name) for name in list(outputs)[:64] if isinstance(name, str)}
    shell = text.name(getattr(reply, "shell", None))
    if shell is None:
        if out.get("show_version"):
            shell = "network_cli"
        elif out.get("os_release") or out.get("uname"):
            shell = "unix"
        elif out.get("asterisk_version"):
            shell = "pbx"
    parts: list[dict[str, Any]] = [{"shell": shell}]
    if out.get("show_version") or out.get("show_inventory"):
        parts.append(_safe(ios.show_inventory, out.get("show_inventory")))
        parts.append(_safe(ios.show_version, out.get("show_version")))
    parts += [
        _safe(linux.hostname, out.get("hostname")),
        _safe(linux.os_release, out.get("os_release")),
        _safe(linux.uname, out.get("uname")),
        _safe(linux.dmi, out.get("dmi")),
        _safe(linux.cpu, out.get("cpu")),
        _safe(linux.memory, out.get("memory")),
        _safe(linux.disks, out.get("disks")),
        _safe(linux.interfaces, out.get("interfaces")),
        _safe(linux.connections, out.get("connections")),
        _safe(asterisk.core_show_version, out.get("asterisk_version")),
    ]
    software = _safe(linux.packages_dpkg, out.get("packages_dpkg"), default=[]) or _safe(
        linux.packages_rpm, out.get("packages_rpm"), default=[])
    parts.append({"software": tuple(sorted(software, key=lambda s: (s.product.lower(), s.version or "")))})
    facts = _combine(address, ("ssh",), parts)
    return _with_evidence(facts, _SSH_NETWORK_EVIDENCE if shell == "network_cli" else _SSH_EVIDENCE)


# Where the parsers' identity values come from. Classification replaces the evidence of the fields its rules decide.
_SNMP_EVIDENCE = {
    "hostname": Evidence("snmp_vendor", 70, "sysName"),
    "engine_id": Evidence("snmp_vendor", 70, "snmpEngineID"),
    "manufacturer": Evidence("snmp_vendor", 70, "ENTITY-MIB or vendor MIB"),
    "model": Evidence("snmp_vendor", 70, "ENTITY-MIB entPhysicalModelName or vendor MIB"),
    "serial": Evidence("snmp_vendor", 70, "ENTITY-MIB entPhysicalSerialNum or vendor MIB"),
    "firmware": Evidence("snmp_vendor", 70, "ENTITY-MIB firmware revision or vendor MIB"),
    "version": Evidence("snmp_vendor", 70, "ENTITY-MIB software revision or vendor MIB"),
}
_SSH_EVIDENCE = {
    "hostname": Evidence("ssh", 90, "hostname over SSH"),
    "manufacturer": Evidence("ssh", 90, "DMI over SSH"),
    "model": Evidence("ssh", 90, "DMI over SSH"),
    "serial": Evidence("ssh", 90, "DMI over SSH"),
    "firmware": Evidence("ssh", 90, "DMI over SSH"),
    "platform": Evidence("ssh", 90, "over SSH"),
    "version": Evidence("ssh", 90, "over SSH"),
}
_SSH_NETWORK_EVIDENCE = {name: Evidence("ssh", 90, "show version / show inventory over SSH") for name in _SSH_EVIDENCE}


def _with_evidence(facts: HostFacts, table: dict[str, Evidence],
                   parts: Iterable[dict[str, Any]] = ()) -> HostFacts:
    """Default evidence per field; a part that names what it read (``_detail``) describes the fields it gave."""
    details: dict[str, str] = {}
    seen: set[str] = set()
    for part in parts:
        for key, value in part.items():
            if key in table and key not in seen and value not in (None, "", ()):
                seen.add(key)
                if key in part.get("_detail", {}):
                    details[key] = part["_detail"][key]
    evidence = tuple((name, dataclasses.replace(ev, detail=details[name]) if name in details else ev)
                     for name, ev in table.items() if getattr(facts, name) not in (None, ""))
    return dataclasses.replace(facts, evidence=evidence) if evidence else facts


def _merge_interfaces(groups: list[tuple[InterfaceFact, ...]]) -> tuple[InterfaceFact, ...]:
    merged: dict[str, InterfaceFact] = {}
    for group in groups:
        for iface in group:
            current = merged.get(iface.name)
            if current is None:
                merged[iface.name] = iface
                continue
            changes = {f.name: getattr(iface, f.name) for f in dataclasses.fields(iface)
                       if getattr(current, f.name) in (None, "", ()) and getattr(iface, f.name) not in (None, "", ())}
            addresses = tuple(dict.fromkeys(current.addresses + iface.addresses))
            merged[iface.name] = dataclasses.replace(current, **{**changes, "addresses": addresses})
    return tuple(merged.values())


def merge_facts(*facts: HostFacts) -> HostFacts:
    """Merge facts about one host; earlier arguments win field by field, collections are united.

    Pass SSH facts first when both exist: the host's own view (DMI, os-release, packages) beats the
    agent's, while SNMP-only fields (sysObjectID, neighbours) are filled from the SNMP facts.
    Classification is reset: classify the merged result.
    """
    items = [f for f in facts if isinstance(f, HostFacts)]
    if not items:
        return HostFacts(address="")
    if len(items) == 1:
        return dataclasses.replace(items[0], classification=None)
    values: dict[str, Any] = {}
    evidence: dict[str, Evidence] = {}  # a merged value keeps the evidence of the facts it came from
    for item in items:
        for field in dataclasses.fields(HostFacts):
            value = getattr(item, field.name)
            if field.name in ("sources", "interfaces", "neighbours", "connections", "extra", "mibs",
                              "device_types", "processes", "classification"):
                continue
            if field.name == "evidence":
                continue
            if value not in (None, "", ()) and field.name not in values:
                values[field.name] = value
                ev = item.evidence_for(field.name)
                if ev is not None:
                    evidence[field.name] = ev
    # SNMP's sysDescr is what the sysDescr rules are written for; keep it when there is one
    snmp_descr = next((f.sys_descr for f in items if "snmp" in f.sources and f.sys_descr), None)
    if snmp_descr:
        values["sys_descr"] = snmp_descr
    values["sources"] = tuple(dict.fromkeys(s for f in items for s in f.sources))
    values["interfaces"] = _merge_interfaces([f.interfaces for f in items])
    values["neighbours"] = tuple(dict.fromkeys(n for f in items for n in f.neighbours))
    values["connections"] = tuple(dict.fromkeys(c for f in items for c in f.connections))
    for name in ("mibs", "device_types", "processes"):
        values[name] = tuple(sorted({v for f in items for v in getattr(f, name)}))
    extra: dict[str, str] = {}
    for item in items:
        for key, value in item.extra:
            extra.setdefault(key, value)
    values["extra"] = tuple(sorted(extra.items()))
    values["classification"] = None
    values["evidence"] = tuple(evidence.items())
    return HostFacts(**values)
