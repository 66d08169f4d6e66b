"""Benchmark: SNMP identification sweep of 1,000 live loopback agents.

    .venv/bin/python bench/snmp_sweep.py [--agents 1000] [--agent snmprec|snmpsim] [--processes N] [--runs 3]

Agents: "snmprec" (default) is tests.agents.snmp.SnmprecResponder, a cheap responder in its own process, so the
figure measures the collector; "snmpsim" is snmpsim-command-responder, which itself spends ~9 ms of CPU per request
and so caps a 2-core box near 150-200 requests/s whatever the collector does.
The last line printed is JSON: best-of-runs devices/s, collector CPU (parent plus shard processes) per device, the
load average (the box may be shared: CPU per device is the figure that does not depend on it), peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from discovery.collectors.snmp import SnmpV2cCredential, snmp_identify  # noqa: E402
from tests.agents.snmp import SnmprecResponder, SnmpSimFarm, endpoints  # noqa: E402

DATA = ROOT / "bench" / "data"


class _ShardCpu(logging.Handler):
    """Sums the CPU seconds the collector's shard processes report (they are not children of this process)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seconds = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        self.seconds += getattr(record, "shard_cpu_seconds", 0.0)


async def sweep(targets: list[tuple[str, int]], timeout: float, retries: int, concurrency: int,
                processes: int | None) -> tuple[int, dict[str, int]]:
    # one community: the agents answer "public" (bench/data/public.snmprec)
    credentials = [SnmpV2cCredential(id=1, community="public")]
    ok = 0
    errors: dict[str, int] = {}
    async for reply in snmp_identify(targets, credentials, timeout=timeout, retries=retries,
                                     concurrency=concurrency, processes=processes):
        if reply.error is None and reply.varbinds:
            ok += 1
        else:
            errors[reply.error or "empty"] = errors.get(reply.error or "empty", 0) + 1
    return ok, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--agent", choices=("snmprec", "snmpsim"), default="snmprec")
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--processes", type=int, default=None, help="default: the collector's choice")
    parser.add_argument("--runs", type=int, default=3, help="sweeps against the same agents; the best is reported")
    args = parser.parse_args()
    targets = endpoints(args.agents, first="127.77.0.1", port=16100)
    shard_cpu = _ShardCpu()
    collector_log = logging.getLogger("discovery.collectors.snmp")
    collector_log.addHandler(shard_cpu)
    collector_log.setLevel(logging.DEBUG)
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="estate-bench-") as tmp:
        farm_cls = SnmprecResponder if args.agent == "snmprec" else SnmpSimFarm
        started = time.monotonic()
        with farm_cls(Path(tmp), DATA, targets) as farm:
            startup = time.monotonic() - started
            for _ in range(max(1, args.runs)):
                agent_cpu_before = _cpu(farm.proc.pid if farm.proc else 0)
                shard_cpu.seconds = 0.0
                wall0, cpu0 = time.perf_counter(), time.process_time()
                ok, errors = asyncio.run(sweep(targets, args.timeout, args.retries, args.concurrency,
                                               args.processes))
                wall = time.perf_counter() - wall0
                cpu = time.process_time() - cpu0 + shard_cpu.seconds
                runs.append({"seconds": wall, "cpu": cpu, "parent_cpu": cpu - shard_cpu.seconds,
                             "agent_cpu": _cpu(farm.proc.pid if farm.proc else 0) - agent_cpu_before,
                             "ok": ok, "errors": errors})  # type: ignore[dict-item]
    best = min(runs, key=lambda r: r["seconds"])
    wall, cpu, agent_cpu, ok, errors = best["seconds"], best["cpu"], best["agent_cpu"], best["ok"], best["errors"]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "benchmark": "snmp_identify",
        "agent": args.agent,
        "agents": len(targets),
        "answered": ok,
        "errors": errors,
        "seconds": round(wall, 3),
        "devices_per_s": round(len(targets) / wall, 1),
        "collector_cpu_s": round(cpu, 3),
        "collector_cpu_ms_per_device": round(cpu / len(targets) * 1000, 3),
        "parent_cpu_s": round(best["parent_cpu"], 3),
        "runs_devices_per_s": [round(len(targets) / r["seconds"], 1) for r in runs],
        "runs_cpu_ms_per_device": [round(r["cpu"] / len(targets) * 1000, 3) for r in runs],
        "agent_cpu_s": round(agent_cpu, 3),
        "agent_startup_s": round(startup, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "processes": args.processes if args.processes is not None else "auto",
        "concurrency": args.concurrency,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_child_rss_mb": round(children.ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))


def _cpu(pid: int) -> float:
    """User+system CPU seconds of a live process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
