"""Benchmark: read and reconcile a directory of 20,000 computers from a real Samba AD DC on loopback.

    .venv/bin/python bench/directory_sync.py --prepare          # provision + seed offline (no network; ~5 min)
    flock /tmp/estate-agents.lock .venv/bin/python bench/directory_sync.py [--computers 20000]

The DC (tests/agents/samba.py) is kept in --workdir between runs: provisioning and seeding 20,000 computers with
ldbadd take minutes and are not what is measured. Each measured run is `manage.py discover_ad` (a plain bind,
paged search, reconcile in batches, job with progress) of a stored directory source (as a schedule runs it) into a
fresh SQLite database: first into an empty inventory ("create"), then again with nothing changed ("unchanged": the
source remembers each computer's facts, so unchanged ones skip reconcile). Targets: < 60 s and < 20 s. The last line
is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.agents.samba import Computer, SambaDC, computers_ldif  # noqa: E402

OS_MIX = [  # (weight, operatingSystem, operatingSystemVersion, OU)
    (40, "Windows 10 Pro", "10.0 (19045)", "Desktops"), (10, "Windows 10 Enterprise", "10.0 (19044)", "Desktops"),
    (25, "Windows 11 Pro", "10.0 (22631)", "Desktops"), (10, "Windows 11 Enterprise", "10.0 (26100)", "Laptops"),
    (5, "Windows Server 2019 Standard", "10.0 (17763)", "Servers"),
    (4, "Windows Server 2022 Datacenter", "10.0 (20348)", "Servers"),
    (3, "Windows Server 2012 R2 Standard", "6.3 (9600)", "Servers"), (3, "Windows 7 Professional", "6.1 (7601)",
                                                                       "Legacy"),
]


def estate(count: int) -> list[Computer]:
    rng = random.Random(14)
    weights = [w for w, *_ in OS_MIX]
    now = time.time()
    out = []
    for n in range(count):
        _w, os_name, version, ou = rng.choices(OS_MIX, weights)[0]
        out.append(Computer(f"BENCH-{n:05d}", ("Bench", ou), os_name, version,
                            last_logon=now - rng.randrange(0, 120 * 86400), disabled=rng.random() < 0.03,
                            description=f"Asset {n}"))
    return out


def prepare(dc: SambaDC, count: int) -> None:
    marker = dc.workdir / f"seeded-{count}"
    if not marker.exists():
        started = time.perf_counter()
        dc.seed(computers_ldif(estate(count)))
        marker.write_text(f"{time.perf_counter() - started:.1f} s\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--computers", type=int, default=20000)
    parser.add_argument("--workdir", default="/tmp/estate-bench-samba")
    parser.add_argument("--prepare", action="store_true", help="provision and seed only (offline), then stop")
    args = parser.parse_args()
    dc = SambaDC(Path(args.workdir))
    prepare(dc, args.computers)
    if args.prepare:
        print(json.dumps({"prepared": args.computers, "workdir": args.workdir}))
        return
    work = Path(tempfile.mkdtemp(prefix="estate-adbench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estate.settings")
    os.environ.setdefault("ESTATE_INSECURE_DEV_KEY", "1")
    os.environ.setdefault("ESTATE_SECRETS_KEYS", "nWcbXh7e9Hq2O4d1-8l6Rz3Xg5yVbQ0sJtKfP4mLwE8=")
    os.environ["ESTATE_VAR_DIR"] = str(work)
    os.environ["ESTATE_JOB_BACKEND"] = "eager"
    os.environ["ESTATE_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    from discovery.models_directory import DirectorySource
    from discovery.services_directory import directory_source_save
    from estate.models import Job
    from inventory.models import Device, Finding, Site

    call_command("migrate", verbosity=0)
    site = Site.objects.create(name="Bench", slug="bench")
    directory_source_save(source=DirectorySource(
        name="Bench AD", site=site, server_urls=dc.url, bind_user=dc.bind_user, base_dns=f"OU=Bench,{dc.base_dn}",
        no_tls=True), password=dc.password)
    figures: dict = {"computers": args.computers}
    with dc:
        for label in ("create", "unchanged"):
            started = time.perf_counter()
            cpu = time.process_time()
            with open(os.devnull, "w") as sink:
                call_command("discover_ad", "--source", "Bench AD", "--json", stdout=sink, stderr=sink)
            elapsed = time.perf_counter() - started
            job = Job.objects.filter(kind="directory_sync").latest("pk")
            figures[label] = {"seconds": round(elapsed, 2), "computers_per_s": round(args.computers / elapsed, 1),
                              "main_cpu_s": round(time.process_time() - cpu, 2), "status": job.status,
                              "summary": (job.result or {}).get("summary")}
    figures["devices_in_db"] = Device.objects.filter(site=site).count()
    figures["findings"] = Finding.objects.count()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["load_average"] = os.getloadavg()[0]
    figures["targets_s"] = {"create": 60, "unchanged": 20}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
