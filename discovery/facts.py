"""What discovery learnt about one host: plain frozen dataclasses, no Django.

Parsers build these from raw replies; classify.py fills the classification fields; the reconcile
service turns them into model rows:

- the host itself -> a Device (manufacturer, kind, platform, version, model, serial ...);
- ``interfaces`` -> interfaces with MACs and IP addresses;
- ``software`` -> installed software;
- ``neighbours`` -> devices seen *behind* this host (LLDP/CDP neighbours, LLDP-MED IP phones, phones
  registered on a CUCM): they carry enough identity (chassis MAC, serial, address, name) to be
  matched to, or created as, devices of their own, and ``local_port`` says where they are cabled;
- ``connections`` -> listening services and established TCP sessions (candidate Dependencies).

Every string is already cleaned (see parsers.text): no control characters, bounded length.
Serial numbers that are placeholders ("To be filled by O.E.M.", all zeros ...) are None.
MACs are "AA:BB:CC:DD:EE:FF". Addresses are plain strings ("10.0.0.1", "fe80::1"); interface
addresses carry their prefix length ("10.0.0.1/24").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# The device kinds classification may set (Device.kind values).
KINDS: tuple[str, ...] = (
    "server",
    "virtual_machine",
    "hypervisor",
    "desktop",
    "laptop",
    "thin_client",
    "ip_phone",
    "pbx",
    "voice_gateway",
    "switch",
    "router",
    "firewall",
    "wireless_ap",
    "ups",
    "printer",
    "storage",
    "bmc",
    "other",
)


@dataclass(frozen=True, slots=True)
class InterfaceFact:
    name: str
    index: int | None = None  # ifIndex (SNMP) or link index (ip link)
    type: str | None = None  # IANAifType name, e.g. "ethernetCsmacd", "softwareLoopback"
    description: str | None = None  # ifAlias / ifDescr when it differs from the name
    mac: str | None = None  # "AA:BB:CC:DD:EE:FF"
    speed_kbps: int | None = None
    mtu: int | None = None
    enabled: bool | None = None  # administratively up
    oper_up: bool | None = None  # link up
    addresses: tuple[str, ...] = ()  # "10.0.0.5/24", "2001:db8::5/64"


@dataclass(frozen=True, slots=True)
class DiskFact:
    name: str
    size_bytes: int | None = None
    kind: str | None = None  # "disk", "network", "flash", "removable" ...
    model: str | None = None
    serial: str | None = None


@dataclass(frozen=True, slots=True)
class SoftwareFact:
    product: str
    version: str | None = None
    vendor: str | None = None
    install_date: str | None = None  # ISO 8601 (date or datetime with offset)
    architecture: str | None = None


@dataclass(frozen=True, slots=True)
class NeighbourFact:
    """Another device seen from this host: LLDP/CDP neighbour, LLDP-MED endpoint or CUCM phone."""

    protocol: str  # "lldp", "lldp-med", "cdp", "cucm"
    local_port: str | None = None  # our interface name the neighbour is behind
    remote_name: str | None = None  # sysName / CDP device id / CUCM phone name (SEP...)
    remote_chassis_id: str | None = None  # as advertised; a MAC when the subtype is macAddress
    remote_mac: str | None = None  # normalised MAC when one is known (chassis id or port id)
    remote_address: str | None = None  # management IP
    remote_port: str | None = None
    remote_port_description: str | None = None
    remote_description: str | None = None  # sysDescr / CDP version / CUCM description
    remote_platform: str | None = None  # CDP platform, CUCM product name ("Cisco 8845")
    capabilities: tuple[str, ...] = ()  # enabled: "bridge", "router", "telephone", "wlanAccessPoint" ...
    # LLDP-MED inventory (or CUCM phone data)
    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    hardware_revision: str | None = None
    firmware_revision: str | None = None
    software_revision: str | None = None
    asset_id: str | None = None
    status: str | None = None  # CUCM registration status: "registered", "unregistered" ...
    kind_hint: str | None = None  # "ip_phone", "switch", "wireless_ap" ... from capabilities / source


@dataclass(frozen=True, slots=True)
class ConnectionFact:
    protocol: str  # "tcp"
    local_address: str
    local_port: int
    remote_address: str | None = None  # None for listening sockets
    remote_port: int | None = None
    state: str = "established"  # "listening" or "established"
    # established only: "inbound" when the local port is one we listen on (the peer depends on us),
    # "outbound" otherwise (we depend on the peer's service at remote_port)
    direction: str | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    rule_id: str | None  # "telephony.yaml#3"; None when no rule matched
    explanation: str
    rules: tuple[str, ...] = ()  # every rule that contributed a field, winner first
    decided: tuple[tuple[str, str], ...] = ()  # (field, rule id) for every field a rule decided


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a field of HostFacts holds its value: the source, how strong it is and what exactly was read.

    ``source`` is an inventory ProvenanceSourceChoices value ("ssh", "snmp_vendor", "snmp_generic", "directory",
    "neighbour", "rule"); ``strength`` 0-100 (see inventory/provenance.py for the defaults per source);
    ``specific`` is False for generic values that must never replace a specific one (a kernel version as OS version,
    "Linux" as platform); ``detail`` names what was read ("/etc/os-release over SSH", "ENTITY-MIB entPhysicalSerialNum",
    "AD operatingSystemVersion")."""

    source: str
    strength: int
    detail: str = ""
    specific: bool = True


