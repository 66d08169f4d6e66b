"""The runner base and the one function every backend calls to execute a job.

Life of a job: job_enqueue() creates it "pending" and hands it to the backend; a worker claims it atomically
(pending → running, job_claim) and runs it in job_execute(), which ends it completed / failed / errored /
cancelled. While it runs, a heartbeat thread stamps `heartbeat` every ESTATE_JOB_HEARTBEAT_SECONDS; if the worker
dies (kill -9, power cut), the reaper (estate.jobs.services.job_reap) errors the job once the heartbeat is stale.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string

from estate.choices import JobLogLevelChoices, JobStatusChoices
from estate.context import audit_context
from estate.models import Job, JobLogEntry, secret_like_keys

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10  # default; settings.ESTATE_JOB_HEARTBEAT_SECONDS wins
SYSTEM_USERNAME = "estate-system"
TIME_LIMIT_MARKER = "time limit"
LOG_FLUSH_SECONDS = 1.0
CANCEL_CHECK_SECONDS = 0.5

# Sent once a job has ended (job=the Job, its final status set), in the job's audit context: how an app acts on the
# end of another app's job without that app knowing it (a wave verifying its items by a discovery run).
job_finished = Signal()

# Runners executing in this process, so a worker shutting down can ask them all to stop.
_active: dict[int, JobRunner] = {}
_active_lock = threading.Lock()


class JobFailed(Exception):
    """The work found a problem (e.g. every host unreachable): status "failed", not "errored"."""


class JobCancelled(Exception):
    """Raised inside run() when a cancel was requested, the time limit passed or the worker is shutting down."""


def db_tidy(*, close: bool = False) -> None:
    """Drop this thread's broken/expired database connection (or close it, `close=True`) between jobs.

    Never inside a transaction: a job executed eagerly within a test case or an atomic block keeps its connection.
    """
    if connection.in_atomic_block:
        return
    if close:
        connection.close()
    else:
        close_old_connections()


def heartbeat_seconds() -> float:
    return float(getattr(settings, "ESTATE_JOB_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))


class JobRunner:
    """Subclass, set `kind`, implement run(**kwargs) -> result dict. Report with log() and progress().

    Call progress() or check_cancelled() regularly: that is where a cancel request, the time limit or a worker
    shutdown takes effect (as JobCancelled). Code that cannot raise (callbacks) can poll `should_stop`.
    """

    kind: ClassVar[str] = ""
    time_limit: ClassVar[int] = 3600

    def __init__(self, job: Job):
        self.job = job
        self._log_buffer: list[JobLogEntry] = []
        self._last_flush = time.monotonic()
        self._stop_reason: str | None = None
        self._started = time.monotonic()
        self._last_cancel_check = 0.0
        self._cancel_seen = False

    def run(self, **kwargs: Any) -> dict | None:
        raise NotImplementedError

    # --- reporting ---

    def log(self, message: str, *, level: str = JobLogLevelChoices.INFO, **data: Any) -> None:
        self._log_buffer.append(JobLogEntry(job=self.job, level=level, message=message[:10_000], data=data))
        if len(self._log_buffer) >= 200 or time.monotonic() - self._last_flush >= LOG_FLUSH_SECONDS:
            self.flush_log()

    def flush_log(self) -> None:
        self._last_flush = time.monotonic()
        if self._log_buffer:
            buffer, self._log_buffer = self._log_buffer, []
            JobLogEntry.objects.bulk_create(buffer)

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress; also the place where a cancel or time-out takes effect."""
        fields = {"progress_done": max(done, 0), "heartbeat": timezone.now()}
        if total is not None:
            fields["progress_total"] = max(total, 0)
        Job.objects.filter(pk=self.job.pk, status=JobStatusChoices.RUNNING).update(**fields)
        self.flush_log()
        self._check(force=True)

    # --- stopping ---

    def _time_limit_reason(self) -> str | None:
        limit = self.job.time_limit
        if limit and time.monotonic() - self._started > limit:
            return f"Stopped: {TIME_LIMIT_MARKER} of {limit} s exceeded."
        return None

    def _cancel_requested(self, *, force: bool = False) -> bool:
        now = time.monotonic()
        if not self._cancel_seen and (force or now - self._last_cancel_check >= CANCEL_CHECK_SECONDS):
            self._last_cancel_check = now
            self._cancel_seen = Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
        return self._cancel_seen

    def request_stop(self, reason: str) -> None:
        """Ask the job to stop at its next check (worker shutdown, time limit). Thread-safe."""
        if not self._stop_reason:
            self._stop_reason = reason

    def check_cancelled(self) -> None:
        """Raise JobCancelled if a cancel was requested (read at most every 0.5 s), the time limit passed, or the
        worker is shutting down."""
        self._check(force=False)

    def _check(self, *, force: bool) -> None:
        if not self._stop_reason:
            reason = self._time_limit_reason()
            if reason:
                self._stop_reason = reason
        if self._stop_reason:
            raise JobCancelled(self._stop_reason)
        if self._cancel_requested(force=force):
            raise JobCancelled("Cancelled on request.")

    @property
    def should_stop(self) -> bool:
        """For code that can't raise (callbacks): True once cancel was requested or the time limit passed."""
        return bool(self._stop_reason or self._time_limit_reason() or self._cancel_requested())


def runner_class(kind: str) -> type[JobRunner]:
    try:
        return import_string(settings.ESTATE_JOB_RUNNERS[kind])
    except KeyError as exc:
        raise ValueError(f"Unknown job kind {kind!r}") from exc


