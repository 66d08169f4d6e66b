"""The Celery backend with a real Redis and real `celery worker` processes: one queue per site."""

from __future__ import annotations

import signal
import sys
import time

import pytest

from estate.celery import app as celery_app
from estate.choices import JobStatusChoices
from estate.jobs import job_enqueue
from estate.jobs.backends import dispatch, site_queue
from estate.models import Job
from tests.agents.redis import RedisServer, free_port
from tests.core.conftest import wait_for
from tests.factories import JobFactory


def test_celery_app_settings():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    task = celery_app.tasks["estate.execute_job"]
    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)


def test_site_queue_names():
    class Site:
        slug = "town-hall"

    assert site_queue(Site()) == "site-town-hall"


def use_broker(url: str | None) -> None:
    """Point this process's Celery app at another broker, dropping pooled connections and producers (what Celery
    itself does after a fork; app.close() alone keeps the producer pool of the old broker)."""
    celery_app.conf.broker_url = url
    pool, celery_app._pool = celery_app._pool, None
    if pool is not None:
        pool.force_close_all()
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.mark.django_db
def test_broker_down_errors_the_job_instead_of_breaking_the_caller(settings):
    settings.ESTATE_JOB_BACKEND = "celery"
    job = JobFactory()
    previous = celery_app.conf.broker_url
    use_broker(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        dispatch(job)
    finally:
        use_broker(previous)
    job.refresh_from_db()
    assert job.status == JobStatusChoices.ERRORED
    assert job.error.startswith("Could not hand the job to the queue broker")


@pytest.fixture
def redis_broker(settings):
    with RedisServer() as redis:
        previous = celery_app.conf.broker_url
        use_broker(redis.url)
        settings.ESTATE_JOB_BACKEND = "celery"
        try:
            yield redis
        finally:
            use_broker(previous)


def _celery_worker(start_process, env, queue: str):
    args = ["-A", "estate.celery", "worker", "-Q", queue, "-n", f"{queue}@%h", "-P", "solo", "-c", "1",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"]
    return start_process(*args, env=env, program=[sys.executable, "-m", "celery"], name=f"celery-{queue}",
                         stop_signal=signal.SIGQUIT)  # cold shutdown: the test has nothing left running


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


@pytest.mark.agents
def test_jobs_run_on_the_worker_of_their_site_queue_only(redis_broker, process_env, start_process):
    env = {**process_env, "ESTATE_JOB_BACKEND": "celery", "ESTATE_REDIS_URL": redis_broker.url}
    worker_a = _celery_worker(start_process, env, "site-a")
    worker_b = _celery_worker(start_process, env, "site-b")

    for_a = job_enqueue(kind="test.sleep", name="discover site A", queue="site-a", seconds=0.2, steps=2)
    for_b = job_enqueue(kind="test.sleep", name="discover site B", queue="site-b", seconds=0.2, steps=2)
    nobody = job_enqueue(kind="test.sleep", name="site C has no worker", queue="site-c", seconds=0)
    wait_for(lambda: _job(for_a.pk).status == JobStatusChoices.COMPLETED, timeout=45, what="site A's job",
             child=worker_a)
    wait_for(lambda: _job(for_b.pk).status == JobStatusChoices.COMPLETED, timeout=20, what="site B's job",
             child=worker_b)
    assert f":{worker_a.pid}:" in _job(for_a.pk).worker, (_job(for_a.pk).worker, worker_a.pid)
    assert f":{worker_b.pid}:" in _job(for_b.pk).worker, (_job(for_b.pk).worker, worker_b.pid)

    # The same runner code as in-process: progress, log and time limit all work under Celery.
    assert _job(for_a.pk).progress_done == 2
    assert _job(for_a.pk).log_entries.filter(message="Step 2 of 2 done.").exists()
    limited = job_enqueue(kind="test.sleep", name="too slow", queue="site-a", seconds=30, steps=30, time_limit=2)
    wait_for(lambda: _job(limited.pk).is_finished, timeout=20, what="the time limit", child=worker_a)
    assert _job(limited.pk).status == JobStatusChoices.ERRORED
    assert "time limit of 2 s exceeded" in _job(limited.pk).error

    time.sleep(0.5)
    assert _job(nobody.pk).status == JobStatusChoices.PENDING  # no worker serves site-c
    assert not Job.objects.filter(status=JobStatusChoices.RUNNING).exists()
