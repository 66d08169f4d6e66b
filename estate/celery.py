"""The Celery app (ESTATE_JOB_BACKEND=celery): one task, execute_job, routed to the job's queue.

Start a worker for one site's network:  celery -A estate.celery worker -Q site-town-hall -c 4
Broker: settings.CELERY_BROKER_URL (ESTATE_REDIS_URL). Nothing here connects to Redis at import time, and
estate/__init__.py does not import this module, so the web app starts without Redis.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estate.settings")

app = Celery("estate")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_default_queue="default",
    task_acks_late=True,  # acknowledge after the job ran: a worker that dies mid-job doesn't lose the message
    task_reject_on_worker_lost=True,  # …and the message goes back to the queue (job_execute won't run it twice)
    worker_prefetch_multiplier=1,  # long jobs: a worker reserves one message at a time
    task_track_started=True,
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": 6 * 3600},  # longer than any job's time limit
    task_publish_retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
    worker_hijack_root_logger=False,
)


@app.task(name="estate.execute_job", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_job(job_id: int) -> str:
    from estate.jobs.runner import job_execute

    return job_execute(job_id)
