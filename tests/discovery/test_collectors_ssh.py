"""SSH collector against real OpenSSH servers and misbehaving ones on loopback."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import time
from pathlib import Path
from unittest import mock

import pytest

from discovery import commands
from discovery.collectors.ssh import (
    MAX_OUTPUT_BYTES,
    SshCredential,
    _batch_script,
    _split_batch,
    ssh_collect,
    ssh_host_key,
)
from discovery.raw import SshReply
from tests.agents import fixtures as agent_fixtures
from tests.agents.fixtures import loopback
from tests.agents.misc import HostileSshServer, MuteHost, SlowSshServer
from tests.agents.sshd import SshdFarm, SshHost

pytestmark = pytest.mark.agents

# the fixtures, until tests/conftest.py loads tests.agents.fixtures as a plugin
hostile_sshd = agent_fixtures.hostile_sshd
mute_host = agent_fixtures.mute_host
private_sshd = agent_fixtures.private_sshd
sshd_farm = agent_fixtures.sshd_farm


def run(targets: list[tuple[str, int]], credentials: list[SshCredential],
        known: dict[tuple[str, int], tuple[str, str]] | None = None, **options: float) -> list[SshReply]:
    options = {"timeout": 5.0, "command_timeout": 10.0, "concurrency": 4, "trust_new_keys": True, **options}
    return list(ssh_collect(targets, credentials, known_host_keys=known or {}, **options))  # type: ignore[arg-type]


def key_credential(host: SshHost, id: int = 1) -> SshCredential:
    return SshCredential(id=id, username=host.username, private_key=host.private_key)


def test_key_auth_collects_unix_commands(sshd_farm: SshdFarm) -> None:
    replies = run([(h.address, h.port) for h in sshd_farm.hosts], [key_credential(sshd_farm.hosts[0])])
    assert len(replies) == 2
    for reply in replies:
        host = sshd_farm.host(reply.address)
        assert reply.error is None, reply.error
        assert reply.shell == "unix" and reply.credential_id == 1
        assert set(commands.UNIX) <= set(reply.outputs)
        assert reply.outputs["uname"].exit_status == 0 and reply.outputs["uname"].stdout.startswith(b"Linux")
        assert reply.host_key_type == host.host_key_type
        assert reply.host_key_fingerprint == host.host_key_fingerprint
        assert reply.banner and reply.banner.startswith("SSH-2.0-OpenSSH")
        assert not reply.host_key_changed
        # the known_hosts form of the very key whose fingerprint was checked
        assert reply.host_public_key is not None
        key_type, blob = reply.host_public_key.split(" ")
        assert key_type == host.host_key_type
        digest = base64.b64encode(hashlib.sha256(base64.b64decode(blob)).digest()).decode().rstrip("=")
        assert f"SHA256:{digest}" == host.host_key_fingerprint


def sessions(farm: SshdFarm, address: str, since: int) -> int:
    """How many exec channels sshd started for address since log offset since."""
    time.sleep(0.3)  # let sshd flush its log
    return farm.log_text(address)[since:].count("Starting session: command")


def test_unix_commands_run_in_one_exec_channel(sshd_farm: SshdFarm) -> None:
    host = sshd_farm.hosts[1]
    before = len(sshd_farm.log_text(host.address))
    [reply] = run([(host.address, host.port)], [key_credential(host)])
    assert reply.error is None and reply.shell == "unix"
    assert list(reply.outputs) == list({**commands.PROBE, **commands.UNIX})  # same names, probe first
    for name, output in reply.outputs.items():
        assert output.command == {**commands.PROBE, **commands.UNIX}[name]
    assert reply.outputs["hostname"].stdout.strip() and reply.outputs["hostname"].stdout.endswith(b"\n")
    assert reply.outputs["os_release"].stdout.startswith((b"PRETTY_NAME=", b"NAME="))
    assert b"\nMemTotal:" in b"\n" + reply.outputs["memory"].stdout
    assert sessions(sshd_farm, host.address, before) == 1


def test_batch_time_limit_output_cap_and_exit_status(sshd_farm: SshdFarm) -> None:
    """Inside the one channel: a hung command times out, a huge or endless one is cut at the cap, exit status and
    stderr are kept, and the commands after them still run."""
    host = sshd_farm.hosts[0]
    unix = {
        "hostname": "hostname",
        "os_release": "head -c 5000000 /dev/zero",  # a quick read past the cap: the collector cuts it
        "disks": "sleep 60",  # hangs: timeout(1) on the host stops it
        "memory": "printf x; echo oops >&2; exit 3",
        "connections": "yes",  # never ends on its own
        "interfaces": "printf 'no newline'",
    }
    before = len(sshd_farm.log_text(host.address))
    started = time.monotonic()
    with mock.patch.object(commands, "UNIX", unix):
        [reply] = run([(host.address, host.port)], [key_credential(host)], command_timeout=2.0)
    assert time.monotonic() - started < 20
    assert reply.error is None and reply.shell == "unix"
    out = reply.outputs
    assert out["hostname"].exit_status == 0 and out["hostname"].stdout.strip()
    assert out["os_release"].exit_status is None and out["os_release"].stdout == b"\0" * MAX_OUTPUT_BYTES
    assert out["disks"].exit_status is None
    assert out["memory"].exit_status == 3 and out["memory"].stdout == b"x" and out["memory"].stderr == b"oops\n"
    assert out["connections"].exit_status is None and len(out["connections"].stdout) == MAX_OUTPUT_BYTES
    assert out["interfaces"].exit_status == 0 and out["interfaces"].stdout == b"no newline"
    assert sessions(sshd_farm, host.address, before) == 1


def test_a_quick_read_that_hangs_does_not_lose_the_rest(sshd_farm: SshdFarm) -> None:
    """Quick reads (one kernel value or short file) run without timeout(1) on the host. Should one hang all the
    same, the collector sees the batch stall, marks it unfinished and runs the others a channel each."""
    host = sshd_farm.hosts[0]
    unix = {"hostname": "hostname", "cpu": "sleep 30", "memory": "cat /proc/meminfo", "disks": "printf ok"}
    assert "cpu" in commands.QUICK_READS and "disks" not in commands.QUICK_READS
    started = time.monotonic()
    with mock.patch.object(commands, "UNIX", unix):
        [reply] = run([(host.address, host.port)], [key_credential(host)], command_timeout=1.0)
    assert time.monotonic() - started < 15  # command_timeout + the batch's grace, then a channel per command
    assert reply.error is None and reply.shell == "unix"
    assert reply.outputs["hostname"].exit_status == 0
    assert reply.outputs["cpu"].exit_status is None
    assert reply.outputs["memory"].exit_status == 0 and b"MemTotal:" in reply.outputs["memory"].stdout
    assert reply.outputs["disks"].exit_status == 0 and reply.outputs["disks"].stdout == b"ok"


def test_split_batch_on_cut_and_forged_streams() -> None:
    named = {"a": "cmd a", "b": "cmd b", "c": "cmd c"}
    b = b"ESTATE-0123"
    whole = (b + b" OUT a\nA\n" + b"\n" + b + b" RC a 0\n"
             + b + b" OUT b\nBB" + b"\n" + b + b" RC b 124\n"
             + b + b" OUT c\nCCCC" + b"\n" + b + b" RC c 0\n" + b + b" END\n")
    errors = (b"login noise\n" + b + b" ERR a\n" + b"\n" + b + b" EOE a\n"
              + b + b" ERR b\ne!\n" + b"\n" + b + b" EOE b\n" + b + b" ERR c\n" + b"\n" + b + b" EOE c\n")
    outputs, complete = _split_batch(whole, errors, b, named, cap=3)
    assert complete
    assert outputs["a"].exit_status == 0 and outputs["a"].stdout == b"A\n" and outputs["a"].command == "cmd a"
    assert outputs["a"].stderr == b""
    assert outputs["b"].exit_status is None and outputs["b"].stdout == b"BB" and outputs["b"].stderr == b"e!\n"
    assert outputs["c"].exit_status is None and outputs["c"].stdout == b"CCC"  # over the cap: cut, unfinished
    cut, complete = _split_batch(whole[: whole.index(b"BB") + 1], errors, b, named, cap=3)
    assert not complete and cut["b"].exit_status is None and cut["b"].stdout == b"B" and "c" not in cut
    # stdout complete but the stderr stream cut inside b's section: b did not finish as far as we know
    cut_err, _ = _split_batch(whole, errors[: errors.index(b"e!\n") + 1], b, named, cap=3)
    assert cut_err["a"].exit_status == 0 and cut_err["b"].exit_status is None and cut_err["b"].stderr == b"e"
    big_err, _ = _split_batch(whole, errors.replace(b" ERR a\n", b" ERR a\neeee"), b, named, cap=3)
    assert big_err["a"].stderr == b"eee" and big_err["a"].exit_status is None  # stderr over the cap: cut too
    forged, _ = _split_batch(b + b" OUT nope\nx\n" + whole, errors, b, named, cap=3)
    assert forged == {}  # a section the script never prints: nothing is guessed
    assert _split_batch(b"% Invalid input detected at '^' marker.\n", b"", b, named, cap=3) == ({}, False)


# what the batch runs must give each command exactly what `sh -c command` gives: the real commands, and the
# shapes the script treats specially (run as written, skipped when the program is missing, builtins, failures)
EQUIVALENT = {
    **{name: command for name, command in {**commands.PROBE, **commands.UNIX}.items()
       if name not in ("memory", "connections")},  # those two change from one moment to the next
    "missing_quiet": "no-such-program-estate --x 2>/dev/null",
    "missing_loud": "no-such-program-estate --x",
    "builtin": "printf 'a\\nb'",
    "failing": "cat /nonexistent/estate",
    "quoted": "sh -c 'echo out; echo err >&2; exit 4'",
    "compound": "echo one; echo two >&2 && false",
}


@pytest.mark.skipif(shutil.which("timeout") is None, reason="needs timeout(1)")
def test_batch_gives_what_each_command_gives_alone() -> None:
    boundary = "ESTATE-test"
    script = _batch_script(EQUIVALENT, boundary, 10.0, MAX_OUTPUT_BYTES, {})
    batch = subprocess.run(["sh", "-c", script], capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    outputs, complete = _split_batch(batch.stdout, batch.stderr, boundary.encode(), EQUIVALENT, MAX_OUTPUT_BYTES)
    assert complete and list(outputs) == list(EQUIVALENT)
    for name, command in EQUIVALENT.items():
        alone = subprocess.run(["sh", "-c", command], capture_output=True, stdin=subprocess.DEVNULL, timeout=30)
        got = outputs[name]
        assert (got.stdout, got.stderr, got.exit_status) == (alone.stdout, alone.stderr, alone.returncode), name


# a dpkg database with what the status file may hold, sorted by name as dpkg writes it: packages installed,
# purged (not-installed: dpkg-query leaves those out), removed with their configuration kept, multi-line fields, an
# epoch, and no blank line at the end
DPKG_STATUS = """Package: adduser
Status: install ok installed
Priority: important
Maintainer: Debian Adduser Developers <adduser@packages.debian.org>
Architecture: all
Version: 3.134
Description: add and remove users and groups
 This package includes the 'adduser' and 'deluser' commands.
 Version: 9.9 (a description line, not a field)

