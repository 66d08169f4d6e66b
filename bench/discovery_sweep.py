"""Benchmark (issue: discovery): an SNMP identification sweep of 1,000 live simulated agents, end to end.

    .venv/bin/python bench/discovery_sweep.py [--agents 1000]

End to end = what `manage.py discover --quick` does: the discovery job expands the range, the pysnmp collector
sweeps the system group + ENTITY chassis (over 2 processes) while the job parses, classifies (rule files) and
reconciles the replies into the database as they arrive (on SQLite, one transaction and one match index per batch
of up to 50 hosts; audited). Every agent answers as a distinct switch
("{addr}" in bench/data/sweep/public.snmprec becomes the agent's address). Runs twice: the first run creates 1,000
devices, the second finds them unchanged. Prints devices/s for both and the worker's peak RSS as a last JSON line.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--port", type=int, default=16300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="estate-sweep-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estate.settings")
    os.environ.setdefault("ESTATE_INSECURE_DEV_KEY", "1")
    os.environ.setdefault("ESTATE_SECRETS_KEYS", "nWcbXh7e9Hq2O4d1-8l6Rz3Xg5yVbQ0sJtKfP4mLwE8=")
    os.environ["ESTATE_VAR_DIR"] = str(work)
    os.environ["ESTATE_JOB_BACKEND"] = "eager"
    os.environ["ESTATE_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    from discovery.models import DiscoveryRun
    from estate.models import Job
    from inventory.models import Device, Site
    from tests.agents.snmp import SnmprecResponder

    call_command("migrate", verbosity=0)
    site = Site.objects.create(name="Bench", slug="bench")
    first = ipaddress.ip_address("127.78.0.1")
    endpoints = [(str(first + i), args.port) for i in range(args.agents)]
    last = endpoints[-1][0]
    figures = {}
    with SnmprecResponder(work / "agents", ROOT / "bench" / "data" / "sweep", endpoints):
        for label in ("create", "unchanged"):
            started = time.perf_counter()
            cpu = time.process_time()
            call_command("discover", f"127.78.0.1-{last}", "--port", str(args.port), "--community", "public",
                         "--site", site.slug, "--quick", "--json", stdout=open(os.devnull, "w"),  # noqa: SIM115
                         stderr=open(os.devnull, "w"))  # noqa: SIM115
            elapsed = time.perf_counter() - started
            run = DiscoveryRun.objects.latest("pk")
            job = Job.objects.get(pk=run.job_id)
            figures[label] = {"seconds": round(elapsed, 2), "devices_per_s": round(args.agents / elapsed, 1),
                              "main_cpu_s": round(time.process_time() - cpu, 2), "status": job.status,
                              "summary": run.summary}
    figures["devices_in_db"] = Device.objects.filter(site=site).count()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["load_average"] = os.getloadavg()[0]
    figures["target_devices_per_s"] = 300
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
