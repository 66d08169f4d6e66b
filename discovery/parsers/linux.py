"""Outputs of the UNIX commands in discovery.commands.UNIX -> fact fields. Pure, never raises."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import shlex
from typing import Any

from discovery.facts import ConnectionFact, DiskFact, InterfaceFact, SoftwareFact
from discovery.parsers import text

MAX_LINES = 200000
MAX_SOFTWARE = 20000
MAX_CONNECTIONS = 5000


def lines(value: str | None) -> list[str]:
    return (value or "").splitlines()[:MAX_LINES]


def key_values(output: str | None, sep: str = "=") -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines(output):
        if sep not in line:
            continue
        key, _, value = line.partition(sep)
        key = key.strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if key and key not in out:
            out[key] = value
    return out


def os_release(output: str | None) -> dict[str, Any]:
    kv = key_values(output)
    out: dict[str, Any] = {
        "os_id": text.name(kv.get("ID", "").lower()),
        "os_name": text.name(kv.get("PRETTY_NAME") or kv.get("NAME")),
        "os_version": text.name(kv.get("VERSION_ID")),
    }
    like = tuple(part for part in (kv.get("ID_LIKE") or "").lower().split() if part)[:8]
    if like:
        out["os_like"] = tuple(text.name(p) or "" for p in like)
    return {k: v for k, v in out.items() if v}


def uname(output: str | None) -> dict[str, Any]:
    """`uname -srm`: "Linux 5.15.0-91-generic x86_64"."""
    first = text.name((output or "").strip().split("\n", 1)[0])
    if not first:
        return {}
    parts = first.split()
    out: dict[str, Any] = {"sys_descr": first}
    if len(parts) >= 2:
        out["kernel"] = parts[1]
    if len(parts) >= 3:
        out["architecture"] = parts[-1]
    return out


def hostname(output: str | None) -> dict[str, Any]:
    first = (output or "").strip().split("\n", 1)[0]
    value = text.name(first)
    return {"hostname": value} if value and " " not in value else {}


def dmi(output: str | None) -> dict[str, Any]:
    kv = key_values(output)
    out: dict[str, Any] = {
        "manufacturer": text.placeholder(text.name(kv.get("sys_vendor"))),
        "model": text.placeholder(text.name(kv.get("product_name"))),
        "serial": text.serial(kv.get("product_serial")),
        "hardware_revision": text.placeholder(text.name(kv.get("product_version"))),
        "bios_vendor": text.name(kv.get("bios_vendor")),
        "bios_version": text.name(kv.get("bios_version")),
        "bios_date": _bios_date(kv.get("bios_date")),
        "chassis_type": text.to_int(kv.get("chassis_type")),
    }
    if out["chassis_type"] is not None and not 1 <= out["chassis_type"] <= 255:
        out["chassis_type"] = None
    return {k: v for k, v in out.items() if v is not None and v != ""}


def _bios_date(value: str | None) -> str | None:
    """DMI dates are MM/DD/YYYY; give ISO when they parse, the raw text otherwise."""
    raw = text.name(value)
    if not raw:
        return None
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw)
    if match:
        month, day, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return raw
    return raw


def cpu(output: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for line in lines(output):
        line = line.strip()
        if line.isdigit() and "cpu_count" not in out and 0 < int(line) < 1_000_000:
            out["cpu_count"] = int(line)
        elif line.lower().startswith("model name") and ":" in line:
            model = text.name(line.split(":", 1)[1])
            if model:
                out.setdefault("cpu_model", model)
    return out


def memory(output: str | None) -> dict[str, Any]:
    for line in lines(output):
        match = re.match(r"MemTotal:\s+(\d+)\s*kB", line)
        if match:
            return {"memory_bytes": int(match.group(1)) * 1024}
    return {}


def disks(output: str | None) -> dict[str, Any]:
    found: list[DiskFact] = []
    for line in lines(output):
        try:
            tokens = shlex.split(line)
        except ValueError:
            continue
        kv = dict(t.split("=", 1) for t in tokens if "=" in t)
        label = text.name(kv.get("NAME"))
        if not label or kv.get("TYPE", "disk") not in ("disk", "mpath"):
            continue
        found.append(DiskFact(name=label, size_bytes=text.to_int(kv.get("SIZE")), kind="disk",
                              model=text.name(kv.get("MODEL")), serial=text.serial(kv.get("SERIAL"))))
    return {"disks": tuple(found[:256])} if found else {}


_LINK = re.compile(r"^\d+:\s+(?P<name>[^:@\s]+)(?:@\S+)?:\s+<(?P<flags>[^>]*)>(?P<rest>.*)$")
_ADDR = re.compile(r"^\d+:\s+(?P<name>[^\s:@]+)\s+(?P<family>inet6?)\s+(?P<cidr>[0-9a-fA-F.:]+/\d+)")
_LINK_TYPES = {"ether": "ethernetCsmacd", "loopback": "softwareLoopback", "none": "tunnel", "ieee802.11": "ieee80211"}


def interfaces(output: str | None) -> dict[str, Any]:
    """`ip -o link show; ip -o addr show` (one line per link / per address)."""
    order: list[str] = []
    data: dict[str, dict[str, Any]] = {}
    for line in lines(output):
        link = _LINK.match(line)
        if link:
            label = text.name(link.group("name"))
            if not label:
                continue
            flags = set(link.group("flags").split(","))
            rest = link.group("rest")
            entry = data.setdefault(label, {"addresses": []})
            if label not in order:
                order.append(label)
            kind = re.search(r"link/(\S+)(?:\s+([0-9a-fA-F:]{17}))?", rest)
            mtu = re.search(r"\bmtu (\d+)", rest)
            state = re.search(r"\bstate (\S+)", rest)
            entry["type"] = _LINK_TYPES.get(kind.group(1), kind.group(1)) if kind else None
            entry["mac"] = text.mac(kind.group(2)) if kind and kind.group(2) else None
            entry["mtu"] = int(mtu.group(1)) if mtu else None
            entry["enabled"] = "UP" in flags
            entry["oper_up"] = ("LOWER_UP" in flags) if not state or state.group(1) == "UNKNOWN" else (
                state.group(1) == "UP")
            continue
        addr = _ADDR.match(line)
        if addr:
            label = text.name(addr.group("name"))
            try:
                iface = ipaddress.ip_interface(addr.group("cidr"))
            except ValueError:
                continue
            if not label or (iface.version == 6 and iface.ip.is_link_local):
                continue
            entry = data.setdefault(label, {"addresses": []})
            if label not in order:
                order.append(label)
            value = f"{iface.ip}/{iface.network.prefixlen}"
            if value not in entry["addresses"]:
                entry["addresses"].append(value)
    result = tuple(
        InterfaceFact(name=label, type=data[label].get("type"), mac=data[label].get("mac"),
                      mtu=data[label].get("mtu"), enabled=data[label].get("enabled"),
                      oper_up=data[label].get("oper_up"), addresses=tuple(data[label]["addresses"]))
        for label in order[:10000]
    )
    return {"interfaces": result} if result else {}


def packages_dpkg(output: str | None) -> list[SoftwareFact]:
    out: list[SoftwareFact] = []
    for line in lines(output):
        parts = line.split("\t")
        product = text.name(parts[0]) if parts else None
        if not product:
            continue
        out.append(SoftwareFact(product=product, version=text.name(parts[1]) if len(parts) > 1 else None,
                                architecture=text.name(parts[2]) if len(parts) > 2 else None))
        if len(out) >= MAX_SOFTWARE:
            break
    return out


def packages_rpm(output: str | None) -> list[SoftwareFact]:
    out: list[SoftwareFact] = []
    for line in lines(output):
        parts = line.split("\t")
        product = text.name(parts[0]) if parts else None
        if not product:
            continue
        installed = text.to_int(parts[3]) if len(parts) > 3 else None
        install_date = None
        if installed is not None and 0 < installed < 2**33:
            install_date = dt.datetime.fromtimestamp(installed, dt.UTC).isoformat()
        arch = text.name(parts[2]) if len(parts) > 2 else None
        out.append(SoftwareFact(product=product, version=text.name(parts[1]) if len(parts) > 1 else None,
                                architecture=None if arch == "(none)" else arch, install_date=install_date))
        if len(out) >= MAX_SOFTWARE:
            break
    return out


def _endpoint(value: str) -> tuple[str | None, int | None]:
    """'10.0.0.5:22', '[::ffff:10.0.0.5]:443', '127.0.0.53%lo:53', '*:22', '[::]:*' -> (address, port)."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]").split("%", 1)[0]
    if host.startswith("::ffff:") and "." in host:
        host = host[7:]
    if host == "*":
        host = "0.0.0.0"  # noqa: S104 - parsing ss output, not binding
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        return None, None
    return address, int(port) if port.isdigit() and int(port) < 65536 else None