Package: gone
Status: purge ok not-installed
Architecture: amd64

Package: libc6
Status: install ok installed
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

Package: old-tool
Status: deinstall ok config-files
Maintainer: Someone <someone@example.invalid>
Architecture: amd64
Version: 1:2.0-3
Conffiles:
 /etc/old-tool.conf 0123456789abcdef0123456789abcdef
Description: an old tool
"""


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg-query")
def test_dpkg_status_read_gives_what_dpkg_query_gives(tmp_path) -> None:
    (tmp_path / "status").write_text(DPKG_STATUS)
    (tmp_path / "updates").mkdir()
    (tmp_path / "info").mkdir()
    ours = subprocess.run(["sh", "-c", commands.DPKG_STATUS_READ.format(status=tmp_path / "status")],
                          capture_output=True, check=True)
    theirs = subprocess.run(["dpkg-query", f"--admindir={tmp_path}", "-W",
                             "-f", "${Package}\\t${Version}\\t${Architecture}\\n"], capture_output=True, check=True)
    assert ours.stdout == theirs.stdout
    assert ours.stdout.decode().splitlines() == ["adduser\t3.134\tall", "libc6\t2.36-9+deb12u4\tamd64",
                                                  "old-tool\t1:2.0-3\tamd64"]
    # and on this machine's own database, when it has one
    if shutil.which("dpkg") and Path("/var/lib/dpkg/status").is_file():
        ours = subprocess.run(["sh", "-c", commands.UNIX["packages_dpkg"]], capture_output=True, check=True)
        theirs = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\\t${Version}\\t${Architecture}\\n"],
                                capture_output=True, check=True)
        assert ours.stdout == theirs.stdout and ours.stdout.count(b"\n") > 10


def test_password_auth(sshd_farm: SshdFarm) -> None:
    host = sshd_farm.hosts[0]
    [reply] = run([(host.address, host.port)], [SshCredential(4, host.username, password=host.password)])
    assert reply.error is None and reply.credential_id == 4 and reply.outputs["hostname"].exit_status == 0


def test_credentials_tried_in_order(sshd_farm: SshdFarm) -> None:
    host = sshd_farm.hosts[1]
    credentials = [SshCredential(1, host.username, password="wrong-password-1"),
                   SshCredential(2, "nobody-here", password="x"),
                   SshCredential(3, host.username, password=host.password)]
    [reply] = run([(host.address, host.port)], credentials)
    assert reply.error is None and reply.credential_id == 3


def test_all_credentials_wrong_gives_clear_error_without_secrets(sshd_farm: SshdFarm) -> None:
    host = sshd_farm.hosts[0]
    [reply] = run([(host.address, host.port)], [SshCredential(1, host.username, password="wrong-password-1")])
    assert reply.error and reply.error.startswith("auth failed")
    assert "wrong-password-1" not in reply.error and reply.credential_id is None
    assert reply.host_key_fingerprint == host.host_key_fingerprint  # still learnt, for the caller to record
    assert "wrong-password-1" not in repr(SshCredential(1, "u", password="wrong-password-1"))


def test_trust_on_first_use_then_recorded_key(sshd_farm: SshdFarm) -> None:
    host = sshd_farm.hosts[0]
    target = (host.address, host.port)
    [first] = run([target], [key_credential(host)])
    assert first.error is None and first.host_key_fingerprint
    assert first.host_key_fingerprint.startswith("SHA256:") and not first.host_key_fingerprint.endswith("=")
    recorded = {target: (first.host_key_type or "", first.host_key_fingerprint)}
    [second] = run([target], [key_credential(host)], recorded)
    assert second.error is None and not second.host_key_changed
    assert ssh_host_key(*target) == (host.host_key_type, host.host_key_fingerprint)


def test_rogue_host_key_refused_before_authentication(private_sshd: SshdFarm) -> None:
    host = private_sshd.hosts[0]
    target = (host.address, host.port)
    recorded = {target: (host.host_key_type, host.host_key_fingerprint)}
    rogue = private_sshd.swap_host_key(host.address)
    assert rogue.host_key_fingerprint != host.host_key_fingerprint
    log_before = len(private_sshd.log_text(host.address))
    credentials = [SshCredential(1, host.username, password=host.password), key_credential(host, 2)]
    [reply] = run([target], credentials, recorded)
    assert reply.host_key_changed
    assert reply.error == (f"host key changed: expected {host.host_key_fingerprint} got {rogue.host_key_fingerprint}; "
                           "re-trust the device to continue")
    assert reply.credential_id is None and not reply.outputs
    time.sleep(0.3)  # let sshd flush its log
    log = private_sshd.log_text(host.address)[log_before:]
    assert "Connection from" in log  # the connection did reach this sshd...
    for marker in ("Accepted", "Failed password", "Failed publickey", "Postponed", "Invalid user", "userauth"):
        assert marker not in log, f"authentication was attempted: {marker!r} in sshd log"  # ...but no auth


def test_rogue_key_on_recording_server_sees_no_auth_attempt(hostile_sshd: HostileSshServer) -> None:
    target = (hostile_sshd.address, hostile_sshd.port)
    recorded = {target: (hostile_sshd.host_key_type, hostile_sshd.host_key_fingerprint)}
    hostile_sshd.swap_host_key()
    [reply] = run([target], [SshCredential(1, hostile_sshd.username, password=hostile_sshd.password)], recorded)
    assert reply.host_key_changed
    assert hostile_sshd.auth_attempts == []


def test_mute_host_times_out(mute_host: MuteHost) -> None:
    started = time.monotonic()
    [reply] = run([(mute_host.address, 22220)], [SshCredential(1, "u", password="p")], timeout=1.0)
    assert reply.error and reply.error.startswith("timeout"), reply.error
    assert time.monotonic() - started < 4


def test_closed_port_is_refused() -> None:
    [reply] = run([(loopback(9, 1), 22299)], [SshCredential(1, "u", password="p")], timeout=1.0)
    assert reply.error == "connect failed: connection refused"


def test_a_reader_that_stops_stops_the_collection() -> None:
    """Hosts start as others finish, a few ahead of the pool: a discovery that stops reading (cancelled, or waiting
    on its database) holds a few replies, not the whole scope's."""
    from discovery.collectors import ssh as ssh_module

    targets = [(loopback(9, n), 22299) for n in range(1, 201)]  # closed ports: refused at once
    with mock.patch.object(ssh_module, "_collect_one", wraps=ssh_module._collect_one) as collect_one:
        stream = ssh_collect(targets, [SshCredential(1, "u", password="p")], known_host_keys={}, timeout=1.0,
                             concurrency=4)
        first = next(stream)
        time.sleep(0.5)  # were they all started, they would all be done by now
        assert collect_one.call_count <= 2 * 4 + 1
        stream.close()
    assert first.error == "connect failed: connection refused"
    every = list(ssh_collect(targets[:20], [SshCredential(1, "u", password="p")], known_host_keys={}, timeout=1.0,
                             concurrency=4))
    assert sorted(r.address for r in every) == sorted(a for a, _ in targets[:20])  # and all of them when read


