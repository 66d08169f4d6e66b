"""Where jobs run, chosen by settings.ESTATE_JOB_BACKEND:

- "inprocess" (the embedded default): worker threads polling the database for pending jobs of their queues
  (`manage.py runworker`, or `runscheduler --with-worker`); nothing to do here.
- "celery": a Celery task on the job's queue (one queue per site: a worker in a site's network serves it).
- "eager": run right here, now (tests and the CLI).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from estate.choices import JobStatusChoices
from estate.models import Job

logger = logging.getLogger(__name__)


def site_queue(site) -> str:
    """The queue of a site's workers, e.g. "site-town-hall" (discovery of a site's scopes runs there)."""
    return f"site-{getattr(site, 'slug', None) or slugify(str(site))}"


def dispatch(job: Job) -> None:
    backend = settings.ESTATE_JOB_BACKEND
    if backend == "celery":
        from estate.celery import execute_job

        try:
            execute_job.apply_async(args=[job.pk], queue=job.queue)
        except Exception as exc:  # noqa: BLE001 - the broker is down: say so on the job, don't break the caller
            logger.exception("job %s: could not reach the Celery broker", job.pk)
            Job.objects.filter(pk=job.pk, status=JobStatusChoices.PENDING).update(
                status=JobStatusChoices.ERRORED, finished=timezone.now(),
                error=f"Could not hand the job to the queue broker ({type(exc).__name__}: {exc}).")
    elif backend == "eager":
        from estate.jobs.runner import job_execute

        job_execute(job.pk)
    # "inprocess": nothing to do, the worker polls for pending jobs.
