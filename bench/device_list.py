"""The device list at scale: API and page latency and SQL query counts with 100,000 devices.

Figure (the issue): with 100,000 devices (each with interfaces and installed software) loaded, the device list API
(a page of 50, one filter, ordered) and the device list page each answer with p95 < 150 ms on SQLite and on
PostgreSQL, with a number of SQL queries per request that does not grow with the page size.

    .venv/bin/python bench/device_list.py                    # SQLite (a temporary file)
    .venv/bin/python bench/device_list.py --postgres         # SQLite, then a private PostgreSQL (tests/agents)
    DATABASE_URL=postgres://… .venv/bin/python bench/device_list.py   # SQLite, then that (empty) database
    .venv/bin/python bench/device_list.py --keep /tmp/estate-bench    # keep (and reuse) the loaded databases

Requests go through Django's test Client (the whole middleware stack, no network): a superuser, logged in for the
page and with a token for the API. Offsets and page numbers are spread over the whole filtered result. Each backend
runs in its own child process; the last line printed is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 150.0
PAGE_SIZES = (25, 50, 100)
KIND_WEIGHTS = {  # a council estate: mostly end-user kit
    "server": 15, "virtual_machine": 20, "desktop": 25, "laptop": 15, "ip_phone": 10, "switch": 5, "printer": 5,
    "other": 5,
}
SOFTWARE = [("Microsoft", "Windows Server"), ("Microsoft", "SQL Server"), ("Oracle", "Java"), ("Mozilla", "Firefox"),
            ("Google", "Chrome"), ("Adobe", "Acrobat Reader"), ("7-Zip", "7-Zip"), ("VMware", "VMware Tools"),
            ("Microsoft", "Office"), ("Sophos", "Endpoint"), ("Citrix", "Workspace"), ("Notepad++", "Notepad++")]


# --------------------------------------------------------------------------------------------------- child process


def setup_django(backend: str, workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "estate.settings"
    os.environ.setdefault("ESTATE_INSECURE_DEV_KEY", "1")
    os.environ.setdefault("ESTATE_SECRETS_KEYS", "nWcbXh7e9Hq2O4d1-8l6Rz3Xg5yVbQ0sJtKfP4mLwE8=")
    os.environ["ESTATE_PLAIN_STATIC"] = "1"  # no collectstatic needed; rendering cost is the same
    os.environ["ESTATE_LOG_LEVEL"] = "ERROR"
    os.environ.pop("ESTATE_DEBUG", None)
    if backend == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ["ESTATE_VAR_DIR"] = str(workdir)
    import django

    django.setup()


def load(devices: int, interfaces: int, software: int, batch: int = 5000) -> float:
    """Bulk-load the estate (no audit entries, no signals); returns seconds taken."""
    from django.db import connection, transaction

    from inventory.models import Device, HardwareModel, InstalledSoftware, Interface, Manufacturer, Platform, Site

    started = time.perf_counter()
    rng = random.Random(42)
    with transaction.atomic():
        sites = Site.objects.bulk_create([Site(name=f"Site {i}", slug=f"site-{i}") for i in range(8)])
        makers = Manufacturer.objects.bulk_create(
            [Manufacturer(name=n, slug=n.lower()) for n in ("Dell", "HPE", "Lenovo", "Cisco", "Avaya", "Brother")])
        models_ = HardwareModel.objects.bulk_create([
            HardwareModel(manufacturer=makers[i % len(makers)], model=f"Model {i}", slug=f"model-{i}")
            for i in range(30)])
        platforms = Platform.objects.bulk_create(
            [Platform(name=f"Platform {i}", slug=f"platform-{i}") for i in range(10)])
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    for start in range(0, devices, batch):
        with transaction.atomic():
            rows = []
            for i in range(start, min(start + batch, devices)):
                model = models_[i % len(models_)]
                rows.append(Device(
                    name=f"dev{rng.randrange(10**8):08d}-{i}", kind=rng.choices(kinds, weights)[0],
                    site=sites[i % len(sites)], manufacturer_id=model.manufacturer_id, hardware_model=model,
                    platform=platforms[i % len(platforms)], os_version=f"{i % 7}.{i % 3}",
                    serial=f"SN{i:08d}", primary_ip=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
                ))
            created = Device.objects.bulk_create(rows)
            Interface.objects.bulk_create([
                Interface(device_id=d.pk, name=f"eth{n}",
                          mac_address=":".join(f"{(d.pk * 8 + n) >> s & 0xFF:02X}" for s in (40, 32, 24, 16, 8, 0)))
                for d in created for n in range(interfaces)])
            InstalledSoftware.objects.bulk_create([
                InstalledSoftware(device_id=d.pk, vendor=SOFTWARE[(d.pk + n) % len(SOFTWARE)][0],
                                  product=SOFTWARE[(d.pk + n) % len(SOFTWARE)][1], version=f"{n}.{d.pk % 10}")
                for d in created for n in range(software)])
        print(f"  loaded {min(start + batch, devices):,} devices", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum / `manage.py optimize` would give
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(client, urls: list[str], cpu: list[float] | None = None, **headers) -> list[float]:
    """Wall-clock ms per request (the figure); CPU ms of this process go to `cpu` (to tell a busy machine apart)."""
    times = []
    for url in urls:
        started = time.perf_counter()
        cpu_started = time.process_time()
        response = client.get(url, **headers)
        elapsed = (time.perf_counter() - started) * 1000
        if cpu is not None:
            cpu.append((time.process_time() - cpu_started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:500]!r}")
        if not response.streaming:
            _ = response.content
        times.append(elapsed)
    return times


def query_count(client, url: str, **headers) -> int:
    """SQL queries for one request; the fewer of two tries, so an occasional write (a token's rate-limited
    last-used time, a session refresh) is not mistaken for a query that depends on the page size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(len(ctx.captured_queries))
    return min(counts)


