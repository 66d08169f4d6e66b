"""Fetching a URL a user typed in, without server-side request forgery.

Only https, only hosts on an allow-list, and only public addresses: the host name is resolved here and every address
is checked (private, loopback, link-local such as the 169.254.169.254 metadata service, reserved: all refused), then
the connection goes to the checked address (no second lookup an attacker's DNS could answer differently), with the
certificate checked against the host name. Redirects are followed by hand, a few at most, each checked the same
way. The whole exchange has one deadline and a size cap. Every refusal or failure is a FetchError with a message
fit to show the person who typed the URL.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from collections.abc import Sequence

MAX_REDIRECTS = 3


class FetchError(ValueError):
    pass


def _public_addresses(host: str, port: int, *, allow_loopback: bool) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"Cannot resolve {host}: {exc}") from exc
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        mapped = getattr(address, "ipv4_mapped", None)
        address = mapped or address
        if not (address.is_global or (allow_loopback and address.is_loopback)) or address.is_multicast:
            raise FetchError(f"{host} resolves to {address}, which is not a public address: refused.")
        addresses.append(str(address))
    if not addresses:
        raise FetchError(f"Cannot resolve {host}.")
    return addresses


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with SNI and certificate checks for the host name."""

    def __init__(self, host: str, address: str, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def _check_url(url: str, *, hosts: Sequence[str], allow_local_http: bool) -> urllib.parse.SplitResult:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"Not a valid URL: {url}") from exc
    schemes = ("https", "http") if allow_local_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise FetchError("Give an https:// URL, e.g. https://endoflife.date/api/v1/products/ubuntu")
    if parts.username or parts.password:
        raise FetchError("The URL must not contain a user name or password.")
    allowed = {host.lower().rstrip(".") for host in hosts}
    if parts.hostname.lower().rstrip(".") not in allowed:
        raise FetchError(f"{parts.hostname} is not an allowed host (allowed: {', '.join(sorted(allowed))}).")
    if port is not None and not 0 < port < 65536:
        raise FetchError(f"Not a valid port: {port}")
    return parts


def fetch(url: str, *, hosts: Sequence[str], timeout: float, max_bytes: int, accept: str = "application/json",
          allow_local_http: bool = False) -> bytes:
    """GET ``url`` and return the body. ``allow_local_http`` (tests only) also allows http:// and loopback."""
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        parts = _check_url(url, hosts=hosts, allow_local_http=allow_local_http)
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        address = _public_addresses(parts.hostname, port, allow_loopback=allow_local_http)[0]
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(f"{url} took longer than {timeout:g} s: stopped.")
        if https:
            connection = _PinnedHTTPSConnection(parts.hostname, address, port=port, timeout=left,
                                                context=ssl.create_default_context())
        else:
            connection = _PinnedHTTPConnection(parts.hostname, address, port=port, timeout=left)
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        try:
            connection.request("GET", path, headers={"User-Agent": "Estate", "Accept": accept})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location") or ""
                url = urllib.parse.urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(f"Could not fetch {url}: it answered {response.status} {response.reason}.")
            return _read_capped(response, url, deadline=deadline, timeout=timeout, max_bytes=max_bytes)
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timeout, TLS, not HTTP at all
            raise FetchError(f"Could not fetch {url}: {exc or type(exc).__name__}") from exc
        finally:
            connection.close()
    raise FetchError(f"Too many redirects (more than {MAX_REDIRECTS}).")


def _read_capped(response, url: str, *, deadline: float, timeout: float, max_bytes: int) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"The response is larger than {max_bytes:,} bytes.")
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError(f"{url} took longer than {timeout:g} s: stopped.")
        chunk = response.read1(64 * 1024)  # what has arrived: a trickling server cannot outrun the deadline
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"The response is larger than {max_bytes:,} bytes.")
        chunks.append(chunk)