def connections(output: str | None) -> dict[str, Any]:
    """`ss -tanH`: listening sockets and established sessions, deduplicated."""
    listening: dict[tuple[str, int], ConnectionFact] = {}
    established: list[tuple[str, int, str, int]] = []
    for line in lines(output):
        fields = line.split()
        if len(fields) < 5:
            continue
        state = fields[0].upper()
        local, local_port = _endpoint(fields[3])
        if local is None or local_port is None:
            continue
        if state == "LISTEN":
            listening.setdefault((local, local_port), ConnectionFact(
                protocol="tcp", local_address=local, local_port=local_port, state="listening"))
        elif state == "ESTAB":
            remote, remote_port = _endpoint(fields[4])
            if remote is None or remote_port is None:
                continue
            if ipaddress.ip_address(local).is_loopback and ipaddress.ip_address(remote).is_loopback:
                continue  # a host talking to itself is no dependency
            established.append((local, local_port, remote, remote_port))
    listen_ports = {port for _, port in listening}
    seen: set[tuple[Any, ...]] = set()
    result: list[ConnectionFact] = list(listening.values())
    for local, local_port, remote, remote_port in established:
        inbound = local_port in listen_ports
        # ephemeral client ports carry no meaning: one fact per service relation
        key = (remote, local_port, "in") if inbound else (remote, remote_port, "out")
        if key in seen:
            continue
        seen.add(key)
        result.append(ConnectionFact(
            protocol="tcp", local_address=local, local_port=local_port, remote_address=remote,
            remote_port=remote_port, state="established", direction="inbound" if inbound else "outbound"))
        if len(result) >= MAX_CONNECTIONS:
            break
    return {"connections": tuple(result)} if result else {}