def system_user():
    user, _ = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": "Estate", "last_name": "system"}
    )
    return user


def job_enqueue(*, kind: str, name: str, user=None, started_by: str = "", queue: str = "default",
                schedule=None, time_limit: int | None = None, **kwargs: Any) -> Job:
    """Create a pending job and hand it to the configured backend once the transaction commits.

    kwargs are the runner's arguments: ids and options only (secret-looking keys are refused).
    """
    from estate.jobs.backends import dispatch

    cls = runner_class(kind)
    secrets = secret_like_keys(kwargs)
    if secrets:
        raise ValueError(f"Job arguments must not hold secrets ({', '.join(secrets)}); pass a credential id instead.")
    limit = time_limit or getattr(settings, "ESTATE_JOB_TIME_LIMITS", {}).get(kind) or cls.time_limit
    authenticated = user is not None and user.is_authenticated
    job = Job.objects.create(
        kind=kind, name=name[:200], user=user if authenticated else None,
        started_by=(started_by or (user.get_username() if authenticated else "system"))[:100],
        queue=queue or "default", schedule=schedule, kwargs=kwargs, time_limit=int(limit),
    )
    transaction.on_commit(lambda: dispatch(job))
    return job


def job_claim(job_id: int, worker: str) -> bool:
    """Pending → running, atomically: two workers can never both run one job."""
    now = timezone.now()
    return bool(Job.objects.filter(pk=job_id, status=JobStatusChoices.PENDING).update(
        status=JobStatusChoices.RUNNING, started=now, heartbeat=now, worker=worker[:200]
    ))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def stop_all_running(reason: str) -> list[int]:
    """Ask every job running in this process to stop (worker shutdown). Returns their ids."""
    with _active_lock:
        runners = list(_active.items())
    for _, runner in runners:
        runner.request_stop(reason)
    return [pk for pk, _ in runners]


def running_job_ids() -> list[int]:
    with _active_lock:
        return list(_active)


def job_execute(job_id: int) -> str:
    """Run one job to its end. Called by every backend (in-process thread, Celery task, CLI)."""
    db_tidy()
    if not job_claim(job_id, worker_name()):
        return "not-claimed"  # someone else has it, or it was cancelled/finished meanwhile
    job = Job.objects.select_related("user").get(pk=job_id)
    status, error, result = JobStatusChoices.ERRORED, "", None
    runner: JobRunner | None = None
    stop = threading.Event()
    beat: threading.Thread | None = None
    try:
        runner = runner_class(job.kind)(job)
        with _active_lock:
            _active[job.pk] = runner
        beat = threading.Thread(target=_heartbeat, args=(runner, stop), daemon=True, name=f"job-{job_id}-heartbeat")
        beat.start()
        with audit_context(actor=job.user or system_user(), request_id=f"job:{job.pk}"):
            result = runner.run(**job.kwargs)
        status = JobStatusChoices.COMPLETED
    except JobFailed as exc:
        status, error = JobStatusChoices.FAILED, str(exc)
    except JobCancelled as exc:
        status, error = JobStatusChoices.CANCELLED, str(exc)
        if TIME_LIMIT_MARKER in str(exc):
            status = JobStatusChoices.ERRORED
    except Exception as exc:  # noqa: BLE001 - any bug ends as "errored" with its traceback
        logger.exception("job %s errored", job_id)
        status, error = JobStatusChoices.ERRORED, f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}"
    finally:
        stop.set()
        if beat is not None:
            beat.join(timeout=5)
        with _active_lock:
            _active.pop(job.pk, None)
    if runner is not None:
        try:
            runner.flush_log()
        except Exception:  # noqa: BLE001 - the outcome matters more than the last log lines
            logger.exception("job %s: could not store its last log lines", job_id)
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "error": error[:100_000], "finished": now, "heartbeat": now}
    if result is not None:
        fields["result"] = result
    # Only a job still "running" is finished here: the reaper may have errored it meanwhile (it looked dead).
    if Job.objects.filter(pk=job_id, status=JobStatusChoices.RUNNING).update(**fields):
        for name, value in fields.items():
            setattr(job, name, value)
        with audit_context(actor=job.user or system_user(), request_id=f"job:{job.pk}"):
            for receiver, outcome in job_finished.send_robust(sender=Job, job=job):
                if isinstance(outcome, Exception):
                    logger.error("job %s: finish hook %s failed", job_id, receiver, exc_info=outcome)
    db_tidy()
    return status


def _heartbeat(runner: JobRunner, stop: threading.Event) -> None:
    """Prove the worker is alive; enforce the time limit; notice cancel requests between progress calls."""
    job = runner.job
    interval = heartbeat_seconds()
    tick = min(1.0, interval)
    next_beat = time.monotonic() + interval
    try:
        while not stop.wait(tick):
            reason = runner._time_limit_reason()
            if reason:
                runner.request_stop(reason)
            if time.monotonic() < next_beat:
                continue
            next_beat = time.monotonic() + interval
            try:
                Job.objects.filter(pk=job.pk, status=JobStatusChoices.RUNNING).update(heartbeat=timezone.now())
                if runner._cancel_requested(force=True):
                    runner.request_stop("Cancelled on request.")
            except Exception:  # noqa: BLE001 - a busy database must not kill the heartbeat; try again next beat
                logger.warning("job %s: heartbeat failed", job.pk, exc_info=True)
                db_tidy()
    finally:
        db_tidy(close=True)  # this thread's own connection
