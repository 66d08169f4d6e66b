"""Fixtures for tests that run real worker/scheduler/Celery processes against the test database.

Those processes need a database they can share with the test: a SQLite *file* (run the suite with
ESTATE_TEST_SQLITE_NAME=/tmp/estate-test.sqlite3) or PostgreSQL (DATABASE_URL). With the default in-memory
SQLite test database they are skipped, saying so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def shared_database_url() -> str | None:
    """A DATABASE_URL for the test database that another process can open, or None (in-memory SQLite)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            return None
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        auth = quote(db.get("USER") or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "127.0.0.1"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"
    return None


@pytest.fixture
def process_env(transactional_db) -> dict[str, str]:
    """Environment for a manage.py/celery child process that uses this test's (committed) database."""
    url = shared_database_url()
    if url is None:
        pytest.skip("needs a database shared with child processes: set ESTATE_TEST_SQLITE_NAME=/tmp/x.sqlite3 "
                    "(or DATABASE_URL for PostgreSQL)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ESTATE_TEST_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "ESTATE_JOB_HEARTBEAT_SECONDS": "0.5",
        "ESTATE_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    })
    return env


class Child:
    """A child process with its output in a file, stopped (SIGTERM, then SIGKILL) at the end of the test."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, stop_signal: int = signal.SIGTERM):
        self.log = log
        self.stop_signal = stop_signal
        self._out = log.open("wb")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.proc.pid

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self, timeout: float = 15) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._out.close()
        return self.proc.returncode


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[Callable[..., Child]]:
    """start_process("runworker", "--queues", "default", env=process_env) → a Child running manage.py …"""
    children: list[Child] = []

    def start(*args: str, env: dict[str, str], program: list[str] | None = None, name: str = "child",
              stop_signal: int = signal.SIGTERM) -> Child:
        command = [*(program or [sys.executable, "manage.py"]), *args]
        child = Child(command, env, tmp_path / f"{name}-{len(children)}.log", stop_signal)
        children.append(child)
        return child

    yield start
    for child in children:  # signal all first: they shut down in parallel
        if child.proc.poll() is None:
            child.proc.send_signal(child.stop_signal)
    for child in children:
        child.stop()


def wait_for(predicate: Callable[[], object], *, timeout: float, interval: float = 0.1, what: str = "condition",
             child: Child | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if child is not None and child.proc.poll() is not None:
            raise AssertionError(f"{what}: the child process exited ({child.proc.returncode}):\n{child.output()}")
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}" +
                         (f"\n--- child output ---\n{child.output()}" if child else ""))
