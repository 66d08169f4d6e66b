"""The SNMP stack under discovery/collectors/snmp.py: credentials, errors, and the pysnmp plumbing that sends one
request and hands back its reply as plain values.

SNMPv1/v2c go through pysnmp 7's v1arch asyncio API (one dispatcher and one UDP socket per event loop, prebuilt
request varbinds, lookupMib=False: no MIB is ever loaded); SNMPv3 (USM auth and privacy) through its v3arch asyncio
API. A ``Sweep`` holds both for the hosts of one collection. Secrets are never logged or put in error strings.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import ipaddress
import logging
import socket
import sys
import termios
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from discovery.raw import IpAddr, Oid, SnmpValue

log = logging.getLogger(__name__)

# limits: a hostile agent must not make us keep huge values
MAX_VALUE_BYTES = 64 * 1024  # longer OCTET STRINGs are truncated, not dropped
MAX_OID_ARCS = 128

# --- credentials (decrypted by the caller; repr=False keeps secrets out of logs and tracebacks) ---

AuthProtocol = Literal["none", "md5", "sha", "sha224", "sha256", "sha384", "sha512"]
PrivProtocol = Literal["none", "des", "aes", "aes192", "aes256"]


@dataclass(frozen=True, slots=True)
class SnmpV1Credential:
    id: int
    community: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class SnmpV2cCredential:
    id: int
    community: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class SnmpV3Credential:
    id: int
    username: str
    auth_protocol: AuthProtocol = "none"
    auth_key: str = field(default="", repr=False)
    priv_protocol: PrivProtocol = "none"
    priv_key: str = field(default="", repr=False)
    context: str = ""


SnmpCredential = SnmpV1Credential | SnmpV2cCredential | SnmpV3Credential

# --- errors (short, never with secrets) ---


class SnmpError(Exception):
    """One SNMP request failed; the message is safe to store and show."""


class NoResponse(SnmpError):
    pass


class AuthFailure(SnmpError):
    pass


# --- values and replies, as pysnmp hands them over ---

GET, GETNEXT, GETBULK = "get", "getnext", "getbulk"
ERR_TOO_BIG, ERR_NO_SUCH_NAME = 1, 2


class ExceptionValue:
    """v2c exception values (noSuchObject, noSuchInstance, endOfMibView), as sentinels."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


END_OF_MIB_VIEW = ExceptionValue("endOfMibView")
NO_SUCH_INSTANCE = ExceptionValue("noSuchInstance")  # noSuchObject too: the walk and GET treat both as "absent"
Value = SnmpValue | ExceptionValue | None  # None: NULL


@dataclass(slots=True)
class Response:
    error_status: int
    error_index: int
    varbinds: list[tuple[str, Value]]


def _converter(cls: type) -> Callable[[Any], Value]:
    """How to turn one pyasn1 value class (SNMPv1 rfc1155 or v2c rfc1902/rfc1905) into a raw contract value."""
    from pyasn1.type import univ
    from pysnmp.proto import rfc1902, rfc1905

    # order matters: the exception values are NULLs and IpAddress is an OCTET STRING to pyasn1
    if issubclass(cls, rfc1905.EndOfMibView):
        return lambda _value: END_OF_MIB_VIEW
    if issubclass(cls, rfc1905.NoSuchObject | rfc1905.NoSuchInstance):
        return lambda _value: NO_SUCH_INSTANCE
    if issubclass(cls, univ.Null):
        return lambda _value: None
    if issubclass(cls, univ.OctetString) and cls.tagSet == rfc1902.IpAddress.tagSet:  # v1, v2c or ours
        return _ip_address
    if issubclass(cls, univ.ObjectIdentifier):
        return lambda value: Oid(".".join(map(str, value.asTuple())))
    if issubclass(cls, univ.OctetString):  # OCTET STRING, Opaque, Bits
        return lambda value: value.asOctets()[:MAX_VALUE_BYTES]
    if issubclass(cls, univ.Integer):  # Integer32, Counter32/64, Gauge32, TimeTicks, Unsigned32
        return int
    return lambda _value: None


def _ip_address(value: Any) -> Value:
    octets = value.asOctets()
    # a malformed IpAddress keeps its raw bytes for the parser to reject
    return IpAddr(".".join(map(str, octets))) if len(octets) == 4 else octets[:MAX_VALUE_BYTES]


_CONVERTERS: dict[type, Callable[[Any], Value]] = {}


def _from_pysnmp(value: Any) -> Value:
    """A pysnmp value as a raw contract value (cached by class: this runs for every varbind of a sweep)."""
    convert = _CONVERTERS.get(type(value))
    if convert is None:
        convert = _CONVERTERS[type(value)] = _converter(type(value))
    return convert(value)


