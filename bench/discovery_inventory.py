"""Benchmark: a full discovery run (SSH and SNMP credentials) of N real OpenSSH hosts on loopback, end to end.

    .venv/bin/python bench/discovery_inventory.py [--hosts 100]

The hosts answer SSH (one sshd per 16 addresses, key auth) and never SNMP, as a server estate without snmpd does:
each batch of SSH replies is still asked over SNMP, which costs a timeout per batch, overlapped with the next
batches (discovery/jobs.py). Every host is this machine (one hostname, one DMI identity), so reconcile merges them
into one device: the figure is the pipeline's pace (SSH streaming, SNMP sweeps, parse, reconcile of ~850 packages),
not device creation (bench/discovery_sweep.py measures that). Prints JSON: seconds, hosts/s, the worker's peak RSS
(flat as --hosts grows: replies are held a few batches at a time).
"""

from __future__ import annotations

import argparse
import io
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
    parser.add_argument("--hosts", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="estate-bench-inventory-"))
    os.environ.update(DJANGO_SETTINGS_MODULE="estate.settings", ESTATE_INSECURE_DEV_KEY="1",
                      ESTATE_SECRETS_KEYS="nWcbXh7e9Hq2O4d1-8l6Rz3Xg5yVbQ0sJtKfP4mLwE8=", ESTATE_VAR_DIR=str(work),
                      ESTATE_JOB_BACKEND="eager", ESTATE_LOG_LEVEL="WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from discovery.models import DiscoveryRun
    from tests.agents.snmp import endpoints
    from tests.agents.sshd import SshdFarm
    from tests.factories import CredentialFactory, CredentialSetFactory, SiteFactory

    call_command("migrate", verbosity=0)
    targets = endpoints(args.hosts, first="127.79.0.1", port=22220)
    with SshdFarm(work, addresses=targets, shared=True) as farm:
        host = farm.hosts[0]
        SiteFactory(slug="bench")
        CredentialSetFactory(name="bench", credentials=[
            CredentialFactory(kind="ssh_key", username=host.username, secrets={"private_key": host.private_key}),
            CredentialFactory(secrets={"community": "nobody-answers"})])
        started = time.perf_counter()
        call_command("discover", f"{targets[0][0]}-{targets[-1][0]}", "--port", "22220", "--credential-set", "bench",
                     "--site", "bench", stdout=io.StringIO(), stderr=io.StringIO())
        seconds = time.perf_counter() - started
    run = DiscoveryRun.objects.get()
    print(json.dumps({"benchmark": "discovery_inventory", "hosts": args.hosts, "seconds": round(seconds, 2),
                      "hosts_per_s": round(args.hosts / seconds, 1), "summary": run.summary,
                      "status": run.job.status,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "load_average": [round(x, 2) for x in os.getloadavg()]}))


if __name__ == "__main__":
    main()
