"""Standard MIBs read generically, for any device that answers them (no vendor knowledge):

- UPS-MIB (RFC 1628) upsIdent: the UPS's own software version (model and maker come via parsers.vendor);
- LLDP-MIB local system (IEEE 802.1AB): lldpLocSysDesc and the enabled system capabilities;
- SNMPv2-MIB sysServices (RFC 3418): the OSI layers the device offers services at;
- BRIDGE-MIB (RFC 4188) dot1dBaseNumPorts and Q-BRIDGE-MIB (RFC 4363) dot1qNumVlans: a bridge with ports;
- IF-MIB ifType (IANAifType-MIB) voice ports: voiceEM 100, voiceFXO 101, voiceFXS 102, voiceEncap 103,
  voiceOverIp 104, voiceOverAtm 152, voiceOverFrameRelay 153, voiceEBS 214, voiceFGDEANA 215, ...

What they imply is decided by the rules of discovery/rules/generic.yaml, which match the ``mibs`` and ``extra`` values
set here, so the evidence order stays in one place.
"""

from __future__ import annotations

from typing import Any

from discovery.parsers import text
from discovery.parsers.mib import Mib

UPS_SOFTWARE_VERSION = "1.3.6.1.2.1.33.1.1.3.0"  # upsIdentUPSSoftwareVersion
UPS_AGENT_VERSION = "1.3.6.1.2.1.33.1.1.4.0"  # upsIdentAgentSoftwareVersion
LLDP_LOC_SYS_NAME = "1.0.8802.1.1.2.1.3.3.0"
LLDP_LOC_SYS_DESC = "1.0.8802.1.1.2.1.3.4.0"
LLDP_LOC_CAP_ENABLED = "1.0.8802.1.1.2.1.3.6.0"
SYS_SERVICES = "1.3.6.1.2.1.1.7.0"
DOT1D_BASE_NUM_PORTS = "1.3.6.1.2.1.17.1.2.0"
DOT1Q_NUM_VLANS = "1.3.6.1.2.1.17.7.1.1.4.0"
IF_TYPE = "1.3.6.1.2.1.2.2.1.3"

# LldpSystemCapabilitiesMap BITS, bit 0 = the most significant bit of the first octet
LLDP_CAPABILITIES = ("other", "repeater", "bridge", "wlanAccessPoint", "router", "telephone", "docsisCableDevice",
                     "stationOnly", "cVLAN", "sVLAN", "twoPortMACRelay")
VOICE_IF_TYPES = {100: "voiceEM", 101: "voiceFXO", 102: "voiceFXS", 103: "voiceEncap", 104: "voiceOverIp",
                  152: "voiceOverAtm", 153: "voiceOverFrameRelay", 214: "voiceEBS", 215: "voiceFGDEANA",
                  216: "voiceFGDOS", 217: "voiceDID", 218: "voiceEMFGD", 219: "voiceFGDEANA"}
SERVICE_LAYERS = {1: "physical", 2: "datalink", 4: "internet", 8: "end-to-end", 64: "applications"}


def lldp_capabilities(value: Any) -> tuple[str, ...]:
    if not isinstance(value, bytes) or not value or len(value) > 4:
        return ()
    bits = int.from_bytes(value, "big")
    width = 8 * len(value)
    return tuple(name for i, name in enumerate(LLDP_CAPABILITIES) if i < width and bits >> (width - 1 - i) & 1)


def service_layers(value: Any) -> tuple[str, ...]:
    number = text.to_int(value)
    if number is None or not 0 < number < 128:
        return ()
    return tuple(name for bit, name in SERVICE_LAYERS.items() if number & bit)


def parse(mib: Mib) -> dict[str, Any]:
    out: dict[str, Any] = {}
    extra: dict[str, str] = {}
    mibs: list[str] = []
    detail: dict[str, str] = {}
    version = text.name(mib.get(UPS_SOFTWARE_VERSION)) or text.name(mib.get(UPS_AGENT_VERSION))
    if version:
        out["version"] = version
        detail["version"] = "UPS-MIB upsIdentUPSSoftwareVersion" if text.name(mib.get(UPS_SOFTWARE_VERSION)) \
            else "UPS-MIB upsIdentAgentSoftwareVersion"
    capabilities = lldp_capabilities(mib.get(LLDP_LOC_CAP_ENABLED))
    if capabilities:
        extra["lldp_capabilities"] = ",".join(capabilities)
    lldp_descr = text.name(mib.get(LLDP_LOC_SYS_DESC))
    if lldp_descr:
        extra["lldp_descr"] = lldp_descr
    layers = service_layers(mib.get(SYS_SERVICES))
    if layers:
        extra["sys_services"] = ",".join(layers)
    ports = text.to_int(mib.get(DOT1D_BASE_NUM_PORTS))
    if ports is not None and ports > 0:
        mibs.append("BRIDGE-MIB")
        extra["bridge_ports"] = str(ports)
    if text.to_int(mib.get(DOT1Q_NUM_VLANS)):
        mibs.append("Q-BRIDGE-MIB")
    voice = sorted({VOICE_IF_TYPES[t] for t in (text.to_int(v) for v in mib.column(IF_TYPE).values())
                    if t in VOICE_IF_TYPES})
    if voice:
        extra["voice_ports"] = ",".join(voice)
    if extra:
        out["extra"] = extra
    if mibs:
        out["mibs"] = tuple(mibs)
    if detail:
        out["_detail"] = detail
    return out