def _varbinds(var_binds: Sequence[Any]) -> list[tuple[str, Value]]:
    out: list[tuple[str, Value]] = []
    for name, value in var_binds:
        arcs = name.asTuple()
        if len(arcs) > MAX_OID_ARCS:
            raise SnmpError("malformed reply: OID too long")
        out.append((".".join(map(str, arcs)), _from_pysnmp(value)))
    return out


# --- SNMPv1/v2c: pysnmp's v1arch asyncio API, one dispatcher and socket per event loop ---


def _v1arch() -> Any:
    """pysnmp's v1arch modules, imported on first use: importing pysnmp costs ~0.5 s of CPU."""
    from pysnmp.hlapi.v1arch import asyncio as v1arch

    return v1arch


@functools.cache
def _response_spec() -> Any:
    """A pyasn1 spec for v1/v2c GetResponse messages with all value types in one CHOICE.

    pysnmp's own spec nests each value three CHOICEs deep (ObjectSyntax > SimpleSyntax > INTEGER); decoding
    through a flat CHOICE of the same pysnmp types gives the same values for ~40% less CPU, and decoding only
    the GetResponse PDU drops anything else (requests, traps) at the first tag.
    """
    from pyasn1.type import namedtype, tag, univ
    from pysnmp.proto import rfc1902, rfc1905

    class _IpAddress(univ.OctetString):
        tagSet = rfc1902.IpAddress.tagSet

    def named(name: str, asn1: Any) -> Any:
        return namedtype.NamedType(name, asn1)

    def application(number: int, base: Any) -> Any:
        return base.tagSet.tagImplicitly(tag.Tag(tag.tagClassApplication, tag.tagFormatSimple, number))

    # the SMI's range and size constraints are left out on purpose: an agent's out-of-range Counter32 or 5-byte
    # IpAddress costs that one value (kept as int or raw bytes), not the whole reply
    class Value(univ.Choice):
        componentType = namedtype.NamedTypes(
            named("integer", univ.Integer()), named("string", univ.OctetString()),
            named("objectID", univ.ObjectIdentifier()), named("ipAddress", _IpAddress()),
            named("counter", univ.Integer(tagSet=application(1, univ.Integer))),
            named("gauge", univ.Integer(tagSet=application(2, univ.Integer))),
            named("ticks", univ.Integer(tagSet=application(3, univ.Integer))),
            named("opaque", univ.OctetString(tagSet=application(4, univ.OctetString))),
            named("counter64", univ.Integer(tagSet=application(6, univ.Integer))),
            named("uinteger", univ.Integer(tagSet=application(7, univ.Integer))),
            named("unSpecified", univ.Null()), named("noSuchObject", rfc1905.NoSuchObject()),
            named("noSuchInstance", rfc1905.NoSuchInstance()), named("endOfMibView", rfc1905.EndOfMibView()),
        )

    class VarBind(univ.Sequence):
        componentType = namedtype.NamedTypes(named("name", rfc1902.ObjectName()), named("value", Value()))

    class VarBindList(univ.SequenceOf):
        componentType = VarBind()

    class GetResponse(univ.Sequence):
        tagSet = univ.Sequence.tagSet.tagImplicitly(tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 2))
        componentType = namedtype.NamedTypes(
            named("request-id", univ.Integer()), named("error-status", univ.Integer()),
            named("error-index", univ.Integer()), named("variable-bindings", VarBindList()),
        )

    class Message(univ.Sequence):
        componentType = namedtype.NamedTypes(
            named("version", univ.Integer()), named("community", univ.OctetString()), named("data", GetResponse()),
        )

    return Message


