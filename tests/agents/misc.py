"""Misbehaving hosts for tests: mute (binds, never answers), slow (answers too late) and hostile SSH.

All bind loopback addresses only.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType

import paramiko

from discovery import commands
from discovery.collectors.ssh import fingerprint


class _Context:
    def __enter__(self):  # noqa: ANN204 - returns the subclass instance
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class MuteHost(_Context):
    """Binds a UDP port (requests pile up unread) and a TCP port (the kernel accepts, nobody ever speaks)."""

    def __init__(self, address: str, *, udp_port: int | None = None, tcp_port: int | None = None) -> None:
        self.address = address
        self.udp_port = udp_port
        self.tcp_port = tcp_port
        self._socks: list[socket.socket] = []

    def start(self) -> None:
        if self.udp_port is not None:
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((self.address, self.udp_port))
            self._socks.append(udp)
        if self.tcp_port is not None:
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind((self.address, self.tcp_port))
            tcp.listen(64)
            self._socks.append(tcp)

    def stop(self) -> None:
        for sock in self._socks:
            sock.close()
        self._socks.clear()


class _TcpServer(_Context):
    """Accept loop in a daemon thread; handle(conn) runs in a thread per connection."""

    def __init__(self, address: str, port: int) -> None:
        self.address = address
        self.port = port
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.address, self.port))
        sock.listen(64)
        sock.settimeout(0.2)
        self._sock = sock
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._guarded, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _guarded(self, conn: socket.socket) -> None:
        try:
            self.handle(conn)
        except Exception:  # noqa: S110 - a test server: the client side is what is under test
            pass
        finally:
            conn.close()

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        for thread in self._threads:
            thread.join(timeout=2)


class SlowSshServer(_TcpServer):
    """Sends its SSH banner only after delay seconds (longer than the client's timeout)."""

    def __init__(self, address: str, port: int, delay: float = 5.0) -> None:
        super().__init__(address, port)
        self.delay = delay

    def handle(self, conn: socket.socket) -> None:
        if not self._stop.wait(self.delay):
            conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 slow\r\n")
            self._stop.wait(self.delay)


@dataclass
class CommandBehaviour:
    stdout: bytes = b""
    stderr: bytes = b""
    exit_status: int = 0
    delay: float = 0.0  # seconds before answering
    endless: bool = False  # stream stdout until the client goes away


HOSTILE_TEXT = (b"Linux <script>alert('x')</script> \xff\xfe\x00\x1b[31m evil\r\n"
                b"'; DROP TABLE inventory_device; --\n")

HOSTILE_COMMANDS: dict[str, CommandBehaviour] = {
    commands.UNIX["uname"]: CommandBehaviour(stdout=HOSTILE_TEXT),
    commands.UNIX["hostname"]: CommandBehaviour(stdout=b"<img src=x onerror=alert(1)>\xc3\x28\n"),
    commands.UNIX["os_release"]: CommandBehaviour(stdout=b"A" * (6 * 1024 * 1024)),  # past the 4 MiB cap
    commands.UNIX["memory"]: CommandBehaviour(stdout=b"\x00\xff" * 1000, stderr=b"\xfe" * 100, exit_status=3),
    commands.UNIX["connections"]: CommandBehaviour(stdout=b"y\n", endless=True),  # never ends on its own
    commands.UNIX["cpu"]: CommandBehaviour(stdout=b"1\n", delay=60.0),  # hangs
}


@dataclass
class AuthAttempt:
    username: str
    method: str


class _Server(paramiko.ServerInterface):
    def __init__(self, owner: HostileSshServer) -> None:
        self.owner = owner
        self.command: str | None = None
        self.command_ready = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "password,publickey"

    def check_auth_password(self, username: str, password: str) -> int:
        self.owner.auth_attempts.append(AuthAttempt(username, "password"))
        ok = username == self.owner.username and password == self.owner.password
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        self.owner.auth_attempts.append(AuthAttempt(username, "publickey"))
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        self.owner.commands.append(command.decode(errors="replace"))
        threading.Thread(target=self.owner.answer, args=(channel, command.decode(errors="replace")),
                         daemon=True).start()
        return True


class HostileSshServer(_TcpServer):
    """A paramiko SSH server that records every authentication attempt and answers commands with hostile output.

    Password auth succeeds for (username, password); commands follow `behaviours` (default HOSTILE_COMMANDS),
    anything else exits 127. Its host key can be swapped to play a rogue server.
    """

    def __init__(self, address: str, port: int, *, username: str = "admin", password: str = "hostile-pw",  # noqa: S107 - test server
                 behaviours: Mapping[str, CommandBehaviour] | None = None,
                 on_command: Callable[[str], None] | None = None) -> None:
        super().__init__(address, port)
        self.username = username
        self.password = password
        self.behaviours = dict(HOSTILE_COMMANDS if behaviours is None else behaviours)
        self.auth_attempts: list[AuthAttempt] = []
        self.commands: list[str] = []
        self.on_command = on_command
        self._key: paramiko.PKey = _new_key()

    @property
    def host_key_type(self) -> str:
        return self._key.get_name()

    @property
    def host_key_fingerprint(self) -> str:
        return fingerprint(self._key)

    def swap_host_key(self) -> None:
        self._key = _new_key()

    def handle(self, conn: socket.socket) -> None:
        transport = paramiko.Transport(conn)
        transport.add_server_key(self._key)
        server = _Server(self)
        try:
            transport.start_server(server=server)
            while transport.is_active() and not self._stop.is_set():
                time.sleep(0.05)
        finally:
            transport.close()

    def answer(self, channel: paramiko.Channel, command: str) -> None:
        behaviour = self.behaviours.get(command, CommandBehaviour(stderr=b"not found\n", exit_status=127))
        try:
            # let paramiko send the exec request's success reply first, as a real sshd does
            if self._stop.wait(0.05):
                return
            if behaviour.delay and self._stop.wait(behaviour.delay):
                return
            if behaviour.endless:
                chunk = behaviour.stdout * 4096
                while not channel.closed and not self._stop.is_set():
                    channel.sendall(chunk)
                return
            if behaviour.stdout:
                channel.sendall(behaviour.stdout)
            if behaviour.stderr:
                channel.sendall_stderr(behaviour.stderr)
            channel.send_exit_status(behaviour.exit_status)
        except (OSError, EOFError, paramiko.SSHException):
            pass
        finally:
            channel.close()


def _new_key() -> paramiko.PKey:
    # paramiko cannot generate ed25519 keys; ECDSA is quick and good enough for a test server
    return paramiko.ECDSAKey.generate(bits=256)
