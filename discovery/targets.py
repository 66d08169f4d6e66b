"""Scope targets: parse and expand CIDRs, address ranges, single hosts and names, each with an optional port.

Pure functions, no Django, no I/O (names are resolved later by the run). Bad input raises TargetError with a
message that names the offending line, so nothing is created from an impossible scope.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_NAME_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?$")
_NUMERIC_LABEL_RE = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_LIMITED_BROADCAST = ipaddress.ip_address("255.255.255.255")
MAX_LINES = 10_000  # target or exclusion entries per scope or run: more is a mistake (or an attack on the parser)


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


def reserved_reason(addr) -> str | None:
    """Why an address may never be contacted (unspecified, multicast, limited broadcast), or None."""
    if addr.is_unspecified:
        return f"the unspecified address {addr} cannot be discovered"
    if addr.is_multicast:
        return f"{addr} is a multicast address"
    if addr == _LIMITED_BROADCAST:
        return f"{addr} is the broadcast address"
    return None


def _check_address(addr, text: str) -> None:
    reason = reserved_reason(addr)
    if reason:
        raise TargetError(f"{text!r}: {reason}")


def _is_numeric_name(host: str) -> bool:
    """True for "names" that are really addresses in another spelling: 2130706433, 127.1, 0x7f.1, 0177.0.0.1.

    The resolver (inet_aton) reads them as addresses, so they would bypass the exclusion and reserved checks; a real
    host name never ends in an all-numeric label."""
    try:
        socket.inet_aton(host)
        return True
    except (OSError, ValueError):
        pass
    return bool(_NUMERIC_LABEL_RE.match(host.rstrip(".").rsplit(".", 1)[-1]))


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
        if _is_numeric_name(host):
            raise TargetError(f"{text!r}: a number is not a host name; write the address as a dotted quad "
                              f"(e.g. 127.0.0.1)") from None
        return TargetSpec(text, None, None, host.rstrip(".").lower(), port)
    _check_address(addr, text)
    return TargetSpec(text, addr, addr, None, port)


def parse_targets(lines: Iterable[str], *, what: str = "targets") -> list[TargetSpec]:
    """Parse lines (each may hold several entries separated by commas or spaces; # starts a comment). More than
    MAX_LINES entries is refused before any is parsed further."""
    lines = list(lines)
    if len(lines) > MAX_LINES:
        raise TargetError(f"too many {what}: {len(lines):,} lines, the limit is {MAX_LINES:,}")
    parts = [part for raw in lines for part in re.split(r"[,\s]+", raw.split("#", 1)[0].strip()) if part]
    if len(parts) > MAX_LINES:
        raise TargetError(f"too many {what}: {len(parts):,} entries, the limit is {MAX_LINES:,}")
    return [parse_target(part) for part in parts]


class AddressRanges:
    """A set of addresses as sorted, merged [first, last] integer ranges per IP version: membership and
    subtraction by bisection, so n hosts against m exclusions costs n·log m, not n·m."""

    def __init__(self, ranges: Iterable[tuple[int, int, int]] = ()) -> None:
        by_version: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
        for version, lo, hi in ranges:
            by_version[version].append((lo, hi))
        self._ranges: dict[int, tuple[list[int], list[int]]] = {}
        for version, items in by_version.items():
            merged: list[list[int]] = []
            for lo, hi in sorted(items):
                if merged and lo <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], hi)
                else:
                    merged.append([lo, hi])
            self._ranges[version] = ([lo for lo, _ in merged], [hi for _, hi in merged])

    @classmethod
    def of_specs(cls, specs: Iterable[TargetSpec]) -> AddressRanges:
        return cls((s.first.version, int(s.first), int(s.last)) for s in specs if s.name is None)

    def __bool__(self) -> bool:
        return any(los for los, _ in self._ranges.values())

    def __contains__(self, addr) -> bool:
        los, his = self._ranges[addr.version]
        i = bisect_right(los, int(addr)) - 1
        return i >= 0 and int(addr) <= his[i]

    def covers(self, version: int, lo: int, hi: int) -> bool:
        """True when every address from lo to hi is in the set."""
        los, his = self._ranges[version]
        i = bisect_right(los, lo) - 1
        return i >= 0 and hi <= his[i]

    def subtract(self, version: int, lo: int, hi: int) -> Iterator[tuple[int, int]]:
        """The parts of [lo, hi] outside the set, in order."""
        los, his = self._ranges[version]
        i = max(bisect_right(los, lo) - 1, 0)
        while lo <= hi:
            if i >= len(los) or los[i] > hi:
                yield lo, hi
                return
            if his[i] < lo:
                i += 1
                continue
            if los[i] > lo:
                yield lo, los[i] - 1
            lo = his[i] + 1
            i += 1


def host_span(spec: TargetSpec) -> tuple[int, int]:
    """The first and last host of an address line (an IPv4 network's network and broadcast addresses left out)."""
    if spec.network is not None and spec.network.version == 4 and spec.network.num_addresses > 2:
        return int(spec.first) + 1, int(spec.last) - 1
    return int(spec.first), int(spec.last)


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
    excluded = AddressRanges.of_specs(exclusions)
    seen: set[tuple[str, int | None]] = set()
    targets: list[Target] = []
    for spec in specs:
        port = spec.port or default_port
        if spec.name is not None:
            hosts: Iterable[str] = () if spec.name in excluded_names else (spec.name,)
        else:
            cls = type(spec.first)  # ip_address(1) would be IPv4 even for ::1
            hosts = (str(cls(value)) for lo, hi in excluded.subtract(spec.first.version, *host_span(spec))
                     for value in range(lo, hi + 1))
        for host in hosts:
            if (host, port) not in seen:
                seen.add((host, port))
                targets.append(Target(host, port))
    return targets


def parse_and_expand(targets: str | Iterable[str], *, exclusions: str | Iterable[str] = (), limit: int,
                     default_port: int | None = None) -> list[Target]:
    """Parse and expand; refuse a list that leaves nothing to discover once the exclusions are taken out."""
    lines = targets.splitlines() if isinstance(targets, str) else list(targets)
    excl = exclusions.splitlines() if isinstance(exclusions, str) else list(exclusions)
    specs = parse_targets(lines)
    if not specs:
        raise TargetError("no targets given")
    expanded = expand(specs, exclusions=parse_targets(excl, what="exclusions"), limit=limit,
                      default_port=default_port)
    if not expanded:
        raise TargetError("every target is excluded: there is nothing to discover")
    return expanded


def parse_networks(text: str) -> AddressRanges:
    """Approved networks of a credential set: one CIDR (or address) a line. Raises TargetError on a bad line."""
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_LINES:
        raise TargetError(f"too many networks: {len(lines):,} lines, the limit is {MAX_LINES:,}")
    ranges = []
    for line in lines:
        try:
            network = ipaddress.ip_network(line, strict=False)
        except ValueError as exc:
            raise TargetError(f"{line[:60]!r}: not a network (write it as 10.1.0.0/16 or an address)") from exc
        ranges.append((network.version, int(network.network_address), int(network.broadcast_address)))
    return AddressRanges(ranges)


def unapproved(specs: Iterable[TargetSpec], exclusions: Iterable[TargetSpec], approved: AddressRanges
               ) -> list[str]:
    """The address lines (after exclusions) not wholly inside the approved networks. Names are checked once
    resolved."""
    excluded = AddressRanges.of_specs(exclusions)
    outside = []
    for spec in specs:
        if spec.name is None and not all(approved.covers(spec.first.version, lo, hi)
                                         for lo, hi in excluded.subtract(spec.first.version, *host_span(spec))):
            outside.append(spec.text)
    return outside