@functools.cache
def _dispatcher_class() -> type:
    from pyasn1.codec.ber import decoder
    from pyasn1.error import PyAsn1Error
    from pysnmp.error import PySnmpError

    message_spec = _response_spec()

    class Dispatcher(_v1arch().SnmpDispatcher):  # type: ignore[misc, name-defined]
        """SnmpDispatcher that drops garbage, spoofed and malformed replies instead of raising in the event loop.

        pysnmp's own receive path matches replies by request id only and lets a decoding error escape into the
        loop's exception handler; a hostile agent must not be able to answer for another host or flood the logs.
        Requests, timeouts, retries and PDU handling stay pysnmp's.
        """

        def _recv_callback(self, snmp_engine: Any, transport_domain: Any, transport_address: Any,
                           whole_msg: bytes) -> None:
            try:
                message, _rest = decoder.decode(whole_msg, asn1Spec=message_spec())
                pdu = message[2]
                request_id = int(pdu[0])
                error_index = int(pdu[2])
                if not 0 <= error_index <= len(pdu[3]):
                    return None  # pysnmp would raise on it later, outside any handler
            except (PyAsn1Error, PySnmpError, ValueError, TypeError, IndexError):
                return None  # garbage or hostile: dropped, the request just times out
            state = self._pendingReqs.get(request_id)
            if state is None:
                return None  # stray, late or duplicate reply
            expected = state["transportTarget"].transport_address
            if (transport_address[0], transport_address[1]) != (expected[0], expected[1]):
                return None  # another host answering this request id: spoofed
            del self._pendingReqs[request_id]
            self.transport_dispatcher.job_finished(id(self))
            if state["cbFun"]:
                state["cbFun"](self, request_id, None, pdu, state["cbCtx"])
            return None

        def _timer_callback(self, time_now: float) -> None:
            # pyasn1 needs ~1-3 ms of CPU a reply: on a busy box replies can sit unread in the socket past their
            # timeout. A reply that has arrived is not late; expiring (and re-sending) its request would only add
            # load until the whole sweep times out. So requests expire only once every waiting reply has been read.
            if self.backlog():
                return
            super()._timer_callback(time_now)

        def backlog(self) -> bool:
            return False  # replaced by _V1Stack with a check of its sockets

        def close(self) -> None:
            # pysnmp's close() hands pending requests a string error its own callbacks cannot read: cancel them
            for state in self._pendingReqs.values():
                context = state.get("cbCtx")
                if isinstance(context, tuple) and context and isinstance(context[-1], asyncio.Future):
                    context[-1].cancel()
            self._pendingReqs.clear()
            with contextlib.suppress(Exception):
                super().close()

    return Dispatcher


@functools.cache
def _transport_classes() -> tuple[type, type]:
    from pysnmp.carrier.asyncio.dgram import udp, udp6

    def datagram_received(self: Any, datagram: bytes, address: Any) -> None:
        # pysnmp defers each datagram with call_soon and raises if it lands after close: hand it over now, or drop
        if self._callback_function is not None:
            self._callback_function(self, address, datagram)

    udp_cls = type("UdpTransport", (udp.UdpAsyncioTransport,), {"datagram_received": datagram_received})
    udp6_cls = type("Udp6Transport", (udp6.Udp6AsyncioTransport,), {"datagram_received": datagram_received})
    return udp_cls, udp6_cls


@functools.cache
def _target_classes() -> tuple[type, type]:
    v1arch = _v1arch()

    class UdpTarget(v1arch.UdpTransportTarget):  # type: ignore[misc, name-defined]
        async def _resolve_address(self, address: tuple[str, int]) -> tuple[str, int]:
            return address[0], address[1]  # literal addresses only (checked up front): no resolver thread per host

    class Udp6Target(v1arch.Udp6TransportTarget):  # type: ignore[misc, name-defined]
        async def _resolve_address(self, address: tuple[str, int]) -> tuple[str, int]:
            # the kernel reports replies from the compressed form: match it
            return str(ipaddress.ip_address(address[0])), address[1]

    return UdpTarget, Udp6Target


@functools.lru_cache(maxsize=256)
def _request_varbinds(oids: tuple[str, ...]) -> tuple[tuple[Any, Any], ...]:
    """(ObjectName, Null) pairs, built once per OID list: building them costs about as much as encoding."""
    from pysnmp.proto.rfc1902 import Null, ObjectName

    return tuple((ObjectName(oid), Null("")) for oid in oids)


