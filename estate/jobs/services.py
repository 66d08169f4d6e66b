"""Writes for jobs and schedules: cancel, rerun, reap dead jobs, fire a schedule, the scheduler's leader lease."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from estate.choices import JobLogLevelChoices, JobStatusChoices, ScheduleEventOutcomeChoices
from estate.jobs.runner import job_enqueue
from estate.models import (
    ACTIVE_STATUSES,
    BlackoutWindow,
    Job,
    JobLogEntry,
    Schedule,
    ScheduleEvent,
    SchedulerLease,
)

logger = logging.getLogger(__name__)

# Jobs running longer than their time limit plus this are errored by the reaper even if still beating:
# their code is stuck somewhere that never checks for the stop (a blocking call without a timeout).
HARD_LIMIT_GRACE_SECONDS = 120
SCHEDULER_LEASE = "scheduler"


def _who(user) -> str:
    return user.get_username() if user is not None and getattr(user, "is_authenticated", False) else "system"


@transaction.atomic
def job_cancel(*, job: Job, user=None) -> Job:
    """Pending: cancelled at once. Running: cancel requested (the runner stops at its next check)."""
    now = timezone.now()
    message = f"Cancelled by {_who(user)} before it started."
    if Job.objects.filter(pk=job.pk, status=JobStatusChoices.PENDING).update(
            status=JobStatusChoices.CANCELLED, cancel_requested=True, finished=now, error=message):
        JobLogEntry.objects.create(job=job, level=JobLogLevelChoices.WARNING, message=message)
    elif Job.objects.filter(pk=job.pk, status=JobStatusChoices.RUNNING).update(cancel_requested=True):
        JobLogEntry.objects.create(job=job, level=JobLogLevelChoices.WARNING,
                                   message=f"Cancel requested by {_who(user)}.")
    else:
        job.refresh_from_db()
        raise ValidationError(f"This job has already finished ({job.get_status_display().lower()}).")
    job.refresh_from_db()
    return job


@transaction.atomic
def job_rerun(*, job: Job, user=None) -> Job:
    """A new pending job with the same kind, arguments and queue."""
    return job_enqueue(kind=job.kind, name=job.name, user=user, started_by=f"{_who(user)} (rerun of #{job.pk})",
                       queue=job.queue, **job.kwargs)


def job_reap(*, stale_after: float | None = None, now: datetime | None = None) -> list[int]:
    """Error every "running" job whose worker stopped responding; returns their ids.

    A job is dead when its heartbeat is older than `stale_after` seconds (default ESTATE_JOB_STALE_SECONDS), or
    when it ran past its time limit plus a grace period (stuck in code that never checks for the stop).
    Each update is conditional on the job still being "running", so a worker finishing at the same moment wins.
    """
    stale_after = float(stale_after if stale_after is not None else settings.ESTATE_JOB_STALE_SECONDS)
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=stale_after)
    reaped: list[int] = []
    silent = Job.objects.filter(status=JobStatusChoices.RUNNING).filter(
        Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, started__lt=cutoff) |
        Q(heartbeat__isnull=True, started__isnull=True))
    for job in silent.only("pk", "heartbeat", "started", "worker"):
        since = job.heartbeat or job.started
        when = timezone.localtime(since).isoformat(timespec="seconds") if since else "it started"
        reason = f"worker stopped responding (no heartbeat since {when}; worker {job.worker or 'unknown'})"
        if _error_running(job.pk, reason, now):
            reaped.append(job.pk)
    for job in Job.objects.filter(status=JobStatusChoices.RUNNING, started__isnull=False, time_limit__gt=0).only(
            "pk", "started", "time_limit"):
        if (now - job.started).total_seconds() > job.time_limit + HARD_LIMIT_GRACE_SECONDS:
            reason = f"Stopped: time limit of {job.time_limit} s exceeded and the job did not stop by itself."
            if _error_running(job.pk, reason, now):
                reaped.append(job.pk)
    if reaped:
        logger.warning("reaped %d dead job(s): %s", len(reaped), reaped)
    return reaped


@transaction.atomic
def _error_running(job_id: int, reason: str, now: datetime) -> bool:
    done = Job.objects.filter(pk=job_id, status=JobStatusChoices.RUNNING).update(
        status=JobStatusChoices.ERRORED, error=reason, finished=now)
    if done:
        JobLogEntry.objects.create(job_id=job_id, level=JobLogLevelChoices.ERROR, message=reason)
    return bool(done)


@transaction.atomic
def jobs_abandon(*, job_ids: list[int], reason: str) -> list[int]:
    """Mark still-running jobs cancelled (a worker shutting down whose jobs did not stop in time)."""
    now = timezone.now()
    done = []
    for pk in job_ids:
        if Job.objects.filter(pk=pk, status=JobStatusChoices.RUNNING).update(
                status=JobStatusChoices.CANCELLED, error=reason, finished=now):
            JobLogEntry.objects.create(job_id=pk, level=JobLogLevelChoices.WARNING, message=reason)
            done.append(pk)
    return done


@transaction.atomic
def jobs_prune(*, older_than: timedelta) -> dict[str, int]:
    """Delete finished jobs and schedule events older than `older_than`."""
    cutoff = timezone.now() - older_than
    events, _ = ScheduleEvent.objects.filter(created__lt=cutoff).delete()
    finished = Job.objects.exclude(status__in=ACTIVE_STATUSES).filter(created__lt=cutoff)
    jobs = finished.count()
    finished.delete()
    return {"jobs": jobs, "events": events}


# --- schedules ----------------------------------------------------------------------------------------------------


def blackout_covering(*, schedule: Schedule, when: datetime) -> BlackoutWindow | None:
    for window in BlackoutWindow.objects.applying_to(schedule).order_by("name"):
        if window.covers(when):
            return window
    return None


def schedule_fire(*, schedule: Schedule, fire_time: datetime) -> ScheduleEvent | None:
    """Decide one fire time of a schedule: enqueue a job, or record why not. None if already decided.

    Never two runs of one schedule at once: nothing is enqueued while a job of this schedule is pending or
    running. The schedule row is locked (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway)
    and (schedule, fire_time) is unique, so two scheduler processes can never both act on one fire time.
    """
    try:
        return _schedule_fire(schedule_id=schedule.pk, fire_time=fire_time)
    except IntegrityError:
        return None  # another scheduler recorded this fire time first


@transaction.atomic
def _schedule_fire(*, schedule_id: int, fire_time: datetime) -> ScheduleEvent | None:
    schedule = Schedule.objects.select_for_update().filter(pk=schedule_id).first()
    if schedule is None or not schedule.enabled:
        return None
    if ScheduleEvent.objects.filter(schedule=schedule, fire_time=fire_time).exists():
        return None
    event = ScheduleEvent(schedule=schedule, fire_time=fire_time)
    blackout = blackout_covering(schedule=schedule, when=fire_time)
    active = Job.objects.filter(schedule=schedule, status__in=ACTIVE_STATUSES).order_by("created").first()
    if blackout is not None:
        event.outcome, event.blackout = ScheduleEventOutcomeChoices.SKIPPED_BLACKOUT, blackout
        event.message = f"skipped: blackout {blackout.name} ({blackout.reason})"[:500]
    elif active is not None:
        event.outcome = ScheduleEventOutcomeChoices.SKIPPED_RUNNING
        event.message = f"skipped: previous run #{active.pk} is still {active.status}"
    else:
        try:
            event.job = job_enqueue(kind=schedule.kind, name=schedule.name, started_by=f"schedule:{schedule.pk}",
                                    queue=schedule.queue, schedule=schedule, **schedule.kwargs)
        except (ValueError, TypeError) as exc:
            event.outcome, event.message = ScheduleEventOutcomeChoices.ERROR, f"could not enqueue: {exc}"[:500]
        else:
            event.outcome, event.message = ScheduleEventOutcomeChoices.ENQUEUED, f"enqueued job #{event.job.pk}"
    event.save()
    logger.info("schedule %s (#%s) at %s: %s", schedule.name, schedule.pk, fire_time.isoformat(), event.message)
    return event


def schedules_fire_due(*, now: datetime | None = None) -> list[ScheduleEvent]:
    """Fire every enabled schedule whose latest fire time (within its grace) has not been decided yet.

    What `runscheduler --once` does, and how a (re)started scheduler catches up on a run it missed while down.
    """
    now = now or timezone.now()
    events = []
    for schedule in Schedule.objects.filter(enabled=True):
        fire_time = schedule_due_fire_time(schedule=schedule, now=now)
        if fire_time is not None:
            event = schedule_fire(schedule=schedule, fire_time=fire_time)
            if event is not None:
                events.append(event)
    return events


def schedule_due_fire_time(*, schedule: Schedule, now: datetime) -> datetime | None:
    """The latest fire time within the misfire grace that no scheduler has decided yet (and not before creation)."""
    try:
        fire_time = schedule.last_fire_time(now=now)
    except (ValueError, KeyError) as exc:
        logger.error("schedule %s: cannot compute its fire times: %s", schedule.pk, exc)
        return None
    if fire_time is None or (schedule.created and fire_time < schedule.created):
        return None
    if ScheduleEvent.objects.filter(schedule=schedule, fire_time=fire_time).exists():
        return None
    return fire_time


# --- the scheduler's leader lease ---------------------------------------------------------------------------------


def scheduler_lease_acquire(*, holder: str, ttl: float, now: datetime | None = None) -> bool:
    """Take or renew the scheduler lease: True while `holder` is the one scheduler allowed to fire.

    One conditional UPDATE (holder is me, or the lease expired): atomic on SQLite and PostgreSQL alike, so two
    scheduler processes started by accident never both fire; a standby takes over `ttl` s after the leader dies.
    """
    now = now or timezone.now()
    SchedulerLease.objects.get_or_create(name=SCHEDULER_LEASE, defaults={"expires": now - timedelta(seconds=1)})
    with transaction.atomic():
        taken = SchedulerLease.objects.filter(name=SCHEDULER_LEASE).filter(Q(holder=holder) | Q(expires__lt=now))
        renewed = taken.filter(holder=holder).update(renewed=now, expires=now + timedelta(seconds=ttl))
        if renewed:
            return True
        return bool(taken.update(holder=holder[:200], acquired=now, renewed=now,
                                 expires=now + timedelta(seconds=ttl)))


@transaction.atomic
def scheduler_lease_release(*, holder: str) -> None:
    SchedulerLease.objects.filter(name=SCHEDULER_LEASE, holder=holder).update(expires=timezone.now())


def lease_holder() -> dict[str, Any] | None:
    lease = SchedulerLease.objects.filter(name=SCHEDULER_LEASE).first()
    if lease is None:
        return None
    return {"holder": lease.holder, "expires": lease.expires, "alive": lease.expires > timezone.now()}
