"""`manage.py runscheduler [--with-worker] [--once]`: the only process that fires schedules (it enqueues jobs)."""

from __future__ import annotations

import threading

from django.core.management.base import BaseCommand

from estate.jobs.scheduler import EstateScheduler
from estate.jobs.services import job_reap, scheduler_lease_acquire, scheduler_lease_release, schedules_fire_due
from estate.jobs.worker import ALL_QUEUES, Worker
from estate.management.commands.runworker import install_stop_signals


class Command(BaseCommand):
    help = ("Fire schedules (APScheduler), reap jobs of dead workers; with --with-worker also run jobs in this "
            "process (the embedded default). Stop with SIGTERM.")
    requires_system_checks: list[str] = []  # a long-running process: start fast, check nothing web-related

    def add_arguments(self, parser):
        parser.add_argument("--with-worker", action="store_true", help="Also run the in-process worker")
        parser.add_argument("--queues", default=ALL_QUEUES, help="Worker queues (with --with-worker); '*' = all")
        parser.add_argument("--concurrency", type=int, default=4, help="Worker threads (with --with-worker)")
        parser.add_argument("--grace", type=float, default=30.0,
                            help="On SIGTERM, seconds to let running jobs finish before stopping them")
        parser.add_argument("--sync-interval", type=float, default=None,
                            help="Seconds between re-reading schedules (default ESTATE_SCHEDULER_SYNC_SECONDS)")
        parser.add_argument("--once", action="store_true",
                            help="Fire the schedules due now (within their grace), reap, run pending jobs if "
                                 "--with-worker, then exit")

    def handle(self, *args, **options):
        stop = threading.Event()
        worker = None
        if options["with_worker"]:
            queues = [q.strip() for q in options["queues"].split(",") if q.strip()]
            worker = Worker(queues=queues, concurrency=options["concurrency"])
        if options["once"]:
            self._once(worker)
            return
        install_stop_signals(stop, self.stdout.write)
        scheduler = EstateScheduler(sync_interval=options["sync_interval"])
        worker_thread = None
        if worker is not None:
            worker_thread = threading.Thread(target=worker.run, args=(stop,), kwargs={"grace": options["grace"]},
                                             name="worker", daemon=True)
            worker_thread.start()
        self.stdout.write(f"Scheduler {scheduler.identity} started" + (" with a worker." if worker else "."))
        self.stdout.flush()
        scheduler.run(stop)
        if worker_thread is not None:
            worker_thread.join()
        self.stdout.write("Scheduler stopped.")

    def _once(self, worker: Worker | None) -> None:
        scheduler = EstateScheduler()
        if scheduler_lease_acquire(holder=scheduler.identity, ttl=scheduler.lease_ttl):
            try:
                events = schedules_fire_due()
                reaped = job_reap()
            finally:
                scheduler_lease_release(holder=scheduler.identity)
            for event in events:
                self.stdout.write(str(event))
            if reaped:
                self.stdout.write(f"Reaped dead jobs: {', '.join(map(str, reaped))}")
        else:
            self.stdout.write("Another scheduler holds the lease; nothing fired.")
        if worker is not None:
            worker.run(threading.Event(), once=True)
