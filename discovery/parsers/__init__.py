"""Pure parsers: raw collector replies -> HostFacts. No Django, no I/O, never raise on garbage.

    parse_snmp(reply: SnmpReply) -> HostFacts
    parse_ssh(reply: SshReply) -> HostFacts
    merge_facts(*facts: HostFacts) -> HostFacts   # SNMP + SSH about one host

The results are not classified: call discovery.classify.classify(facts) after merging.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from typing import Any

from discovery.facts import HostFacts, InterfaceFact, NeighbourFact
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
    text,
    vendor,
)
from discovery.parsers.mib import Mib
from discovery.raw import CommandOutput, SnmpReply, SshReply

__all__ = ["merge_facts", "parse_snmp", "parse_ssh"]

log = logging.getLogger(__name__)

_FIELDS = {f.name for f in dataclasses.fields(HostFacts)}
MAX_OUTPUT = 16 * 1024 * 1024


def _safe(func: Callable[..., Any], *args: Any, default: Any = None) -> Any:
    """One broken parser must not lose the whole host: log it and go on."""
    try:
        return func(*args)
    except Exception:  # noqa: BLE001 - parsers must never raise on hostile input
        log.exception("discovery parser %s failed", getattr(func, "__qualname__", func))
        return {} if default is None else default


def _combine(address: str, sources: tuple[str, ...], parts: Iterable[dict[str, Any]]) -> HostFacts:
    """Build HostFacts from partial dicts; the first part that has a value for a field wins."""
    values: dict[str, Any] = {}
    extra: dict[str, str] = {}
    for part in parts:
        for key, value in part.items():
            if key == "extra":
                for k, v in value.items():
                    if v:
                        extra.setdefault(str(k), str(v))
            elif key in _FIELDS and value not in (None, "", ()) and key not in values:
                values[key] = value
    values["extra"] = tuple(sorted(extra.items()))
    return HostFacts(address=address, sources=sources, **values)


def parse_snmp(reply: SnmpReply) -> HostFacts:
    address = text.name(getattr(reply, "address", None)) or ""
    mib = _safe(Mib, getattr(reply, "varbinds", None), default=Mib({}))
    system = _safe(snmp_system.parse, mib, getattr(reply, "engine_id", None))
    chassis = _safe(entity.parse, mib)
    resources = _safe(host_resources.parse, mib)
    vendor_facts = _safe(vendor.scalars, mib)
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
    fallback = {"model": printer} if printer and "Printer-MIB" in vendor_facts.get("mibs", ()) else {}
    # vendor MIBs state the product better than ENTITY-MIB; the system group fills the rest
    return _combine(address, ("snmp",), [
        vendor_facts, chassis, fallback, system, resources, ifaces,
        {"neighbours": tuple(neighbours), "extra": extra},
    ])


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
    return _combine(address, ("ssh",), parts)


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
    for item in items:
        for field in dataclasses.fields(HostFacts):
            value = getattr(item, field.name)
            if field.name in ("sources", "interfaces", "neighbours", "connections", "extra", "mibs",
                              "device_types", "processes", "classification"):
                continue
            if value not in (None, "", ()) and field.name not in values:
                values[field.name] = value
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
    return HostFacts(**values)
