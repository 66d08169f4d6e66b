"""The runner base and the one function every backend calls to execute a job."""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from estate.choices import JobLogLevelChoices, JobStatusChoices
from estate.context import audit_context
from estate.models import Job, JobLogEntry

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
SYSTEM_USERNAME = "estate-system"


class JobFailed(Exception):
    """The work found a problem (e.g. every host unreachable): status "failed", not "errored"."""


class JobCancelled(Exception):
    """Raised inside run() when a cancel was requested or the time limit passed."""


class JobRunner:
    """Subclass, set `kind`, implement run(**kwargs) -> result dict. Report with log() and progress()."""

    kind: ClassVar[str] = ""
    time_limit: ClassVar[int] = 3600

    def __init__(self, job: Job):
        self.job = job
        self._log_buffer: list[JobLogEntry] = []
        self._stop_reason: str | None = None

    def run(self, **kwargs: Any) -> dict | None:
        raise NotImplementedError

    # --- reporting ---

    def log(self, message: str, *, level: str = JobLogLevelChoices.INFO, **data: Any) -> None:
        self._log_buffer.append(JobLogEntry(job=self.job, level=level, message=message[:10_000], data=data))
        if len(self._log_buffer) >= 200:
            self.flush_log()

    def flush_log(self) -> None:
        if self._log_buffer:
            JobLogEntry.objects.bulk_create(self._log_buffer)
            self._log_buffer = []

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress; also the place where a cancel or time-out takes effect."""
        fields = {"progress_done": done, "heartbeat": timezone.now()}
        if total is not None:
            fields["progress_total"] = total
        Job.objects.filter(pk=self.job.pk).update(**fields)
        self.flush_log()
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if self._stop_reason:
            raise JobCancelled(self._stop_reason)
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled("Cancelled on request.")

    @property
    def should_stop(self) -> bool:
        """For code that can't raise (callbacks): True once cancel was requested or the time limit passed."""
        return bool(self._stop_reason) or Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()


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
                schedule=None, **kwargs: Any) -> Job:
    """Create a pending job and hand it to the configured backend once the transaction commits."""
    from estate.jobs.backends import dispatch

    cls = runner_class(kind)
    job = Job.objects.create(
        kind=kind, name=name[:200], user=user if user is not None and user.is_authenticated else None,
        started_by=started_by or (user.get_username() if user is not None and user.is_authenticated else "system"),
        queue=queue or "default", schedule=schedule, kwargs=kwargs, time_limit=cls.time_limit,
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
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def job_execute(job_id: int) -> str:
    """Run one job to its end. Called by every backend (in-process thread, Celery task, CLI)."""
    close_old_connections()
    if not job_claim(job_id, worker_name()):
        return "not-claimed"  # someone else has it, or it was cancelled/finished meanwhile
    job = Job.objects.select_related("user").get(pk=job_id)
    runner = runner_class(job.kind)(job)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(runner, stop), daemon=True, name=f"job-{job_id}-heartbeat")
    beat.start()
    status, error, result = JobStatusChoices.COMPLETED, "", None
    try:
        with audit_context(actor=job.user or system_user(), request_id=f"job:{job.pk}"):
            result = runner.run(**job.kwargs)
    except JobFailed as exc:
        status, error = JobStatusChoices.FAILED, str(exc)
    except JobCancelled as exc:
        status, error = JobStatusChoices.CANCELLED, str(exc)
        if runner._stop_reason and "time limit" in runner._stop_reason:
            status = JobStatusChoices.ERRORED
    except Exception as exc:  # noqa: BLE001 - any bug ends as "errored" with its traceback
        logger.exception("job %s errored", job_id)
        status, error = JobStatusChoices.ERRORED, f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}"
    finally:
        stop.set()
        beat.join(timeout=5)
    try:
        runner.flush_log()
    except Exception:  # noqa: BLE001 - the outcome matters more than the last log lines
        logger.exception("job %s: could not store its last log lines", job_id)
    fields = {"status": status, "error": error[:100_000], "finished": timezone.now(), "heartbeat": timezone.now()}
    if result is not None:
        fields["result"] = result
    Job.objects.filter(pk=job_id, status=JobStatusChoices.RUNNING).update(**fields)
    close_old_connections()
    return status


def _heartbeat(runner: JobRunner, stop: threading.Event) -> None:
    """Prove the worker is alive; enforce the time limit; notice cancel requests between progress calls."""
    job = runner.job
    try:
        while not stop.wait(HEARTBEAT_SECONDS):
            Job.objects.filter(pk=job.pk, status=JobStatusChoices.RUNNING).update(heartbeat=timezone.now())
            elapsed = (timezone.now() - job.started).total_seconds() if job.started else 0
            if job.time_limit and elapsed > job.time_limit:
                runner._stop_reason = f"Stopped: time limit of {job.time_limit} s exceeded."
            elif Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
                runner._stop_reason = "Cancelled on request."
    finally:
        close_old_connections()
