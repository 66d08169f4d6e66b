"""pytest fixtures for real agents: add `pytest_plugins = ["tests.agents.fixtures"]` to tests/conftest.py.

Every fixture uses its own loopback addresses, offset per pytest-xdist worker, so parallel runs never collide.
A missing binary fails the test with how to install it rather than skipping it silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.agents.misc import HostileSshServer, MuteHost
from tests.agents.snmp import SnmpdAgent, SnmprecResponder, SnmpSimFarm
from tests.agents.sshd import SshdFarm

ROOT = Path(__file__).resolve().parents[2]
SNMP_FIXTURES = ROOT / "tests" / "discovery" / "fixtures" / "snmp"
AGENT_DATA = Path(__file__).resolve().parent / "data"


def worker_octet() -> int:
    """Second octet for this pytest-xdist worker: 127.<20 + n>.x.y."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = "".join(c for c in worker if c.isdigit())
    return 20 + (int(digits) if digits else 0) % 200


def loopback(block: int, host: int) -> str:
    """A loopback address private to this worker; block 0..255 separates fixtures, host 1..254."""
    return f"127.{worker_octet()}.{block}.{host}"


@pytest.fixture(scope="session")
def snmpsim_farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpSimFarm]:
    """snmpsim on 4 addresses serving the parser fixtures + tests/agents/data (community = file name)."""
    data = tmp_path_factory.mktemp("snmpsim-data")
    for source in (SNMP_FIXTURES, AGENT_DATA):
        for path in sorted(source.glob("*.snmprec")):
            shutil.copyfile(path, data / path.name)  # a copy: snmpsim names communities after resolved paths
    endpoints = [(loopback(1, n), 16100) for n in range(1, 5)]
    with SnmpSimFarm(tmp_path_factory.mktemp("snmpsim"), data, endpoints, community="public") as farm:
        yield farm


@pytest.fixture(scope="session")
def snmpd_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpdAgent]:
    """A real net-snmp snmpd: v2c community and a v3 authPriv SHA/AES user (see .info)."""
    with SnmpdAgent(tmp_path_factory.mktemp("snmpd"), address=loopback(2, 1), port=16161) as agent:
        yield agent


@pytest.fixture
def snmp_responder(tmp_path: Path) -> Iterator[Callable[..., SnmprecResponder]]:
    """Factory: snmp_responder(data_dir, endpoints, delay=0.0) -> a started SnmprecResponder."""
    started: list[SnmprecResponder] = []

    def make(data_dirs: Path | list[Path], endpoints: list[tuple[str, int]], delay: float = 0.0) -> SnmprecResponder:
        responder = SnmprecResponder(tmp_path / f"responder{len(started)}", data_dirs, endpoints, delay=delay)
        responder.start()
        started.append(responder)
        return responder

    yield make
    for responder in started:
        responder.stop()


@pytest.fixture
def mute_host() -> Iterator[MuteHost]:
    """Binds UDP 16100 and TCP 22220 on one address and never answers."""
    with MuteHost(loopback(3, 1), udp_port=16100, tcp_port=22220) as host:
        yield host


@pytest.fixture(scope="session")
def sshd_farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdFarm]:
    """Two real OpenSSH servers (one sshd each) with the estate-test user; do not swap keys on this shared farm."""
    addresses = [(loopback(4, 1), 22220), (loopback(4, 2), 22220)]
    with SshdFarm(tmp_path_factory.mktemp("sshd"), addresses=addresses) as farm:
        yield farm


@pytest.fixture
def private_sshd(tmp_path: Path) -> Iterator[SshdFarm]:
    """One sshd of this test's own, free to have its host key swapped."""
    with SshdFarm(tmp_path, addresses=[(loopback(5, 1), 22220)]) as farm:
        yield farm


@pytest.fixture
def hostile_sshd() -> Iterator[HostileSshServer]:
    with HostileSshServer(loopback(6, 1), 22220) as server:
        yield server
