"""SNMP collectors: a fast identification sweep and a bounded full inventory walk.

I/O only: replies come back as discovery.raw.SnmpReply with raw values (OCTET STRINGs stay bytes).

SNMPv1/v2c use pysnmp 7's v1arch asyncio API (SnmpDispatcher, get_cmd, next_cmd, bulk_cmd) with one dispatcher and
one UDP socket per event loop, prebuilt request varbinds and lookupMib=False (no MIB is ever loaded). pyasn1
decoding is the main CPU cost (~2-3 ms for a 15-varbind reply), so identification asks for everything in one GET,
walks use GETBULK, and large sweeps are split over processes, one event loop each. SNMPv3 (USM auth and privacy)
uses pysnmp's v3arch asyncio API.

Secrets (communities, v3 keys) are never logged and never put in error strings.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import logging
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from discovery.collectors.snmp_stack import (
    END_OF_MIB_VIEW,
    ERR_NO_SUCH_NAME,
    ERR_TOO_BIG,
    GET,
    GETBULK,
    GETNEXT,
    MAX_VALUE_BYTES,
    AuthFailure,
    ExceptionValue,
    NoResponse,
    SnmpCredential,
    SnmpError,
    SnmpV1Credential,
    SnmpV2cCredential,
    SnmpV3Credential,
    Sweep,
)
from discovery.raw import SnmpReply, SnmpValue

# the collector's API; the credentials and limits live with the stack (snmp_stack.py) and are offered here too
__all__ = ["IDENTIFY_OIDS", "MAX_VALUE_BYTES", "SnmpCredential", "SnmpV1Credential", "SnmpV2cCredential",
           "SnmpV3Credential", "snmp_identify", "snmp_inventory"]

log = logging.getLogger(__name__)

# --- limits: a hostile agent must not make a walk run forever or eat memory ---

MAX_VARBINDS_PER_SUBTREE = 5_000
MAX_HOST_BYTES = 32 * 1024 * 1024  # total value bytes kept per host during an inventory
BULK_REPETITIONS = 25
HOST_DEADLINE = 120.0  # seconds for a whole inventory of one host

# --- OIDs ---

SYSTEM = "1.3.6.1.2.1.1"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SNMP_ENGINE_ID = "1.3.6.1.6.3.10.2.1.1.0"
ENT_PHYSICAL_ENTRY = "1.3.6.1.2.1.47.1.1.1.1"
ENT_CLASS_COLUMN = ENT_PHYSICAL_ENTRY + ".5"
ENT_CLASS_CHASSIS = 3
# entPhysicalDescr, Class, HardwareRev, FirmwareRev, SoftwareRev, SerialNum, MfgName, ModelName
ENT_IDENTITY_COLUMNS = (2, 5, 8, 9, 10, 11, 12, 13)
SYSTEM_SCALARS = tuple(f"{SYSTEM}.{n}.0" for n in range(1, 8))  # sysDescr .. sysServices


def _entity_oids(index: int) -> tuple[str, ...]:
    return tuple(f"{ENT_PHYSICAL_ENTRY}.{column}.{index}" for column in ENT_IDENTITY_COLUMNS)


IDENTIFY_OIDS: tuple[str, ...] = (*SYSTEM_SCALARS, *_entity_oids(1), SNMP_ENGINE_ID)

INVENTORY_SUBTREES: tuple[str, ...] = (
    SYSTEM,
    "1.3.6.1.6.3.10.2.1",  # snmpEngine group
    "1.3.6.1.2.1.47.1.1.1",  # ENTITY-MIB entPhysicalTable
    "1.3.6.1.2.1.25.1",  # HOST-RESOURCES-MIB hrSystem
    "1.3.6.1.2.1.25.2",  # hrStorage
    "1.3.6.1.2.1.25.3.2",  # hrDeviceTable (hrDeviceDescr names printers too)
    "1.3.6.1.2.1.25.6.3",  # hrSWInstalledTable
    "1.3.6.1.2.1.2.2",  # IF-MIB ifTable
    "1.3.6.1.2.1.31.1.1",  # ifXTable
    "1.3.6.1.2.1.4.20",  # IP-MIB ipAddrTable
    "1.3.6.1.2.1.4.34",  # ipAddressTable
    "1.0.8802.1.1.2.1.3",  # LLDP-MIB local system: lldpLocSysDesc, enabled capabilities (and local ports)
    "1.0.8802.1.1.2.1.4",  # LLDP-MIB remote tables
    "1.0.8802.1.1.2.1.5.4795.1.3.3",  # LLDP-MED inventory
    "1.3.6.1.4.1.9.9.23.1.2.1",  # CISCO-CDP-MIB cdpCacheTable (also on many non-Cisco phones)
    "1.3.6.1.2.1.33.1.1",  # UPS-MIB upsIdent
    "1.3.6.1.2.1.43.5",  # Printer-MIB prtGeneral
    "1.3.6.1.2.1.17.1.2",  # BRIDGE-MIB dot1dBaseNumPorts (one scalar)
    "1.3.6.1.2.1.17.7.1.1",  # Q-BRIDGE-MIB dot1qBase scalars (dot1qNumVlans)
)

# Extra subtrees by sysObjectID enterprise number.
VENDOR_SUBTREES: dict[int, tuple[str, ...]] = {
    9: ("1.3.6.1.4.1.9.9.156.1.2.1",),  # Cisco CUCM ccmPhoneTable
    674: ("1.3.6.1.4.1.674.10892.5",),  # Dell iDRAC
    232: ("1.3.6.1.4.1.232.2.2", "1.3.6.1.4.1.232.11.2"),  # HPE
    318: ("1.3.6.1.4.1.318.1.1.1.1",),  # APC UPS ident
    6889: ("1.3.6.1.4.1.6889",),  # Avaya
    1027: ("1.3.6.1.4.1.1027",),  # Mitel
    13885: ("1.3.6.1.4.1.13885",),  # Polycom
    5003: ("1.3.6.1.4.1.5003",),  # AudioCodes
    2620: ("1.3.6.1.4.1.2620.1.6",),  # Check Point CHECKPOINT-MIB svn: version, appliance product and serial
    6574: ("1.3.6.1.4.1.6574.1.5",),  # Synology SYNOLOGY-SYSTEM-MIB: model, serial, DSM version
}
# Stock agents whose sysObjectID names the agent, not the product (NET-SNMP-MIB, UCD-SNMP-MIB): an inventory asks
# which enterprise subtrees answer instead, one GETNEXT per enterprise (the maker often registers its MIB there).
AGENT_ENTERPRISES = frozenset({8072, 2021})
MAX_ENTERPRISE_PROBES = 6
ENTERPRISES = "1.3.6.1.4.1"


def subtrees_for(sys_object_id: str | None) -> tuple[str, ...]:
    """The subtrees an inventory walks for a device with this sysObjectID."""
    extra: tuple[str, ...] = ()
    if sys_object_id and sys_object_id.startswith("1.3.6.1.4.1."):
        with contextlib.suppress(ValueError, IndexError):
            extra = VENDOR_SUBTREES.get(int(sys_object_id.split(".")[6]), ())
    return INVENTORY_SUBTREES + extra


# --- operations on one host ---


async def _get(sweep: Sweep, credential: SnmpCredential, address: tuple[str, int],
               oids: Sequence[str]) -> dict[str, SnmpValue]:
    """GET that copes with v1 noSuchName (drop the bad OID, ask again) and tooBig (split)."""
    out: dict[str, SnmpValue] = {}
    pending = list(oids)
    for _ in range(len(oids) + 1):
        if not pending:
            break
        response = await sweep.request(credential, address, GET, 0, 0, pending)
        if response.error_status == ERR_NO_SUCH_NAME and 1 <= response.error_index <= len(pending):
            del pending[response.error_index - 1]
            continue
        if response.error_status == ERR_TOO_BIG and len(pending) > 1:
            half = len(pending) // 2
            out.update(await _get(sweep, credential, address, pending[:half]))
            out.update(await _get(sweep, credential, address, pending[half:]))
            return out
        if response.error_status:
            if isinstance(credential, SnmpV1Credential):
                raise SnmpError(f"SNMP error-status {response.error_status}")
            return out
        for oid, value in response.varbinds:
            if value is not None and not isinstance(value, ExceptionValue):
                out[oid] = value
        break
    return out


def _oid_key(oid: str) -> tuple[int, ...]:
    return tuple(int(arc) for arc in oid.split("."))


@dataclass(slots=True)
class _Budget:
    bytes_left: int = MAX_HOST_BYTES

    def take(self, value: SnmpValue) -> bool:
        if isinstance(value, bytes | str):
            self.bytes_left -= len(value)
        else:
            self.bytes_left -= 8
        return self.bytes_left >= 0


async def _walk(sweep: Sweep, credential: SnmpCredential, address: tuple[str, int], root: str,
                out: dict[str, SnmpValue], budget: _Budget, max_varbinds: int, max_repetitions: int) -> bool:
    """Walk one subtree into out; False when a limit stopped it early."""
    prefix = root + "."
    cursor = root
    last: tuple[int, ...] = ()
    count = 0
    bulk = not isinstance(credential, SnmpV1Credential)
    while True:
        if bulk:
            response = await sweep.request(credential, address, GETBULK, 0,
                                           min(max_repetitions, max_varbinds - count), [cursor])
        else:
            response = await sweep.request(credential, address, GETNEXT, 0, 0, [cursor])
        if response.error_status or not response.varbinds:
            return True  # v1 noSuchName at the end of the MIB, or an agent error: the subtree ends here
        for oid, value in response.varbinds:
            if not oid.startswith(prefix) or value is END_OF_MIB_VIEW:
                return True
            key = _oid_key(oid)
            if key <= last:
                log.info("SNMP walk of %s on %s stopped: OID not increasing", root, address[0])
                return False
            last = key
            if value is None or isinstance(value, ExceptionValue):
                continue
            if not budget.take(value):
                log.warning("SNMP inventory of %s stopped: %d byte budget spent", address[0], MAX_HOST_BYTES)
                return False
            out[oid] = value
            count += 1
            if count >= max_varbinds:
                log.info("SNMP walk of %s on %s capped at %d varbinds", root, address[0], max_varbinds)
                return False
            cursor = oid


async def _probe_enterprises(sweep: Sweep, credential: SnmpCredential, address: tuple[str, int],
                             out: dict[str, SnmpValue], budget: _Budget, max_varbinds: int,
                             max_repetitions: int) -> None:
    """Behind a stock agent's sysObjectID: the first value of each enterprise subtree that answers (jumping from one
    enterprise to the next), and the identity subtrees of the makers among them."""
    cursor = ENTERPRISES
    for _ in range(MAX_ENTERPRISE_PROBES):
        response = await sweep.request(credential, address, GETNEXT, 0, 0, [cursor])
        if response.error_status or not response.varbinds:
            return
        oid, value = response.varbinds[0]
        if not oid.startswith(ENTERPRISES + ".") or value is END_OF_MIB_VIEW:
            return
        try:
            number = int(oid.split(".")[6])
        except (IndexError, ValueError):
            return
        if value is not None and not isinstance(value, ExceptionValue) and budget.take(value):
            out.setdefault(oid, value)
        if number not in AGENT_ENTERPRISES:
            for root in VENDOR_SUBTREES.get(number, ()):
                await _walk(sweep, credential, address, root, out, budget, max_varbinds, max_repetitions)
        cursor = f"{ENTERPRISES}.{number + 1}"


def _enterprise(sys_object_id: object) -> int | None:
    if isinstance(sys_object_id, str) and sys_object_id.startswith(ENTERPRISES + "."):
        with contextlib.suppress(ValueError, IndexError):
            return int(sys_object_id.split(".")[6])
    return None


async def _find_chassis(sweep: Sweep, credential: SnmpCredential, address: tuple[str, int]) -> dict[str, SnmpValue]:
    """Chassis identity when it is not entPhysicalIndex 1: a short GETBULK of entPhysicalClass."""
    found: dict[str, SnmpValue] = {}
    with contextlib.suppress(SnmpError):
        await _walk(sweep, credential, address, ENT_CLASS_COLUMN, found, _Budget(), 32, 32)
    for oid, value in found.items():
        if value == ENT_CLASS_CHASSIS:
            index = int(oid.rsplit(".", 1)[1])
            return await _get(sweep, credential, address, _entity_oids(index))
    return {}


async def _identify_host(sweep: Sweep, credentials: Sequence[SnmpCredential], target: tuple[str, int],
                         ) -> tuple[SnmpCredential | None, dict[str, SnmpValue], str | None]:
    """Try credentials in order; (credential that answered, identity varbinds, error)."""
    errors: list[str] = []
    for credential in credentials:
        try:
            varbinds = await _get(sweep, credential, target, IDENTIFY_OIDS)
        except AuthFailure as exc:
            errors.append(str(exc))
            continue
        except NoResponse:
            errors.append("timeout: no SNMP response")
            continue
        except SnmpError as exc:
            errors.append(str(exc))
            continue
        if not varbinds:
            errors.append("empty SNMP response")
            continue
        if not any(oid in varbinds for oid in _entity_oids(1)[2:]):
            with contextlib.suppress(SnmpError):
                varbinds.update(await _find_chassis(sweep, credential, target))
        return credential, varbinds, None
    # an auth failure tells more than a timeout from another credential
    auth_errors = [e for e in errors if e.startswith("auth failed")]
    error = (auth_errors or errors or ["no credentials"])[0]
    return None, {}, error


def _reply(target: tuple[str, int], started: float, credential: SnmpCredential | None = None,
           varbinds: dict[str, SnmpValue] | None = None, error: str | None = None) -> SnmpReply:
    varbinds = varbinds or {}
    engine_id = varbinds.get(SNMP_ENGINE_ID)
    return SnmpReply(
        address=target[0], port=target[1], varbinds=varbinds,
        credential_id=credential.id if credential is not None else None,
        engine_id=engine_id if isinstance(engine_id, bytes) else None,
        error=error, elapsed=round(time.monotonic() - started, 6),
    )


async def _identify_one(sweep: Sweep, credentials: Sequence[SnmpCredential], target: tuple[str, int],
                        deadline: float) -> SnmpReply:
    started = time.monotonic()
    try:
        async with asyncio.timeout(deadline):
            credential, varbinds, error = await _identify_host(sweep, credentials, target)
    except TimeoutError:
        return _reply(target, started, error="timeout: host deadline exceeded")
    finally:
        sweep.forget(target)
    return _reply(target, started, credential, varbinds, error)


async def _inventory_one(sweep: Sweep, credentials: Sequence[SnmpCredential], target: tuple[str, int],
                         max_varbinds: int, host_deadline: float, max_repetitions: int) -> SnmpReply:
    started = time.monotonic()
    out: dict[str, SnmpValue] = {}
    credential: SnmpCredential | None = None
    problems: list[str] = []
    try:
        async with asyncio.timeout(host_deadline):
            credential, identity, error = await _identify_host(sweep, credentials, target)
            if credential is None:
                return _reply(target, started, error=error)
            out.update(identity)
            budget = _Budget()
            sys_object_id = identity.get(SYS_OBJECT_ID)
            for root in subtrees_for(sys_object_id if isinstance(sys_object_id, str) else None):
                try:
                    complete = await _walk(sweep, credential, target, root, out, budget, max_varbinds,
                                           max_repetitions)
                except SnmpError as exc:
                    problems.append(f"{root}: {exc}")
                    continue
                if not complete and budget.bytes_left < 0:
                    problems.append("byte budget spent")
                    break
            if _enterprise(sys_object_id) in AGENT_ENTERPRISES and budget.bytes_left > 0:
                try:
                    await _probe_enterprises(sweep, credential, target, out, budget, max_varbinds, max_repetitions)
                except SnmpError as exc:
                    problems.append(f"{ENTERPRISES}: {exc}")
    except TimeoutError:
        problems.append(f"host deadline of {host_deadline:g}s exceeded")
    finally:
        sweep.forget(target)
    if credential is None:
        return _reply(target, started, error="timeout: host deadline exceeded")
    # the host answered but part of the walk is missing: say so, so nothing is deleted on a partial view
    error = f"partial: {'; '.join(problems)[:300]}" if problems else None
    return _reply(target, started, credential, out, error)


async def _pool(targets: Iterable[tuple[str, int]], concurrency: int,
                work: Callable[[tuple[str, int]], Any]) -> AsyncIterator[SnmpReply]:
    """Run work over targets, at most concurrency at once, yielding replies as they finish."""
    semaphore = asyncio.Semaphore(max(1, concurrency))
    queue: asyncio.Queue[SnmpReply | None] = asyncio.Queue()
    target_list = list(targets)

    async def one(target: tuple[str, int]) -> None:
        try:
            reply = await work(target)
        except Exception as exc:  # a bug or a hostile reply must not end the sweep
            log.exception("SNMP collection of %s failed", target[0])
            reply = SnmpReply(address=target[0], port=target[1], error=f"internal error: {type(exc).__name__}")
        finally:
            semaphore.release()
        await queue.put(reply)

    async def feed() -> None:
        # a task starts only when the semaphore has room, so 100k targets never mean 100k tasks
        tasks: set[asyncio.Task[None]] = set()
        try:
            for target in target_list:
                await semaphore.acquire()
                task = asyncio.create_task(one(target))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.wait(tasks)
        finally:
            for task in tasks:  # the consumer stopped early: stop the hosts still in flight
                task.cancel()
        await queue.put(None)

    feeder = asyncio.create_task(feed())
    try:
        while True:
            reply = await queue.get()
            if reply is None:
                break
            yield reply
    finally:
        if not feeder.done():
            feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feeder


def _check_targets(targets: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    out = []
    for address, port in targets:
        ipaddress.ip_address(address)  # literal addresses only: no DNS lookups in a sweep
        out.append((address, int(port)))
    return out


async def snmp_identify(targets: Sequence[tuple[str, int]], credentials: Sequence[SnmpCredential], *,
                        timeout: float = 1.0, retries: int = 1, concurrency: int = 256,
                        processes: int | None = None) -> AsyncIterator[SnmpReply]:
    """Fast identification sweep: system group, chassis entity and snmpEngineID of every target.

    Credentials are tried in order until one answers. Replies come back as hosts finish, in any order.
    processes > 1 splits the targets into that many shards, each in its own process and event loop; None picks
    2 for a sweep of SHARD_THRESHOLD targets or more (pyasn1 decoding is CPU-bound), 1 below it.
    """
    target_list = _check_targets(targets)
    if processes is None:
        processes = _auto_processes(len(target_list))
    if processes > 1 and len(target_list) >= processes * 64:
        async for reply in _sharded(target_list, list(credentials), timeout, retries, concurrency, processes):
            yield reply
        return
    sweep = Sweep(timeout, retries)
    # per-host bound: every credential times out, plus the chassis lookup
    deadline = timeout * (retries + 1) * (len(credentials) + 4) + 1
    try:
        async for reply in _pool(target_list, concurrency,
                                 lambda target: _identify_one(sweep, credentials, target, deadline)):
            yield reply
    finally:
        sweep.close()


async def snmp_inventory(targets: Sequence[tuple[str, int]], credentials: Sequence[SnmpCredential], *,
                         timeout: float = 2.0, retries: int = 1, concurrency: int = 32,
                         max_varbinds_per_subtree: int = MAX_VARBINDS_PER_SUBTREE,
                         host_deadline: float = HOST_DEADLINE,
                         max_repetitions: int = BULK_REPETITIONS) -> AsyncIterator[SnmpReply]:
    """Full bounded walk (GETBULK; GETNEXT for v1) of the inventory subtrees of every target.

    A reply whose error starts with "partial:" holds what was collected before a limit or failure hit.
    """
    target_list = _check_targets(targets)
    sweep = Sweep(timeout, retries)
    try:
        async for reply in _pool(target_list, concurrency,
                                 lambda target: _inventory_one(sweep, credentials, target, max_varbinds_per_subtree,
                                                               host_deadline, max_repetitions)):
            yield reply
    finally:
        sweep.close()


# --- sharding over processes: the per-reply CPU cost is spread over cores ---

SHARD_THRESHOLD = 256  # targets from which an identification sweep uses two processes by default


def _auto_processes(count: int) -> int:
    if count < SHARD_THRESHOLD:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return min(2, cpus)


@dataclass(frozen=True, slots=True)
class _ShardDone:
    replies: int
    cpu_seconds: float


def _shard_main(targets: list[tuple[str, int]], credentials: list[SnmpCredential], timeout: float, retries: int,
                concurrency: int, queue: Any) -> None:
    count = 0

    async def run() -> None:
        nonlocal count
        batch: list[SnmpReply] = []
        async for reply in snmp_identify(targets, credentials, timeout=timeout, retries=retries,
                                         concurrency=concurrency, processes=1):
            batch.append(reply)
            count += 1
            if len(batch) >= 64:
                queue.put(batch)
                batch = []
        queue.put(batch)

    try:
        asyncio.run(run())
    finally:
        queue.put(_ShardDone(count, time.process_time()))


@functools.cache
def _forkserver() -> Any:
    context = multiprocessing.get_context("forkserver")
    # import pysnmp once in the fork server, not once per shard (~0.5 s of CPU each); no effect if already running
    context.set_forkserver_preload(["discovery.collectors.snmp", "pysnmp.hlapi.v1arch.asyncio", "pyasn1.codec.ber"])
    return context


async def _sharded(targets: list[tuple[str, int]], credentials: list[SnmpCredential], timeout: float,
                   retries: int, concurrency: int, processes: int) -> AsyncIterator[SnmpReply]:
    # forkserver: no fork of a threaded parent (Django, asyncio executors), cheaper than spawn per shard
    context = _forkserver()
    queue = context.Queue()
    shards = [targets[i::processes] for i in range(processes)]
    workers = [
        context.Process(target=_shard_main, args=(shard, credentials, timeout, retries,
                                                   max(1, concurrency // processes), queue), daemon=True)
        for shard in shards
    ]
    for worker in workers:
        worker.start()
    loop = asyncio.get_running_loop()
    running = len(workers)
    seen: set[tuple[str, int]] = set()
    shard_cpu = 0.0
    deadline = time.monotonic() + timeout * (retries + 1) * (len(credentials) + 4) * (len(targets) + 1) + 60
    try:
        while running:
            batch = await loop.run_in_executor(None, _queue_get, queue, max(0.1, deadline - time.monotonic()))
            if batch is None or isinstance(batch, _ShardDone):
                running -= 1
                shard_cpu += batch.cpu_seconds if batch is not None else 0.0
                continue
            for reply in batch:
                seen.add((reply.address, reply.port))
                yield reply
    finally:
        for worker in workers:
            worker.join(timeout=1)
            if worker.is_alive():
                worker.kill()
    log.debug("SNMP sweep of %d targets over %d processes: %.3f s of CPU in the shards", len(targets), processes,
              shard_cpu, extra={"shard_cpu_seconds": shard_cpu})
    for target in targets:
        if target not in seen:  # a shard died: say so for its hosts rather than dropping them
            yield SnmpReply(address=target[0], port=target[1], error="internal error: collector process failed")


def _queue_get(queue: Any, timeout: float) -> list[SnmpReply] | _ShardDone | None:
    import queue as queue_module

    try:
        return queue.get(timeout=timeout)
    except queue_module.Empty:
        return None
