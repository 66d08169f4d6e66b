"""Jobs: runner outcomes, time limits, cancel, rerun, the reaper, job pages and API, and real worker processes."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import TestCase, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from estate.choices import JobStatusChoices
from estate.jobs import JobRunner, job_enqueue, job_execute
from estate.jobs.runner import job_claim
from estate.jobs.services import HARD_LIMIT_GRACE_SECONDS, job_cancel, job_reap
from estate.models import Job, JobLogEntry
from estate.services import token_create
from tests.core.conftest import wait_for
from tests.factories import JobFactory, UserFactory

RUNNERS = {**settings.ESTATE_JOB_RUNNERS, "test.cancel-self": "tests.core.test_jobs.SelfCancellingJob"}


class SelfCancellingJob(JobRunner):
    """Asks for its own cancel half-way, as a user clicking "Cancel" while it runs would."""

    kind = "test.cancel-self"

    def run(self, *, steps: int = 4) -> dict:
        self.progress(0, steps)
        for step in range(1, steps + 1):
            if step == 2:
                job_cancel(job=self.job, user=None)
            self.progress(step)  # the cancel takes effect here
        return {"finished": True}


def run_job(**kwargs) -> Job:
    job = job_enqueue(name="test", **kwargs)
    job_execute(job.pk)
    job.refresh_from_db()
    return job


class RunnerOutcomeTest(TestCase):
    def test_completed_with_progress_log_and_result(self):
        job = run_job(kind="test.sleep", seconds=0, steps=3)
        self.assertEqual(job.status, JobStatusChoices.COMPLETED, job.error)
        self.assertEqual((job.progress_done, job.progress_total, job.progress_percent), (3, 3, 100))
        self.assertEqual(job.result, {"slept": 0, "steps": 3})
        self.assertIsNotNone(job.started)
        self.assertIsNotNone(job.finished)
        self.assertEqual(job.started_by, "system")
        messages = list(job.log_entries.values_list("message", flat=True))
        self.assertEqual(messages[0], "Sleeping 0 s in 3 steps.")
        self.assertEqual(messages[-1], "Step 3 of 3 done.")

    def test_failed_when_the_work_finds_a_problem(self):
        job = run_job(kind="test.sleep", seconds=0, steps=1, fail="every host was unreachable")
        self.assertEqual(job.status, JobStatusChoices.FAILED)
        self.assertEqual(job.error, "every host was unreachable")

    def test_errored_with_traceback_when_the_code_breaks(self):
        job = run_job(kind="test.sleep", seconds=0, steps=1, crash="boom")
        self.assertEqual(job.status, JobStatusChoices.ERRORED)
        self.assertTrue(job.error.startswith("RuntimeError: boom"), job.error)
        self.assertIn("Traceback (most recent call last)", job.error)
        self.assertIn("builtin.py", job.error)

    @override_settings(ESTATE_JOB_RUNNERS=RUNNERS)
    def test_cancel_while_running_ends_cancelled(self):
        job = run_job(kind="test.cancel-self", steps=4)
        self.assertEqual(job.status, JobStatusChoices.CANCELLED)
        self.assertEqual(job.error, "Cancelled on request.")
        self.assertEqual(job.progress_done, 2)  # stopped at the check right after the request
        self.assertTrue(job.log_entries.filter(message="Cancel requested by system.").exists())

    def test_cancel_while_pending_is_immediate_and_nothing_runs(self):
        job = job_enqueue(kind="test.sleep", name="never", seconds=0)
        job_cancel(job=job, user=UserFactory(username="ops"))
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatusChoices.CANCELLED)
        self.assertEqual(job.error, "Cancelled by ops before it started.")
        self.assertEqual(job_execute(job.pk), "not-claimed")
        job.refresh_from_db()
        self.assertIsNone(job.started)

    def test_time_limit_ends_errored(self):
        started = time.monotonic()
        job = run_job(kind="test.sleep", seconds=30, steps=30, time_limit=2)
        elapsed = time.monotonic() - started
        self.assertEqual(job.status, JobStatusChoices.ERRORED)
        self.assertIn("time limit of 2 s exceeded", job.error)
        self.assertLess(elapsed, 6)

    @override_settings(ESTATE_JOB_TIME_LIMITS={"test.sleep": 1})
    def test_time_limit_per_kind_from_settings(self):
        job = run_job(kind="test.sleep", seconds=20, steps=20)
        self.assertEqual(job.time_limit, 1)
        self.assertEqual(job.status, JobStatusChoices.ERRORED)
        self.assertIn("time limit", job.error)

    def test_a_job_is_claimed_once(self):
        job = job_enqueue(kind="test.sleep", name="once", seconds=0)
        self.assertTrue(job_claim(job.pk, "worker-a"))
        self.assertFalse(job_claim(job.pk, "worker-b"))
        self.assertEqual(job_execute(job.pk), "not-claimed")
        job.refresh_from_db()
        self.assertEqual(job.worker, "worker-a")

    def test_unknown_kind_and_secret_arguments_are_refused(self):
        with self.assertRaisesMessage(ValueError, "Unknown job kind"):
            job_enqueue(kind="no.such.kind", name="x")
        for kwargs in ({"password": "hunter2"}, {"options": {"snmp_community": "public"}}, {"api_key": "k"},
                       {"hosts": [{"private_key": "-----BEGIN"}]}, {"client_secret": "s"}):
            with self.assertRaisesMessage(ValueError, "must not hold secrets"):
                job_enqueue(kind="test.sleep", name="x", **kwargs)
        self.assertFalse(Job.objects.exists())
        job_enqueue(kind="test.sleep", name="ok", scope=3, credential_set=4, bypass_cache=True)  # ids and options

    def test_rerun_copies_kind_arguments_and_queue(self):
        from estate.jobs.services import job_rerun

        job = JobFactory(kind="test.sleep", kwargs={"seconds": 0, "steps": 2}, queue="site-a",
                         status=JobStatusChoices.FAILED)
        user = UserFactory(username="ops")
        new = job_rerun(job=job, user=user)
        self.assertEqual((new.kind, new.kwargs, new.queue, new.status), (job.kind, job.kwargs, "site-a", "pending"))
        self.assertEqual(new.user, user)
        self.assertIn(f"rerun of #{job.pk}", new.started_by)


class ReaperTest(TestCase):
    def test_running_job_without_heartbeat_is_errored_with_reason(self):
        now = timezone.now()
        dead = JobFactory(status=JobStatusChoices.RUNNING, started=now - timedelta(minutes=5),
                          heartbeat=now - timedelta(seconds=61), worker="host-1:123:job-1")
        alive = JobFactory(status=JobStatusChoices.RUNNING, started=now - timedelta(minutes=5),
                           heartbeat=now - timedelta(seconds=5))
        done = JobFactory(status=JobStatusChoices.COMPLETED, heartbeat=now - timedelta(hours=1))
        pending = JobFactory(status=JobStatusChoices.PENDING)
        self.assertEqual(job_reap(stale_after=60), [dead.pk])
        for job in (dead, alive, done, pending):
            job.refresh_from_db()
        self.assertEqual(dead.status, JobStatusChoices.ERRORED)
        self.assertTrue(dead.error.startswith("worker stopped responding (no heartbeat since "), dead.error)
        self.assertIn("host-1:123:job-1", dead.error)
        self.assertIsNotNone(dead.finished)
        self.assertTrue(JobLogEntry.objects.filter(job=dead, level="error").exists())
        self.assertEqual((alive.status, done.status, pending.status), ("running", "completed", "pending"))
        self.assertEqual(job_reap(stale_after=60), [])  # idempotent

    def test_job_stuck_past_its_time_limit_is_errored_even_if_beating(self):
        now = timezone.now()
        stuck = JobFactory(status=JobStatusChoices.RUNNING, time_limit=60, heartbeat=now,
                           started=now - timedelta(seconds=60 + HARD_LIMIT_GRACE_SECONDS + 1))
        self.assertEqual(job_reap(), [stuck.pk])
        stuck.refresh_from_db()
        self.assertEqual(stuck.status, JobStatusChoices.ERRORED)
        self.assertIn("time limit of 60 s exceeded", stuck.error)

    def test_default_thresholds_error_a_killed_workers_job_within_two_minutes(self):
        # The worker stamps a heartbeat every HEARTBEAT s; it is killed at most HEARTBEAT s after its last stamp.
        # The reaper (every REAP s, in the scheduler) errors jobs silent for more than STALE s. Worst case from
        # the kill to "errored": HEARTBEAT + STALE + REAP (+ a few seconds of work), which must stay under 2 min.
        heartbeat = settings.ESTATE_JOB_HEARTBEAT_SECONDS
        stale = settings.ESTATE_JOB_STALE_SECONDS
        reap = settings.ESTATE_JOB_REAP_SECONDS
        self.assertEqual((heartbeat, stale, reap), (10, 60, 30))
        self.assertLessEqual(heartbeat + stale + reap + 5, 120)
        # …and a live job is never reaped: several heartbeats fit in the stale threshold even on a busy database.
        self.assertGreaterEqual(stale, 3 * heartbeat + 20)

    @override_settings(ESTATE_JOB_STALE_SECONDS=60)
    def test_reaper_default_threshold_comes_from_settings(self):
        now = timezone.now()
        job = JobFactory(status=JobStatusChoices.RUNNING, started=now, heartbeat=now - timedelta(seconds=59))
        self.assertEqual(job_reap(), [])
        self.assertEqual(job_reap(now=now + timedelta(seconds=2)), [job.pk])


class JobAPITest(TestCase):
    url = "/api/jobs/"

    def client_for(self, *perms: str, write: bool = True) -> APIClient:
        user = UserFactory(perms=list(perms))
        _, key = token_create(user=user, write_enabled=write)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    def test_anonymous_and_unpermitted_are_refused(self):
        job = JobFactory()
        self.assertIn(APIClient().get(self.url).status_code, (401, 403))
        self.assertEqual(self.client_for().get(self.url).status_code, 403)
        self.assertEqual(self.client_for().get(f"{self.url}{job.pk}/log/").status_code, 403)

    def test_list_filters_and_retrieve(self):
        a = JobFactory(kind="test.sleep", status=JobStatusChoices.RUNNING, queue="site-a", started_by="schedule:1")
        b = JobFactory(kind="estate.prune_jobs", status=JobStatusChoices.COMPLETED, queue="default")
        client = self.client_for("estate.view_job", write=False)
        body = client.get(self.url).json()
        self.assertEqual(body["count"], 2)
        self.assertEqual([r["id"] for r in client.get(self.url, {"status": "running"}).json()["results"]], [a.pk])
        self.assertEqual([r["id"] for r in client.get(self.url, {"kind": "estate.prune_jobs"}).json()["results"]],
                         [b.pk])
        self.assertEqual([r["id"] for r in client.get(self.url, {"queue": "site-a"}).json()["results"]], [a.pk])
        self.assertEqual([r["id"] for r in client.get(self.url, {"started_by": "schedule"}).json()["results"]],
                         [a.pk])
        detail = client.get(f"{self.url}{a.pk}/").json()
        self.assertEqual((detail["status"], detail["queue"], detail["is_finished"]), ("running", "site-a", False))
        self.assertEqual(client.get(self.url, {"status": "nonsense"}).status_code, 400)

    def test_log_is_paginated_and_can_follow(self):
        job = JobFactory()
        entries = JobLogEntry.objects.bulk_create([JobLogEntry(job=job, message=f"line {n}") for n in range(7)])
        client = self.client_for("estate.view_job", write=False)
        page = client.get(f"{self.url}{job.pk}/log/", {"limit": 3}).json()
        self.assertEqual(page["count"], 7)
        self.assertEqual([e["message"] for e in page["results"]], ["line 0", "line 1", "line 2"])
        self.assertIsNotNone(page["next"])
        newer = client.get(f"{self.url}{job.pk}/log/", {"after": entries[4].pk}).json()
        self.assertEqual([e["message"] for e in newer["results"]], ["line 5", "line 6"])

    def test_cancel_needs_change_permission_and_a_writable_token(self):
        job = JobFactory(status=JobStatusChoices.PENDING)
        self.assertEqual(self.client_for("estate.view_job").post(f"{self.url}{job.pk}/cancel/").status_code, 403)
        read_only = self.client_for("estate.view_job", "estate.change_job", write=False)
        self.assertEqual(read_only.post(f"{self.url}{job.pk}/cancel/").status_code, 403)
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatusChoices.PENDING)

    def test_cancel_pending_running_and_finished(self):
        client = self.client_for("estate.view_job", "estate.change_job")
        pending = JobFactory(status=JobStatusChoices.PENDING)
        response = client.post(f"{self.url}{pending.pk}/cancel/")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "cancelled")
        running = JobFactory(status=JobStatusChoices.RUNNING, started=timezone.now())
        response = client.post(f"{self.url}{running.pk}/cancel/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual((response.json()["status"], response.json()["cancel_requested"]), ("running", True))
        done = JobFactory(status=JobStatusChoices.COMPLETED)
        response = client.post(f"{self.url}{done.pk}/cancel/")
        self.assertEqual(response.status_code, 409)
        self.assertIn("already finished", response.json()["error"]["message"])

    def test_rerun(self):
        job = JobFactory(status=JobStatusChoices.ERRORED, kwargs={"seconds": 0})
        client = self.client_for("estate.view_job", "estate.change_job")
        response = client.post(f"{self.url}{job.pk}/rerun/")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["status"], "pending")
        self.assertEqual(Job.objects.count(), 2)

    def test_jobs_cannot_be_created_or_edited_through_the_api(self):
        job = JobFactory()
        client = self.client_for("estate.view_job", "estate.add_job", "estate.change_job", "estate.delete_job")
        self.assertEqual(client.post(self.url, {"kind": "test.sleep", "name": "x"}, format="json").status_code, 405)
        self.assertEqual(client.patch(f"{self.url}{job.pk}/", {"status": "completed"}, format="json").status_code,
                         405)
        self.assertEqual(client.delete(f"{self.url}{job.pk}/").status_code, 405)


class JobPagesTest(TestCase):
    def login(self, *perms: str):
        user = UserFactory(perms=list(perms))
        self.client.force_login(user)
        return user

    def test_pages_need_view_permission(self):
        job = JobFactory()
        self.login()
        for url in ("/jobs/", f"/jobs/{job.pk}/", f"/jobs/{job.pk}/status.json"):
            self.assertEqual(self.client.get(url).status_code, 403, url)
        self.client.logout()
        self.assertEqual(self.client.get("/jobs/").status_code, 302)

    def test_list_filters_and_export(self):
        running = JobFactory(name="Discover town hall", status=JobStatusChoices.RUNNING, queue="site-town-hall")
        JobFactory(name="Prune", status=JobStatusChoices.COMPLETED)
        self.login("estate.view_job")
        response = self.client.get("/jobs/", {"status": "running"})
        self.assertContains(response, "Discover town hall")
        self.assertNotContains(response, "Prune")
        self.assertContains(response, f"/jobs/{running.pk}/")
        self.assertNotContains(response, "Add job")
        response = self.client.get("/jobs/", {"queue": "site-town-hall", "kind": "test.sleep",
                                              "started_by": "te"})
        self.assertContains(response, "Discover town hall")
        response = self.client.get("/jobs/", {"export": "csv"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("Discover town hall", response.content.decode("utf-8-sig"))

    def test_detail_has_an_accessible_live_progress_bar_and_log(self):
        job = JobFactory(status=JobStatusChoices.RUNNING, progress_done=3, progress_total=4)
        JobLogEntry.objects.create(job=job, message="Scanned 10.0.0.0/24")
        self.login("estate.view_job")
        response = self.client.get(f"/jobs/{job.pk}/")
        self.assertContains(response, 'role="progressbar"')
        self.assertContains(response, 'aria-valuenow="75"')
        self.assertContains(response, 'aria-live="polite"')
        self.assertContains(response, "Scanned 10.0.0.0/24")
        self.assertContains(response, f'data-status-url="/jobs/{job.pk}/status.json"')
        self.assertContains(response, "estate/jobs.js")
        self.assertNotContains(response, "Cancel job")  # no change permission, no buttons

    def test_status_json_returns_progress_and_new_log_lines(self):
        job = JobFactory(status=JobStatusChoices.RUNNING, progress_done=1, progress_total=2)
        first = JobLogEntry.objects.create(job=job, message="one")
        JobLogEntry.objects.create(job=job, message="two <b>")
        self.login("estate.view_job")
        data = self.client.get(f"/jobs/{job.pk}/status.json", {"after": first.pk}).json()
        self.assertEqual((data["status"], data["progress_percent"], data["is_finished"]), ("running", 50, False))
        self.assertEqual([e["message"] for e in data["log"]], ["two <b>"])

    def test_cancel_and_rerun_buttons(self):
        job = JobFactory(status=JobStatusChoices.PENDING)
        self.login("estate.view_job")
        self.assertEqual(self.client.post(f"/jobs/{job.pk}/cancel/").status_code, 403)
        self.login("estate.view_job", "estate.change_job")
        page = self.client.get(f"/jobs/{job.pk}/")
        self.assertContains(page, "Cancel job")
        self.assertContains(page, "Run again")
        self.assertEqual(self.client.get(f"/jobs/{job.pk}/cancel/").status_code, 405)
        response = self.client.post(f"/jobs/{job.pk}/cancel/")
        self.assertRedirects(response, f"/jobs/{job.pk}/", fetch_redirect_response=False)
        job.refresh_from_db()
        self.assertEqual(job.status, JobStatusChoices.CANCELLED)
        response = self.client.post(f"/jobs/{job.pk}/rerun/")
        new = Job.objects.exclude(pk=job.pk).get()
        self.assertRedirects(response, f"/jobs/{new.pk}/", fetch_redirect_response=False)
        self.assertEqual(new.status, JobStatusChoices.PENDING)

    def test_menu_links_to_jobs_schedules_and_blackouts(self):
        self.login("estate.view_job", "estate.view_schedule", "estate.view_blackoutwindow")
        response = self.client.get("/jobs/")
        for url in ("/jobs/", "/schedules/", "/blackout-windows/"):
            self.assertContains(response, f'href="{url}"')


# --------------------------------------------------------------------------- real worker processes


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


@pytest.mark.agents
def test_kill_9_worker_mid_job_is_errored_by_the_reaper(process_env, start_process):
    worker = start_process("runworker", "--poll", "0.2", "--concurrency", "2", env=process_env, name="worker")
    job = job_enqueue(kind="test.sleep", name="long", seconds=120, steps=120)
    wait_for(lambda: _job(job.pk).status == JobStatusChoices.RUNNING, timeout=30, what="job running", child=worker)
    first_beat = _job(job.pk).heartbeat
    wait_for(lambda: _job(job.pk).heartbeat > first_beat, timeout=10, what="a heartbeat", child=worker)
    assert f":{worker.pid}:" in _job(job.pk).worker

    os.kill(worker.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    worker.proc.wait(timeout=10)
    assert _job(job.pk).status == JobStatusChoices.RUNNING  # nobody finished it: only the reaper can
    reaped = wait_for(lambda: job_reap(stale_after=2), timeout=30, interval=0.5, what="the reaper")
    assert reaped == [job.pk]
    dead = _job(job.pk)
    assert dead.status == JobStatusChoices.ERRORED
    assert dead.error.startswith("worker stopped responding (no heartbeat since ")
    assert time.monotonic() - killed_at < 120


@pytest.mark.agents
def test_worker_runs_its_queues_cancels_on_request_and_stops_gracefully(process_env, start_process):
    worker = start_process("runworker", "--queues", "default,site-a", "--poll", "0.2", "--grace", "1",
                           env=process_env, name="worker")
    quick = job_enqueue(kind="test.sleep", name="quick", seconds=0.2, steps=2)
    elsewhere = job_enqueue(kind="test.sleep", name="other site", queue="site-b", seconds=0)
    wait_for(lambda: _job(quick.pk).status == JobStatusChoices.COMPLETED, timeout=30, what="quick job",
             child=worker)

    # Cancel a running job through the API.
    to_cancel = job_enqueue(kind="test.sleep", name="cancel me", queue="site-a", seconds=60, steps=60)
    wait_for(lambda: _job(to_cancel.pk).status == JobStatusChoices.RUNNING, timeout=15, what="running",
             child=worker)
    user = UserFactory(perms=["estate.view_job", "estate.change_job"])
    client = APIClient()
    client.force_authenticate(user)
    assert client.post(f"/api/jobs/{to_cancel.pk}/cancel/").status_code == 200
    wait_for(lambda: _job(to_cancel.pk).status == JobStatusChoices.CANCELLED, timeout=10, what="cancelled",
             child=worker)

    # SIGTERM while a job runs: it gets the grace time, then is stopped and marked cancelled; never left running.
    long = job_enqueue(kind="test.sleep", name="long", seconds=60, steps=60)
    wait_for(lambda: _job(long.pk).status == JobStatusChoices.RUNNING, timeout=15, what="running", child=worker)
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.proc.wait(timeout=20) == 0, worker.output()
    stopped = _job(long.pk)
    assert stopped.status == JobStatusChoices.CANCELLED, (stopped.status, stopped.error)
    assert "shutting down" in stopped.error
    assert _job(elsewhere.pk).status == JobStatusChoices.PENDING  # site-b is not this worker's queue
    assert not Job.objects.filter(status=JobStatusChoices.RUNNING).exists()
