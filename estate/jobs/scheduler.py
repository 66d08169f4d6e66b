"""The scheduler process (`manage.py runscheduler`): the only thing that fires schedules. It only enqueues jobs.

- APScheduler 3 (BackgroundScheduler, in-memory job store) holds one APScheduler job per enabled Schedule, with
  coalesce=True (many missed fire times run once), misfire_grace_time=schedule.misfire_grace_seconds and
  max_instances=1.
- Every ESTATE_SCHEDULER_SYNC_SECONDS the Schedule table is re-read: new rows are added, rows whose last_updated
  changed are replaced, disabled or deleted rows are removed. Edits apply without a restart.
- Leader lease: a SchedulerLease row taken and renewed with one conditional UPDATE each sync. Only the holder fires
  (a second scheduler started by accident stays paused as a standby and takes over when the lease expires).
  On top, each fire time is decided once (unique schedule + fire time) and never while a run is still active.
- The leader also runs the reaper every ESTATE_JOB_REAP_SECONDS (dead workers' jobs → errored).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings
from django.utils import timezone

from estate.jobs.runner import db_tidy
from estate.jobs.services import (
    job_reap,
    schedule_due_fire_time,
    schedule_fire,
    scheduler_lease_acquire,
    scheduler_lease_release,
)
from estate.models import Schedule

logger = logging.getLogger(__name__)


def aps_job_id(schedule_pk: int) -> str:
    return f"schedule-{schedule_pk}"


class EstateScheduler:
    def __init__(self, *, sync_interval: float | None = None, reap_interval: float | None = None,
                 lease_ttl: float | None = None, identity: str | None = None):
        self.sync_interval = sync_interval if sync_interval is not None else settings.ESTATE_SCHEDULER_SYNC_SECONDS
        self.reap_interval = reap_interval if reap_interval is not None else settings.ESTATE_JOB_REAP_SECONDS
        self.lease_ttl = lease_ttl if lease_ttl is not None else max(6 * self.sync_interval, 15.0)
        self.identity = identity or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.aps = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self.known: dict[int, datetime] = {}  # schedule pk -> last_updated of the version loaded
        self.leader = False
        self._leader_until = 0.0
        self._next_reap = 0.0
        self._started = False
        self._paused = True

    # --- APScheduler jobs from Schedule rows ---

    def sync(self) -> dict[str, int]:
        """Make the APScheduler jobs match the enabled Schedule rows. Returns counts of what changed."""
        rows = {s.pk: s for s in Schedule.objects.filter(enabled=True)}
        changes = {"added": 0, "updated": 0, "removed": 0}
        for pk in set(self.known) - set(rows):
            if self.aps.get_job(aps_job_id(pk)):
                self.aps.remove_job(aps_job_id(pk))
            del self.known[pk]
            changes["removed"] += 1
        for pk, schedule in rows.items():
            if self.known.get(pk) == schedule.last_updated:
                continue
            new = pk not in self.known
            try:
                self._add(schedule, catch_up=new)
            except Exception:  # noqa: BLE001 - one bad row must not stop the others
                logger.exception("scheduler: cannot schedule %r (#%s)", schedule.name, pk)
                continue
            self.known[pk] = schedule.last_updated
            changes["added" if new else "updated"] += 1
            logger.info("scheduler: %s %r (#%s), next run %s", "added" if new else "updated", schedule.name, pk,
                        self.next_run_time(pk))
        return changes

    def _add(self, schedule: Schedule, *, catch_up: bool) -> None:
        options = {}
        if catch_up:
            # A fire time missed while no scheduler was running, still within its grace: run it now (once).
            missed = schedule_due_fire_time(schedule=schedule, now=timezone.now())
            if missed is not None:
                options["next_run_time"] = missed
        self.aps.add_job(
            self._fire, trigger=schedule.trigger(), args=[schedule.pk], id=aps_job_id(schedule.pk),
            name=schedule.name, replace_existing=True, coalesce=True, max_instances=1,
            misfire_grace_time=max(schedule.misfire_grace_seconds, 1), **options,
        )

    def next_run_time(self, schedule_pk: int) -> datetime | None:
        job = self.aps.get_job(aps_job_id(schedule_pk))
        return getattr(job, "next_run_time", None) if job else None

    def _fire(self, schedule_pk: int) -> None:
        """Called by APScheduler at a fire time (late by at most the grace time; coalesced)."""
        if not self.is_leader:
            return
        db_tidy()
        try:
            schedule = Schedule.objects.filter(pk=schedule_pk, enabled=True).first()
            if schedule is None:
                return
            now = timezone.now()
            # APScheduler doesn't pass the scheduled time: it is the latest fire time within the grace.
            fire_time = schedule.last_fire_time(now=now) or now.replace(microsecond=0)
            schedule_fire(schedule=schedule, fire_time=fire_time)
        except Exception:  # noqa: BLE001 - log and keep the scheduler alive
            logger.exception("scheduler: firing schedule #%s failed", schedule_pk)
        finally:
            db_tidy(close=True)

    # --- leadership, reaping, the loop ---

    @property
    def is_leader(self) -> bool:
        return self.leader and time.monotonic() < self._leader_until

    def tick(self) -> None:
        """One round: renew (or try to take) the lease, sync schedules, reap dead jobs when it is time."""
        db_tidy()
        try:
            leader = scheduler_lease_acquire(holder=self.identity, ttl=self.lease_ttl)
        except Exception:  # noqa: BLE001 - database unavailable: stop firing until we know we lead
            logger.warning("scheduler: cannot renew the lease", exc_info=True)
            leader = False
        if leader:
            # Stop firing a little before the lease would expire if we could not renew it.
            self._leader_until = time.monotonic() + self.lease_ttl - max(self.sync_interval, 1.0)
        if leader != self.leader:
            logger.info("scheduler %s: %s", self.identity, "leading" if leader else "standing by (another leads)")
        self.leader = leader
        if self._started and leader == self._paused:
            if leader:
                self.aps.resume()  # due runs still within their grace time fire now (coalesced)
            else:
                self.aps.pause()
            self._paused = not leader
        try:
            self.sync()
        except Exception:  # noqa: BLE001
            logger.exception("scheduler: sync failed")
        if leader and time.monotonic() >= self._next_reap:
            self._next_reap = time.monotonic() + self.reap_interval
            try:
                job_reap()
            except Exception:  # noqa: BLE001
                logger.exception("scheduler: reaper failed")

    def start(self) -> None:
        self.aps.start(paused=True)
        self._started, self._paused = True, True

    def stop(self) -> None:
        if self._started:
            self.aps.shutdown(wait=True)
            self._started = False
        try:
            scheduler_lease_release(holder=self.identity)
        except Exception:  # noqa: BLE001
            logger.warning("scheduler: could not release the lease", exc_info=True)
        self.leader = False
        db_tidy(close=True)

    def run(self, stop: threading.Event) -> None:
        logger.info("scheduler %s: starting (sync every %.0f s, reaper every %.0f s)", self.identity,
                    self.sync_interval, self.reap_interval)
        self.start()
        try:
            while not stop.is_set():
                self.tick()
                stop.wait(self.sync_interval)
        finally:
            self.stop()
