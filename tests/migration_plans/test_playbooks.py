"""Estate playbooks run for real through migration_plans.runner against OpenSSH on loopback.

The sshd hosts come from a small private fixture below (``PrivateSshd``): tests/agents/sshd.py
did not exist when this was written, and it still lacks what these tests need: the host's
public key line (for known_hosts), an encrypted client key, and a per-session canary password
(resetting the shared ``estate-test`` user's password would break suites running alongside).
So this fixture uses its own login user ``estate-ssh-test``. It needs root (sshd, useradd);
without root the agent tests are skipped. All traffic stays on 127.0.0.0/8.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.server
import json
import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from migration_plans.runner import (
    Credentials,
    HostSpec,
    RunResult,
    build_private_data_dir,
    known_hosts_lines,
    run_playbook,
    scrub_artifacts,
    summarise_event,
)

# One xdist worker runs this whole module: its sshd addresses and the login user's canary password are shared state
# (scripts/test runs pytest with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("playbooks-private-sshd")

SSHD = "/usr/sbin/sshd"
TEST_USER = "estate-ssh-test"
# Unique per test session, so a hit anywhere can only come from this run. The same in every xdist worker (the seed
# comes from tests/conftest.py, through the environment): the login user is one OS account, and a worker that set its
# own password would lock out a farm another worker had started.
CANARY_PASSWORD = f"canary-pw-{os.environ.get('ESTATE_TEST_SESSION_SEED') or uuid.uuid4().hex}"
CANARY_PASSPHRASE = f"canary-pp-{uuid.uuid4().hex}"


# --------------------------------------------------------------------------- private sshd fixture


@dataclass
class SshHost:
    name: str
    address: str
    port: int
    username: str
    password: str
    key_text: str  # unencrypted client key
    host_public_key: str  # OpenSSH line of the server's host key

    def spec(self, **kwargs: object) -> HostSpec:
        values: dict = {
            "name": self.name,
            "address": self.address,
            "port": self.port,
            "user": self.username,
            "host_public_keys": [self.host_public_key],
        }
        values.update(kwargs)
        return HostSpec(**values)


@dataclass
class PrivateSshd:
    """sshd processes on loopback addresses, all letting TEST_USER in by key or password."""

    root: Path
    addresses: list[str]
    password: str
    hosts: list[SshHost] = field(default_factory=list)
    home_dir: Path = field(init=False)  # user-owned scratch dir for this farm
    encrypted_key_text: str = field(init=False)
    _procs: list[subprocess.Popen] = field(default_factory=list)

    def __enter__(self) -> PrivateSshd:
        _ensure_user(self.password)
        pw = pwd.getpwnam(TEST_USER)
        self.home_dir = Path(pw.pw_dir) / f"estate-farm-{uuid.uuid4().hex[:8]}"
        self.home_dir.mkdir()
        keys = self.home_dir / "keys"
        keys.mkdir()
        _keygen(keys / "client", "")
        _keygen(keys / "client_enc", CANARY_PASSPHRASE)
        authorized = self.home_dir / "authorized_keys"
        authorized.write_text((keys / "client.pub").read_text() + (keys / "client_enc.pub").read_text())
        key_text = (keys / "client").read_text()
        self.encrypted_key_text = (keys / "client_enc").read_text()
        shutil.rmtree(keys)
        subprocess.run(["chown", "-R", f"{pw.pw_uid}:{pw.pw_gid}", str(self.home_dir)], check=True)
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)

        for i, address in enumerate(self.addresses):
            port = _free_port(address)
            sdir = self.root / f"sshd-{i}"
            sdir.mkdir(parents=True)
            _keygen(sdir / "host_ed25519", "")
            cfg = sdir / "sshd_config"
            cfg.write_text(
                "\n".join(
                    [
                        f"ListenAddress {address}:{port}",
                        f"HostKey {sdir / 'host_ed25519'}",
                        f"PidFile {sdir / 'sshd.pid'}",
                        f"AuthorizedKeysFile {authorized}",
                        f"AllowUsers {TEST_USER}",
                        "PermitRootLogin no",
                        "PasswordAuthentication yes",
                        "PubkeyAuthentication yes",
                        "KbdInteractiveAuthentication no",
                        "UsePAM no",
                        "UseDNS no",
                        "StrictModes no",
                        "MaxStartups 100",
                        "LogLevel VERBOSE",
                        "Subsystem sftp internal-sftp",
                        "",
                    ]
                )
            )
            log = (sdir / "sshd.log").open("w")
            self._procs.append(subprocess.Popen([SSHD, "-D", "-e", "-f", str(cfg)], stderr=log, stdout=log))
            _wait_port(address, port)
            self.hosts.append(
                SshHost(
                    name=f"ssh{i + 1}",
                    address=address,
                    port=port,
                    username=TEST_USER,
                    password=self.password,
                    key_text=key_text,
                    host_public_key=(sdir / "host_ed25519.pub").read_text().strip(),
                )
            )
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self._procs:
            proc.terminate()
        for proc in self._procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        shutil.rmtree(self.home_dir, ignore_errors=True)

    def run_as_user(self, script: str) -> str:
        out = subprocess.run(
            ["runuser", "-u", TEST_USER, "--", "/bin/sh", "-c", script],
            capture_output=True,
            text=True,
            check=True,
            cwd="/",
        )
        return out.stdout.strip()


def _keygen(path: Path, passphrase: str) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "", "-f", str(path)], check=True)


def _ensure_user(password: str) -> None:
    # The lock serialises our own workers; the retries cover other suites holding the passwd lock.
    with open("/tmp/estate-ssh-test-user.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for attempt in range(20):
            try:
                pwd.getpwnam(TEST_USER)
            except KeyError:
                subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", TEST_USER], capture_output=True)
            done = subprocess.run(["chpasswd"], input=f"{TEST_USER}:{password}\n", text=True, capture_output=True)
            if done.returncode == 0:
                return
            time.sleep(0.05 * (attempt + 1))
        raise RuntimeError(f"cannot create {TEST_USER}: {done.stderr[:200]}")


def _free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def _wait_port(address: str, port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"sshd on {address}:{port} did not start")


def _can_run_sshd() -> bool:
    return os.geteuid() == 0 and os.path.exists(SSHD) and shutil.which("useradd") is not None


agents = pytest.mark.skipif(not _can_run_sshd(), reason="needs root and OpenSSH sshd")


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateSshd]:
    with PrivateSshd(tmp_path_factory.mktemp("sshd"), ["127.0.77.1", "127.0.77.2"], CANARY_PASSWORD) as f:
        yield f


# --------------------------------------------------------------------------- helpers


def _run(
    tmp_path: Path,
    playbook: str,
    hosts: list[HostSpec],
    extravars: dict | None = None,
    *,
    credentials: Credentials | None = None,
    check: bool = False,
    events: list[dict] | None = None,
    **run_kwargs: object,
) -> RunResult:
    pdd = build_private_data_dir(
        tmp_path / "runs",
        playbook=playbook,
        hosts=hosts,
        extravars=extravars or {},
        check=check,
        credentials=credentials,
        connect_timeout=5,
    )
    sink = events if events is not None else []

    def handler(event: dict) -> bool:
        sink.append(json.loads(json.dumps(event)))  # a copy, as a database writer would see it
        return True

    # A stuck prompt or connection must fail the test, not stall the suite.
    run_kwargs.setdefault("timeout", 240)
    return run_playbook(pdd, event_handler=handler, **run_kwargs)  # type: ignore[arg-type]


def _key(farm: PrivateSshd) -> Credentials:
    return Credentials(private_key=farm.hosts[0].key_text)


def _start_daemon(farm: PrivateSshd, pidfile: Path) -> int:
    # Double fork through the shell so init reaps the process once it is killed.
    farm.run_as_user(f"mkdir -p {pidfile.parent} && (setsid sleep 600 >/dev/null 2>&1 & echo $! > {pidfile})")
    return int(pidfile.read_text())


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _dead_address() -> tuple[str, int]:
    # Nothing listens here: the connection is refused at once.
    return "127.0.77.99", _free_port("127.0.77.99")


# --------------------------------------------------------------------------- tests without sshd


def test_summarise_event_is_compact_and_fast() -> None:
    event = {
        "uuid": "u",
        "counter": 7,
        "event": "runner_on_ok",
        "stdout": "\x1b[0;33mchanged: [h1]\x1b[0m" + "x" * 5000,
        "created": "2026-01-01T00:00:00",
        "event_data": {"host": "h1", "task": "Stop", "play": "P", "res": {"changed": True}},
    }
    record = summarise_event(event)
    assert record["status"] == "changed"
    assert record["host"] == "h1" and record["task"] == "Stop" and record["counter"] == 7
    assert record["stdout"].startswith("changed: [h1]") and len(record["stdout"]) <= 1024
    failed = summarise_event({"event": "runner_on_failed", "event_data": {"ignore_errors": True}})
    assert failed["status"] == "ignored"
    started = time.perf_counter()
    for _ in range(20_000):
        summarise_event(event)
    assert 20_000 / (time.perf_counter() - started) > 1_000


def test_scrub_artifacts_redacts(tmp_path: Path) -> None:
    secret = 's3cr"et\nline-two-of-the-secret'
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "stdout").write_text(f"pw={secret}")
    (tmp_path / "a" / "event.json").write_text(json.dumps({"x": secret}))
    (tmp_path / "clean").write_text("nothing")
    changed = scrub_artifacts(tmp_path, [secret])
    assert sorted(p.name for p in changed) == ["event.json", "stdout"]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert "line-two-of-the-secret" not in path.read_text()


def test_secrets_rejected_from_extravars(tmp_path: Path) -> None:
    host = HostSpec(name="h", address="127.0.0.1", connection="local")
    with pytest.raises(ValueError, match="secret"):
        build_private_data_dir(tmp_path, playbook="precheck.yml", hosts=[host], extravars={"ssh_password": "x"})
    with pytest.raises(ValueError, match="credential"):
        build_private_data_dir(
            tmp_path,
            playbook="precheck.yml",
            hosts=[host],
            extravars={"note": "hunter2-hunter2"},
            credentials=Credentials(password="hunter2-hunter2"),
        )
    with pytest.raises(ValueError, match="unsafe"):
        build_private_data_dir(tmp_path, playbook="precheck.yml", hosts=[HostSpec(name="{{x}}", address="1")])


def test_known_hosts_lines() -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl comment"
    spec = HostSpec(name="a", address="127.0.0.5", port=2222, host_public_keys=[key])
    assert known_hosts_lines([spec]) == [
        "[127.0.0.5]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    ]
    with pytest.raises(ValueError):
        known_hosts_lines([HostSpec(name="a", address="h", host_public_keys=["ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAA"])])


@pytest.mark.slow
def test_local_precheck_reports_set_stats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A secret in the calling process's environment (e.g. Django's) must not reach artifacts/command.
    canary = f"env-canary-{uuid.uuid4().hex}"
    monkeypatch.setenv("ESTATE_DB_PASSWORD", canary)
    hosts = [
        HostSpec(name="local1", address="127.0.0.1", connection="local"),
        HostSpec(name="local2", address="127.0.0.1", connection="local", variables={"min_free_mb": 10**12}),
    ]
    statuses: list[dict] = []
    result = _run(tmp_path, "precheck.yml", hosts, {"mount_points": ["/"]}, status_handler=statuses.append)
    assert result.status == "failed"
    assert [s["status"] for s in statuses] == ["starting", "running", "failed"]
    assert all("env" not in s for s in statuses)
    assert result.hosts["local1"].status == "ok" and result.hosts["local2"].status == "failed"
    assert result.hosts["local1"].estate["checks"]["disk"] is True
    assert result.hosts["local1"].estate["free_mb"]["/"] > 1
    assert result.hosts["local2"].estate["checks"]["disk"] is False  # per-host variables win over play defaults
    command = json.loads((result.artifact_dir / "command").read_text())
    assert "ESTATE_DB_PASSWORD" not in command["env"]
    assert command["env"]["ANSIBLE_HOST_KEY_CHECKING"] == "True"


# --------------------------------------------------------------------------- tests against sshd


@pytest.mark.agents
@agents
def test_precheck_passes_on_two_hosts(farm: PrivateSshd, tmp_path: Path) -> None:
    run_dir = farm.home_dir / f"pre-{uuid.uuid4().hex[:6]}"
    pid = _start_daemon(farm, run_dir / "fakesvc.pid")
    farm.run_as_user(f"touch {run_dir}/backup.done")
    extravars = {
        "min_free_mb": 1,
        "mount_points": ["/", "/tmp"],
        "required_services": ["fakesvc"],
        "service_manager": "pidfile",
        "pidfile_dir": str(run_dir),
        "backup_marker_path": str(run_dir / "backup.done"),
        "backup_max_age_hours": 1,
    }
    events: list[dict] = []
    result = _run(
        tmp_path, "precheck.yml", [h.spec() for h in farm.hosts], extravars, credentials=_key(farm), events=events
    )
    assert result.status == "successful", result.stdout_tail
    assert result.rc == 0
    for host in farm.hosts:
        hr = result.hosts[host.name]
        assert hr.status == "ok" and hr.failed == 0 and hr.unreachable == 0
        assert hr.estate["checks"] == {"reachable": True, "disk": True, "services": True, "backup": True}
        assert hr.estate["free_mb"]["/"] > 1
        assert hr.estate["services"]["fakesvc"]["state"] == "running"
    assert {e["event"] for e in events} >= {"playbook_on_start", "runner_on_ok", "playbook_on_stats"}
    os.kill(pid, 9)


@pytest.mark.agents
@agents
def test_precheck_failing_and_unreachable_hosts(farm: PrivateSshd, tmp_path: Path) -> None:
    dead_addr, dead_port = _dead_address()
    hosts = [
        farm.hosts[0].spec(variables={"min_free_mb": 1}),
        farm.hosts[1].spec(variables={"min_free_mb": 10**12}),
        HostSpec(
            name="gone",
            address=dead_addr,
            port=dead_port,
            user=TEST_USER,
            host_public_keys=[farm.hosts[0].host_public_key],
        ),
    ]
    result = _run(tmp_path, "precheck.yml", hosts, credentials=_key(farm))
    assert result.status == "failed"
    ok, full, gone = (result.hosts[n] for n in ("ssh1", "ssh2", "gone"))
    assert ok.status == "ok"
    assert full.status == "failed"
    assert any("disk:" in m and "need" in m for m in full.messages), full.messages
    assert full.estate["checks"]["disk"] is False  # reported before the host failed
    assert gone.status == "unreachable" and gone.unreachable == 1
    assert gone.estate == {}


@pytest.mark.agents
@agents
def test_check_mode_changes_nothing(farm: PrivateSshd, tmp_path: Path) -> None:
    run_dir = farm.home_dir / f"chk-{uuid.uuid4().hex[:6]}"
    pid = _start_daemon(farm, run_dir / "legacy.pid")
    extravars = {
        "services_to_stop": ["legacy"],
        "service_manager": "pidfile",
        "pidfile_dir": str(run_dir),
        "evidence_dir": str(tmp_path / "evidence"),
    }
    result = _run(tmp_path, "decommission.yml", [farm.hosts[0].spec()], extravars, credentials=_key(farm), check=True)
    assert result.status == "successful", result.stdout_tail
    report = result.hosts["ssh1"].estate
    assert report["check_mode"] is True and report["stopped"] == ["legacy"]
    assert _alive(pid)
    assert (run_dir / "legacy.pid").exists()
    assert not (run_dir / "legacy.disabled").exists()
    assert not (tmp_path / "evidence").exists()
    os.kill(pid, 9)


@pytest.mark.agents
@agents
def test_decommission_is_idempotent(farm: PrivateSshd, tmp_path: Path) -> None:
    run_dir = farm.home_dir / f"dec-{uuid.uuid4().hex[:6]}"
    pid = _start_daemon(farm, run_dir / "legacy.pid")
    evidence = tmp_path / "evidence"
    extravars = {
        "services_to_stop": ["legacy", "never-installed"],
        "service_manager": "pidfile",
        "pidfile_dir": str(run_dir),
        "evidence_dir": str(evidence),
        "stop_timeout": 10,
    }
    first = _run(tmp_path / "1", "decommission.yml", [farm.hosts[0].spec()], extravars, credentials=_key(farm))
    assert first.status == "successful", first.stdout_tail
    assert first.hosts["ssh1"].changed > 0
    assert first.hosts["ssh1"].estate["stopped"] == ["legacy"]
    assert first.hosts["ssh1"].estate["absent"] == ["never-installed"]
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
    assert not (run_dir / "legacy.pid").exists()
    assert (run_dir / "legacy.disabled").exists()
    records = list((evidence / "ssh1").glob("decommission-*.json"))
    assert len(records) == 1 and json.loads(records[0].read_text())["stopped"] == ["legacy"]

    second = _run(tmp_path / "2", "decommission.yml", [farm.hosts[0].spec()], extravars, credentials=_key(farm))
    assert second.status == "successful", second.stdout_tail
    assert second.hosts["ssh1"].changed == 0
    assert second.hosts["ssh1"].estate["stopped"] == []
    assert len(list((evidence / "ssh1").glob("decommission-*.json"))) == 1


@pytest.mark.agents
@agents
def test_capture_fetches_evidence_with_checksums(farm: PrivateSshd, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    conf = farm.home_dir / f"app-{uuid.uuid4().hex[:6]}.conf"
    farm.run_as_user(f"echo 'listen 8080' > {conf}")
    extravars = {"evidence_dir": str(evidence), "capture_paths": [str(conf), "/nonexistent/file"]}
    result = _run(tmp_path, "capture.yml", [farm.hosts[0].spec()], extravars, credentials=_key(farm))
    assert result.status == "successful", result.stdout_tail
    report = result.hosts["ssh1"].estate
    flat = "files/" + str(conf).lstrip("/").replace("/", "__")
    fetched = evidence / "ssh1" / flat
    assert fetched.read_text() == "listen 8080\n"
    assert report["checksums"][flat] == hashlib.sha256(fetched.read_bytes()).hexdigest()
    assert report["missing"] == ["/nonexistent/file"] and report["checksum_mismatch"] == []
    assert json.loads((evidence / "ssh1" / "facts.json").read_text())["user_id"] == TEST_USER
    assert (evidence / "ssh1" / "packages.txt").read_text().strip()
    assert f"  {flat}" in (evidence / "ssh1" / "SHA256SUMS").read_text()


@pytest.mark.agents
@agents
def test_handover_telephony_validate(farm: PrivateSshd, tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    hosts = [farm.hosts[0].spec()]
    try:
        handover = _run(
            tmp_path / "h",
            "desktop_handover.yml",
            hosts,
            {
                "expected_hostname": socket.gethostname(),
                "handover_user": TEST_USER,
                "required_software": ["sh", "python3"],
                "encryption_check_command": "test -r /etc/hostname",
            },
            credentials=_key(farm),
        )
        assert handover.status == "successful", handover.stdout_tail
        assert set(handover.hosts["ssh1"].estate["checks"].values()) == {True}

        dead_port = _free_port("127.0.0.1")
        telephony = _run(
            tmp_path / "t",
            "telephony_cutover.yml",
            hosts,
            {
                "sip_ports": [port],
                "trunk_endpoints": [{"host": "localhost", "port": port}, {"host": "127.0.0.1", "port": dead_port}],
                "probe_timeout": 1,
            },
            credentials=_key(farm),
        )
        assert telephony.status == "failed"
        report = telephony.hosts["ssh1"].estate
        assert report["checks"]["sip_ports"] is True and report["checks"]["trunks"] is False
        assert report["trunks"][f"localhost:{port}"]["answered"] is True
        assert any(f"127.0.0.1:{dead_port} does not answer" in m for m in telephony.hosts["ssh1"].messages)

        validate = _run(
            tmp_path / "v",
            "validate.yml",
            hosts,
            {
                "expected_ports": [port],
                "health_url": f"http://127.0.0.1:{port}/",
                "expected_os_version": Path("/etc/debian_version").read_text().split(".")[0].strip(),
            },
            credentials=_key(farm),
        )
        assert validate.status == "successful", validate.stdout_tail
        assert validate.hosts["ssh1"].estate["health_status"] == 200
    finally:
        server.shutdown()


def _slow_validate(farm: PrivateSshd) -> tuple[list[HostSpec], dict]:
    # wait_for keeps polling a closed port until probe_timeout: a real, long-running task.
    return [farm.hosts[0].spec()], {"expected_ports": [_free_port("127.0.0.1")], "probe_timeout": 120}


@pytest.mark.agents
@agents
def test_cancel(farm: PrivateSshd, tmp_path: Path) -> None:
    hosts, extravars = _slow_validate(farm)
    events: list[dict] = []

    def cancel() -> bool:
        return any(e.get("event_data", {}).get("task") == "Probe listening ports" for e in events)

    started = time.monotonic()
    result = _run(
        tmp_path, "validate.yml", hosts, extravars, credentials=_key(farm), events=events, cancel_callback=cancel
    )
    assert result.status == "canceled"
    assert time.monotonic() - started < 60
    assert result.hosts["ssh1"].status == "unknown"
    assert not (result.private_data_dir / "env" / "ssh_key").exists()


@pytest.mark.agents
@agents
def test_timeout(farm: PrivateSshd, tmp_path: Path) -> None:
    hosts, extravars = _slow_validate(farm)
    started = time.monotonic()
    result = _run(tmp_path, "validate.yml", hosts, extravars, credentials=_key(farm), timeout=15)
    assert result.status == "timeout"
    assert time.monotonic() - started < 60


@pytest.mark.agents
@agents
def test_unknown_host_key_is_refused(farm: PrivateSshd, tmp_path: Path) -> None:
    # Not in known_hosts at all.
    hosts = [farm.hosts[0].spec(), farm.hosts[1].spec(name="nokey", host_public_keys=[])]
    result = _run(tmp_path / "unknown", "precheck.yml", hosts, credentials=_key(farm))
    assert result.hosts["ssh1"].status == "ok"
    assert result.hosts["nokey"].status == "unreachable", result.hosts["nokey"]
    assert any("Host key verification failed" in m for m in result.hosts["nokey"].messages)
    assert (result.private_data_dir / "known_hosts").read_text().count("\n") == 1  # nothing learned

    # Recorded key differs from the one the host presents (swapped host key).
    _keygen(tmp_path / "other", "")
    wrong_key = (tmp_path / "other.pub").read_text().strip()
    hosts = [farm.hosts[1].spec(name="wrongkey", host_public_keys=[wrong_key])]
    result = _run(tmp_path / "changed", "precheck.yml", hosts, credentials=_key(farm))
    assert result.status == "failed"
    assert result.hosts["wrongkey"].status == "unreachable"
    assert any("Host key verification failed" in m for m in result.hosts["wrongkey"].messages)


def _assert_nowhere(secret: str, result: RunResult, events: list[dict]) -> None:
    for path in result.private_data_dir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert secret.encode() not in path.read_bytes(), f"secret leaked into {path}"
    assert secret not in json.dumps(events)
    assert secret not in result.stdout_tail
    assert secret not in json.dumps(result.set_stats)
    assert not (result.private_data_dir / "env" / "passwords").exists()
    assert not (result.private_data_dir / "env" / "ssh_key").exists()
    assert not (result.artifact_dir / "ssh_key_data").exists()


@pytest.mark.agents
@agents
def test_canary_ssh_password(farm: PrivateSshd, tmp_path: Path) -> None:
    events: list[dict] = []
    result = _run(
        tmp_path,
        "precheck.yml",
        [h.spec() for h in farm.hosts],
        {"min_free_mb": 1},
        credentials=Credentials(password=CANARY_PASSWORD),
        events=events,
    )
    assert result.status == "successful", result.stdout_tail
    assert all(h.status == "ok" for h in result.hosts.values())
    assert result.redacted_files == []  # nothing had to be scrubbed: it never got there
    _assert_nowhere(CANARY_PASSWORD, result, events)


@pytest.mark.agents
@agents
def test_canary_key_passphrase(farm: PrivateSshd, tmp_path: Path) -> None:
    events: list[dict] = []
    creds = Credentials(private_key=farm.encrypted_key_text, key_passphrase=CANARY_PASSPHRASE)
    result = _run(
        tmp_path, "precheck.yml", [farm.hosts[0].spec()], {"min_free_mb": 1}, credentials=creds, events=events
    )
    assert result.status == "successful", result.stdout_tail
    assert result.hosts["ssh1"].status == "ok"
    _assert_nowhere(CANARY_PASSPHRASE, result, events)
    key_body = farm.encrypted_key_text.splitlines()[1]
    _assert_nowhere(key_body, result, events)


@pytest.mark.agents
@agents
def test_wrong_password_is_unreachable_not_hanging(farm: PrivateSshd, tmp_path: Path) -> None:
    started = time.monotonic()
    result = _run(
        tmp_path, "precheck.yml", [farm.hosts[0].spec()], credentials=Credentials(password="wrong-pw-x1"), timeout=90
    )
    assert result.hosts["ssh1"].status == "unreachable"
    assert time.monotonic() - started < 60


@pytest.mark.agents
@agents
def test_wrong_key_passphrase_fails_before_running(farm: PrivateSshd, tmp_path: Path) -> None:
    creds = Credentials(private_key=farm.encrypted_key_text, key_passphrase="not-the-passphrase")
    with pytest.raises(ValueError, match="passphrase"):
        build_private_data_dir(tmp_path, playbook="precheck.yml", hosts=[farm.hosts[0].spec()], credentials=creds)