class _V1Stack:
    """A pysnmp v1arch SnmpDispatcher over one UDP socket per address family, shared by the sweeps of one loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        from pysnmp.carrier.asyncio.dispatch import AsyncioDispatcher

        self.loop = loop
        self.transport_dispatcher = AsyncioDispatcher(loop=loop)
        self.dispatcher = _dispatcher_class()(self.transport_dispatcher)
        self.dispatcher.backlog = self.backlog
        self.users = 0
        self._families: set[int] = set()
        self._sockets: list[socket.socket] = []

    def backlog(self) -> bool:
        """True when a reply is waiting, unread, in one of the sockets."""
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                if int.from_bytes(fcntl.ioctl(sock.fileno(), termios.FIONREAD, bytes(4)), sys.byteorder):
                    return True
        return False

    def ensure_family(self, family: int) -> None:
        if family in self._families:
            return
        from pysnmp.carrier.asyncio.dgram import udp, udp6

        udp_cls, udp6_cls = _transport_classes()
        sock = socket.socket(family, socket.SOCK_DGRAM)
        # a big receive buffer: a sweep has hundreds of replies in flight, and a busy box may not read them at once
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        sock.bind(("::", 0) if family == socket.AF_INET6 else ("0.0.0.0", 0))  # noqa: S104 - client port
        sock.setblocking(False)
        if family == socket.AF_INET6:
            domain, transport = udp6.DOMAIN_NAME, udp6_cls(loop=self.loop)
        else:
            domain, transport = udp.DOMAIN_NAME, udp_cls(loop=self.loop)
        # "server mode" is pysnmp's name for "use this socket"; it only ever sends requests here
        self.transport_dispatcher.register_transport(domain, transport.open_server_mode(sock=sock))
        self._families.add(family)
        self._sockets.append(sock)

    def close(self) -> None:
        self.dispatcher.close()
        with contextlib.suppress(Exception):
            self.transport_dispatcher.close_dispatcher()


_STACKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _V1Stack] = weakref.WeakKeyDictionary()


def _acquire_stack() -> _V1Stack:
    loop = asyncio.get_running_loop()
    stack = _STACKS.get(loop)
    if stack is None:
        stack = _STACKS[loop] = _V1Stack(loop)
    stack.users += 1
    return stack


def _release_stack(stack: _V1Stack) -> None:
    stack.users -= 1
    if stack.users <= 0:
        stack.close()
        if _STACKS.get(stack.loop) is stack:
            del _STACKS[stack.loop]


_V3_AUTH = {
    "none": "usmNoAuthProtocol", "md5": "usmHMACMD5AuthProtocol", "sha": "usmHMACSHAAuthProtocol",
    "sha224": "usmHMAC128SHA224AuthProtocol", "sha256": "usmHMAC192SHA256AuthProtocol",
    "sha384": "usmHMAC256SHA384AuthProtocol", "sha512": "usmHMAC384SHA512AuthProtocol",
}
_V3_PRIV = {
    "none": "usmNoPrivProtocol", "des": "usmDESPrivProtocol", "aes": "usmAesCfb128Protocol",
    "aes192": "usmAesCfb192Protocol", "aes256": "usmAesCfb256Protocol",
}
# pysnmp error indications that mean "this credential is wrong", as short safe messages
_V3_AUTH_ERRORS = {
    "unknownUserName": "auth failed: unknown SNMPv3 user",
    "wrongDigest": "auth failed: wrong SNMPv3 auth key or protocol",
    "unsupportedSecLevel": "auth failed: security level not supported by the agent",
    "unsupportedSecurityLevel": "auth failed: security level not supported by the agent",
    "decryptionError": "auth failed: wrong SNMPv3 privacy key or protocol",
    "notInTimeWindow": "auth failed: SNMPv3 time window",
}



class _V3Session:
    """pysnmp v3arch objects for one SNMPv3 credential; one engine each keeps USM entries apart."""

    def __init__(self, credential: SnmpV3Credential) -> None:
        from pysnmp.hlapi.v3arch import asyncio as v3

        self.v3 = v3
        self.engine = v3.SnmpEngine()
        self.context = v3.ContextData(contextName=credential.context.encode())
        auth = _V3_AUTH.get(credential.auth_protocol)
        priv = _V3_PRIV.get(credential.priv_protocol)
        if auth is None or priv is None:
            raise SnmpError("unsupported SNMPv3 protocol")
        self.auth_data = v3.UsmUserData(
            credential.username,
            authKey=credential.auth_key if auth != "usmNoAuthProtocol" else None,
            privKey=credential.priv_key if priv != "usmNoPrivProtocol" else None,
            authProtocol=getattr(v3, auth),
            privProtocol=getattr(v3, priv),
        )
        self.targets: dict[tuple[str, int], Any] = {}

    async def request(self, address: tuple[str, int], kind: str, a: int, b: int, oids: Sequence[str],
                      timeout: float, retries: int) -> Response:
        v3 = self.v3
        target = self.targets.get(address)
        if target is None:
            target_cls = v3.Udp6TransportTarget if ":" in address[0] else v3.UdpTransportTarget
            target = await target_cls.create(address, timeout=timeout, retries=retries)
            self.targets[address] = target
        varbinds = [v3.ObjectType(v3.ObjectIdentity(oid)) for oid in oids]
        # the pysnmp engine enforces timeout/retries itself; the outer bound is a safety net
        deadline = timeout * (retries + 1) * 3 + 1
        try:
            async with asyncio.timeout(deadline):
                if kind == GET:
                    result = await v3.get_cmd(self.engine, self.auth_data, target, self.context, *varbinds,
                                              lookupMib=False)
                elif kind == GETNEXT:
                    result = await v3.next_cmd(self.engine, self.auth_data, target, self.context, *varbinds,
                                               lookupMib=False)
                else:
                    result = await v3.bulk_cmd(self.engine, self.auth_data, target, self.context, a, b, *varbinds,
                                               lookupMib=False)
        except TimeoutError:
            raise NoResponse("timeout: no SNMP response") from None
        error_indication, error_status, error_index, var_binds = result
        if error_indication:
            name = type(error_indication).__name__
            text = str(error_indication)
            for key, message in _V3_AUTH_ERRORS.items():
                if key.lower() in name.lower() or key.lower() in text.replace(" ", "").lower():
                    raise AuthFailure(message)
            if "timed out" in text.lower() or "timeout" in name.lower():
                raise NoResponse("timeout: no SNMP response")
            raise SnmpError(f"SNMPv3 error: {name}")
        out = [(str(vb[0]), _from_pysnmp(vb[1])) for vb in var_binds]
        return Response(int(error_status), int(error_index), out)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.engine.close_dispatcher()



class Sweep:
    """Shared transports of one sweep, with one request() for every credential kind."""

    def __init__(self, timeout: float, retries: int) -> None:
        self.timeout = timeout
        self.retries = retries
        self._stack: _V1Stack | None = None
        self._targets: dict[tuple[str, int], Any] = {}  # pysnmp transport targets of the hosts in flight
        self._communities: dict[tuple[str, int], Any] = {}
        self._v3: dict[int, _V3Session] = {}

    async def _target(self, address: tuple[str, int]) -> Any:
        target = self._targets.get(address)
        if target is None:
            if self._stack is None:
                self._stack = _acquire_stack()
            ipv6 = ":" in address[0]
            self._stack.ensure_family(socket.AF_INET6 if ipv6 else socket.AF_INET)
            cls = _target_classes()[1 if ipv6 else 0]
            target = await cls.create(address, timeout=self.timeout, retries=self.retries)
            self._targets[address] = target
        return target

    def _community(self, credential: SnmpV1Credential | SnmpV2cCredential) -> Any:
        version = 0 if isinstance(credential, SnmpV1Credential) else 1
        key = (credential.community, version)
        auth = self._communities.get(key)
        if auth is None:
            auth = self._communities[key] = _v1arch().CommunityData(credential.community, mpModel=version)
        return auth

    async def request(self, credential: SnmpCredential, address: tuple[str, int], kind: str, a: int, b: int,
                      oids: Sequence[str]) -> Response:
        if isinstance(credential, SnmpV3Credential):
            session = self._v3.get(credential.id)
            if session is None:
                session = self._v3[credential.id] = _V3Session(credential)
            return await session.request(address, kind, a, b, oids, self.timeout, self.retries)
        from pysnmp.error import PySnmpError
        from pysnmp.proto import errind

        v1arch = _v1arch()
        target = await self._target(address)
        auth = self._community(credential)
        assert self._stack is not None
        dispatcher = self._stack.dispatcher
        # lookupMib=False with plain (ObjectName, Null) pairs: no MIB is loaded or resolved, values stay pyasn1 types
        varbinds = _request_varbinds(tuple(oids))
        try:
            if kind == GET:
                result = await v1arch.get_cmd(dispatcher, auth, target, *varbinds, lookupMib=False)
            elif kind == GETNEXT:
                result = await v1arch.next_cmd(dispatcher, auth, target, *varbinds, lookupMib=False)
            else:
                result = await v1arch.bulk_cmd(dispatcher, auth, target, a, b, *varbinds, lookupMib=False)
        except PySnmpError as exc:  # the socket refused the datagram
            raise SnmpError(f"send failed: {type(exc).__name__}") from None
        error_indication, error_status, error_index, var_binds = result
        if error_indication:
            if isinstance(error_indication, errind.RequestTimedOut):
                raise NoResponse("timeout: no SNMP response")
            raise SnmpError(f"SNMP error: {type(error_indication).__name__}")
        return Response(int(error_status), int(error_index), _varbinds(var_binds))

    def forget(self, address: tuple[str, int]) -> None:
        """The host is done: drop its transport target (a sweep may cover 100k hosts)."""
        self._targets.pop(address, None)

    def close(self) -> None:
        self._targets.clear()
        if self._stack is not None:
            _release_stack(self._stack)
            self._stack = None
        for session in self._v3.values():
            session.close()
