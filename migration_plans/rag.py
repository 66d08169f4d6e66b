"""The RAG status with the meaning councils' programme reports give it, as a pure function of a wave's facts.

Blue: completed. Green: in delivery. Amber: planned and resourced, to be delivered later. Red: still to be
scheduled. Problems (failed or unreachable items, behind plan, unapproved past its start) are exceptions shown
with their reason beside the colour: they never change a colour into green or hide behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from migration_plans.choices import RagChoices, WaveStatusChoices

BEHIND_MARGIN = 0.25  # progress this far behind the time elapsed is "behind plan"


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    in_flight: int
    trouble: int

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class RunProblem:
    """What the wave's last finished playbook run could not do: hosts failed or unreachable, or no host ran."""

    playbook: str  # its label, e.g. "Pre-checks"
    failed: int = 0
    unreachable: int = 0
    error: str = ""  # the job's reason when it stopped before any host ran


@dataclass(frozen=True)
class WaveFacts:
    status: str
    planned_start: date | None
    planned_end: date | None
    approved: bool
    progress: Progress
    last_run: RunProblem | None = None
    rag_override: str = ""
    rag_override_reason: str = ""


@dataclass(frozen=True)
class Rag:
    value: str
    reason: str
    derived: str  # what the rules say, shown beside an override
    overridden: bool = False
    exceptions: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return RagChoices(self.value).label

    @property
    def short(self) -> str:
        return RagChoices(self.value).name.capitalize()

    def as_dict(self) -> dict:
        return {"value": self.value, "label": self.label, "reason": self.reason, "derived": self.derived,
                "overridden": self.overridden, "exceptions": list(self.exceptions)}


def rag_compute(facts: WaveFacts, *, today: date) -> Rag:
    """The colour from dates, items and approval; the exceptions beside it; a manual override (with its reason)
    wins over the colour only, and the derived colour is still given."""
    value, reason = _colour(facts, today)
    exceptions = tuple(_exceptions(facts, today, complete=value == RagChoices.BLUE))
    if facts.rag_override:
        return Rag(facts.rag_override, f"Overridden: {facts.rag_override_reason}", derived=value, overridden=True,
                   exceptions=exceptions)
    return Rag(value, reason, derived=value, exceptions=exceptions)


def _colour(facts: WaveFacts, today: date) -> tuple[str, str]:
    p = facts.progress
    if facts.status == WaveStatusChoices.COMPLETED or (p.total and p.done == p.total):
        return RagChoices.BLUE, "Completed." if not p.total else f"Completed: all {p.total} item(s) done."
    if facts.status == WaveStatusChoices.CANCELLED:
        return RagChoices.RED, "Cancelled: not to be delivered."
    if not (facts.planned_start and facts.planned_end):
        return RagChoices.RED, "To be scheduled: no planned dates yet."
    if not p.total:
        return RagChoices.RED, "To be scheduled: no items in the wave yet."
    if facts.status == WaveStatusChoices.IN_PROGRESS or today >= facts.planned_start:
        return RagChoices.GREEN, (f"In delivery: {p.done} of {p.total} done, to finish "
                                  f"{facts.planned_end:%d/%m/%Y}.")
    approved = "approved" if facts.approved else "awaiting approval"
    return RagChoices.AMBER, (f"Planned for {facts.planned_start:%d/%m/%Y}–{facts.planned_end:%d/%m/%Y} "
                              f"({p.total} item(s), {approved}).")


def _exceptions(facts: WaveFacts, today: date, *, complete: bool) -> list[str]:
    if facts.status == WaveStatusChoices.CANCELLED:
        return []
    p, out = facts.progress, []
    if p.trouble:
        out.append(f"{p.trouble} item(s) failed or rolled back.")
    run = facts.last_run
    if run is not None and not complete:
        if run.unreachable:
            out.append(f"The last run ({run.playbook}) could not reach {run.unreachable} host(s).")
        if run.failed:
            out.append(f"The last run ({run.playbook}) failed on {run.failed} host(s).")
        if run.error and not (run.unreachable or run.failed):
            out.append(f"The last run ({run.playbook}) failed: {run.error}")
    if complete or not (facts.planned_start and facts.planned_end) or not p.total:
        return out
    if today > facts.planned_end:
        out.append(f"Behind plan: due to finish {facts.planned_end:%d/%m/%Y}, {p.percent}% done.")
    elif today >= facts.planned_start:
        span = max((facts.planned_end - facts.planned_start).days, 1)
        elapsed = min(max((today - facts.planned_start).days / span, 0.0), 1.0)
        if elapsed - p.done / p.total > BEHIND_MARGIN:
            out.append(f"Behind plan: {int(elapsed * 100)}% of the time used, {p.percent}% done.")
    if today >= facts.planned_start and not facts.approved:
        out.append(f"Not approved, though due to start {facts.planned_start:%d/%m/%Y}.")
    return out
