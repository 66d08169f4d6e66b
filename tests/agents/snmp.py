"""Real SNMP agents for tests and benchmarks, all on loopback addresses.

- SnmpSimFarm: snmpsim-command-responder serving .snmprec files (community = file name) on many endpoints.
- SnmpdAgent: a real net-snmp snmpd with its own config (v2c community and an SNMPv3 authPriv SHA/AES user).
- SnmprecResponder: a small, cheap v1/v2c responder serving the same .snmprec files, in its own process.
  snmpsim costs ~9 ms of CPU per request; on a 2-core box it would measure the simulator, not the collector.
  It also plays the "slow" agent (answers after a delay).

Run the responder by hand: python -m tests.agents.snmp --data DIR --endpoint 127.77.0.1:16100 [--delay 2]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from discovery.raw import IpAddr, Oid
from tests.agents.snmp_ber import (
    END_OF_MIB_VIEW,
    NO_SUCH_INSTANCE,
    BerError,
    Value,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
)

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SNMPD = "/usr/sbin/snmpd"

V3_USER = "estate-v3"
V3_AUTH_KEY = "estate-auth-key-1"
V3_PRIV_KEY = "estate-priv-key-1"


def endpoints(count: int, *, first: str = "127.77.0.1", port: int = 16100) -> list[tuple[str, int]]:
    """count distinct loopback addresses starting at first (skipping .0 and .255 hosts)."""
    a, b, c, d = (int(x) for x in first.split("."))
    out: list[tuple[str, int]] = []
    while len(out) < count:
        if 0 < d < 255:
            out.append((f"{a}.{b}.{c}.{d}", port))
        d += 1
        if d > 255:
            d, c = 0, c + 1
    return out


def snmp_ping(address: str, port: int, community: str = "public", timeout: float = 0.3) -> bool:
    """One v2c GET of sysDescr.0: True when the agent answered."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect((address, port))
        try:
            sock.send(encode_request(1, community.encode(), 0xA0, 4242, 0, 0, ["1.3.6.1.2.1.1.1.0"]))
            return decode_response(sock.recv(65535)).request_id == 4242
        except (OSError, BerError):
            return False


def wait_snmp(targets: Sequence[tuple[str, int]], community: str, timeout: float, proc: subprocess.Popen[bytes],
              log: Path, what: str) -> None:
    deadline = time.monotonic() + timeout
    pending = list(targets)
    while pending:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {_tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer on {pending[0][0]}:{pending[0][1]} within {timeout}s: "
                               f"{_tail(log)}")
        # the last endpoint is bound last: once it answers, check the others only once
        if snmp_ping(*pending[-1], community=community):
            pending = [t for t in pending if not snmp_ping(*t, community=community, timeout=1.0)]
        else:
            time.sleep(0.05)


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen[bytes] | None, grace: float = 3.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(grace)


class _Process:
    proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _Process:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None


