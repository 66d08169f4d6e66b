"""Real OpenSSH servers on loopback addresses for tests, benchmarks and Ansible runs.

    with SshdFarm(tmp_path, addresses=[("127.0.10.1", 22220), ("127.0.10.2", 22220)]) as farm:
        host = farm.hosts[0]   # address, port, username, password, private key, host key fingerprint
        farm.swap_host_key("127.0.10.1")   # the rogue-key case: new host key, same address

One sshd per address by default (each its own host key); shared=True runs one sshd per 16 addresses (sshd's
listen-socket limit), sharing host keys: cheap for 100-host benchmarks, but swap_host_key is then not available.
The login user is a real system user (estate-test) created idempotently; we run as root in dev and CI.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from discovery.collectors.ssh import ssh_host_key

SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = "ssh-keygen"
USERNAME = "estate-test"
PASSWORD = "Estate-test-pw-7"  # a throwaway account on loopback-only test servers


@dataclass(frozen=True)
class SshHost:
    address: str
    port: int
    username: str
    password: str
    private_key_path: Path
    private_key: str  # OpenSSH text of the client key in authorized_keys
    host_key_type: str  # what a client preferring ed25519 sees, e.g. "ssh-ed25519"
    host_key_fingerprint: str  # "SHA256:..."
    log_path: Path  # sshd -E log (LogLevel VERBOSE): "Accepted", "Failed password" lines


def _missing(binary: str) -> RuntimeError:
    return RuntimeError(f"{binary} not installed: run scripts/test which apt-installs openssh-server")


def ensure_user(username: str = USERNAME, password: str = PASSWORD) -> None:
    """Create the test login user if missing and (re)set its password; safe to call from parallel workers."""
    for attempt in range(20):
        if subprocess.run(["id", "-u", username], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "-m", "-s", "/bin/bash", username], capture_output=True)
        result = subprocess.run(["chpasswd"], input=f"{username}:{password}\n".encode(), capture_output=True)
        if result.returncode == 0:
            return
        time.sleep(0.05 * (attempt + 1))  # /etc/passwd lock held by another worker
    raise RuntimeError(f"could not create test user {username}: {result.stderr.decode(errors='replace')[:200]}")


def keygen(path: Path, key_type: str = "ed25519") -> None:
    if shutil.which(SSH_KEYGEN) is None:
        raise _missing(SSH_KEYGEN)
    for suffix in ("", ".pub"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    args = [SSH_KEYGEN, "-q", "-t", key_type, "-N", "", "-C", "estate-test", "-f", str(path)]
    if key_type == "rsa":
        args[4:4] = ["-b", "2048"]
    subprocess.run(args, check=True, capture_output=True)
    os.chmod(path, 0o600)


def wait_ssh(address: str, port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None,
             log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            text = log.read_text(errors="replace")[-1500:] if log and log.exists() else ""
            raise RuntimeError(f"sshd on {address}:{port} exited with {proc.returncode}: {text}")
        try:
            with socket.create_connection((address, port), timeout=0.5) as sock:
                if sock.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"sshd on {address}:{port} not ready within {timeout}s")
        time.sleep(0.05)


class SshdFarm:
    def __init__(self, workdir: Path, addresses: Sequence[tuple[str, int]], *, shared: bool = False,
                 username: str = USERNAME, password: str = PASSWORD, startup_timeout: float = 20.0,
                 log_level: str = "VERBOSE") -> None:
        self.workdir = Path(workdir) / "sshd"
        self.addresses = [(a, int(p)) for a, p in addresses]
        self.shared = shared
        self.username = username
        self.password = password
        self.startup_timeout = startup_timeout
        self.log_level = log_level
        self.hosts: list[SshHost] = []
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._client_key = self.workdir / "client_ed25519"
        self._public_dir: Path | None = None
        self._group_of: dict[str, str] = {}
        self._authorized_keys = Path("/nonexistent")

    def __enter__(self) -> SshdFarm:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def host(self, address: str) -> SshHost:
        return next(h for h in self.hosts if h.address == address)

    def start(self) -> None:
        if not Path(SSHD).exists():
            raise _missing("sshd")
        self.workdir.mkdir(parents=True, exist_ok=True)
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)  # sshd's privilege separation dir
        ensure_user(self.username, self.password)
        keygen(self._client_key)
        # sshd reads authorized_keys as the user: pytest's tmp dirs are root-only, so keep it in a readable dir
        self._public_dir = Path(tempfile.mkdtemp(prefix="estate-sshd-"))
        self._public_dir.chmod(0o755)
        self._authorized_keys = self._public_dir / "authorized_keys"
        self._authorized_keys.write_text(Path(f"{self._client_key}.pub").read_text())
        self._authorized_keys.chmod(0o644)
        keygen(self.workdir / "ssh_host_rsa_key", "rsa")  # one RSA key per farm: RSA generation is slow
        try:
            if self.shared:  # sshd listens on at most 16 sockets (MAX_LISTEN_SOCKS): one process per 16 addresses
                groups = [(f"group{i // 16}", self.addresses[i:i + 16]) for i in range(0, len(self.addresses), 16)]
            else:
                groups = [(a, [(a, p)]) for a, p in self.addresses]
            self._group_of = {address: name for name, listen in groups for address, _ in listen}
            for name, listen in groups:
                self._start_one(name, listen, new_key=True)
            for name, listen in groups:
                proc = self._procs[name]
                for address, port in listen:
                    wait_ssh(address, port, self.startup_timeout, proc, self._dir(name) / "sshd.log")
            self.hosts = [self._describe(a, p) for a, p in self.addresses]
        except BaseException:
            self.stop()
            raise

    def _dir(self, name: str) -> Path:
        return self.workdir / name

    def _start_one(self, name: str, listen: Sequence[tuple[str, int]], new_key: bool) -> None:
        directory = self._dir(name)
        directory.mkdir(parents=True, exist_ok=True)
        if new_key:
            keygen(directory / "ssh_host_ed25519_key")
        config = directory / "sshd_config"
        lines = [f"ListenAddress {address}:{port}" for address, port in listen] + [
            f"HostKey {directory / 'ssh_host_ed25519_key'}",
            f"HostKey {self.workdir / 'ssh_host_rsa_key'}",
            f"PidFile {directory / 'sshd.pid'}",
            f"AuthorizedKeysFile {self._authorized_keys}",
            "UsePAM no",
            "PasswordAuthentication yes",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin no",
            "StrictModes no",
            f"AllowUsers {self.username}",
            f"LogLevel {self.log_level}",
            "UseDNS no",
            "MaxStartups 200:30:400",
            "MaxSessions 50",
            "MaxAuthTries 6",
            "LoginGraceTime 30",
            "Subsystem sftp internal-sftp",  # Ansible copies modules over sftp
        ]
        config.write_text("\n".join(lines) + "\n")
        log = directory / "sshd.log"
        self._procs[name] = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config), "-E", str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )

    def _describe(self, address: str, port: int) -> SshHost:
        key_type, fp = ssh_host_key(address, port, timeout=5.0)
        name = self._group_of[address]
        return SshHost(address=address, port=port, username=self.username, password=self.password,
                       private_key_path=self._client_key, private_key=self._client_key.read_text(),
                       host_key_type=key_type, host_key_fingerprint=fp, log_path=self._dir(name) / "sshd.log")

    def swap_host_key(self, address: str) -> SshHost:
        """Give the sshd of address a new host key (a rogue server taking its place); returns the new SshHost."""
        if self.shared:
            raise RuntimeError("swap_host_key needs one sshd per address (shared=False)")
        port = next(p for a, p in self.addresses if a == address)
        self._stop_proc(address)
        self._start_one(address, [(address, port)], new_key=True)
        wait_ssh(address, port, self.startup_timeout, self._procs[address], self._dir(address) / "sshd.log")
        new = self._describe(address, port)
        self.hosts = [new if h.address == address else h for h in self.hosts]
        return new

    def log_text(self, address: str) -> str:
        path = self.host(address).log_path
        return path.read_text(errors="replace") if path.exists() else ""

    def _stop_proc(self, name: str) -> None:
        proc = self._procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def stop(self) -> None:
        for name in list(self._procs):
            self._stop_proc(name)
        if self._public_dir is not None:
            shutil.rmtree(self._public_dir, ignore_errors=True)
            self._public_dir = None


def replace_host(host: SshHost, **changes: object) -> SshHost:
    return dataclasses.replace(host, **changes)  # type: ignore[arg-type]
