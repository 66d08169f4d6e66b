"""`manage.py runworker [--queues default,site-town-hall] [--concurrency 4]`: the in-process backend's worker."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from estate.jobs.worker import ALL_QUEUES, Worker


def install_stop_signals(stop: threading.Event, log) -> None:
    """SIGTERM/SIGINT: stop taking work and shut down gracefully; a second signal cuts the grace short."""

    def handle(signum, frame):
        if stop.is_set():
            log(f"Signal {signum} again: stopping running jobs now.")
            from estate.jobs.runner import stop_all_running
            from estate.jobs.worker import SHUTDOWN_REASON

            stop_all_running(SHUTDOWN_REASON)
            return
        log(f"Signal {signum}: finishing running jobs, then exiting.")
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


class Command(BaseCommand):
    help = "Run background jobs from the database (ESTATE_JOB_BACKEND=inprocess). Stop with SIGTERM."
    requires_system_checks: list[str] = []  # a long-running process: start fast, check nothing web-related

    def add_arguments(self, parser):
        parser.add_argument("--queues", default=ALL_QUEUES,
                            help="Comma-separated queues to serve, e.g. default,site-town-hall ('*' = all; default)")
        parser.add_argument("--concurrency", type=int, default=4, help="Jobs run at once (threads)")
        parser.add_argument("--poll", type=float, default=1.0, help="Seconds between polls for new jobs")
        parser.add_argument("--grace", type=float, default=30.0,
                            help="On SIGTERM, seconds to let running jobs finish before stopping them")
        parser.add_argument("--once", action="store_true", help="Run the pending jobs, then exit")

    def handle(self, *args, **options):
        if settings.ESTATE_JOB_BACKEND == "celery":
            self.stderr.write("Warning: ESTATE_JOB_BACKEND is 'celery'; jobs are sent to Celery workers, not polled.")
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()]
        worker = Worker(queues=queues, concurrency=options["concurrency"], poll_interval=options["poll"])
        stop = threading.Event()
        install_stop_signals(stop, self.stdout.write)
        self.stdout.write(f"Worker serving {','.join(worker.queues)} with {worker.concurrency} thread(s).")
        self.stdout.flush()
        worker.run(stop, once=options["once"], grace=options["grace"])
        self.stdout.write("Worker stopped.")
