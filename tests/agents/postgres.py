"""A real, throw-away PostgreSQL server on loopback for tests and benchmarks.

Uses Debian's server binaries (/usr/lib/postgresql/<version>/bin: initdb, pg_ctl) in a private data directory,
listening on 127.0.0.1 only, with trust authentication (local test use only) and durability switched off for speed.
PostgreSQL refuses to run as root, so when run as root the server runs as the ``postgres`` OS user (created by the
Debian package).

    with PostgresServer() as pg:           # a free port, a temporary data dir
        os.environ["DATABASE_URL"] = pg.url  # postgres://postgres@127.0.0.1:<port>/estate

Command line (used by scripts/test; stdlib only, so it runs before Django is configured):

    python -m tests.agents.postgres start DATADIR PORT   # prints the DATABASE_URL as the last line
    python -m tests.agents.postgres stop DATADIR PORT
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

HOST = "127.0.0.1"
SERVER_SETTINGS = {
    "listen_addresses": HOST,
    # Throw-away data: no durability, fewer background writes.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "128MB",
    "log_min_messages": "warning",
}


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/<v>/bin holding initdb (or $ESTATE_PG_BINDIR)."""
    override = os.environ.get("ESTATE_PG_BINDIR")
    if override:
        return Path(override)
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not candidates:
        found = shutil.which("initdb")
        if found:
            return Path(found).parent
        raise FileNotFoundError(
            "PostgreSQL server binaries not found: apt-get install postgresql (or set ESTATE_PG_BINDIR)"
        )
    candidates.sort(key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(candidates[-1]).parent


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL does: TIME_WAIT is no obstacle
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class PostgresServer:
    """Start (initdb on first use) and stop a private PostgreSQL server; a context manager."""

    def __init__(self, datadir: str | Path | None = None, port: int | None = None, *, dbname: str = "estate",
                 start_timeout: float = 60) -> None:
        self._own_datadir = datadir is None
        self.datadir = Path(datadir) if datadir is not None else Path(tempfile.mkdtemp(prefix="estate-pg-"))
        self.port = port or free_port()
        self.dbname = dbname
        self.start_timeout = start_timeout
        self.bindir = find_bindir()
        self._as_postgres = os.geteuid() == 0
        self.user = "postgres"  # the database superuser name (initdb -U)

    # --- helpers ---

    @property
    def url(self) -> str:
        return f"postgres://{self.user}@{HOST}:{self.port}/{self.dbname}"

    @property
    def logfile(self) -> Path:
        return self.datadir / "server.log"

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        kwargs: dict = {"user": "postgres", "group": "postgres", "extra_groups": []} if self._as_postgres else {}
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PGHOST": HOST, "PGPORT": str(self.port)}
        env.pop("PGDATABASE", None)
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]], check=check, timeout=timeout, capture_output=True, text=True,
            env=env, cwd="/", stdin=subprocess.DEVNULL, **kwargs,
        )

    def _prepare_datadir(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root needs the 'postgres' OS user: apt-get install postgresql") from exc
            shutil.chown(self.datadir, "postgres", "postgres")
            # Every parent must be traversable by postgres (mkdtemp makes 0700 directories).
            for parent in self.datadir.resolve().parents:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    raise RuntimeError(f"{parent} is not traversable by the postgres user; use a data dir in /tmp")
        self.datadir.chmod(0o700)

    def initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def running(self) -> bool:
        return self._run("pg_ctl", "status", "-D", str(self.datadir), check=False).returncode == 0

    # --- lifecycle ---

    def start(self) -> PostgresServer:
        self._prepare_datadir()
        if not self.initialised():
            result = self._run("initdb", "-D", str(self.datadir), "-U", self.user, "--auth=trust",
                               "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", check=False)
            if result.returncode != 0:
                raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        if self.running():
            raise RuntimeError(f"a PostgreSQL server is already running on {self.datadir}")
        if not port_is_free(self.port):
            raise RuntimeError(f"port {HOST}:{self.port} is already in use")
        options = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
        # The Unix socket goes in the data dir: /var/run/postgresql may not exist or be writable.
        options += f" -p {self.port} -k {self.datadir}"
        result = self._run("pg_ctl", "start", "-w", "-t", str(int(self.start_timeout)), "-D", str(self.datadir),
                           "-l", str(self.logfile), "-o", options, check=False, timeout=self.start_timeout + 30)
        if result.returncode != 0:
            log = self.logfile.read_text(errors="replace")[-4000:] if self.logfile.exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{log}")
        self._wait_ready()
        self._create_database()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._run("pg_isready", "-h", HOST, "-p", str(self.port), "-U", self.user, "-d", "postgres",
                         check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL on {HOST}:{self.port} did not become ready")

    def _create_database(self) -> None:
        result = self._run("createdb", "-h", HOST, "-p", str(self.port), "-U", self.user, self.dbname, check=False)
        if result.returncode != 0 and "already exists" not in result.stderr:
            raise RuntimeError(f"createdb {self.dbname} failed: {result.stderr}")

    def stop(self, *, remove: bool | None = None) -> None:
        if self.initialised() and self.running():
            result = self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.datadir), check=False)
            if result.returncode != 0:
                self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.datadir), check=False)
        if remove if remove is not None else self._own_datadir:
            shutil.rmtree(self.datadir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            with contextlib.suppress(Exception):
                self.stop()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start or stop a throw-away PostgreSQL server on 127.0.0.1.")
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument("datadir", type=Path)
    parser.add_argument("port", type=int)
    parser.add_argument("--dbname", default="estate")
    args = parser.parse_args(argv)
    server = PostgresServer(args.datadir, args.port, dbname=args.dbname)
    if args.action == "start":
        try:
            server.start()
        except (RuntimeError, FileNotFoundError, subprocess.SubprocessError) as exc:
            print(f"postgres: {exc}", file=sys.stderr)
            return 1
        print(server.url)
    elif args.action == "stop":
        server.stop(remove=False)
    else:
        print(server.url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
