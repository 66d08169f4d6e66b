"""Reads for the job and schedule pages and API."""

from __future__ import annotations

from django.db.models import QuerySet

from estate.models import BlackoutWindow, Job, JobLogEntry, Schedule, ScheduleEvent


def job_list() -> QuerySet[Job]:
    return Job.objects.select_related("user", "schedule")


def job_log(*, job: Job, after: int | None = None) -> QuerySet[JobLogEntry]:
    """A job's log lines, oldest first; `after` (an entry id) gives only the newer ones, for live polling."""
    entries = JobLogEntry.objects.filter(job=job).order_by("pk")
    return entries.filter(pk__gt=after) if after else entries


def schedule_list() -> QuerySet[Schedule]:
    return Schedule.objects.all()


def schedule_events(*, schedule: Schedule | None = None) -> QuerySet[ScheduleEvent]:
    events = ScheduleEvent.objects.select_related("schedule", "job", "blackout")
    return events.filter(schedule=schedule) if schedule is not None else events


def blackout_window_list() -> QuerySet[BlackoutWindow]:
    return BlackoutWindow.objects.select_related("schedule")
