"""Reads for programme reporting: budget and savings to date and for the year, and the burndown of a programme's
own scope (its waves' items and the unsupported or ageing kit they address)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from inventory.models import Finding
from migration_plans.choices import BudgetCategoryChoices, ItemStateChoices, WaveStatusChoices
from migration_plans.models import BudgetLine, Programme, SavingsForecast, WaveItem

ZERO = Decimal("0.00")
MAX_MONTHS = 36


def financial_year(day: date) -> str:
    """The UK financial year a day falls in (1 April to 31 March), written 2026/27."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def money(value: Decimal | int | float | None) -> str:
    """£1,234.56; a negative amount as -£1,234.56 (never £-1,234.56)."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"))
    return f"{'-' if value < 0 else ''}£{abs(value):,.2f}"


def variance_text(planned: Decimal, actual: Decimal) -> str:
    """Spend against budget in words: "£1,200.00 under budget", "£592,002.80 over budget", "on budget"."""
    diff = Decimal(actual or 0) - Decimal(planned or 0)
    if diff == 0:
        return "on budget"
    return f"{money(abs(diff))} {'over' if diff > 0 else 'under'} budget"


@dataclass(frozen=True)
class Money:
    """Planned against actual for one slice (capital, revenue or both; to date or for the year)."""

    label: str
    planned: Decimal
    actual: Decimal

    @property
    def variance(self) -> Decimal:
        """Actual minus planned: positive is over budget."""
        return self.actual - self.planned

    @property
    def variance_text(self) -> str:
        return variance_text(self.planned, self.actual)

    @property
    def over(self) -> bool:
        return self.variance > 0

    def as_dict(self) -> dict:
        return {"label": self.label, "planned": f"{self.planned:.2f}", "actual": f"{self.actual:.2f}",
                "variance": f"{self.variance:.2f}", "variance_text": self.variance_text}


def _lines(model, programme: Programme | None) -> QuerySet:
    qs = model.objects.select_related("programme")
    return qs.filter(programme=programme) if programme is not None else qs


def budget_summary(*, programme: Programme | None = None, today: date | None = None) -> dict:
    """Planned against actual, capital and revenue apart: to date (every year up to this one) and this year."""
    this_year = financial_year(today or timezone.localdate())
    lines = list(_lines(BudgetLine, programme))

    def total(label: str, keep, category: str = "") -> Money:
        chosen = [b for b in lines if keep(b) and (not category or b.category == category)]
        return Money(label, sum((b.planned for b in chosen), ZERO), sum((b.actual for b in chosen), ZERO))

    out: dict = {"financial_year": this_year, "lines": lines}
    for period, in_period in (("to_date", lambda b: b.financial_year <= this_year),
                              ("year", lambda b: b.financial_year == this_year)):
        out[period] = [total(c.label, in_period, c) for c in BudgetCategoryChoices] + [total("Total", in_period)]
    out["whole"] = total("Whole programme", lambda b: True)
    return out


def savings_summary(*, programme: Programme | None = None, today: date | None = None) -> dict:
    """Savings forecast against realised, with where they come from (each line's description)."""
    this_year = financial_year(today or timezone.localdate())
    lines = list(_lines(SavingsForecast, programme))

    def total(keep) -> dict:
        chosen = [s for s in lines if keep(s)]
        forecast = sum((s.forecast for s in chosen), ZERO)
        realised = sum((s.realised or ZERO for s in chosen), ZERO)
        return {"forecast": forecast, "realised": realised, "percent": int(100 * realised / forecast) if forecast
                else 0}

    return {"financial_year": this_year, "lines": lines,
            "to_date": total(lambda s: s.financial_year <= this_year),
            "year": total(lambda s: s.financial_year == this_year), "whole": total(lambda s: True)}


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def burndown(*, programme: Programme | None = None, today: date | None = None) -> dict:
    """Month by month, the programme's items still to do: as planned (by their wave's planned end) and actually
    (done), and the unsupported or ageing devices among them. The months run from the programme's start (or today,
    if it starts later: the actual line then has its first point) to its last planned end."""
    today = today or timezone.localdate()
    items = WaveItem.objects.exclude(wave__status=WaveStatusChoices.CANCELLED)
    if programme is not None:
        items = items.filter(wave__programme=programme)
    rows = list(items.values_list("device_id", "state", "last_updated", "wave__planned_end", "wave__planned_start"))
    device_ids = {r[0] for r in rows if r[0]}
    flagged = set(Finding.objects.filter(device_id__in=device_ids).values_list("device_id", flat=True))
    starts = [r[4] for r in rows if r[4]] + ([programme.start_date] if programme and programme.start_date else [])
    ends = [r[3] for r in rows if r[3]] + ([programme.end_date] if programme and programme.end_date else [])
    first = min([*starts, today]).replace(day=1)
    last = max([*ends, today]).replace(day=1)
    points, month = [], first
    while month <= last and len(points) < MAX_MONTHS:
        end = _month_end(month)
        done = [r for r in rows if r[1] == ItemStateChoices.DONE and timezone.localtime(r[2]).date() <= end]
        points.append({
            "month": month.strftime("%b %Y"), "month_start": month,
            "planned": len(rows) - sum(1 for r in rows if r[3] and r[3] <= end),
            "actual": len(rows) - len(done) if month <= today else None,
            "unsupported": (len(flagged) - len({r[0] for r in done if r[0] in flagged})) if month <= today else None,
        })
        month = end + timedelta(days=1)
    return {"points": points, "items": len(rows), "devices": len(device_ids), "unsupported": len(flagged)}


def wave_narrative(wave, progress, rag) -> str:
    """A short paragraph on one wave for the committee: what, when, how far, and any exception."""
    when = (f"planned {wave.planned_start:%d/%m/%Y} to {wave.planned_end:%d/%m/%Y}"
            if wave.planned_start and wave.planned_end else "not yet scheduled")
    text = [f"{wave.get_kind_display()} wave, {when}; {progress.done} of {progress.total} item(s) done "
            f"({progress.percent}%). {rag.label}: {rag.reason}"]
    if rag.exceptions:
        text.append("Exception: " + " ".join(rag.exceptions))
    if wave.description:
        text.append(wave.description.strip())
    return " ".join(text)


def programme_narrative(programme: Programme | None, data: dict) -> str:
    """A short paragraph on the programme: waves by colour, exceptions, spend and savings to date."""
    counts = data["rag_counts"]
    waves = len(data["waves"])
    colours = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("blue", "green", "amber", "red"))
    budget = data["budget"]
    to_date = budget["to_date"][-1]
    savings = data["savings"]["to_date"]
    parts = [f"{waves} wave(s): {colours}."]
    parts.append(f"{data['exceptions']} wave(s) with an exception." if data["exceptions"] else "No exceptions.")
    parts.append(f"Spend to date {money(to_date.actual)} against {money(to_date.planned)} planned "
                 f"({to_date.variance_text}).")
    parts.append(f"Savings realised to date {money(savings['realised'])} of {money(savings['forecast'])} "
                 f"forecast.")
    if programme is not None and programme.description:
        parts.append(programme.description.strip())
    return " ".join(parts)
