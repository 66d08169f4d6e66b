"""Where jobs run. "inprocess": worker threads polling the database (the embedded default, started by
`manage.py runworker` or `runscheduler --with-worker`). "celery": a Celery task on the job's queue (one per site)."""

from __future__ import annotations

import logging

from django.conf import settings

from estate.models import Job

logger = logging.getLogger(__name__)


def dispatch(job: Job) -> None:
    backend = settings.ESTATE_JOB_BACKEND
    if backend == "celery":
        from estate.celery import execute_job

        execute_job.apply_async(args=[job.pk], queue=job.queue)
    elif backend == "eager":
        from estate.jobs.runner import job_execute

        job_execute(job.pk)  # tests and the CLI: run right here
    # "inprocess": nothing to do, the worker polls for pending jobs.
