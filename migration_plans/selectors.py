"""Reads for programmes and waves: the derived RAG, progress, dependency warnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from inventory.models import Dependency
from migration_plans.choices import ItemStateChoices, RagChoices, WaveStatusChoices
from migration_plans.models import PlaybookRun, Programme, Wave, WaveItem

FINISHED_STATES = (ItemStateChoices.DONE,)
TROUBLE_STATES = (ItemStateChoices.FAILED, ItemStateChoices.ROLLED_BACK)
BEHIND_MARGIN = 0.25  # progress this far behind the time elapsed puts a wave at risk


@dataclass(frozen=True)
class Rag:
    value: str
    reason: str
    derived: str  # what the rules say, shown beside an override
    overridden: bool = False

    @property
    def label(self) -> str:
        return RagChoices(self.value).label


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    in_flight: int
    trouble: int

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def programme_list() -> QuerySet[Programme]:
    return Programme.objects.annotate(wave_count=Count("waves", distinct=True))


def wave_list() -> QuerySet[Wave]:
    return Wave.objects.select_related("programme", "approved_by").annotate(
        item_count=Count("items", distinct=True),
        done_count=Count("items", filter=Q(items__state__in=FINISHED_STATES), distinct=True),
        trouble_count=Count("items", filter=Q(items__state__in=TROUBLE_STATES), distinct=True),
        active_count=Count("items", filter=Q(items__state__in=(ItemStateChoices.READY, ItemStateChoices.IN_PROGRESS,
                                                                ItemStateChoices.VALIDATED)), distinct=True),
    )


def wave_item_list() -> QuerySet[WaveItem]:
    return WaveItem.objects.select_related("wave", "wave__programme", "device", "device__site", "application",
                                           "target_hardware_model")


def playbook_run_list() -> QuerySet[PlaybookRun]:
    return PlaybookRun.objects.select_related("wave", "job")


def wave_progress(wave: Wave) -> Progress:
    if hasattr(wave, "item_count"):  # annotated by wave_list(): no extra query
        return Progress(wave.item_count, wave.done_count, wave.active_count, wave.trouble_count)
    counts = wave.items.aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(state__in=FINISHED_STATES)),
        trouble=Count("pk", filter=Q(state__in=TROUBLE_STATES)),
        active=Count("pk", filter=Q(state__in=(ItemStateChoices.READY, ItemStateChoices.IN_PROGRESS,
                                               ItemStateChoices.VALIDATED))),
    )
    return Progress(counts["total"], counts["done"], counts["active"], counts["trouble"])


def wave_rag(wave: Wave, *, today: date | None = None, progress: Progress | None = None) -> Rag:
    """Blue complete, green on track, amber at risk, red not scheduled or off track — from dates and progress.

    A manual override (with its reason) wins, and the derived value is still shown beside it.
    """
    value, reason = _derive(wave, today or timezone.localdate(), progress or wave_progress(wave))
    if wave.rag_override:
        return Rag(wave.rag_override, f"Overridden: {wave.rag_override_reason}", derived=value, overridden=True)
    return Rag(value, reason, derived=value)


def _derive(wave: Wave, today: date, progress: Progress) -> tuple[str, str]:
    if wave.status == WaveStatusChoices.COMPLETED or (progress.total and progress.done == progress.total):
        return RagChoices.BLUE, "Complete."
    if wave.status == WaveStatusChoices.CANCELLED:
        return RagChoices.RED, "Cancelled."
    if not (wave.planned_start and wave.planned_end):
        return RagChoices.RED, "Not scheduled: no planned dates."
    if not progress.total:
        return RagChoices.RED, "Not scheduled: the wave has no items."
    if today > wave.planned_end:
        return RagChoices.RED, f"Off track: planned to finish {wave.planned_end:%d/%m/%Y}, {progress.percent}% done."
    if progress.trouble:
        return RagChoices.AMBER, f"At risk: {progress.trouble} item(s) failed or rolled back."
    if today >= wave.planned_start:
        if not wave.is_approved:
            return RagChoices.AMBER, "At risk: the wave should have started but is not approved."
        span = max((wave.planned_end - wave.planned_start).days, 1)
        elapsed = min(max((today - wave.planned_start).days / span, 0.0), 1.0)
        done = progress.done / progress.total
        if elapsed - done > BEHIND_MARGIN:
            return RagChoices.AMBER, f"At risk: {int(elapsed * 100)}% of the time used, {int(done * 100)}% done."
    return RagChoices.GREEN, "On track."


def wave_dependency_warnings(wave: Wave) -> list[str]:
    """Items that depend on something in a later wave, or in no wave at all."""
    items = list(wave.items.select_related("device", "application"))
    device_ids = {i.device_id for i in items if i.device_id}
    app_ids = {i.application_id for i in items if i.application_id}
    deps = Dependency.objects.filter(Q(source_device_id__in=device_ids) | Q(source_application_id__in=app_ids)) \
        .select_related("target_device", "target_application", "source_device", "source_application")
    targets_dev = {d.target_device_id for d in deps if d.target_device_id}
    targets_app = {d.target_application_id for d in deps if d.target_application_id}
    placed: dict[tuple[str, int], list[Wave]] = {}
    for other in WaveItem.objects.filter(Q(device_id__in=targets_dev) | Q(application_id__in=targets_app)) \
            .exclude(wave__status=WaveStatusChoices.CANCELLED).select_related("wave"):
        key = ("d", other.device_id) if other.device_id else ("a", other.application_id)
        placed.setdefault(key, []).append(other.wave)
    warnings = []
    for dep in deps:
        key = ("d", dep.target_device_id) if dep.target_device_id else ("a", dep.target_application_id)
        if key[1] in (device_ids if key[0] == "d" else app_ids):
            continue  # moves in this same wave
        waves = placed.get(key, [])
        port = f" ({dep.protocol}/{dep.port})" if dep.port else ""
        if not waves:
            warnings.append(f"{dep.source_object} depends on {dep.target_object}{port}, which is in no wave.")
        elif wave.planned_start and all(w.planned_start and w.planned_start > wave.planned_start for w in waves):
            later = min(waves, key=lambda w: w.planned_start)
            warnings.append(f"{dep.source_object} depends on {dep.target_object}{port}, which moves later "
                            f"in {later} ({later.planned_start:%d/%m/%Y}).")
    return warnings


def programme_dashboard(*, programme: Programme | None = None, today: date | None = None) -> dict:
    """What a council's programme report shows: every wave with RAG and progress, budget against actual spend,
    savings, and a burndown of unsupported or ageing kit remaining against plan."""
    from django.db.models import Sum

    from migration_plans.models import BudgetLine, SavingsForecast

    today = today or timezone.localdate()
    waves = wave_list().order_by("planned_start", "name")
    budgets = BudgetLine.objects.all()
    savings = SavingsForecast.objects.all()
    if programme is not None:
        waves, budgets, savings = (waves.filter(programme=programme), budgets.filter(programme=programme),
                                   savings.filter(programme=programme))
    rows = []
    for wave in waves:
        progress = wave_progress(wave)
        rows.append({"wave": wave, "progress": progress, "rag": wave_rag(wave, today=today, progress=progress)})
    rag_counts = {value: sum(1 for r in rows if r["rag"].value == value) for value in RagChoices.values}
    budget_rows = list(budgets.values("financial_year", "category").annotate(planned=Sum("planned"),
                                                                             actual=Sum("actual"))
                       .order_by("financial_year", "category"))
    for row in budget_rows:
        row["variance"] = (row["planned"] or 0) - (row["actual"] or 0)
    savings_rows = list(savings.values("financial_year").annotate(forecast=Sum("forecast"), realised=Sum("realised"))
                        .order_by("financial_year"))
    totals = budgets.aggregate(planned=Sum("planned"), actual=Sum("actual"))
    return {
        "waves": rows, "rag_counts": rag_counts, "budget_rows": budget_rows, "savings_rows": savings_rows,
        "budget_planned": totals["planned"] or 0, "budget_actual": totals["actual"] or 0,
        "savings_forecast": sum((r["forecast"] or 0) for r in savings_rows),
        "savings_realised": sum((r["realised"] or 0) for r in savings_rows),
        "burndown": burndown(programme=programme, today=today),
    }


def burndown(*, programme: Programme | None = None, today: date | None = None, months: int = 18) -> list[dict]:
    """Month by month: unsupported or ageing devices still to deal with — actual, and as planned by wave end dates.

    "Unsupported or ageing" means a device with a lifecycle finding (when the lifecycle app has run), else a device
    in a wave. A device counts as dealt with once a wave item for it is done (actual) or its wave's planned end has
    passed (plan).
    """
    from inventory.models import Device

    today = today or timezone.localdate()
    try:
        from inventory.models import Finding

        flagged = set(Finding.objects.values_list("device_id", flat=True).distinct())
    except ImportError:
        flagged = set()
    items = WaveItem.objects.filter(device__isnull=False).exclude(wave__status=WaveStatusChoices.CANCELLED)
    if programme is not None:
        items = items.filter(wave__programme=programme)
    item_rows = list(items.values_list("device_id", "state", "last_updated", "wave__planned_end"))
    if not flagged:
        flagged = {r[0] for r in item_rows}
    flagged &= set(Device.objects.filter(pk__in=flagged).values_list("pk", flat=True))
    done_at: dict[int, date] = {}
    planned_at: dict[int, date] = {}
    for device_id, state, updated, planned_end in item_rows:
        if device_id not in flagged:
            continue
        if state == ItemStateChoices.DONE:
            d = timezone.localtime(updated).date()
            done_at[device_id] = min(done_at.get(device_id, d), d)
        if planned_end:
            planned_at[device_id] = min(planned_at.get(device_id, planned_end), planned_end)
    start = (programme.start_date if programme and programme.start_date else today).replace(day=1)
    points = []
    month = start
    for _ in range(months):
        nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        end = nxt - timedelta(days=1)
        points.append({
            "month": month.strftime("%b %Y"),
            "planned": len(flagged) - sum(1 for d in planned_at.values() if d <= end),
            "actual": (len(flagged) - sum(1 for d in done_at.values() if d <= end)) if month <= today else None,
        })
        month = nxt
    return points
