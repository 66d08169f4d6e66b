"""Read computer objects from Active Directory (or another LDAP directory) with ldap3. I/O only: no Django.

    with LdapSettings(...) -> ldap_computers(settings) yields each computer's raw attributes (lists of bytes), page
    by page (the simple paged results control), so 50,000 computers cost one page of memory at a time.

``ldap://`` URLs upgrade with StartTLS and the certificate is verified (against ``ca_file`` or the system store)
unless ``no_tls`` is set, for labs and tests; ``ldaps://`` is TLS from the first byte. Every failure is a
DirectoryError whose message is safe to show and log: it names the server, the bind identity and what went
wrong, never the password.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import ldap3
from ldap3.core import exceptions as ldap_exc
from ldap3.operation.search import parse_filter

from discovery.parsers.directory import COMPUTER_ATTRIBUTES, COMPUTER_FILTER

PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"
_RESULT_TEXT = {
    32: "the base DN does not exist",
    34: "the base DN is not a valid DN",
    49: "invalid credentials (wrong user or password)",
    50: "the bind identity may not read the directory",
    53: "the server refused: a plain bind needs TLS here (enable TLS, or set 'ldap server require strong auth')",
    8: "the server demands a stronger authentication (TLS or signing)",
    13: "the server requires TLS for this bind",
}


class DirectoryError(Exception):
    """Reading the directory failed; the message is safe to show (never a password)."""


@dataclass(frozen=True)
class LdapSettings:
    urls: tuple[str, ...]  # "ldap://dc1.council.local", "ldaps://dc2.council.local:636"; tried in order
    bind_user: str  # "svc-estate@council.local", "COUNCIL\\svc-estate" or a DN
    password: str = field(repr=False)
    base_dns: tuple[str, ...] = ()
    filter: str = ""  # an extra LDAP filter, ANDed with (objectCategory=computer)
    ca_file: str | None = None  # PEM bundle file; None (and no ca_data): the system store
    ca_data: str | None = None  # PEM bundle text (a stored source's CA bundle)
    verify: bool = True
    no_tls: bool = False  # plain simple bind over ldap:// (labs, tests)
    tls_server_name: str | None = None  # the certificate's name when the URL uses an address
    timeout: float = 10.0
    page_size: int = 500


def filter_error(text: str) -> str | None:
    """Why an extra LDAP filter is not valid, or None when it is (empty is valid)."""
    text = (text or "").strip()
    if not text:
        return None
    if "\x00" in text or len(text) > 2000:
        return "The filter holds a NUL or is longer than 2,000 characters."
    if not (text.startswith("(") and text.endswith(")")):
        return "An LDAP filter is enclosed in parentheses, e.g. (operatingSystem=Windows*)."
    try:
        parse_filter(text, None, auto_escape=True, auto_encode=True, validator=None, check_names=False)
    except (ldap_exc.LDAPException, ValueError, IndexError) as exc:
        return f"Not a valid LDAP filter: {str(exc)[:200]}"
    return None


def url_error(url: str) -> str | None:
    """Why a server URL is not usable, or None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("ldap", "ldaps"):
        return f"{url[:100]!r}: use ldap://HOST[:PORT] or ldaps://HOST[:PORT]."
    try:
        port = parts.port
    except ValueError:
        return f"{url[:100]!r}: the port is not a number between 1 and 65535."
    if not parts.hostname or (port is not None and not 0 < port < 65536):
        return f"{url[:100]!r}: give a host name or address."
    if parts.path not in ("", "/") or parts.query or parts.username:
        return f"{url[:100]!r}: only scheme, host and port are read; remove the rest."
    return None


def _server(url: str, settings: LdapSettings) -> ldap3.Server:
    parts = urlsplit(url.strip())
    secure = parts.scheme == "ldaps"
    tls = None
    if secure or not settings.no_tls:
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED if settings.verify else ssl.CERT_NONE,
                        ca_certs_file=settings.ca_file or None, ca_certs_data=settings.ca_data or None,
                        version=ssl.PROTOCOL_TLS_CLIENT,
                        valid_names=[settings.tls_server_name] if settings.tls_server_name else None)
    return ldap3.Server(parts.hostname, port=parts.port or (636 if secure else 389), use_ssl=secure, tls=tls,
                        get_info=ldap3.NONE, connect_timeout=settings.timeout)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, ldap_exc.LDAPStartTLSError | ldap_exc.LDAPSSLConfigurationError) or "certificate" in text or \
            "SSL" in text or "wrap socket" in text:
        return f"TLS failed: {text[:300]}"
    if isinstance(exc, ldap_exc.LDAPSocketOpenError):
        return f"cannot connect: {text[:300]}"
    if isinstance(exc, ldap_exc.LDAPSocketReceiveError | ldap_exc.LDAPSessionTerminatedByServerError):
        return f"the server closed the connection: {text[:300]}"
    return text[:300]


