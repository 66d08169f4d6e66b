"""A throwaway Samba Active Directory domain controller on loopback, for tests and benchmarks.

    dc = SambaDC(tmp_path)            # provisions ESTATE.TEST into tmp_path (~30 s), LDAP on 127.0.0.1:389/636
    dc.seed(computers)                # offline (ldbadd on sam.ldb while samba is stopped): fast, any attribute
    with dc:                          # samba -i in the foreground of a child process; stopped on exit
        dc.url, dc.bind_user, dc.password, dc.base_dn, dc.ca_file

Samba binds only to the loopback interface (`interfaces = lo`, `bind interfaces only = yes`: 127.0.0.1 and ::1),
runs only its LDAP service, and accepts plain simple binds (`ldap server require strong auth = no`) so the tests
can exercise both a plain bind and StartTLS with the DC's self-signed certificate (CA in private/tls/ca.pem,
host name dc1.estate.test). Run anything that starts it under `flock /tmp/estate-agents.lock`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

SAMBA = "/usr/sbin/samba"
SAMBA_TOOL = "/usr/bin/samba-tool"
LDBADD = "/usr/bin/ldbadd"
REALM = "ESTATE.TEST"
DOMAIN = "ESTATE"
BASE_DN = "DC=estate,DC=test"
HOST_NAME = "dc1"
ADDRESS = "127.0.0.1"
ADMIN_PASSWORD = "Estate-Adm1n-pw7"  # a throwaway domain on loopback only
FILETIME_EPOCH = 116444736000000000
SEED_CHUNK = 1000  # entries per ldbadd run  # 1970-01-01 in 100 ns ticks since 1601


def filetime(unix_seconds: float) -> int:
    return FILETIME_EPOCH + int(unix_seconds * 10_000_000)


@dataclass(frozen=True)
class Computer:
    """One computer object to seed; ``ou`` is a path of OU names, outermost first ("Council", "Libraries")."""

    name: str
    ou: tuple[str, ...] = ("Estate",)
    os: str | None = "Windows 10 Pro"
    os_version: str | None = "10.0 (19045)"
    service_pack: str | None = None
    last_logon: float | None = None  # unix seconds
    disabled: bool = False
    description: str | None = None
    dns: bool = True
    extra: tuple[tuple[str, str], ...] = ()  # raw attribute lines ("managedBy", "CN=...")


def ou_dn(path: Iterable[str], base: str = BASE_DN) -> str:
    return ",".join([f"OU={name}" for name in reversed(tuple(path))] + [base])


def _ldif_value(name: str, value: str) -> str:
    # Base64 for anything LDIF cannot hold as plain text (NUL, control characters, a leading space or colon ...).
    import base64

    if value and value.isprintable() and value.isascii() and not value.startswith((" ", ":", "<")) and \
            not value.endswith(" "):
        return f"{name}: {value}"
    return f"{name}:: {base64.b64encode(value.encode()).decode()}"


def computers_ldif(computers: Iterable[Computer], base: str = BASE_DN, realm: str = REALM) -> str:
    """The LDIF that adds the computers (and every OU they need, parents first)."""
    blocks: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for computer in computers:
        for depth in range(1, len(computer.ou) + 1):
            path = computer.ou[:depth]
            if path not in seen:
                seen.add(path)
                blocks.append(f"dn: {ou_dn(path, base)}\nobjectClass: organizationalUnit\nou: {path[-1]}")
        lines = [f"dn: CN={computer.name},{ou_dn(computer.ou, base)}", "objectClass: computer",
                 f"cn: {computer.name}", f"sAMAccountName: {computer.name[:15]}$",
                 f"userAccountControl: {4096 | (2 if computer.disabled else 0)}"]
        if computer.dns:
            lines.append(f"dNSHostName: {computer.name.lower()}.{realm.lower()}")
        for attr, value in (("operatingSystem", computer.os), ("operatingSystemVersion", computer.os_version),
                            ("operatingSystemServicePack", computer.service_pack),
                            ("description", computer.description)):
            if value is not None:
                lines.append(_ldif_value(attr, value))
        if computer.last_logon is not None:
            lines.append(f"lastLogonTimestamp: {filetime(computer.last_logon)}")
        lines.extend(_ldif_value(a, v) for a, v in computer.extra)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


class SambaDC:
    def __init__(self, workdir: Path, *, address: str = ADDRESS):
        for binary in (SAMBA, SAMBA_TOOL, LDBADD):
            if not Path(binary).exists():
                raise RuntimeError(f"{binary} not installed: run scripts/test, which apt-installs samba, "
                                   "samba-ad-dc and ldb-tools")
        self.workdir = Path(workdir)
        self.address = address
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.workdir / "samba.log"
        if not (self.workdir / "private" / "sam.ldb").exists():
            self._provision()

    # --- what a client needs ---
    url = property(lambda self: f"ldap://{self.address}:389")
    ldaps_url = property(lambda self: f"ldaps://{self.address}:636")
    bind_user = f"Administrator@{REALM.lower()}"
    password = ADMIN_PASSWORD
    base_dn = BASE_DN
    tls_name = f"{HOST_NAME}.{REALM.lower()}"  # the name in the self-signed certificate
    ca_file = property(lambda self: str(self.workdir / "private" / "tls" / "ca.pem"))
    sam_ldb = property(lambda self: self.workdir / "private" / "sam.ldb")

    def _provision(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [SAMBA_TOOL, "domain", "provision", "--server-role=dc", "--dns-backend=NONE", f"--realm={REALM}",
             f"--domain={DOMAIN}", f"--adminpass={ADMIN_PASSWORD}", f"--targetdir={self.workdir}",
             f"--host-name={HOST_NAME}", "--option=interfaces=lo", "--option=bind interfaces only=yes",
             "--option=server services=ldap"],
            capture_output=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError("samba-tool domain provision failed: " + result.stderr.decode(errors="replace")[-1500:])
        conf = self.workdir / "etc" / "smb.conf"
        text = conf.read_text()
        extra = (f"\tldap server require strong auth = no\n\tpid directory = {self.workdir / 'run'}\n"
                 f"\tlog file = {self.workdir / 'log.%m'}\n\tdisable netbios = yes\n")
        conf.write_text(text.replace("[global]\n", "[global]\n" + extra, 1))
        (self.workdir / "run").mkdir(exist_ok=True)

    def seed(self, computers: Iterable[Computer] | str) -> None:
        """Add computers offline (LDIF through ldbadd on sam.ldb). Stops and restarts samba if it is running."""
        ldif = computers if isinstance(computers, str) else computers_ldif(computers)
        running = self.proc is not None
        if running:
            self.stop()
        # ldbadd adds a file in one transaction, which slows down badly past a few thousand entries: chunks.
        blocks = [block for block in ldif.split("\n\n") if block.strip()]
        for start in range(0, len(blocks), SEED_CHUNK):
            path = self.workdir / f"seed-{time.monotonic_ns()}.ldif"
            path.write_text("\n\n".join(blocks[start:start + SEED_CHUNK]) + "\n")
            try:
                result = subprocess.run([LDBADD, "-H", str(self.sam_ldb), str(path)], capture_output=True,
                                        timeout=1800)
                output = (result.stderr + result.stdout).decode(errors="replace")
                if result.returncode != 0 or "ERR:" in output:  # ldbadd reports a refused entry and still exits 0
                    raise RuntimeError("ldbadd failed: " + output[-800:])
            finally:
                path.unlink(missing_ok=True)
        if running:
            self.start()

    def start(self, timeout: float = 90.0) -> None:
        if self.proc is not None:
            return
        (self.workdir / "run" / "samba.pid").unlink(missing_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child holds it
        self.proc = subprocess.Popen([SAMBA, "-i", "-s", str(self.workdir / "etc" / "smb.conf"), "-d1"],
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-1500:]
                self.proc = None
                raise RuntimeError(f"samba exited at start: {tail}")
            if Path(self.ca_file).exists() and _port_open(self.address, 389) and _port_open(self.address, 636):
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("samba did not listen on 389/636 in time: " +
                           self.log_path.read_text(errors="replace")[-1500:])

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # samba forks its service processes into our session
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        deadline = time.monotonic() + 10
        while _port_open(self.address, 389) and time.monotonic() < deadline:
            time.sleep(0.2)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> SambaDC:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _port_open(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False
