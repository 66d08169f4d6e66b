"""Scope targets: parse and expand CIDRs, address ranges, single hosts and names, each with an optional port.

Pure functions, no Django, no I/O (names are resolved later by the run). Bad input raises TargetError with a
message that names the offending line, so nothing is created from an impossible scope.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_NAME_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?$")
_LIMITED_BROADCAST = ipaddress.ip_address("255.255.255.255")


class TargetError(ValueError):
    """A scope line that cannot be discovered: the message says which line and why."""


@dataclass(frozen=True, slots=True)
class Target:
    """One thing to discover: an address or a host name, and the port to use (None: the protocol default)."""

    host: str
    port: int | None = None

    def __str__(self) -> str:
        if self.port is None:
            return self.host
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """One parsed line: a network, a range, a single address or a name."""

    text: str
    first: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    last: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    name: str | None
    port: int | None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None

    @property
    def size(self) -> int:
        if self.name is not None:
            return 1
        if self.network is not None and self.network.num_addresses > 2 and self.network.version == 4:
            return self.network.num_addresses - 2  # network and broadcast addresses are not hosts
        return int(self.last) - int(self.first) + 1


def _split_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):  # [::1]:161
        host, _, rest = text[1:].partition("]")
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise TargetError(f"{text!r}: expected [address]:port")
        return host, _port(rest[1:], text)
    if text.count(":") == 1:  # 127.0.0.1:1161, host:22 (more colons: a bare IPv6 address)
        host, _, port = text.partition(":")
        return host, _port(port, text)
    return text, None


def _port(value: str, text: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise TargetError(f"{text!r}: port must be a number from 1 to 65535")
    return int(value)


def _address(value: str, text: str):
    try:
        return ipaddress.ip_address(value)
    except ValueError as exc:
        raise TargetError(f"{text!r}: {value!r} is not an IP address") from exc


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _check_address(addr, text: str) -> None:
    if addr.is_unspecified:
        raise TargetError(f"{text!r}: the unspecified address {addr} cannot be discovered")
    if addr.is_multicast:
        raise TargetError(f"{text!r}: {addr} is a multicast address")
    if addr == _LIMITED_BROADCAST:
        raise TargetError(f"{text!r}: {addr} is the broadcast address")


def parse_target(line: str) -> TargetSpec:
    text = line.strip()
    if not text:
        raise TargetError("empty target")
    if len(text) > 300:
        raise TargetError(f"{text[:40]!r}…: too long")
    host, port = _split_port(text)
    if "/" in host:
        try:
            network = ipaddress.ip_network(host, strict=False)
        except ValueError as exc:
            raise TargetError(f"{text!r}: not a valid network ({exc})") from exc
        if network.is_multicast:
            raise TargetError(f"{text!r}: {network} is a multicast range")
        if network.network_address.is_unspecified and network.prefixlen == 0:
            raise TargetError(f"{text!r}: the whole address space cannot be discovered")
        return TargetSpec(text, network.network_address, network.broadcast_address, None, port, network)
    start_text, dash, end_text = host.partition("-")
    if dash and _is_address(start_text.strip()):
        start = _address(start_text.strip(), text)
        end_text = end_text.strip()
        if end_text.isdigit() and start.version == 4:  # 127.77.0.1-62
            end = ipaddress.ip_address(".".join(str(start).split(".")[:3] + [end_text])) if int(end_text) < 256 \
                else None
            if end is None:
                raise TargetError(f"{text!r}: the last octet must be below 256")
        else:
            end = _address(end_text, text)
        if start.version != end.version:
            raise TargetError(f"{text!r}: the range mixes IPv4 and IPv6")
        if int(end) < int(start):
            raise TargetError(f"{text!r}: the range ends before it starts")
        _check_address(start, text)
        _check_address(end, text)
        return TargetSpec(text, start, end, None, port)
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        if not _NAME_RE.match(host):
            raise TargetError(f"{text!r}: not an address, range, network or host name") from None
        return TargetSpec(text, None, None, host.rstrip(".").lower(), port)
    _check_address(addr, text)
    return TargetSpec(text, addr, addr, None, port)


def parse_targets(lines: Iterable[str]) -> list[TargetSpec]:
    specs = []
    for raw in lines:
        for part in re.split(r"[,\s]+", raw.split("#", 1)[0].strip()):
            if part:
                specs.append(parse_target(part))
    return specs


def expand(specs: list[TargetSpec], *, exclusions: list[TargetSpec] = (), limit: int, default_port: int | None = None
           ) -> list[Target]:
    """Every address to discover, in order, without duplicates or excluded addresses; refuse more than `limit`."""
    total = sum(s.size for s in specs)
    if total > limit:
        raise TargetError(
            f"the scope has {total:,} addresses, more than the limit of {limit:,} (set ESTATE_MAX_SCOPE_ADDRESSES "
            f"to raise it)"
        )
    excluded_names = {s.name for s in exclusions if s.name}
    excluded_ranges = [(int(s.first), int(s.last)) for s in exclusions if s.name is None]
    seen: set[tuple[str, int | None]] = set()
    targets: list[Target] = []
    for spec in specs:
        for host in _hosts(spec):
            if isinstance(host, str):
                if host in excluded_names:
                    continue
            elif any(lo <= int(host) <= hi for lo, hi in excluded_ranges):
                continue
            key = (str(host), spec.port or default_port)
            if key not in seen:
                seen.add(key)
                targets.append(Target(str(host), spec.port or default_port))
    return targets


def _hosts(spec: TargetSpec) -> Iterator:
    if spec.name is not None:
        yield spec.name
    elif spec.network is not None and spec.network.version == 4 and spec.network.num_addresses > 2:
        yield from spec.network.hosts()
    else:
        cls = type(spec.first)  # ip_address(1) would be IPv4 even for ::1
        for value in range(int(spec.first), int(spec.last) + 1):
            yield cls(value)


def parse_and_expand(targets: str | Iterable[str], *, exclusions: str | Iterable[str] = (), limit: int,
                     default_port: int | None = None) -> list[Target]:
    lines = targets.splitlines() if isinstance(targets, str) else list(targets)
    excl = exclusions.splitlines() if isinstance(exclusions, str) else list(exclusions)
    specs = parse_targets(lines)
    if not specs:
        raise TargetError("no targets given")
    return expand(specs, exclusions=parse_targets(excl), limit=limit, default_port=default_port)
