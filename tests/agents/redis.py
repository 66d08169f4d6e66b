"""A real, throw-away Redis server on loopback (for Celery tests): a child process, no persistence.

    with RedisServer() as redis_server:          # a free port on 127.0.0.1
        settings.CELERY_BROKER_URL = redis_server.url  # redis://127.0.0.1:<port>/0

Command line (foreground until Ctrl-C): python -m tests.agents.redis [PORT]
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def redis_ping(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when a Redis server answers PING (plain RESP over a socket; no client library needed)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """redis-server --port N --bind 127.0.0.1 --save '' --appendonly no, as a child process; a context manager."""

    def __init__(self, port: int | None = None, *, workdir: str | Path | None = None, start_timeout: float = 20,
                 binary: str | None = None) -> None:
        self.port = port or free_port()
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="estate-redis-"))
        self.start_timeout = start_timeout
        self.binary = binary or shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def url_for(self, db: int) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    def start(self) -> RedisServer:
        if not os.path.exists(self.binary):
            raise FileNotFoundError("redis-server not found: apt-get install redis-server")
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = (self.workdir / "redis.log").open("wb")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.workdir), "--protected-mode", "yes"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir,
        )
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if redis_ping(HOST, self.port):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        output = (self.workdir / "redis.log").read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"redis-server on {HOST}:{self.port} did not start:\n{output}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    port = int(argv[0]) if argv else None
    with RedisServer(port) as server:
        print(server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
