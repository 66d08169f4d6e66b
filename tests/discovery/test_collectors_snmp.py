"""SNMP collector against real agents on loopback: snmpsim, net-snmp snmpd, mute, slow and hostile hosts."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from discovery.collectors import snmp, snmp_stack
from discovery.collectors.snmp import (
    IDENTIFY_OIDS,
    MAX_VALUE_BYTES,
    SnmpCredential,
    SnmpV1Credential,
    SnmpV2cCredential,
    SnmpV3Credential,
    snmp_identify,
    snmp_inventory,
)
from discovery.raw import IpAddr, Oid, SnmpReply
from tests.agents import fixtures as agent_fixtures
from tests.agents.fixtures import AGENT_DATA, loopback
from tests.agents.misc import MuteHost
from tests.agents.snmp import SnmpdAgent, SnmprecResponder, SnmpSimFarm, endpoints
from tests.agents.snmp_ber import NO_SUCH_INSTANCE, Value, decode_request, encode_response

# the fixtures, until tests/conftest.py loads tests.agents.fixtures as a plugin
mute_host = agent_fixtures.mute_host
snmp_responder = agent_fixtures.snmp_responder
snmpd_agent = agent_fixtures.snmpd_agent
snmpsim_farm = agent_fixtures.snmpsim_farm

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"


def collect(gen: AsyncIterator[SnmpReply]) -> list[SnmpReply]:
    async def run() -> list[SnmpReply]:
        return [reply async for reply in gen]

    return asyncio.run(run())


def by_address(replies: list[SnmpReply]) -> dict[str, SnmpReply]:
    return {r.address: r for r in replies}


# --- the pysnmp v1arch path against a scripted agent: values, caps, garbage, spoofing ---

Datagram = tuple[socket.socket, bytes]


def scripted(target: tuple[str, int], credentials: list[SnmpCredential],
             answer: Callable[[int, bytes, int, list[str], socket.socket, socket.socket], list[Datagram]],
             **options: float) -> SnmpReply:
    """Identify target while a one-shot agent answers the first request with the datagrams answer() returns.

    answer(version, community, request id, oids, agent socket, spoof socket): the spoof socket sits on another
    loopback address, to play a host answering for someone else.
    """

    async def run() -> SnmpReply:
        loop = asyncio.get_running_loop()
        agent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        spoof = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with agent, spoof:
            agent.bind(target)
            spoof.bind((target[0].rsplit(".", 1)[0] + ".254", target[1]))
            agent.setblocking(False)
            spoof.setblocking(False)

            async def serve() -> None:
                data, client = await loop.sock_recvfrom(agent, 65535)
                version, community, _tag, request_id, _a, _b, oids = decode_request(data)
                for sock, datagram in answer(version, community, request_id, oids, agent, spoof):
                    await loop.sock_sendto(sock, datagram, client)

            server = asyncio.create_task(serve())
            try:
                [reply] = [r async for r in snmp_identify([target], credentials, retries=0, **options)]
            finally:
                server.cancel()
            return reply

    return asyncio.run(run())


TYPED: dict[str, Value] = dict(zip(IDENTIFY_OIDS, [
    b"\x00\xffbinary", Oid("1.3.6.1.4.1.9.1.2494"), 4294967295, -5, b"", IpAddr("10.0.0.1"), 6,
    b"Chassis", 3, b"", b"r1", b"17.9", b"SN1", b"Acme", b"EX-1", b"\x80\x00\x1f\x88",
], strict=True))


@pytest.mark.parametrize("credential", [SnmpV1Credential(1, "public"), SnmpV2cCredential(1, "public")],
                         ids=["v1", "v2c"])
def test_values_come_back_as_raw_types(credential: SnmpCredential) -> None:
    def answer(version: int, community: bytes, request_id: int, oids: list[str], agent: socket.socket,
               _spoof: socket.socket) -> list[Datagram]:
        assert community == b"public" and version == (0 if isinstance(credential, SnmpV1Credential) else 1)
        assert oids == list(IDENTIFY_OIDS)  # one GET for the whole identity
        return [(agent, encode_response(version, community, request_id, 0, 0, [(o, TYPED[o]) for o in oids]))]

    reply = scripted((loopback(10, 1), 16100), [credential], answer, timeout=3)
    assert reply.error is None and reply.credential_id == 1
    assert reply.varbinds == TYPED
    for oid, value in reply.varbinds.items():
        assert type(value) is type(TYPED[oid]), oid  # Oid and IpAddr stay Oid and IpAddr, OCTET STRINGs bytes
    assert reply.engine_id == b"\x80\x00\x1f\x88"


def test_exception_values_are_dropped() -> None:
    def answer(version: int, community: bytes, request_id: int, oids: list[str], agent: socket.socket,
               _spoof: socket.socket) -> list[Datagram]:
        varbinds = [(o, NO_SUCH_INSTANCE if o == IDENTIFY_OIDS[-1] else TYPED[o]) for o in oids]
        return [(agent, encode_response(version, community, request_id, 0, 0, varbinds))]

    reply = scripted((loopback(10, 2), 16100), [SnmpV2cCredential(1, "public")], answer, timeout=3)
    assert reply.error is None and IDENTIFY_OIDS[-1] not in reply.varbinds and reply.engine_id is None


def test_huge_values_are_truncated_not_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    def answer_with(value: bytes) -> Callable[..., list[Datagram]]:
        def answer(version: int, community: bytes, request_id: int, oids: list[str], agent: socket.socket,
                   _spoof: socket.socket) -> list[Datagram]:
            varbinds = [(o, value if o == IDENTIFY_OIDS[0] else TYPED[o]) for o in oids]
            return [(agent, encode_response(version, community, request_id, 0, 0, varbinds))]
        return answer

    whole = scripted((loopback(10, 3), 16100), [SnmpV2cCredential(1, "public")], answer_with(b"A" * 65000),
                     timeout=3)
    assert whole.varbinds[IDENTIFY_OIDS[0]] == b"A" * 65000 and MAX_VALUE_BYTES >= 65000
    monkeypatch.setattr(snmp_stack, "MAX_VALUE_BYTES", 100)  # where values are converted
    cut = scripted((loopback(10, 3), 16100), [SnmpV2cCredential(1, "public")], answer_with(b"B" * 1000), timeout=3)
    assert cut.varbinds[IDENTIFY_OIDS[0]] == b"B" * 100


def test_garbage_malformed_and_spoofed_replies_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    """Before the real reply: fuzzed and truncated replies, random bytes, a reply with an impossible error index,
    a request instead of a response, and a well-formed reply to this request id from another address."""

    def answer(version: int, community: bytes, request_id: int, oids: list[str], agent: socket.socket,
               spoof: socket.socket) -> list[Datagram]:
        real = [(o, TYPED[o]) for o in oids]
        good = encode_response(version, community, request_id + 1, 0, 0, real)  # another id: never accepted
        rng = random.Random(1234)
        out: list[Datagram] = []
        for _ in range(1500):
            data = bytearray(good)
            for _ in range(rng.randint(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            out.append((agent, bytes(data[: rng.randint(0, len(data))] if rng.random() < 0.3 else data)))
        out += [(agent, rng.randbytes(rng.randint(0, 300))) for _ in range(300)]
        out.append((agent, encode_response(version, community, request_id, 5, 99, real)))  # error index 99 of 15
        request = bytearray(encode_response(version, community, request_id, 0, 0, real))
        request[request.index(b"\xa2")] = 0xA0  # the same message as a GetRequest PDU
        out.append((agent, bytes(request)))
        spoofed = [(o, b"spoofed" if o == IDENTIFY_OIDS[4] else v) for o, v in real]
        out.append((spoof, encode_response(version, community, request_id, 0, 0, spoofed)))
        out.append((agent, encode_response(version, community, request_id, 0, 0, real)))
        return out

    with caplog.at_level(logging.WARNING):
        reply = scripted((loopback(10, 4), 16100), [SnmpV2cCredential(1, "public")], answer, timeout=10)
    assert reply.error is None, reply.error
    assert reply.varbinds == TYPED  # the real reply, not the spoofed one
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text  # nothing escaped the loop


def test_no_hand_written_ber_in_the_product() -> None:
    assert not any(hasattr(snmp, name) for name in ("encode_request", "decode_response", "BerError", "_UdpClient"))


def test_large_sweeps_use_two_processes_by_default() -> None:
    assert snmp._auto_processes(snmp.SHARD_THRESHOLD - 1) == 1
    assert snmp._auto_processes(1000) == min(2, len(os.sched_getaffinity(0)))


def test_credentials_do_not_show_secrets() -> None:
    text = repr([SnmpV2cCredential(1, "s3cret-community"), SnmpV3Credential(2, "u", "sha", "auth-s3cret", "aes",
                                                                            "priv-s3cret")])
    assert "s3cret" not in text


# --- snmpsim ---


@pytest.mark.agents
def test_identify_snmpsim_several_addresses_tries_credentials_in_order(snmpsim_farm: SnmpSimFarm) -> None:
    targets = snmpsim_farm.endpoints[:3]
    credentials = [SnmpV2cCredential(1, "not-the-community"), SnmpV2cCredential(2, "linux_ubuntu2204")]
    replies = by_address(collect(snmp_identify(targets, credentials, timeout=0.5, retries=0, concurrency=8)))
    assert set(replies) == {address for address, _ in targets}
    for reply in replies.values():
        assert reply.error is None, reply.error
        assert reply.credential_id == 2
        assert isinstance(reply.varbinds[SYS_DESCR], bytes)
        assert isinstance(reply.varbinds[SYS_OBJECT_ID], Oid)
        assert reply.elapsed >= 0.5  # the wrong community was tried first and timed out


@pytest.mark.agents
@pytest.mark.parametrize("community", ["cisco_c9300_iosxe", "dell_idrac9", "windows10_desktop", "apc_smartups"])
def test_identify_snmpsim_device_kinds(snmpsim_farm: SnmpSimFarm, community: str) -> None:
    target = snmpsim_farm.endpoints[0]
    [reply] = collect(snmp_identify([target], [SnmpV2cCredential(7, community)], timeout=1, retries=1))
    assert reply.error is None and reply.credential_id == 7
    assert SYS_DESCR in reply.varbinds and SYS_OBJECT_ID in reply.varbinds


@pytest.mark.agents
def test_inventory_snmpsim_walks_tables(snmpsim_farm: SnmpSimFarm) -> None:
    target = snmpsim_farm.endpoints[1]
    [reply] = collect(snmp_inventory([target], [SnmpV2cCredential(3, "cisco_c9300_iosxe")], timeout=1, retries=1))
    assert reply.error is None, reply.error
    oids = list(reply.varbinds)
    assert any(o.startswith("1.3.6.1.2.1.2.2.1.") for o in oids)  # ifTable
    assert any(o.startswith("1.3.6.1.2.1.47.1.1.1.1.") for o in oids)  # entPhysicalTable
    assert any(o.startswith("1.0.8802.1.1.2.1.4.") for o in oids)  # LLDP remote
    source = (Path(__file__).parent / "fixtures" / "snmp" / "cisco_c9300_iosxe.snmprec").read_text()
    recorded = {line.split("|", 1)[0] for line in source.splitlines() if "|" in line}
    assert set(oids) <= recorded


@pytest.mark.agents
def test_inventory_vendor_subtree_by_enterprise(snmpsim_farm: SnmpSimFarm) -> None:
    [reply] = collect(snmp_inventory([snmpsim_farm.endpoints[2]], [SnmpV2cCredential(1, "cisco_cucm")],
                                     timeout=1, retries=1))
    assert reply.error is None, reply.error
    assert any(o.startswith("1.3.6.1.4.1.9.9.156.1.2.1.") for o in reply.varbinds)  # ccmPhoneTable


@pytest.mark.agents
def test_inventory_caps_each_subtree(snmpsim_farm: SnmpSimFarm) -> None:
    [reply] = collect(snmp_inventory([snmpsim_farm.endpoints[0]], [SnmpV2cCredential(1, "cisco_c9300_iosxe")],
                                     timeout=1, retries=1, max_varbinds_per_subtree=5, max_repetitions=3))
    assert reply.error is None
    assert sum(o.startswith("1.3.6.1.2.1.2.2.") for o in reply.varbinds) <= 5


@pytest.mark.agents
def test_hostile_agent_never_crashes(snmpsim_farm: SnmpSimFarm) -> None:
    target = snmpsim_farm.endpoints[3]
    credentials = [SnmpV2cCredential(1, "hostile")]
    [ident] = collect(snmp_identify([target], credentials, timeout=1, retries=1))
    [inventory] = collect(snmp_inventory([target], credentials, timeout=1, retries=1, host_deadline=60))
    for reply in (ident, inventory):
        assert reply.credential_id == 1
        assert all(isinstance(v, bytes | int | str) for v in reply.varbinds.values())
        assert all(len(v) <= MAX_VALUE_BYTES for v in reply.varbinds.values() if isinstance(v, bytes))
    assert isinstance(ident.varbinds[SYS_DESCR], bytes)  # binary sysDescr kept as bytes


@pytest.mark.agents
def test_wrong_community_is_a_timeout(snmpsim_farm: SnmpSimFarm) -> None:
    started = time.monotonic()
    [reply] = collect(snmp_identify(snmpsim_farm.endpoints[:1], [SnmpV2cCredential(1, "nope")], timeout=0.5,
                                    retries=1))
    assert reply.error == "timeout: no SNMP response"
    assert reply.credential_id is None and not reply.varbinds
    assert time.monotonic() - started < 3


# --- real net-snmp snmpd ---


@pytest.mark.agents
def test_snmpd_v2c_identify_and_inventory(snmpd_agent: SnmpdAgent) -> None:
    info = snmpd_agent.info
    target = (info.address, info.port)
    [ident] = collect(snmp_identify([target], [SnmpV2cCredential(5, info.community)], timeout=1, retries=1))
    assert ident.error is None and ident.credential_id == 5
    assert ident.varbinds[SYS_NAME] == b"estate-snmpd"
    assert ident.engine_id and ident.engine_id == ident.varbinds["1.3.6.1.6.3.10.2.1.1.0"]
    [inventory] = collect(snmp_inventory([target], [SnmpV2cCredential(5, info.community)], timeout=2, retries=1))
    assert inventory.error is None, inventory.error
    assert any(o.startswith("1.3.6.1.2.1.2.2.1.2.") for o in inventory.varbinds)  # ifDescr
    assert any(o.startswith("1.3.6.1.2.1.25.2.3.1.") for o in inventory.varbinds)  # hrStorageTable


@pytest.mark.agents
def test_snmpd_v1(snmpd_agent: SnmpdAgent) -> None:
    info = snmpd_agent.info
    target = (info.address, info.port)
    [ident] = collect(snmp_identify([target], [SnmpV1Credential(9, info.community)], timeout=1, retries=1))
    assert ident.error is None and ident.credential_id == 9
    assert ident.varbinds[SYS_NAME] == b"estate-snmpd"  # missing entity OIDs were dropped, not fatal
    [inventory] = collect(snmp_inventory([target], [SnmpV1Credential(9, info.community)], timeout=2, retries=1,
                                         max_varbinds_per_subtree=50))
    assert inventory.error is None, inventory.error
    assert any(o.startswith("1.3.6.1.2.1.2.2.1.") for o in inventory.varbinds)


@pytest.mark.agents
def test_snmpd_v3_auth_priv(snmpd_agent: SnmpdAgent) -> None:
    info = snmpd_agent.info
    target = (info.address, info.port)
    wrong = SnmpV3Credential(1, info.v3_user, "sha", "wrong-auth-key-1", "aes", info.v3_priv_key)
    right = SnmpV3Credential(2, info.v3_user, "sha", info.v3_auth_key, "aes", info.v3_priv_key)
    [ident] = collect(snmp_identify([target], [wrong, right], timeout=1, retries=1))
    assert ident.error is None, ident.error
    assert ident.credential_id == 2
    assert ident.varbinds[SYS_NAME] == b"estate-snmpd"
    assert ident.engine_id
    [inventory] = collect(snmp_inventory([target], [right], timeout=2, retries=1, max_varbinds_per_subtree=200))
    assert inventory.error is None, inventory.error
    assert any(o.startswith("1.3.6.1.2.1.2.2.1.") for o in inventory.varbinds)


@pytest.mark.agents
def test_snmpd_v3_wrong_key_says_auth_failed_without_secret(snmpd_agent: SnmpdAgent) -> None:
    info = snmpd_agent.info
    wrong = SnmpV3Credential(1, info.v3_user, "sha", "wrong-auth-key-1", "aes", info.v3_priv_key)
    [reply] = collect(snmp_identify([(info.address, info.port)], [wrong], timeout=1, retries=0))
    assert reply.error and reply.error.startswith("auth failed"), reply.error
    assert "wrong-auth-key-1" not in reply.error and info.v3_priv_key not in reply.error


# --- mute, slow, sharded ---


@pytest.mark.agents
def test_mute_host_times_out_cleanly(mute_host: MuteHost) -> None:
    started = time.monotonic()
    [reply] = collect(snmp_identify([(mute_host.address, 16100)], [SnmpV2cCredential(1, "public")], timeout=0.5,
                                    retries=1))
    assert reply.error == "timeout: no SNMP response"
    assert time.monotonic() - started < 2.5


@pytest.mark.agents
def test_slow_host(snmp_responder: Callable[..., SnmprecResponder]) -> None:
    target = (loopback(7, 1), 16100)
    snmp_responder(AGENT_DATA, [target], delay=1.5)
    [late] = collect(snmp_identify([target], [SnmpV2cCredential(1, "public")], timeout=0.5, retries=0))
    assert late.error == "timeout: no SNMP response"
    [patient] = collect(snmp_identify([target], [SnmpV2cCredential(1, "public")], timeout=3, retries=0))
    assert patient.error is None and patient.varbinds


@pytest.mark.agents
def test_sharded_sweep_over_two_processes(snmp_responder: Callable[..., SnmprecResponder]) -> None:
    targets = endpoints(140, first=loopback(8, 1), port=16100)
    snmp_responder(AGENT_DATA, targets)
    replies = collect(snmp_identify(targets, [SnmpV2cCredential(1, "public")], timeout=2, retries=1,
                                    concurrency=64, processes=2))
    assert sorted((r.address, r.port) for r in replies) == sorted(targets)
    assert all(r.error is None and r.credential_id == 1 for r in replies)
