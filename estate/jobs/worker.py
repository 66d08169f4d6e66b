"""The in-process backend's worker: threads that poll the database for pending jobs of their queues.

Each pending job is claimed atomically by job_execute (pending → running), so any number of workers, in one or
many processes or machines sharing the database, never run one job twice. On shutdown the worker stops taking
jobs, lets running ones finish for `grace` seconds, then asks them to stop (they end "cancelled"), and finally
marks any that still did not stop as cancelled itself: a job is never left "running".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from estate.choices import JobStatusChoices
from estate.jobs.runner import db_tidy, job_execute, stop_all_running
from estate.models import Job

logger = logging.getLogger(__name__)

ALL_QUEUES = "*"
SHUTDOWN_REASON = "Stopped: the worker is shutting down."


class Worker:
    def __init__(self, *, queues: Sequence[str] = (ALL_QUEUES,), concurrency: int = 4, poll_interval: float = 1.0):
        self.queues = [q for q in queues if q] or [ALL_QUEUES]
        self.concurrency = max(1, concurrency)
        self.poll_interval = poll_interval
        self._threads: dict[int, threading.Thread] = {}
        self._lock = threading.Lock()

    # --- polling ---

    def _pending(self, limit: int) -> list[int]:
        jobs = Job.objects.filter(status=JobStatusChoices.PENDING)
        if ALL_QUEUES not in self.queues:
            jobs = jobs.filter(queue__in=self.queues)
        with self._lock:
            busy = list(self._threads)
        return list(jobs.exclude(pk__in=busy).order_by("created", "pk").values_list("pk", flat=True)[:limit])

    def _reap_threads(self) -> None:
        with self._lock:
            for pk, thread in list(self._threads.items()):
                if not thread.is_alive():
                    del self._threads[pk]

    @property
    def busy(self) -> int:
        self._reap_threads()
        with self._lock:
            return len(self._threads)

    def poll_once(self) -> int:
        """Start threads for pending jobs, up to the free slots. Returns how many were started."""
        free = self.concurrency - self.busy
        if free <= 0:
            return 0
        try:
            pending = self._pending(free)
        except Exception:  # noqa: BLE001 - database briefly unavailable: try again at the next poll
            logger.warning("worker: could not poll for jobs", exc_info=True)
            db_tidy()
            return 0
        for pk in pending:
            thread = threading.Thread(target=self._run, args=(pk,), name=f"job-{pk}", daemon=True)
            with self._lock:
                self._threads[pk] = thread
            thread.start()
        return len(pending)

    @staticmethod
    def _run(job_id: int) -> None:
        try:
            job_execute(job_id)
        except Exception:  # noqa: BLE001 - job_execute records outcomes itself; this is a last resort
            logger.exception("worker: job %s could not be executed", job_id)
        finally:
            db_tidy(close=True)

    def run(self, stop: threading.Event, *, once: bool = False, grace: float = 30.0) -> None:
        """Poll until `stop` is set (or, with once=True, until no job is pending or running), then shut down."""
        logger.info("worker: serving queues %s with %d thread(s)", ",".join(self.queues), self.concurrency)
        try:
            while not stop.is_set():
                started = self.poll_once()
                if once and not started and not self.busy and not self._pending(1):
                    break
                stop.wait(self.poll_interval if not started else 0.05)
        finally:
            self.shutdown(grace=grace)
            db_tidy()

    # --- shutdown ---

    def shutdown(self, *, grace: float = 30.0, stop_wait: float = 3.0) -> None:
        if not self.busy:
            return
        logger.info("worker: waiting up to %.0f s for %d running job(s)", grace, self.busy)
        self._wait(grace)
        if self.busy:
            with self._lock:
                ids = list(self._threads)
            logger.warning("worker: asking jobs %s to stop", ids)
            stop_all_running(SHUTDOWN_REASON)
            self._wait(stop_wait)
        if self.busy:
            with self._lock:
                ids = list(self._threads)
            self.abandon(ids)

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.busy and time.monotonic() < deadline:
            time.sleep(0.1)

    @staticmethod
    def abandon(job_ids: list[int]) -> None:
        """Jobs whose code did not stop in time: mark them cancelled so none is left "running"."""
        from estate.jobs.services import jobs_abandon

        jobs_abandon(job_ids=job_ids, reason=f"{SHUTDOWN_REASON} The job did not stop in time and was abandoned.")
        logger.warning("worker: abandoned jobs %s", job_ids)
