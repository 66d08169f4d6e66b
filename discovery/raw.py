"""Raw replies as collectors return them: plain data, no parsing, no Django.

This module is the contract between the collectors (I/O) and the parsers (pure functions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class Oid(str):
    """An SNMP OBJECT IDENTIFIER value, dotted, without a leading dot."""

    __slots__ = ()


class IpAddr(str):
    """An SNMP IpAddress value as a dotted quad."""

    __slots__ = ()


# OCTET STRING and Opaque -> bytes (never decoded here: replies may be binary or hostile);
# Integer32, Counter32/64, Gauge32, TimeTicks -> int; OBJECT IDENTIFIER -> Oid; IpAddress -> IpAddr.
SnmpValue = bytes | int | Oid | IpAddr


@dataclass(frozen=True, slots=True)
class SnmpReply:
    """Everything one SNMP conversation with one host returned."""

    address: str
    port: int
    varbinds: Mapping[str, SnmpValue] = field(default_factory=dict)  # OID (no leading dot) -> value
    credential_id: int | None = None  # which credential answered
    engine_id: bytes | None = None  # snmpEngineID (v3 discovery or SNMP-FRAMEWORK-MIB)
    error: str | None = None  # None when the host answered
    elapsed: float = 0.0


@dataclass(frozen=True, slots=True)
class CommandOutput:
    """One command run over SSH."""

    command: str
    exit_status: int | None  # None when the command timed out
    stdout: bytes = b""
    stderr: bytes = b""


@dataclass(frozen=True, slots=True)
class SshReply:
    """Everything one SSH session with one host returned, keyed by the names in discovery.commands."""

    address: str
    port: int
    host_key_type: str | None = None  # e.g. "ssh-ed25519"
    host_key_fingerprint: str | None = None  # "SHA256:<base64 without padding>", as OpenSSH prints it
    host_public_key: str | None = None  # "ssh-ed25519 AAAA…" (OpenSSH known_hosts form, no host name)
    banner: str | None = None  # remote SSH version string, e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
    shell: str | None = None  # "unix", "network_cli", "pbx" — decided by the collector from what answered
    outputs: Mapping[str, CommandOutput] = field(default_factory=dict)
    credential_id: int | None = None
    error: str | None = None
    host_key_changed: bool = False  # True: the recorded key differs; nothing was sent to the host
    elapsed: float = 0.0
