"""A small SNMPv1/v2c BER codec for the simulated test agents only (SnmprecResponder, snmp_ping).

The product's collector speaks SNMP through pysnmp; a test agent that must answer ~1,000 requests/s on a 2-core
box keeps its own cheap encoder so the benchmark measures the collector, not the simulator.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from discovery.raw import IpAddr, Oid, SnmpValue

MAX_VALUE_BYTES = 64 * 1024
MAX_OID_ARCS = 128

_GET, _GETNEXT, _RESPONSE, _GETBULK = 0xA0, 0xA1, 0xA2, 0xA5
_NO_SUCH_OBJECT, _NO_SUCH_INSTANCE, _END_OF_MIB_VIEW = 0x80, 0x81, 0x82
_ERR_TOO_BIG, _ERR_NO_SUCH_NAME = 1, 2


class _Exception:
    """v2c exception values (noSuchObject, noSuchInstance, endOfMibView)."""

    __slots__ = ("tag",)

    def __init__(self, tag: int) -> None:
        self.tag = tag


_EXCEPTIONS = {tag: _Exception(tag) for tag in (_NO_SUCH_OBJECT, _NO_SUCH_INSTANCE, _END_OF_MIB_VIEW)}
END_OF_MIB_VIEW = _EXCEPTIONS[_END_OF_MIB_VIEW]
NO_SUCH_INSTANCE = _EXCEPTIONS[_NO_SUCH_INSTANCE]
Value = SnmpValue | _Exception | None  # None: NULL


class BerError(ValueError):
    pass


def _enc_len(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + _enc_len(len(content)) + content


def _enc_int(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


@functools.lru_cache(maxsize=4096)
def _enc_oid(oid: str) -> bytes:
    arcs = [int(a) for a in oid.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise ValueError(f"bad OID {oid!r}")
    out = bytearray()
    for arc in (arcs[0] * 40 + arcs[1], *arcs[2:]):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return _tlv(0x06, bytes(out))


_NULL = b"\x05\x00"


def encode_request(version: int, community: bytes, pdu_tag: int, request_id: int, a: int, b: int,
                   oids: Sequence[str]) -> bytes:
    """An SNMPv1/v2c request; a/b are error-status/index, or non-repeaters/max-repetitions for GETBULK."""
    varbinds = b"".join(_tlv(0x30, _enc_oid(oid) + _NULL) for oid in oids)
    pdu = _tlv(pdu_tag, _enc_int(request_id) + _enc_int(a) + _enc_int(b) + _tlv(0x30, varbinds))
    return _tlv(0x30, _enc_int(version) + _tlv(0x04, community) + pdu)


def encode_response(version: int, community: bytes, request_id: int, error_status: int, error_index: int,
                    varbinds: Sequence[tuple[str, Value]]) -> bytes:
    """A GetResponse, as the simulated agents send it."""
    body = b"".join(_tlv(0x30, _enc_oid(oid) + _enc_value(value)) for oid, value in varbinds)
    pdu = _tlv(_RESPONSE, _enc_int(request_id) + _enc_int(error_status) + _enc_int(error_index) + _tlv(0x30, body))
    return _tlv(0x30, _enc_int(version) + _tlv(0x04, community) + pdu)


def _enc_value(value: Value) -> bytes:
    if value is None:
        return _NULL
    if isinstance(value, _Exception):
        return bytes((value.tag, 0))
    if isinstance(value, bytes):
        return _tlv(0x04, value)
    if isinstance(value, IpAddr):
        return _tlv(0x40, ipaddress.IPv4Address(value).packed)
    if isinstance(value, Oid):
        return _enc_oid(value)
    if isinstance(value, int):
        return _enc_int(value)
    raise TypeError(type(value).__name__)


def _read_tlv(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the TLV at pos; strict definite lengths only."""
    if pos + 2 > end:
        raise BerError("truncated")
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise BerError("bad length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > end:
        raise BerError("truncated")
    return tag, pos, pos + length


def _expect(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    got, start, stop = _read_tlv(data, pos, end)
    if got != tag:
        raise BerError(f"expected tag {tag:#x}, got {got:#x}")
    return start, stop


def _dec_int(data: bytes, start: int, stop: int, signed: bool = True) -> int:
    if stop - start > 9 or stop == start:
        raise BerError("bad integer")
    return int.from_bytes(data[start:stop], "big", signed=signed)


_OID_CACHE: dict[bytes, str] = {}


def _dec_oid(data: bytes, start: int, stop: int) -> str:
    # the same OIDs come back from every host: a small bounded cache saves most of the decoding
    raw = data[start:stop]
    cached = _OID_CACHE.get(raw)
    if cached is not None:
        return cached
    text = _dec_oid_uncached(raw)
    if len(_OID_CACHE) < 8192:
        _OID_CACHE[raw] = text
    return text


def _dec_oid_uncached(raw: bytes) -> str:
    if not raw:
        raise BerError("empty OID")
    arcs: list[int] = []
    arc = 0
    for byte in raw:
        arc = (arc << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(arc)
            arc = 0
            if len(arcs) > MAX_OID_ARCS:
                raise BerError("OID too long")
        elif arc >> 64:
            raise BerError("OID arc too large")
    if raw[-1] & 0x80:
        raise BerError("truncated OID")
    first = arcs[0]
    head = (0, first) if first < 40 else (1, first - 40) if first < 80 else (2, first - 80)
    return ".".join(map(str, (*head, *arcs[1:])))


def _dec_value(data: bytes, tag: int, start: int, stop: int) -> Value:
    if tag == 0x04 or tag == 0x44:  # OCTET STRING, Opaque
        return data[start:min(stop, start + MAX_VALUE_BYTES)]
    if tag == 0x02:
        return _dec_int(data, start, stop)
    if tag in (0x41, 0x42, 0x43, 0x46, 0x47):  # Counter32, Gauge32, TimeTicks, Counter64, UInteger32
        return _dec_int(data, start, stop, signed=False)
    if tag == 0x06:
        return Oid(_dec_oid(data, start, stop))
    if tag == 0x40:
        if stop - start == 4:
            return IpAddr(".".join(map(str, data[start:stop])))
        return data[start:stop]  # malformed IpAddress: keep the raw bytes for the parser to reject
    if tag == 0x05:
        return None
    if tag in _EXCEPTIONS:
        return _EXCEPTIONS[tag]
    return data[start:min(stop, start + MAX_VALUE_BYTES)]  # unknown type: raw content


@dataclass(slots=True)
class Response:
    version: int
    request_id: int
    error_status: int
    error_index: int
    varbinds: list[tuple[str, Value]]


def decode_response(data: bytes) -> Response:
    """Decode an SNMPv1/v2c GetResponse; raises BerError on anything malformed."""
    end = len(data)
    start, stop = _expect(data, 0, end, 0x30)
    v_start, v_stop = _expect(data, start, stop, 0x02)
    version = _dec_int(data, v_start, v_stop)
    _c_start, c_stop = _expect(data, v_stop, stop, 0x04)
    tag, p_start, p_stop = _read_tlv(data, c_stop, stop)
    if tag != _RESPONSE:
        raise BerError("not a response")
    r_start, r_stop = _expect(data, p_start, p_stop, 0x02)
    s_start, s_stop = _expect(data, r_stop, p_stop, 0x02)
    i_start, i_stop = _expect(data, s_stop, p_stop, 0x02)
    l_start, l_stop = _expect(data, i_stop, p_stop, 0x30)
    varbinds: list[tuple[str, Value]] = []
    pos = l_start
    while pos < l_stop:
        vb_start, vb_stop = _expect(data, pos, l_stop, 0x30)
        o_start, o_stop = _expect(data, vb_start, vb_stop, 0x06)
        tag, val_start, val_stop = _read_tlv(data, o_stop, vb_stop)
        varbinds.append((_dec_oid(data, o_start, o_stop), _dec_value(data, tag, val_start, val_stop)))
        pos = vb_stop
    return Response(version, _dec_int(data, r_start, r_stop), _dec_int(data, s_start, s_stop),
                    _dec_int(data, i_start, i_stop), varbinds)


def decode_request(data: bytes) -> tuple[int, bytes, int, int, int, int, list[str]]:
    """(version, community, pdu tag, request id, a, b, oids) of a v1/v2c request; for the test agents."""
    end = len(data)
    start, stop = _expect(data, 0, end, 0x30)
    v_start, v_stop = _expect(data, start, stop, 0x02)
    c_start, c_stop = _expect(data, v_stop, stop, 0x04)
    tag, p_start, p_stop = _read_tlv(data, c_stop, stop)
    ints = []
    pos = p_start
    for _ in range(3):
        i_start, pos = _expect(data, pos, p_stop, 0x02)
        ints.append(_dec_int(data, i_start, pos))
    l_start, l_stop = _expect(data, pos, p_stop, 0x30)
    oids = []
    pos = l_start
    while pos < l_stop:
        vb_start, vb_stop = _expect(data, pos, l_stop, 0x30)
        o_start, o_stop = _expect(data, vb_start, vb_stop, 0x06)
        oids.append(_dec_oid(data, o_start, o_stop))
        pos = vb_stop
    return (_dec_int(data, v_start, v_stop), data[c_start:c_stop], tag, ints[0], ints[1], ints[2], oids)

