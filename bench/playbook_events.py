"""Playbook events: capture a realistic ansible-runner event stream, store it the way the playbook job does, and time
the pages that follow a 200-host run.

Figure (the issue): playbook events are stored at >= 1,000 events/s, and a 200-host run keeps the job page
responsive (< 300 ms per refresh).

1. Capture (only with --capture, or when bench/out/events.jsonl is missing): runs bench/playbooks/event_storm.yml
   (with the real estate_report role) through migration_plans.runner against N inventory hosts that all alias
   localhost with ansible_connection=local, and writes every event as one JSON line to bench/out/events.jsonl.
2. Store: a fresh SQLite database (migrated, in a temporary directory) with a wave of 200 devices, a playbook run
   and its job; every captured event goes through the runner's event sink (secret redaction) into
   PlaybookJob._on_event, which buffers and bulk-stores them with _flush_events, exactly as during a run.
3. Pages: with that run finished (~20k events, 200 hosts' stats), Django's test Client (whole middleware stack,
   a logged-in superuser) fetches 50 times each: the run page, its live refresh (events.json?after=N at the tail,
   and after=0, the largest answer: 500 events), and the job page's refresh (jobs/<id>/status.json).

    .venv/bin/python bench/playbook_events.py                  # reuse bench/out/events.jsonl
    .venv/bin/python bench/playbook_events.py --capture --hosts 200 --items 35 --forks 50

The last line printed is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migration_plans.runner import PLAYBOOKS_DIR, HostSpec, build_private_data_dir, run_playbook  # noqa: E402

OUT_DIR = ROOT / "bench" / "out"
TARGET_EVENTS_PER_S = 1000.0
TARGET_P95_MS = 300.0


def capture(args: argparse.Namespace) -> dict:
    """Run the event storm and write its events to args.out; returns the capture figures."""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="estate-bench-"))
    try:
        # Project = the bench playbook plus the real roles.
        project = work / "project-src"
        project.mkdir()
        shutil.copy(ROOT / "bench" / "playbooks" / "event_storm.yml", project)
        shutil.copytree(PLAYBOOKS_DIR / "roles", project / "roles")
        hosts = [HostSpec(name=f"bench-{i:04d}", address="127.0.0.1", connection="local") for i in range(args.hosts)]
        pdd = build_private_data_dir(
            work,
            playbook="event_storm.yml",
            hosts=hosts,
            extravars={"bench_items": args.items},
            forks=args.forks,
            project_source=project,
        )
        count = 0
        first: float | None = None
        with args.out.open("w", encoding="utf-8") as fh:

            def handler(event: dict) -> bool:
                nonlocal count, first
                if first is None:
                    first = time.monotonic()
                fh.write(json.dumps(event, separators=(",", ":")))
                fh.write("\n")
                count += 1
                return args.keep_job_events

            started = time.monotonic()
            result = run_playbook(pdd, event_handler=handler)
            ended = time.monotonic()
        stream_s = ended - (first or started)
        figures = {
            "status": result.status,
            "hosts": args.hosts,
            "events": count,
            "seconds": round(ended - started, 3),
            "events_per_s": round(count / (ended - started), 1),
            "stream_seconds": round(stream_s, 3),
            "stream_events_per_s": round(count / stream_s, 1) if stream_s else None,
            "bytes": args.out.stat().st_size,
            "file": str(args.out),
        }
        print("capture:", json.dumps(figures))
        if result.status != "successful":
            raise SystemExit(f"the capture run ended {result.status}")
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------------------------------- store + pages


def setup_django(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "estate.settings"
    os.environ.setdefault("ESTATE_INSECURE_DEV_KEY", "1")
    os.environ.setdefault("ESTATE_SECRETS_KEYS", "nWcbXh7e9Hq2O4d1-8l6Rz3Xg5yVbQ0sJtKfP4mLwE8=")
    os.environ["ESTATE_PLAIN_STATIC"] = "1"
    os.environ["ESTATE_LOG_LEVEL"] = "ERROR"
    os.environ.pop("ESTATE_DEBUG", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ["ESTATE_VAR_DIR"] = str(workdir)  # a fresh SQLite file: workdir/estate.sqlite3
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def make_run(hosts: int):
    """A programme, an approved wave of `hosts` devices and a running playbook job + run, as playbook_run_start
    leaves them (built directly: the job is not dispatched)."""
    from django.utils import timezone

    from estate.models import Job
    from inventory.models import Device, Site
    from migration_plans.models import PlaybookRun, Programme, Wave, WaveItem

    site = Site.objects.create(name="Town Hall", slug="town-hall")
    devices = Device.objects.bulk_create([Device(name=f"bench-{i:04d}", kind="server", site=site,
                                                 primary_ip=f"10.20.{i // 250}.{i % 250 + 1}")
                                          for i in range(hosts)])
    programme = Programme.objects.create(name="Cloud first", slug="cloud-first")
    today = timezone.localdate()
    wave = Wave.objects.create(programme=programme, name="Wave 1", kind="cloud_migration", planned_start=today,
                               planned_end=today, approved_at=timezone.now(), status="in_progress")
    items = WaveItem.objects.bulk_create([WaveItem(wave=wave, device=d, strategy="rehost", target_provider="Azure")
                                          for d in devices])
    job = Job.objects.create(kind="playbook", name=f"Pre-checks on {wave}", status="running", started=timezone.now(),
                             heartbeat=timezone.now(), progress_total=hosts + 1, started_by="bench")
    run = PlaybookRun.objects.create(wave=wave, job=job, playbook="precheck.yml", item_ids=[i.pk for i in items])
    job.kwargs = {"playbook_run_id": run.pk}
    job.save(update_fields=["kwargs"])
    return job, run


def store(events: list[dict], job, run) -> dict:
    """Every event through the runner's sink (redaction of a credential) into PlaybookJob._on_event/_flush_events."""
    from migration_plans.jobs import PlaybookJob
    from migration_plans.models import PlaybookEvent
    from migration_plans.runner import _EventSink

    runner = PlaybookJob(job)
    runner._events, runner._last_flush, runner._hosts_done = [], time.monotonic(), set()
    sink = _EventSink(["bench-not-a-real-secret-5f2c", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAbench\n"],
                      lambda e: runner._on_event(run, e))
    started = time.perf_counter()
    for event in events:
        sink(event)
    runner._flush_events()
    seconds = time.perf_counter() - started
    stored = PlaybookEvent.objects.filter(run=run).count()
    return {"events": len(events), "stored": stored, "seconds": round(seconds, 3),
            "events_per_s": round(stored / seconds, 1), "target_events_per_s": TARGET_EVENTS_PER_S,
            "ok": stored / seconds >= TARGET_EVENTS_PER_S and stored == len({e.get("counter") for e in events})}


def finish(job, run, events: list[dict]) -> None:
    """Mark the run finished as the job would: 200 hosts' stats and a completed job."""
    from django.utils import timezone

    from estate.models import Job, JobLogEntry

    stats = next((e["event_data"] for e in reversed(events) if e.get("event") == "playbook_on_stats"), {})
    hosts = sorted({h for key in ("ok", "changed", "failures", "dark") for h in (stats.get(key) or {})})
    run.host_stats = {h: {"ok": stats.get("ok", {}).get(h, 0), "changed": stats.get("changed", {}).get(h, 0),
                          "failed": stats.get("failures", {}).get(h, 0), "unreachable": 0, "skipped": 0,
                          "status": "ok", "messages": []} for h in hosts}
    run.save(update_fields=["host_stats"])
    JobLogEntry.objects.bulk_create([JobLogEntry(job=job, level="info", message=f"log line {i}") for i in range(50)])
    Job.objects.filter(pk=job.pk).update(status="completed", finished=timezone.now(), progress_done=len(hosts) + 1,
                                         result={"events": len(events), "hosts": run.host_stats})


def pages(job, run, requests: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from migration_plans.models import PlaybookEvent

    user = get_user_model().objects.create_superuser("bench", "bench@example.test", "bench-password-1")
    client = Client()
    client.force_login(user)
    last = PlaybookEvent.objects.filter(run=run).order_by("-counter").values_list("counter", flat=True).first() or 0
    events_url = reverse("migration_plans:playbookrun_events", kwargs={"pk": run.pk})
    urls = {
        "run_page": run.get_absolute_url(),
        "run_refresh_tail": f"{events_url}?after={max(last - 50, 0)}",
        "run_refresh_from_start": f"{events_url}?after=0",
        "job_page": reverse("job_detail", kwargs={"pk": job.pk}),
        "job_refresh": reverse("job_status", kwargs={"pk": job.pk}) + "?after=0",
    }
    figures = {}
    for name, url in urls.items():
        response = client.get(url)  # warm-up, and a check
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        figures[name] = {"url": url, "p50_ms": round(statistics.median(times), 1),
                         "p95_ms": round(percentile(times, 95), 1), "max_ms": round(max(times), 1),
                         "bytes": len(response.content)}
    figures["ok"] = all(v["p95_ms"] < TARGET_P95_MS for v in figures.values() if isinstance(v, dict))
    figures["target_p95_ms"] = TARGET_P95_MS
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--capture", action="store_true", help="(re)capture the events first")
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--items", type=int, default=35, help="loop items per looped task (capture)")
    parser.add_argument("--forks", type=int, default=50, help="capture")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "events.jsonl")
    parser.add_argument("--keep-job-events", action="store_true", help="also let runner write job_events/*.json")
    parser.add_argument("--requests", type=int, default=50, help="requests per page")
    args = parser.parse_args()

    result: dict = {"figure": "playbook events stored/s and page refresh latency, 200-host run"}
    if args.capture or not args.out.exists():
        result["capture"] = capture(args)
    with args.out.open(encoding="utf-8") as fh:
        events = [json.loads(line) for line in fh if line.strip()]
    hosts = len({(e.get("event_data") or {}).get("host") for e in events} - {None})
    workdir = Path(tempfile.mkdtemp(prefix="estate-bench-events-"))
    try:
        setup_django(workdir)
        from django.db import connection

        job, run = make_run(hosts)
        result["store"] = store(events, job, run)
        print("store:", json.dumps(result["store"]))
        finish(job, run, events)
        result["pages"] = pages(job, run, args.requests)
        print("pages:", json.dumps(result["pages"]))
        result["hosts"] = hosts
        result["database"] = connection.vendor
        result["ok"] = result["store"]["ok"] and result["pages"]["ok"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
