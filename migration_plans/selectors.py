"""Reads for programmes and waves: the derived RAG, progress, dependency warnings."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from estate.choices import JobStatusChoices
from inventory.models import Dependency
from migration_plans.choices import ItemStateChoices, RagChoices, WaveStatusChoices
from migration_plans.models import PlaybookRun, Programme, Wave, WaveItem
from migration_plans.rag import Progress, Rag, RunProblem, WaveFacts, rag_compute

FINISHED_JOB_STATES = (JobStatusChoices.COMPLETED, JobStatusChoices.FAILED, JobStatusChoices.ERRORED,
                       JobStatusChoices.CANCELLED)

FINISHED_STATES = (ItemStateChoices.DONE,)
TROUBLE_STATES = (ItemStateChoices.FAILED, ItemStateChoices.ROLLED_BACK)
_UNSET = object()


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


def wave_rag(wave: Wave, *, today: date | None = None, progress: Progress | None = None,
             last_run=_UNSET) -> Rag:
    """The wave's RAG (rag.rag_compute) from its dates, items, approval and last finished playbook run."""
    run = wave_last_run_problem(wave) if last_run is _UNSET else last_run
    facts = WaveFacts(status=wave.status, planned_start=wave.planned_start, planned_end=wave.planned_end,
                      approved=wave.is_approved, progress=progress or wave_progress(wave), last_run=run,
                      rag_override=wave.rag_override, rag_override_reason=wave.rag_override_reason)
    return rag_compute(facts, today=today or timezone.localdate())


def _run_problem(run: PlaybookRun) -> RunProblem | None:
    stats = (run.host_stats or {}).values()
    failed = sum(1 for s in stats if s.get("status") == "failed")
    unreachable = sum(1 for s in stats if s.get("status") == "unreachable")
    error = "" if run.job.status == JobStatusChoices.COMPLETED else (run.job.error or run.job.get_status_display())
    if not (failed or unreachable or error):
        return None
    return RunProblem(playbook=run.get_playbook_display(), failed=failed, unreachable=unreachable,
                      error=error.splitlines()[0][:200] if error else "")


def wave_last_run_problems(wave_ids) -> dict[int, RunProblem | None]:
    """Per wave: what its last finished playbook run could not do (None when it went well or none ran)."""
    out: dict[int, RunProblem | None] = {}
    runs = PlaybookRun.objects.filter(wave_id__in=list(wave_ids), job__status__in=FINISHED_JOB_STATES) \
        .select_related("job").order_by("wave_id", "-created", "-pk")
    for run in runs:
        if run.wave_id not in out:
            out[run.wave_id] = _run_problem(run)
    return out


def wave_last_run_problem(wave: Wave) -> RunProblem | None:
    return wave_last_run_problems([wave.pk]).get(wave.pk)


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
    savings (to date and for the year), and the burndown of the programme's own scope against plan."""
    from django.db.models import Sum

    from migration_plans.models import BudgetLine, SavingsForecast
    from migration_plans.selectors_reporting import budget_summary, burndown, savings_summary, variance_text

    today = today or timezone.localdate()
    waves = wave_list().order_by(F("planned_start").asc(nulls_last=True), "name")  # unscheduled last
    budgets = BudgetLine.objects.all()
    savings = SavingsForecast.objects.all()
    if programme is not None:
        waves, budgets, savings = (waves.filter(programme=programme), budgets.filter(programme=programme),
                                   savings.filter(programme=programme))
    rows = []
    waves = list(waves)
    problems = wave_last_run_problems(w.pk for w in waves)
    for wave in waves:
        progress = wave_progress(wave)
        rows.append({"wave": wave, "progress": progress,
                     "rag": wave_rag(wave, today=today, progress=progress, last_run=problems.get(wave.pk))})
    rag_counts = {value: sum(1 for r in rows if r["rag"].value == value) for value in RagChoices.values}
    exceptions = sum(1 for r in rows if r["rag"].exceptions)
    budget_rows = list(budgets.values("financial_year", "category").annotate(planned=Sum("planned"),
                                                                             actual=Sum("actual"))
                       .order_by("financial_year", "category"))
    for row in budget_rows:
        row["variance"] = (row["planned"] or 0) - (row["actual"] or 0)
        row["variance_text"] = variance_text(row["planned"] or 0, row["actual"] or 0)
    savings_rows = list(savings.values("financial_year").annotate(forecast=Sum("forecast"), realised=Sum("realised"))
                        .order_by("financial_year"))
    totals = budgets.aggregate(planned=Sum("planned"), actual=Sum("actual"))
    return {
        "waves": rows, "rag_counts": rag_counts, "exceptions": exceptions, "today": today,
        "budget_rows": budget_rows, "savings_rows": savings_rows,
        "budget_planned": totals["planned"] or 0, "budget_actual": totals["actual"] or 0,
        "savings_forecast": sum((r["forecast"] or 0) for r in savings_rows),
        "savings_realised": sum((r["realised"] or 0) for r in savings_rows),
        "budget": budget_summary(programme=programme, today=today),
        "savings": savings_summary(programme=programme, today=today),
        "burndown": burndown(programme=programme, today=today),
    }


def device_wave_items(*, device) -> list[dict]:
    """The waves a device is in, with its item's state there and the wave's RAG (for the device page)."""
    items = list(WaveItem.objects.filter(device=device).select_related("wave", "wave__programme")
                 .order_by("wave__planned_start", "wave__name"))
    problems = wave_last_run_problems({i.wave_id for i in items})
    return [{"item": i, "rag": wave_rag(i.wave, last_run=problems.get(i.wave_id))} for i in items]
