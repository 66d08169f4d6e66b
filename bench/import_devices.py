"""Import a realistic 10,000-row device CSV into a fresh database and time it (target: under 20 s).

Generates the CSV (5 sites, 30 hardware models, a dozen platforms, UK dates, £ costs), migrates a fresh temporary
SQLite database (or uses DATABASE_URL if set), then times import_apply() end to end: reading, mapping, parsing,
matching, referenced objects, bulk writes and the audit entries. A second run re-imports the same file with a
changed cost on every row (10,000 updates). The last line is JSON.

    .venv/bin/python bench/import_devices.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SITES = ["Town Hall", "Riverside Depot", "Central Library", "Civic Centre", "Northgate Leisure Centre"]
MODELS = [
    ("Dell", "OptiPlex 7010", "Desktop"), ("Dell", "OptiPlex 7090", "Desktop"), ("Dell", "Latitude 5420", "Laptop"),
    ("Dell", "Latitude 7490", "Laptop"), ("Dell", "PowerEdge R740", "Server"), ("Dell", "PowerEdge R650", "Server"),
    ("Dell", "Wyse 5070", "Thin Client"), ("HP", "EliteBook 840 G5", "Laptop"), ("HP", "EliteBook 840 G8", "Laptop"),
    ("HP", "ProDesk 600 G3", "Desktop"), ("HP", "EliteDesk 800 G6", "Desktop"),
    ("HP", "LaserJet Pro M404dn", "Printer"), ("HPE", "ProLiant DL380 Gen10", "Server"),
    ("Lenovo", "ThinkPad T14 Gen 3", "Laptop"), ("Lenovo", "ThinkCentre M720q", "Desktop"),
    ("Lenovo", "ThinkPad X1 Carbon Gen 9", "Laptop"), ("Cisco", "Catalyst 2960-X", "Switch"),
    ("Cisco", "Catalyst 9200L", "Switch"), ("Cisco", "Catalyst 9300-48P", "Switch"),
    ("Cisco", "Aironet 2802I", "Access Point"), ("Cisco", "ISR 4331", "Router"), ("Avaya", "J179", "IP Phone"),
    ("Avaya", "9611G", "IP Phone"), ("Mitel", "6920", "IP Phone"), ("Mitel", "MiVoice Business 3300", "PBX"),
    ("APC", "Smart-UPS SRT 3000", "UPS"), ("Ricoh", "IM C3000", "MFD"), ("Fortinet", "FortiGate 100F", "Firewall"),
    ("Microsoft", "Surface Pro 7", "Laptop"), ("Synology", "RS1221+", "Storage"),
]
PLATFORMS = {
    "Desktop": ["Windows 10 Pro 22H2", "Windows 11 Pro 23H2", "Windows 10 Enterprise 21H2"],
    "Laptop": ["Windows 11 Pro 23H2", "Windows 10 Pro 22H2"],
    "Server": ["Windows Server 2012 R2", "Windows Server 2016", "Windows Server 2019", "Ubuntu 20.04 LTS",
               "Red Hat Enterprise Linux 8.6"],
    "Switch": ["Cisco IOS 15.2(7)E4", "Cisco IOS XE 17.9.4"],
    "Router": ["Cisco IOS XE 17.6.5"], "Firewall": ["FortiOS 7.2.5"], "PBX": ["MiVoice Business 9.4"],
}
HEADERS = ["Asset No", "Computer Name", "Device Type", "Make", "Model", "Serial No.", "Operating System", "Building",
           "Room", "Department", "IP Address", "Date Purchased", "Warranty Expiry", "Cost (£)", "Status"]
DEPARTMENTS = ["Finance", "Housing", "Revenues & Benefits", "Adult Social Care", "Planning", "Waste & Recycling",
               "Libraries", "ICT", "Customer Services", "Legal"]
ROOMS = ["Ground Floor", "First Floor", "Second Floor", "Comms Room", "Reception"]


def make_csv(rows: int, *, seed: int = 1, cost_bump: int = 0) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for i in range(rows):
        make, model, kind = MODELS[i % len(MODELS)]
        platform = rng.choice(PLATFORMS.get(kind, [""]))
        year = rng.randint(2014, 2024)
        day, month = rng.randint(1, 28), rng.randint(1, 12)
        ip = f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}" if rng.random() < 0.6 else ""
        writer.writerow([
            f"A{i:06d}", f"{kind[:3].upper()}-{i:06d}", kind, make, model, f"SN{seed}{i:08d}", platform,
            SITES[i % len(SITES)], rng.choice(ROOMS), rng.choice(DEPARTMENTS), ip,
            f"{day:02d}/{month:02d}/{year}", f"{day:02d}/{month:02d}/{year + 4}",
            f"£{rng.randint(150, 9000) + cost_bump:,}.00", rng.choice(["In Use", "In Use", "In Use", "Spare"]),
        ])
    return out.getvalue().encode("utf-8-sig")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="estate-bench-import-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estate.settings")
    os.environ.setdefault("ESTATE_INSECURE_DEV_KEY", "1")
    os.environ["ESTATE_VAR_DIR"] = tmp
    os.environ.setdefault("ESTATE_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from inventory.models import Device, Site
    from inventory.services_import import import_apply

    call_command("migrate", verbosity=0)
    for name in SITES:
        Site.objects.get_or_create(name=name, defaults={"slug": name.lower().replace(" ", "-")})
    user, _ = get_user_model().objects.get_or_create(username="bench")
    data = make_csv(args.rows)

    started, cpu = time.perf_counter(), time.process_time()
    result = import_apply(data=data, filename="devices.csv", user=user)
    created_s, created_cpu = time.perf_counter() - started, time.process_time() - cpu
    if not result.applied:
        print("\n".join(result.errors[:20]), file=sys.stderr)
        return 1

    data2 = make_csv(args.rows, cost_bump=1)
    started, cpu = time.perf_counter(), time.process_time()
    result2 = import_apply(data=data2, filename="devices.csv", user=user)
    updated_s, updated_cpu = time.perf_counter() - started, time.process_time() - cpu
    from auditlog.models import LogEntry

    figures = {
        "bench": "import_devices",
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "rows": args.rows,
        "bytes": len(data),
        "create_seconds": round(created_s, 2),
        "create_cpu_seconds": round(created_cpu, 2),
        "create_rows_per_second": round(args.rows / created_s),
        "created": result.counts["create"],
        "update_seconds": round(updated_s, 2),
        "update_cpu_seconds": round(updated_cpu, 2),
        "update_rows_per_second": round(args.rows / updated_s),
        "updated": result2.counts["update"],
        "devices": Device.objects.count(),
        "audit_entries": LogEntry.objects.count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "target_seconds": 20,
        "ok": created_s < 20 and updated_s < 20,
    }
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
