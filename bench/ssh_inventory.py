"""Benchmark: SSH inventory of 100 real OpenSSH hosts on loopback addresses.

    .venv/bin/python bench/ssh_inventory.py [--hosts 100] [--concurrency 32] [--runs 3] [--mode full|probe|kex]

The hosts are served by one sshd per 16 addresses (sshd's listen-socket limit; one sshd per address would measure
sshd start-up, not the collector). Key auth. --mode probe runs only `uname -srm` (TCP + key exchange + auth + one
exec channel: the floor of any inventory); --mode kex only connects and reads the host key (no auth, no session).
The server side (the sshd processes and every process they started: sessions, shells, commands) runs on the same
box, so its CPU is reported too. The last line printed is JSON with the best run's hosts/s, and every run's hosts/s
and CPU ms per host (collector, server side): on a shared box wall-clock figures are noisy, CPU per host much less.

Where the time goes (see discovery/collectors/ssh.py): on the server, sshd itself (fork, re-exec, key exchange,
auth, session: `--mode kex` and `--mode probe` show it) and the inventory commands (dpkg-query, ss, ip, lsblk);
the collector's own CPU (paramiko, in Python) is the smaller part.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from discovery import commands as command_sets  # noqa: E402
from discovery.collectors.ssh import SshCredential, ssh_collect, ssh_host_key  # noqa: E402
from tests.agents.snmp import endpoints  # noqa: E402
from tests.agents.sshd import SshdFarm  # noqa: E402


def _tree_cpu(pids: list[int]) -> float:
    """CPU seconds of these processes and of every child they have reaped (sshd reaps its sessions)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
    return total


def _run(mode: str, targets: list[tuple[str, int]], credentials: list[SshCredential],
         args: argparse.Namespace) -> tuple[int, dict[str, int], int]:
    ok, errors, commands = 0, {}, 0
    if mode == "kex":
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            for key in pool.map(lambda t: ssh_host_key(*t, timeout=args.timeout), targets):
                ok += bool(key[1])
        return ok, errors, 0
    for reply in ssh_collect(targets, credentials, known_host_keys={}, trust_new_keys=True, timeout=args.timeout,
                             command_timeout=args.command_timeout, concurrency=args.concurrency):
        commands += len(reply.outputs)
        if reply.error is None and reply.shell == "unix":
            ok += 1
        else:
            errors[reply.error or "no shell"] = errors.get(reply.error or "no shell", 0) + 1
    return ok, errors, commands


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--command-timeout", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=3, help="collections of the same hosts; the best is reported")
    parser.add_argument("--mode", choices=("full", "probe", "kex"), default="full")
    args = parser.parse_args()
    targets = endpoints(args.hosts, first="127.78.0.1", port=22220)
    runs: list[dict[str, object]] = []
    load_before = [round(x, 2) for x in os.getloadavg()]  # others' load: the 1-minute figure counts this run too
    with tempfile.TemporaryDirectory(prefix="estate-bench-ssh-") as tmp, ExitStack() as stack:
        if args.mode == "probe":  # only the probe: what a host costs before any inventory command runs
            stack.enter_context(mock.patch.object(command_sets, "UNIX", {}))
            stack.enter_context(mock.patch.object(command_sets, "PBX", {}))
        started = time.monotonic()
        farm = stack.enter_context(SshdFarm(Path(tmp), addresses=targets, shared=True))
        startup = time.monotonic() - started
        sshd_pids = [proc.pid for proc in farm._procs.values()]
        host = farm.hosts[0]
        credentials = [SshCredential(1, host.username, private_key=host.private_key)]
        for _ in range(max(1, args.runs)):
            sshd0 = _tree_cpu(sshd_pids)
            wall0, cpu0 = time.perf_counter(), time.process_time()
            ok, errors, commands = _run(args.mode, targets, credentials, args)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            time.sleep(0.5)  # let sshd reap the last sessions, so their CPU is counted
            runs.append({"seconds": wall, "cpu": cpu, "sshd_cpu": _tree_cpu(sshd_pids) - sshd0, "ok": ok,
                         "errors": errors, "commands": commands})
    best = min(runs, key=lambda r: r["seconds"])  # type: ignore[arg-type, return-value]
    n = len(targets)
    print(json.dumps({
        "benchmark": "ssh_collect",
        "mode": args.mode,
        "hosts": n,
        "collected": best["ok"],
        "errors": best["errors"],
        "commands_run": best["commands"],
        "seconds": round(best["seconds"], 3),  # type: ignore[call-overload]
        "hosts_per_s": round(n / best["seconds"], 1),  # type: ignore[operator]
        "runs_hosts_per_s": [round(n / r["seconds"], 1) for r in runs],  # type: ignore[operator]
        "runs_cpu_ms_per_host": [[round(r["cpu"] / n * 1000, 1), round(r["sshd_cpu"] / n * 1000, 1)]  # type: ignore[operator]
                                 for r in runs],
        "collector_cpu_s": round(best["cpu"], 3),  # type: ignore[call-overload]
        "collector_cpu_ms_per_host": round(best["cpu"] / n * 1000, 1),  # type: ignore[operator]
        "sshd_side_cpu_ms_per_host": round(best["sshd_cpu"] / n * 1000, 1),  # type: ignore[operator]
        "load_average_before": load_before,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "concurrency": args.concurrency,
        "sshd_processes": (n + 15) // 16,
        "sshd_startup_s": round(startup, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