def test_slow_server_times_out() -> None:
    with SlowSshServer(loopback(9, 2), 22220, delay=5.0) as server:
        started = time.monotonic()
        [reply] = run([(server.address, server.port)], [SshCredential(1, "u", password="p")], timeout=1.0)
    assert reply.error and reply.error.startswith("timeout"), reply.error
    assert time.monotonic() - started < 4


def test_hostile_output_command_timeout_and_cap(hostile_sshd: HostileSshServer) -> None:
    started = time.monotonic()
    [reply] = run([(hostile_sshd.address, hostile_sshd.port)],
                  [SshCredential(1, hostile_sshd.username, password=hostile_sshd.password)], command_timeout=1.5)
    assert reply.error is None, reply.error
    assert reply.shell == "unix"
    assert b"<script>" in reply.outputs["uname"].stdout  # kept raw, as bytes: escaping is the UI's job
    capped = reply.outputs["os_release"]
    assert capped.exit_status is None and len(capped.stdout) == MAX_OUTPUT_BYTES
    assert reply.outputs["cpu"].exit_status is None  # hung command: timed out
    assert reply.outputs["connections"].exit_status is None  # endless stream: cut
    assert len(reply.outputs["connections"].stdout) <= MAX_OUTPUT_BYTES
    assert reply.outputs["memory"].exit_status == 3 and reply.outputs["memory"].stderr.startswith(b"\xfe")
    assert time.monotonic() - started < 30