def ldap_connect(settings: LdapSettings) -> ldap3.Connection:
    """Connect and bind to the first server that answers; DirectoryError naming each failure otherwise."""
    if not settings.urls:
        raise DirectoryError("No server URL given.")
    problems = []
    for url in settings.urls:
        bad = url_error(url)
        if bad:
            raise DirectoryError(bad)
        server = _server(url, settings)
        conn = ldap3.Connection(server, user=settings.bind_user, password=settings.password,
                                authentication=ldap3.SIMPLE, receive_timeout=int(max(settings.timeout, 30)),
                                raise_exceptions=False, read_only=True, auto_referrals=False)
        try:
            conn.open(read_server_info=False)
            if not server.ssl and not settings.no_tls:
                if not conn.start_tls(read_server_info=False):
                    raise DirectoryError(f"{url}: TLS failed: StartTLS refused ({conn.result.get('description')})")
            if not conn.bind():
                code = conn.result.get("result")
                reason = _RESULT_TEXT.get(code, conn.result.get("description") or "refused")
                raise DirectoryError(f"{url}: bind as {settings.bind_user!r} failed: {reason}")
            return conn
        except DirectoryError as exc:
            _close(conn)
            if "bind as" in str(exc):
                raise  # a wrong password is wrong on every server: do not lock the account out faster
            problems.append(str(exc))
        except (ldap_exc.LDAPException, OSError, ssl.SSLError) as exc:
            _close(conn)
            problems.append(f"{url}: {_describe(exc)}")
    raise DirectoryError("; ".join(problems))


def _close(conn: ldap3.Connection) -> None:
    with contextlib.suppress(Exception):  # closing a broken connection: nothing to report
        conn.unbind()


def search_filter(extra: str) -> str:
    extra = (extra or "").strip()
    return f"(&{COMPUTER_FILTER}{extra})" if extra else COMPUTER_FILTER


def ldap_computers(settings: LdapSettings, conn: ldap3.Connection | None = None) -> Iterator[dict[str, list]]:
    """Every computer under each base DN: raw attribute values (lists of bytes), one page at a time."""
    problem = filter_error(settings.filter)
    if problem:
        raise DirectoryError(problem)
    if not settings.base_dns:
        raise DirectoryError("No base DN given.")
    own = conn is None
    conn = conn or ldap_connect(settings)
    try:
        for base in settings.base_dns:
            yield from _paged(conn, base, search_filter(settings.filter), settings.page_size)
    finally:
        if own:
            _close(conn)


def _paged(conn: ldap3.Connection, base: str, query: str, page_size: int) -> Iterator[dict[str, list]]:
    cookie: bytes | None = None
    while True:
        try:
            conn.search(base, query, search_scope=ldap3.SUBTREE, attributes=list(COMPUTER_ATTRIBUTES),
                        paged_size=page_size, paged_cookie=cookie)
        except ldap_exc.LDAPInvalidDnError as exc:
            raise DirectoryError(f"base DN {base[:200]!r} is not a valid DN: {str(exc)[:200]}") from exc
        except (ldap_exc.LDAPException, OSError) as exc:
            raise DirectoryError(f"search under {base[:200]!r} failed: {_describe(exc)}") from exc
        code = conn.result.get("result")
        if code not in (0, 4):  # 4: size limit exceeded (the entries so far still came)
            reason = _RESULT_TEXT.get(code, conn.result.get("description") or f"result {code}")
            raise DirectoryError(f"search under {base[:200]!r} failed: {reason}")
        for item in conn.response or ():
            if item.get("type") == "searchResEntry":
                attrs = dict(item.get("raw_attributes") or {})
                attrs.setdefault("distinguishedName", [item.get("dn", "").encode()])
                yield attrs
        control = (conn.result.get("controls") or {}).get(PAGED_RESULTS_OID) or {}
        cookie = (control.get("value") or {}).get("cookie")
        if not cookie:
            return