class SnmpSimFarm(_Process):
    """snmpsim-command-responder serving data_dir on every endpoint; community = .snmprec file name."""

    def __init__(self, workdir: Path, data_dir: Path, endpoints: Sequence[tuple[str, int]], *,
                 community: str = "public", startup_timeout: float = 60.0) -> None:
        self.workdir = Path(workdir)
        self.data_dir = Path(data_dir)
        self.endpoints = list(endpoints)
        self.community = community
        self.startup_timeout = startup_timeout
        self.log = self.workdir / "snmpsim.log"

    def start(self) -> None:
        binary = VENV_BIN / "snmpsim-command-responder"
        if not binary.exists():
            raise RuntimeError("snmpsim not installed: pip install snmpsim pysmi (see scripts/test)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        # endpoints go in a file: 1,000 of them would make a very long command line
        argfile = self.workdir / "snmpsim.args"
        argfile.write_text("".join(f"--agent-udpv4-endpoint={a}:{p}\n" for a, p in self.endpoints))
        options = [f"--data-dir={self.data_dir}", f"--cache-dir={self.workdir / 'cache'}", "--log-level=error"]
        env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true")  # we run as root in dev and CI; loopback only
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([str(binary), *options, f"--args-from-file={argfile}"], stdout=log,
                                         stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            wait_snmp(self.endpoints, self.community, self.startup_timeout, self.proc, self.log, "snmpsim")
        except BaseException:
            self.stop()
            raise


@dataclass(frozen=True)
class SnmpdInfo:
    address: str
    port: int
    community: str
    v3_user: str
    v3_auth_protocol: str  # "sha"
    v3_auth_key: str
    v3_priv_protocol: str  # "aes"
    v3_priv_key: str


class SnmpdAgent(_Process):
    """A real net-snmp snmpd on one loopback endpoint with a generated config."""

    def __init__(self, workdir: Path, address: str = "127.0.16.1", port: int = 16161, *,
                 community: str = "estate-ro", sys_name: str = "estate-snmpd",
                 startup_timeout: float = 20.0) -> None:
        self.workdir = Path(workdir)
        self.info = SnmpdInfo(address, port, community, V3_USER, "sha", V3_AUTH_KEY, "aes", V3_PRIV_KEY)
        self.sys_name = sys_name
        self.startup_timeout = startup_timeout
        self.log = self.workdir / "snmpd.log"

    def start(self) -> None:
        if not Path(SNMPD).exists():
            raise RuntimeError("snmpd not installed: run scripts/test which apt-installs it")
        persistent = self.workdir / "persist"
        persistent.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "snmpd.conf"
        i = self.info
        conf.write_text(
            f"rocommunity {i.community} 127.0.0.0/8\n"
            f"createUser {i.v3_user} SHA \"{i.v3_auth_key}\" AES \"{i.v3_priv_key}\"\n"
            f"rouser {i.v3_user} priv\n"
            f"sysName {self.sys_name}\n"
            "sysLocation Estate test lab\n"
            "sysContact estate-tests@example.invalid\n"
            "sysServices 72\n"
            "dontLogTCPWrappersConnects yes\n"
        )
        env = dict(os.environ, SNMP_PERSISTENT_DIR=str(persistent), MIBS="", MIBDIRS=str(persistent))
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [SNMPD, "-f", "-Lo", "-C", "-c", str(conf), "-p", str(self.workdir / "snmpd.pid"),
                 f"udp:{i.address}:{i.port}"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )
        try:
            wait_snmp([(i.address, i.port)], i.community, self.startup_timeout, self.proc, self.log, "snmpd")
        except BaseException:
            self.stop()
            raise


# --- SnmprecResponder: cheap v1/v2c agent over .snmprec data ---

_TAGS = {2: int, 65: int, 66: int, 67: int, 70: int}


def load_snmprec(path: Path) -> tuple[list[tuple[int, ...]], list[str], list[Value]]:
    """(sorted OID keys, OIDs, values) of a .snmprec file; unsupported lines are skipped."""
    rows: dict[tuple[int, ...], tuple[str, Value]] = {}
    for line in path.read_text(errors="surrogateescape").splitlines():
        parts = line.split("|", 2)
        if len(parts) != 3 or not parts[0] or parts[0].startswith("#"):
            continue
        oid, tag, raw = parts
        hex_value = tag.endswith("x")
        try:
            number = int(tag.rstrip("x"))
            data = bytes.fromhex(raw) if hex_value else raw.encode(errors="surrogateescape")
            value: Value
            if number == 4 or number == 68:
                value = data
            elif number in _TAGS or number in (71,):
                value = int(data)
            elif number == 6:
                value = Oid(data.decode())
            elif number == 64:
                value = IpAddr(data.decode()) if not hex_value else IpAddr(".".join(map(str, data)))
            elif number == 5:
                value = None
            else:
                continue
            rows[tuple(int(a) for a in oid.split("."))] = (oid, value)
        except ValueError:
            continue
    keys = sorted(rows)
    return keys, [rows[k][0] for k in keys], [rows[k][1] for k in keys]


class _Responder(asyncio.DatagramProtocol):
    def __init__(self, data: dict[bytes, tuple[list[tuple[int, ...]], list[str], list[Value]]], delay: float,
                 mute_communities: frozenset[bytes], address: str = "") -> None:
        self.data = data
        # "{addr}" in a string value becomes this endpoint's address: one recording, many distinct devices.
        self.address = address.encode()
        self.delay = delay
        self.mute = mute_communities
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            reply = self.answer(data)
        except (BerError, ValueError, IndexError):
            return
        if reply is None or self.transport is None:
            return
        if self.delay:
            asyncio.get_running_loop().call_later(self.delay, self.transport.sendto, reply, addr)
        else:
            self.transport.sendto(reply, addr)

    def answer(self, message: bytes) -> bytes | None:
        version, community, tag, request_id, a, b, oids = decode_request(message)
        table = self.data.get(community)
        if table is None or community in self.mute:
            return None  # wrong community: silence, like a real agent
        keys, names, values = table
        out: list[tuple[str, Value]] = []
        if tag == 0xA0:  # GET
            for oid in oids:
                key = tuple(int(x) for x in oid.split("."))
                i = bisect.bisect_left(keys, key)
                if i < len(keys) and keys[i] == key:
                    out.append((oid, values[i]))
                elif version == 0:
                    return encode_response(version, community, request_id, 2, len(out) + 1, [(o, None) for o in oids])
                else:
                    out.append((oid, NO_SUCH_INSTANCE))
        elif tag in (0xA1, 0xA5):  # GETNEXT, GETBULK
            repetitions = 1 if tag == 0xA1 else max(0, b)
            non_repeaters = 0 if tag == 0xA1 else max(0, a)
            for n, oid in enumerate(oids):
                key = tuple(int(x) for x in oid.split("."))
                i = bisect.bisect_right(keys, key)
                for _ in range(1 if n < non_repeaters else repetitions):
                    if i >= len(keys):
                        if version == 0:
                            return encode_response(0, community, request_id, 2, n + 1, [(o, None) for o in oids])
                        out.append((names[-1] if names else oid, END_OF_MIB_VIEW))
                        break
                    out.append((names[i], values[i]))
                    i += 1
                    if len(out) >= 60:  # keep the datagram well under the UDP limit
                        break
        else:
            return None
        if self.address:
            out = [(o, v.replace(b"{addr}", self.address) if isinstance(v, bytes) and b"{addr}" in v else v)
                   for o, v in out]
        return encode_response(version, community, request_id, 0, 0, out)



async def _serve(data_dirs: Iterable[Path], endpoints: Sequence[tuple[str, int]], delay: float,
                 mute: Sequence[str]) -> None:
    data: dict[bytes, tuple[list[tuple[int, ...]], list[str], list[Value]]] = {}
    for data_dir in data_dirs:
        for path in sorted(Path(data_dir).glob("*.snmprec")):
            data[path.stem.encode()] = load_snmprec(path)
    loop = asyncio.get_running_loop()
    muted = frozenset(m.encode() for m in mute)
    for address, port in endpoints:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind((address, port))
        # one protocol per socket: a reply must leave from the address the request came to
        await loop.create_datagram_endpoint(lambda a=address: _Responder(data, delay, muted, a), sock=sock)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print("ready", flush=True)
    await stop.wait()


class SnmprecResponder(_Process):
    """The cheap responder in a child process: data_dirs' .snmprec files (community = file name) on endpoints."""

    def __init__(self, workdir: Path, data_dirs: Sequence[Path] | Path, endpoints: Sequence[tuple[str, int]], *,
                 delay: float = 0.0, community: str = "public", startup_timeout: float = 30.0) -> None:
        self.workdir = Path(workdir)
        self.data_dirs = [Path(data_dirs)] if isinstance(data_dirs, Path | str) else [Path(d) for d in data_dirs]
        self.endpoints = list(endpoints)
        self.delay = delay
        self.community = community
        self.startup_timeout = startup_timeout
        self.log = self.workdir / "responder.log"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        argfile = self.workdir / "responder.args"
        argfile.write_text("\n".join(f"{a}:{p}" if ":" not in a else f"[{a}]:{p}" for a, p in self.endpoints))
        cmd = [sys.executable, "-m", "tests.agents.snmp", "--endpoints-file", str(argfile), "--delay", str(self.delay)]
        for data_dir in self.data_dirs:
            cmd += ["--data", str(data_dir)]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
                                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
        deadline = time.monotonic() + self.startup_timeout
        try:
            while "ready" not in self.log.read_text(errors="replace"):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"SNMP responder exited with {self.proc.returncode}: {_tail(self.log)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"SNMP responder not ready within {self.startup_timeout}s")
                time.sleep(0.05)
        except BaseException:
            self.stop()
            raise


def snmpsim_available() -> bool:
    return (VENV_BIN / "snmpsim-command-responder").exists()


def snmpd_available() -> bool:
    return Path(SNMPD).exists() and shutil.which("snmpget") is not None


def _parse_endpoint(text: str) -> tuple[str, int]:
    address, _, port = text.strip().rpartition(":")
    return address.strip("[]"), int(port)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", action="append", required=True, help="directory of .snmprec files")
    parser.add_argument("--endpoint", action="append", default=[], help="address:port, repeatable")
    parser.add_argument("--endpoints-file", help="one address:port a line")
    parser.add_argument("--delay", type=float, default=0.0, help="answer after this many seconds")
    parser.add_argument("--mute", action="append", default=[], help="community to never answer")
    args = parser.parse_args(argv)
    eps = [_parse_endpoint(e) for e in args.endpoint]
    if args.endpoints_file:
        eps += [_parse_endpoint(line) for line in Path(args.endpoints_file).read_text().splitlines() if line.strip()]
    asyncio.run(_serve([Path(d) for d in args.data], eps, args.delay, args.mute))


if __name__ == "__main__":
    main()