def run_backend(args: argparse.Namespace) -> dict:
    workdir = Path(args.workdir)
    setup_django(args.backend, workdir)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from estate.services import token_create
    from inventory.models import Device

    call_command("migrate", verbosity=0, interactive=False)
    existing = Device.objects.count()
    load_seconds = None
    if existing == 0:
        print(f"[{args.backend}] loading {args.devices:,} devices…", file=sys.stderr, flush=True)
        load_seconds = load(args.devices, args.interfaces, args.software)
    elif existing != args.devices:
        raise SystemExit(f"the {args.backend} database already holds {existing:,} devices (wanted {args.devices:,})")
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True,
                                                                                 "is_staff": True})
    _, key = token_create(user=user, write_enabled=False)
    api_headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    api_client = Client()
    page_client = Client()
    page_client.force_login(user)

    servers = Device.objects.filter(kind="server").count()
    rng = random.Random(7)
    n = args.requests
    api_urls = [f"/api/inventory/devices/?limit=50&kind=server&ordering=name&offset={rng.randrange(0, servers, 50)}"
                for _ in range(n)]
    pages = max(1, (servers + 49) // 50)
    page_urls = [f"/inventory/devices/?kind=server&sort=name&page={rng.randrange(1, pages + 1)}" for _ in range(n)]
    # The first page (what people open most) is always in the sample.
    api_urls[0] = "/api/inventory/devices/?limit=50&kind=server&ordering=name"
    page_urls[0] = "/inventory/devices/?kind=server&sort=name"

    timed(api_client, api_urls[:5], **api_headers)  # warm-up: imports, template loading, connection
    timed(page_client, page_urls[:5])
    api_cpu: list[float] = []
    page_cpu: list[float] = []
    load_before = os.getloadavg()[0]
    api_times = timed(api_client, api_urls, api_cpu, **api_headers)
    page_times = timed(page_client, page_urls, page_cpu)

    api_queries = {size: query_count(api_client, f"/api/inventory/devices/?limit={size}&kind=server&ordering=name"
                                     f"&offset={size * 3}", **api_headers) for size in PAGE_SIZES}
    page_queries = {size: query_count(page_client, f"/inventory/devices/?kind=server&sort=name&per_page={size}&page=3")
                    for size in PAGE_SIZES}

    def figures(times: list[float], cpu: list[float], queries: dict[int, int]) -> dict:
        return {
            "requests": len(times),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "max_ms": round(max(times), 1),
            "cpu_p50_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(percentile(cpu, 95), 1),
            "queries_by_page_size": {str(k): v for k, v in queries.items()},
            "queries_constant": len(set(queries.values())) == 1,
        }

    result = {
        "backend": connection.vendor,
        "devices": Device.objects.count(),
        "servers": servers,
        "interfaces_per_device": args.interfaces,
        "software_per_device": args.software,
        "load_seconds": round(load_seconds, 1) if load_seconds is not None else None,
        "api": figures(api_times, api_cpu, api_queries),
        "page": figures(page_times, page_cpu, page_queries),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],  # before/after the timed requests
    }
    result["pass"] = all(result[k]["p95_ms"] < TARGET_P95_MS and result[k]["queries_constant"] for k in ("api", "page"))
    return result


