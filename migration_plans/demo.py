"""The demo estate's programme: "Northbridge ICT Modernisation", with a wave in each RAG state (and one with an
exception), capital and revenue budget lines, and savings with their sources, so the programme pages are filled in.

Called by `manage.py load_demo` after inventory/demo.py has built the devices. Idempotent: objects are found by
their natural keys; dates relative to today are set when first created, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from estate.context import audit_context
from estate.services import object_save
from inventory.models import Device, HardwareModel
from migration_plans.choices import (
    BudgetCategoryChoices,
    ItemStateChoices,
    StrategyChoices,
    WaveKindChoices,
    WaveStatusChoices,
)
from migration_plans.models import BudgetLine, Programme, SavingsForecast, Wave, WaveItem
from migration_plans.selectors_reporting import financial_year

REQUEST_ID = "demo"
PROGRAMME = "Northbridge ICT Modernisation"

# name, kind, status, start/end (days from today, None: unscheduled), approved, devices: (name, state), strategy,
# target hardware model slug, and a line for the committee.
WAVES: list[dict[str, Any]] = [
    {"name": "Wave 1: retire the old file and print servers", "kind": WaveKindChoices.DECOMMISSION,
     "status": WaveStatusChoices.COMPLETED, "days": (-150, -90), "approved": True,
     "items": [("th-prn-01", ItemStateChoices.DONE), ("rd-prn-01", ItemStateChoices.DONE)],
     "strategy": StrategyChoices.DISPOSE, "description": "Print moved to the managed print service."},
    {"name": "Wave 2: Town Hall desktops to laptops", "kind": WaveKindChoices.DESKTOP_REPLACEMENT,
     "status": WaveStatusChoices.IN_PROGRESS, "days": (-20, 40), "approved": True,
     "items": [("th-pc-001", ItemStateChoices.DONE), ("th-pc-002", ItemStateChoices.DONE),
               ("th-pc-003", ItemStateChoices.IN_PROGRESS), ("rd-pc-001", ItemStateChoices.READY)],
     "strategy": StrategyChoices.REPLACE, "target": "latitude-5420",
     "description": "Windows 11 laptops with docks; old desktops wiped and recycled."},
    {"name": "Wave 3: Riverside and Library phones", "kind": WaveKindChoices.TELEPHONY_REPLACEMENT,
     "status": WaveStatusChoices.SCHEDULED, "days": (-7, 60), "approved": False,
     "items": [("rd-phone-001", ItemStateChoices.FAILED), ("rd-phone-002", ItemStateChoices.PLANNED),
               ("cl-phone-001", ItemStateChoices.PLANNED)],
     "strategy": StrategyChoices.REPLACE, "target": "6920",
     "description": "Handsets onto the new Mitel platform; awaiting the Cabinet member's sign-off."},
    {"name": "Wave 4: line-of-business servers to Azure", "kind": WaveKindChoices.CLOUD_MIGRATION,
     "status": WaveStatusChoices.SCHEDULED, "days": (75, 160), "approved": True,
     "items": [("th-web-01", ItemStateChoices.PLANNED), ("th-web-02", ItemStateChoices.PLANNED),
               ("th-planning-app-01", ItemStateChoices.PLANNED), ("th-gis-01", ItemStateChoices.PLANNED)],
     "strategy": StrategyChoices.REHOST, "provider": "Microsoft Azure", "region": "UK South",
     "description": "Web and planning servers lift-and-shift; resourced with the cloud partner."},
    {"name": "Wave 5: Central Library public PCs", "kind": WaveKindChoices.DESKTOP_REPLACEMENT,
     "status": WaveStatusChoices.PLANNED, "days": None, "approved": False,
     "items": [("cl-pc-001", ItemStateChoices.PLANNED), ("cl-pc-002", ItemStateChoices.PLANNED)],
     "strategy": StrategyChoices.REPLACE, "target": "latitude-5420",
     "description": "To be scheduled once the library refurbishment dates are known."},
]


def _budget(this_year: str, last_year: str) -> list[tuple[str, str, str, str, str]]:
    return [  # financial year, category, description, planned, actual
        (last_year, BudgetCategoryChoices.CAPITAL, "Decommissioning and disposal", "18000.00", "16450.00"),
        (this_year, BudgetCategoryChoices.CAPITAL, "Laptops and docks", "420000.00", "181240.00"),
        (this_year, BudgetCategoryChoices.CAPITAL, "Mitel handsets", "64000.00", "0.00"),
        (this_year, BudgetCategoryChoices.REVENUE, "Azure consumption", "96000.00", "112400.60"),
        (this_year, BudgetCategoryChoices.REVENUE, "Cloud partner (professional services)", "55000.00", "61800.00"),
    ]


def _savings(this_year: str, last_year: str) -> list[tuple[str, str, str, str | None]]:
    return [  # financial year, source, forecast, realised
        (last_year, "Print server maintenance contracts ended", "7200.00", "7200.00"),
        (this_year, "Data centre power and cooling", "38000.00", "12500.00"),
        (this_year, "Desktop support contract reduced", "22000.00", "9000.00"),
        (this_year, "Legacy PBX support ends", "15000.00", None),
    ]


class _Upsert:
    def __init__(self) -> None:
        self.created = self.updated = 0

    def __call__(self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any] | None = None,
                 create_only: dict[str, Any] | None = None) -> models.Model:
        values = values or {}
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values, **(create_only or {}))
            object_save(instance=obj)
            self.created += 1
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, values[name])
        if changed:
            object_save(instance=obj)
            self.updated += 1
        return obj


@transaction.atomic
def demo_programme_load(*, today: dt.date | None = None) -> dict[str, int]:
    """Build (or bring up to date) the demo programme; devices missing from the estate are left out."""
    today = today or timezone.localdate()
    up = _Upsert()
    this_year = financial_year(today)
    last_year = financial_year(today.replace(year=today.year - 1))
    devices = {d.name: d for d in Device.objects.filter(name__in=[n for w in WAVES for n, _ in w["items"]])}
    models_by_slug = {m.slug: m for m in HardwareModel.objects.filter(slug__in={w.get("target") for w in WAVES})}
    with audit_context(request_id=REQUEST_ID):
        programme = up(Programme, {"name": PROGRAMME}, {
            "slug": "northbridge-ict-modernisation", "owner": "Head of Digital and ICT",
            "description": "Replacing ageing desktops and phones, retiring legacy servers and moving line-of-business "
                           "systems to Azure; reported quarterly to the Resources Scrutiny Committee.",
        }, {"start_date": today - dt.timedelta(days=180), "end_date": today + dt.timedelta(days=540)})
        for spec in WAVES:
            dates = {}
            if spec["days"]:
                dates = {"planned_start": today + dt.timedelta(days=spec["days"][0]),
                         "planned_end": today + dt.timedelta(days=spec["days"][1])}
            approval = {"approved_at": timezone.now() - dt.timedelta(days=200)} if spec["approved"] else {}
            wave = up(Wave, {"programme": programme, "name": spec["name"]},
                      {"kind": spec["kind"], "owner": "ICT Programme Office", "description": spec["description"]},
                      {"status": spec["status"], **dates, **approval})
            target = models_by_slug.get(spec.get("target", ""))
            for name, state in spec["items"]:
                device = devices.get(name)
                if device is None or (spec["strategy"] == StrategyChoices.REPLACE and target is None):
                    continue
                up(WaveItem, {"wave": wave, "device": device}, {
                    "strategy": spec["strategy"], "target_hardware_model": target,
                    "target_provider": spec.get("provider", ""), "target_region": spec.get("region", ""),
                }, {"state": state, "last_result": "precheck.yml: unreachable" if state == ItemStateChoices.FAILED
                    else ""})
        for year, category, description, planned, actual in _budget(this_year, last_year):
            up(BudgetLine, {"programme": programme, "financial_year": year, "category": category,
                            "description": description}, {"planned": Decimal(planned), "actual": Decimal(actual)})
        for year, source, forecast, realised in _savings(this_year, last_year):
            up(SavingsForecast, {"programme": programme, "financial_year": year, "description": source},
               {"forecast": Decimal(forecast), "realised": Decimal(realised) if realised else None})
    return {"created": up.created, "updated": up.updated}