@dataclass(frozen=True, slots=True)
class HostFacts:
    address: str
    sources: tuple[str, ...] = ()  # "snmp", "ssh"
    hostname: str | None = None  # sysName / hostname
    sys_descr: str | None = None  # sysDescr; over SSH: uname or the head of "show version"
    sys_object_id: str | None = None
    engine_id: str | None = None  # snmpEngineID, lowercase hex
    # set by classification (parsers may pre-fill manufacturer from ENTITY-MIB/DMI)
    manufacturer: str | None = None
    kind: str | None = None
    platform: str | None = None
    version: str | None = None
    # identity and hardware
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    hardware_revision: str | None = None
    asset_tag: str | None = None
    location: str | None = None
    contact: str | None = None
    uptime_seconds: int | None = None
    cpu_count: int | None = None
    cpu_model: str | None = None
    memory_bytes: int | None = None
    disks: tuple[DiskFact, ...] = ()
    bios_vendor: str | None = None
    bios_version: str | None = None
    bios_date: str | None = None
    # evidence the classification rules match on
    os_id: str | None = None  # os-release ID ("ubuntu", "rhel")
    os_like: tuple[str, ...] = ()  # os-release ID_LIKE
    os_name: str | None = None  # os-release PRETTY_NAME
    os_version: str | None = None  # os-release VERSION_ID
    kernel: str | None = None  # "5.15.0-91-generic"
    architecture: str | None = None  # "x86_64"
    chassis_type: int | None = None  # SMBIOS chassis type from DMI
    device_types: tuple[str, ...] = ()  # HOST-RESOURCES hrDeviceType names: "processor", "printer" ...
    processes: tuple[str, ...] = ()  # hrSWRunName, deduplicated, sorted
    mibs: tuple[str, ...] = ()  # vendor/standard MIBs that answered: "UPS-MIB", "Printer-MIB", "CISCO-CCM-MIB"
    shell: str | None = None  # SSH: "unix", "network_cli", "pbx"
    # collections
    interfaces: tuple[InterfaceFact, ...] = ()
    software: tuple[SoftwareFact, ...] = ()
    neighbours: tuple[NeighbourFact, ...] = ()
    connections: tuple[ConnectionFact, ...] = ()
    classification: Classification | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())  # other vendor facts, (key, value) sorted
    # field name ("platform", "version", "serial" ...) -> why it holds its value; fields without an entry get the
    # default evidence of the facts' source (see reconcile)
    evidence: tuple[tuple[str, Evidence], ...] = ()

    def evidence_for(self, name: str) -> Evidence | None:
        for key, value in self.evidence:
            if key == name:
                return value
        return None


_SCALARS = (str, int, float, bool, type(None))


def facts_to_dict(facts: Any) -> Any:
    """JSON-friendly form of any fact (dataclasses -> dicts, tuples -> lists)."""
    if type(facts) in _SCALARS:  # most values: answer before the dataclass checks
        return facts
    if dataclasses.is_dataclass(facts) and not isinstance(facts, type):
        return {f.name: facts_to_dict(getattr(facts, f.name)) for f in dataclasses.fields(facts)}
    if isinstance(facts, tuple | list):
        return [facts_to_dict(x) for x in facts]
    return facts