# -------------------------------------------------------------------------------------------------- parent process


def child(backend: str, args: argparse.Namespace, workdir: Path, env: dict[str, str]) -> dict:
    command = [sys.executable, __file__, "--backend", backend, "--workdir", str(workdir),
               "--devices", str(args.devices), "--interfaces", str(args.interfaces), "--software", str(args.software),
               "--requests", str(args.requests)]
    proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"{backend} benchmark failed (exit {proc.returncode}):\n{proc.stdout}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(result: dict) -> None:
    print(f"\n{result['backend']}: {result['devices']:,} devices ({result['servers']:,} servers), "
          f"{result['interfaces_per_device']} interfaces + {result['software_per_device']} software each"
          + (f", loaded in {result['load_seconds']} s" if result["load_seconds"] else ""))
    for key, label in (("api", "API  GET /api/inventory/devices/?limit=50&kind=server&ordering=name&offset=…"),
                       ("page", "page GET /inventory/devices/?kind=server&sort=name&page=…")):
        f = result[key]
        print(f"  {label}\n    p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, max {f['max_ms']} ms over {f['requests']}"
              f" requests (CPU p50 {f['cpu_p50_ms']} ms, p95 {f['cpu_p95_ms']} ms); SQL queries at page size"
              " 25/50/100: " + "/".join(str(v) for v in f["queries_by_page_size"].values()))
    print(f"  load average before/after: {result['load_average']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--interfaces", type=int, default=2, help="per device")
    parser.add_argument("--software", type=int, default=5, help="installed software rows per device")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per endpoint")
    parser.add_argument("--postgres", action="store_true", help="also run on a private PostgreSQL server")
    parser.add_argument("--keep", type=Path, help="keep the databases in this directory and reuse them next time")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.backend:  # child: one backend, JSON on the last line
        print(json.dumps(run_backend(args)))
        return 0

    base = args.keep or Path(tempfile.mkdtemp(prefix="estate-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        results = []
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        (base / "sqlite").mkdir(exist_ok=True)
        results.append(child("sqlite", args, base / "sqlite", env))
        report(results[-1])

        database_url = os.environ.get("DATABASE_URL")
        if args.postgres and not database_url:
            from tests.agents.postgres import PostgresServer

            pg_dir = base / "pg" if args.keep else None
            if pg_dir is not None:
                pg_dir.mkdir(exist_ok=True)
                os.chmod(base, 0o755)  # noqa: S103 - the postgres OS user must reach its data dir
            with PostgresServer(pg_dir, dbname="estate_bench") as server:
                results.append(child("postgres", args, base, {**env, "DATABASE_URL": server.url}))
        elif database_url:
            results.append(child("postgres", args, base, {**env, "DATABASE_URL": database_url}))
        if len(results) > 1:
            report(results[-1])
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    summary = {
        "figure": "device_list",
        "target_p95_ms": TARGET_P95_MS,
        "devices": args.devices,
        "results": {r["backend"]: {k: r[k] for k in ("api", "page", "load_seconds", "servers", "load_average")}
                    for r in results},
        "pass": all(r["pass"] for r in results),
    }
    print(json.dumps(summary))
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
