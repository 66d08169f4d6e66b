"""Schedules and blackout windows: validation, fire times, blackouts, the scheduler loop, leases, CRUD pages/API."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone

from estate.choices import JobStatusChoices, ScheduleEventOutcomeChoices
from estate.jobs.scheduler import EstateScheduler, aps_job_id
from estate.jobs.services import (
    schedule_fire,
    scheduler_lease_acquire,
    scheduler_lease_release,
    schedules_fire_due,
)
from estate.models import BlackoutWindow, Job, Schedule, ScheduleEvent
from tests.core.conftest import wait_for
from tests.factories import BlackoutWindowFactory, ScheduleFactory
from tests.utils.cases import APITestCases, ViewTestCases

LONDON = ZoneInfo("Europe/London")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


# --------------------------------------------------------------------------- reusable CRUD × permission cases


class ScheduleAPITest(APITestCases.CRUD):
    model = Schedule
    url = "/api/jobs/schedules/"
    update_payload = {"cron": "30 3 * * 1-5"}
    invalid_payload = {"cron": "61 25 * * *"}

    def make(self):
        return ScheduleFactory()

    def create_payloads(self):
        return [
            {"name": "Nightly discovery", "kind": "test.sleep", "cron": "0 2 * * *", "kwargs": {"seconds": 1}},
            {"name": "Hourly prune", "kind": "estate.prune_jobs", "interval_minutes": 60, "queue": "site-a"},
        ]

    def test_next_run_is_in_the_api(self):
        schedule = ScheduleFactory(cron="0 2 * * *", time_zone="Europe/London")
        client = self.client_for("estate.view_schedule", write=False)
        body = client.get(self.detail_url(schedule)).json()
        self.assertEqual(datetime.fromisoformat(body["next_run"]), schedule.next_run)
        self.assertEqual(datetime.fromisoformat(body["next_run"]).astimezone(LONDON).hour, 2)

    def test_both_cron_and_interval_are_refused(self):
        client = self.client_for("estate.add_schedule", "estate.view_schedule")
        response = client.post(self.url, {"name": "x", "kind": "test.sleep", "cron": "0 2 * * *",
                                          "interval_minutes": 5}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("cron", response.json()["error"]["detail"])

    def test_events_history(self):
        schedule = ScheduleFactory()
        schedule_fire(schedule=schedule, fire_time=timezone.now())
        client = self.client_for("estate.view_schedule", write=False)
        body = client.get(f"{self.detail_url(schedule)}events/").json()
        self.assertEqual([e["outcome"] for e in body["results"]], ["enqueued"])


class ScheduleViewTest(ViewTestCases.CRUD):
    model = Schedule
    bulk_edit_data = {"queue": "site-b"}

    def make(self):
        return ScheduleFactory()

    def form_data(self):
        return {"name": "Nightly", "kind": "test.sleep", "kwargs": '{"seconds": 1}', "queue": "default",
                "cron": "0 2 * * *", "time_zone": "Europe/London", "enabled": "on", "misfire_grace_seconds": 600}

    def test_detail_shows_next_run_and_skipped_history(self):
        schedule = ScheduleFactory(cron="0 2 * * *")
        window = BlackoutWindowFactory(name="Month end", schedule=None, rule="monthly_last_days", last_days=3)
        schedule_fire(schedule=schedule, fire_time=london(2026, 1, 30, 2, 0))
        self.login("view")
        response = self.client.get(self.url("detail", pk=schedule.pk))
        self.assertContains(response, "Next run")
        self.assertContains(response, "skipped: blackout Month end")
        self.assertContains(response, window.get_absolute_url())

    def test_bad_cron_is_refused_by_the_form(self):
        self.login("add", "view")
        response = self.client.post(self.url("add"), {**self.form_data(), "cron": "every night"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Not a valid cron expression", status_code=400)


class BlackoutWindowAPITest(APITestCases.CRUD):
    model = BlackoutWindow
    url = "/api/jobs/blackout-windows/"
    update_payload = {"reason": "Year-end freeze"}
    invalid_payload = {"rule": "weekly", "weekday": None}

    def make(self):
        return BlackoutWindowFactory()

    def create_payloads(self):
        return [
            {"name": "Month end", "reason": "Finance close", "rule": "monthly_last_days", "last_days": 3},
            {"name": "Christmas freeze", "reason": "Change freeze", "rule": "once",
             "start": "2026-12-20T00:00:00Z", "end": "2027-01-04T00:00:00Z"},
            {"name": "Friday evening", "reason": "Backups", "rule": "weekly", "weekday": 4, "start_time": "18:00",
             "end_time": "23:00"},
        ]


class BlackoutWindowViewTest(ViewTestCases.CRUD):
    model = BlackoutWindow
    bulk_edit_data = {"reason": "Audit"}

    def make(self):
        return BlackoutWindowFactory()

    def form_data(self):
        return {"name": "Freeze", "reason": "Data-centre move", "rule": "once", "start": "2026-12-20T00:00",
                "end": "2027-01-04T00:00", "time_zone": "Europe/London", "enabled": "on"}


# --------------------------------------------------------------------------- rules


class ScheduleRulesTest(TestCase):
    def assertInvalid(self, field: str, **values):
        schedule = Schedule(**{"name": "x", "kind": "test.sleep", **values})
        with self.assertRaises(ValidationError) as caught:
            schedule.full_clean()
        self.assertIn(field, caught.exception.message_dict, caught.exception.message_dict)

    def test_exactly_one_of_cron_and_interval(self):
        self.assertInvalid("cron")
        self.assertInvalid("cron", cron="0 2 * * *", interval_minutes=10)
        Schedule(name="a", kind="test.sleep", cron="0 2 * * *").full_clean()
        Schedule(name="b", kind="test.sleep", interval_minutes=10).full_clean()

    def test_cron_time_zone_kind_queue_and_secrets_are_checked(self):
        self.assertInvalid("cron", cron="0 25 * * *")
        self.assertInvalid("cron", cron="0 2 * *")
        self.assertInvalid("time_zone", cron="0 2 * * *", time_zone="Mars/Olympus")
        self.assertInvalid("kind", cron="0 2 * * *", kind="nope")
        self.assertInvalid("queue", cron="0 2 * * *", queue="site a; rm")
        self.assertInvalid("kwargs", cron="0 2 * * *", kwargs={"community": "public"})
        self.assertInvalid("interval_minutes", interval_minutes=0)

    def test_fire_times_follow_the_schedules_time_zone_across_dst(self):
        schedule = Schedule(name="x", kind="test.sleep", cron="30 1 * * *", time_zone="Europe/London")
        # 29 March 2026: clocks go forward at 01:00 → 02:00. 01:30 does not exist that night: the run happens an
        # hour later (02:30 BST) rather than being lost. Before: 01:30 GMT = 01:30 UTC; after: 01:30 BST = 00:30 UTC.
        times = schedule.fire_times(start=london(2026, 3, 28, 0, 0), end=london(2026, 3, 31, 0, 0))
        self.assertEqual([t.astimezone(UTC).strftime("%d %H:%M") for t in times],
                         ["28 01:30", "29 01:30", "30 00:30"])
        # Time zone names are real zones: New York at 02:00 local is 07:00 UTC in January.
        schedule.time_zone = "America/New_York"
        first = schedule.fire_times(start=datetime(2026, 1, 5, tzinfo=UTC), end=datetime(2026, 1, 6, tzinfo=UTC))
        self.assertEqual(first[0].astimezone(UTC).hour, 6)

    def test_interval_is_anchored_at_creation(self):
        schedule = ScheduleFactory(cron="", interval_minutes=90)
        anchor = schedule.created.replace(second=0, microsecond=0)
        times = schedule.fire_times(start=anchor, end=anchor + timedelta(hours=4))
        self.assertEqual([t - anchor for t in times], [timedelta(minutes=m) for m in (0, 90, 180)])

    def test_next_run_skips_blackouts_and_is_none_when_disabled(self):
        schedule = ScheduleFactory(cron="0 2 * * *")
        after = london(2026, 1, 28, 12, 0)
        self.assertEqual(schedule.next_fire_time(after=after), london(2026, 1, 29, 2, 0))
        BlackoutWindowFactory(schedule=schedule, rule="monthly_last_days", last_days=3)  # 29, 30, 31 January
        self.assertEqual(schedule.next_fire_time(after=after), london(2026, 2, 1, 2, 0))
        self.assertEqual(schedule.next_fire_time(after=after, skip_blackouts=False), london(2026, 1, 29, 2, 0))
        self.assertIsNotNone(schedule.next_run)
        schedule.enabled = False
        self.assertIsNone(schedule.next_run)


class BlackoutRulesTest(TestCase):
    def test_once_is_half_open(self):
        window = BlackoutWindow(rule="once", start=london(2026, 12, 20), end=london(2027, 1, 4))
        self.assertTrue(window.covers(london(2026, 12, 20)))
        self.assertTrue(window.covers(london(2027, 1, 3, 23, 59)))
        self.assertFalse(window.covers(london(2027, 1, 4)))
        self.assertFalse(window.covers(london(2026, 12, 19, 23, 59)))

    def test_month_end_last_days_including_february(self):
        window = BlackoutWindow(rule="monthly_last_days", last_days=3, time_zone="Europe/London")
        self.assertTrue(window.covers(london(2026, 1, 29, 0, 0)))
        self.assertFalse(window.covers(london(2026, 1, 28, 23, 59)))
        self.assertTrue(window.covers(london(2026, 2, 26, 12, 0)))  # 28-day February: 26, 27, 28
        self.assertFalse(window.covers(london(2028, 2, 26, 12, 0)))  # leap year: 27, 28, 29
        self.assertTrue(window.covers(london(2028, 2, 29, 12, 0)))
        # Evaluated in the window's own time zone: 23:30 UTC on 28 June is already the 29th in London (BST).
        self.assertTrue(window.covers(datetime(2026, 6, 27, 23, 30, tzinfo=UTC)))
        self.assertFalse(window.covers(datetime(2026, 6, 26, 22, 30, tzinfo=UTC)))

    def test_weekly_range_and_overnight(self):
        friday = BlackoutWindow(rule="weekly", weekday=4, start_time=datetime(1, 1, 1, 18).time(),
                                end_time=datetime(1, 1, 1, 23).time())
        self.assertTrue(friday.covers(london(2026, 1, 9, 18, 0)))  # a Friday
        self.assertFalse(friday.covers(london(2026, 1, 9, 23, 0)))
        self.assertFalse(friday.covers(london(2026, 1, 8, 19, 0)))  # Thursday
        overnight = BlackoutWindow(rule="weekly", weekday=6, start_time=datetime(1, 1, 1, 22).time(),
                                   end_time=datetime(1, 1, 1, 4).time())
        self.assertTrue(overnight.covers(london(2026, 1, 11, 23, 0)))  # Sunday night
        self.assertTrue(overnight.covers(london(2026, 1, 12, 3, 59)))  # Monday early
        self.assertFalse(overnight.covers(london(2026, 1, 12, 4, 0)))
        self.assertFalse(overnight.covers(london(2026, 1, 11, 21, 0)))

    def test_rules_need_their_fields(self):
        for values, field in (({"rule": "once", "start": london(2026, 1, 2), "end": london(2026, 1, 1)}, "end"),
                              ({"rule": "weekly", "weekday": 1}, "start_time"),
                              ({"rule": "monthly_last_days", "last_days": 40}, "last_days"),
                              ({"rule": "monthly_last_days", "last_days": 2, "time_zone": "Nowhere"}, "time_zone")):
            window = BlackoutWindow(name="w", reason="r", **values)
            with self.assertRaises(ValidationError) as caught:
                window.full_clean()
            self.assertIn(field, caught.exception.message_dict)

    def test_disabled_window_covers_nothing(self):
        window = BlackoutWindow(rule="monthly_last_days", last_days=28, enabled=False)
        self.assertFalse(window.covers(london(2026, 1, 30)))


# --------------------------------------------------------------------------- firing


class ScheduleFireTest(TestCase):
    def test_fires_inside_its_window_and_not_inside_a_blackout(self):
        # Runs at 01:00–04:00 every night (its window); month end is a blackout for every schedule.
        schedule = ScheduleFactory(cron="0 1-4 * * *", kwargs={"seconds": 0})
        BlackoutWindowFactory(name="Month end", reason="Finance close", schedule=None, rule="monthly_last_days",
                              last_days=2)
        night = schedule.fire_times(start=london(2026, 1, 15, 0, 0), end=london(2026, 1, 15, 23, 59))
        self.assertEqual([t.hour for t in night], [1, 2, 3, 4])

        event = schedule_fire(schedule=schedule, fire_time=london(2026, 1, 15, 1, 0))
        self.assertEqual(event.outcome, ScheduleEventOutcomeChoices.ENQUEUED)
        job = event.job
        self.assertEqual((job.kind, job.kwargs, job.schedule, job.started_by, job.status),
                         ("test.sleep", {"seconds": 0}, schedule, f"schedule:{schedule.pk}", "pending"))
        Job.objects.filter(pk=job.pk).update(status=JobStatusChoices.COMPLETED)

        skipped = schedule_fire(schedule=schedule, fire_time=london(2026, 1, 30, 1, 0))
        self.assertEqual(skipped.outcome, ScheduleEventOutcomeChoices.SKIPPED_BLACKOUT)
        self.assertEqual(skipped.message, "skipped: blackout Month end (Finance close)")
        self.assertIsNone(skipped.job)
        self.assertEqual(Job.objects.count(), 1)

    def test_never_two_runs_of_one_schedule_at_once(self):
        schedule = ScheduleFactory(cron="*/5 * * * *")
        first = schedule_fire(schedule=schedule, fire_time=london(2026, 1, 15, 1, 0))
        second = schedule_fire(schedule=schedule, fire_time=london(2026, 1, 15, 1, 5))
        self.assertEqual(second.outcome, ScheduleEventOutcomeChoices.SKIPPED_RUNNING)
        self.assertIn(f"previous run #{first.job.pk} is still pending", second.message)
        Job.objects.filter(pk=first.job.pk).update(status=JobStatusChoices.RUNNING)
        third = schedule_fire(schedule=schedule, fire_time=london(2026, 1, 15, 1, 10))
        self.assertEqual(third.outcome, ScheduleEventOutcomeChoices.SKIPPED_RUNNING)
        Job.objects.filter(pk=first.job.pk).update(status=JobStatusChoices.FAILED)
        fourth = schedule_fire(schedule=schedule, fire_time=london(2026, 1, 15, 1, 15))
        self.assertEqual(fourth.outcome, ScheduleEventOutcomeChoices.ENQUEUED)
        self.assertEqual(Job.objects.filter(schedule=schedule).count(), 2)

    def test_one_fire_time_is_decided_once(self):
        schedule = ScheduleFactory()
        when = london(2026, 1, 15, 2, 0)
        self.assertIsNotNone(schedule_fire(schedule=schedule, fire_time=when))
        Job.objects.update(status=JobStatusChoices.COMPLETED)
        self.assertIsNone(schedule_fire(schedule=schedule, fire_time=when))  # e.g. a second scheduler process
        self.assertEqual(ScheduleEvent.objects.count(), 1)
        self.assertEqual(Job.objects.count(), 1)

    def test_disabled_schedule_does_not_fire(self):
        schedule = ScheduleFactory(enabled=False)
        self.assertIsNone(schedule_fire(schedule=schedule, fire_time=timezone.now()))

    def test_due_runs_are_caught_up_once_within_the_grace_time(self):
        schedule = ScheduleFactory(cron="0 2 * * *", misfire_grace_seconds=600)
        Schedule.objects.filter(pk=schedule.pk).update(created=london(2026, 1, 1))
        self.assertEqual(schedules_fire_due(now=london(2026, 1, 15, 2, 9)), [ScheduleEvent.objects.get()])
        self.assertEqual(ScheduleEvent.objects.get().fire_time, london(2026, 1, 15, 2, 0))
        self.assertEqual(schedules_fire_due(now=london(2026, 1, 15, 2, 9, 30)), [])  # already decided
        self.assertEqual(schedules_fire_due(now=london(2026, 1, 16, 2, 11)), [])  # 11 min late: past the grace


# --------------------------------------------------------------------------- the scheduler and its lease


class SchedulerSyncTest(TestCase):
    def setUp(self):
        self.scheduler = EstateScheduler(sync_interval=0.1, lease_ttl=30, identity="test-a")
        self.scheduler.start()
        self.addCleanup(self.scheduler.stop)

    def test_apscheduler_jobs_follow_schedule_edits_without_restart(self):
        schedule = ScheduleFactory(cron="0 2 * * *", misfire_grace_seconds=300)
        self.scheduler.tick()
        job = self.scheduler.aps.get_job(aps_job_id(schedule.pk))
        self.assertEqual((job.coalesce, job.misfire_grace_time, job.max_instances), (True, 300, 1))
        self.assertEqual(job.next_run_time, schedule.next_fire_time(skip_blackouts=False))
        self.assertTrue(self.scheduler.is_leader)

        schedule.cron, schedule.misfire_grace_seconds = "15 3 * * *", 60
        schedule.save()
        self.scheduler.tick()
        job = self.scheduler.aps.get_job(aps_job_id(schedule.pk))
        self.assertEqual(job.next_run_time.astimezone(LONDON).strftime("%H:%M"), "03:15")
        self.assertEqual(job.misfire_grace_time, 60)

        other = ScheduleFactory(cron="", interval_minutes=15)
        self.scheduler.tick()
        self.assertIsNotNone(self.scheduler.aps.get_job(aps_job_id(other.pk)))

        Schedule.objects.filter(pk=schedule.pk).update(enabled=False, last_updated=timezone.now())
        other.delete()
        self.scheduler.tick()
        self.assertIsNone(self.scheduler.aps.get_job(aps_job_id(schedule.pk)))
        self.assertIsNone(self.scheduler.aps.get_job(aps_job_id(other.pk)))
        self.assertNotIn(schedule.pk, self.scheduler.known)

    def test_misfires_are_coalesced_and_late_runs_past_the_grace_are_dropped(self):
        fired: list[int] = []
        self.scheduler._fire = fired.append  # record instead of enqueueing (runs on APScheduler's thread)
        # The schedules fire every minute, so the coalesced run is the last whole minute. Start between 5 and 50 s
        # past a minute: that run is then later than too_late's 1 s grace, and the next minute's regular run is
        # outside the few seconds this test watches. (Started in a minute's first second, too_late's last run was
        # still within its grace and rightly fired: the test, not the scheduler, was wrong.)
        started = datetime.now(UTC)
        second = started.second + started.microsecond / 1e6
        if not 5 <= second < 50:
            time.sleep((66 - second) % 60)
        within = ScheduleFactory(cron="* * * * *", misfire_grace_seconds=600)
        too_late = ScheduleFactory(cron="* * * * *", misfire_grace_seconds=1)
        self.scheduler.tick()
        now = datetime.now(UTC)
        self.scheduler.aps.pause()
        for schedule in (within, too_late):
            # Three fire times missed (e.g. the machine was suspended): at most one run, and only within the grace.
            self.scheduler.aps.modify_job(aps_job_id(schedule.pk), next_run_time=now - timedelta(seconds=150))
        self.scheduler.aps.resume()
        wait_for(lambda: fired, timeout=5, what="the coalesced run")
        time.sleep(0.3)
        self.assertEqual(fired, [within.pk])
        self.assertGreater(self.scheduler.next_run_time(within.pk), now)

    def test_only_the_lease_holder_fires(self):
        standby = EstateScheduler(sync_interval=0.1, lease_ttl=30, identity="test-b")
        standby.start()
        self.addCleanup(standby.stop)
        self.scheduler.tick()
        standby.tick()
        self.assertTrue(self.scheduler.is_leader)
        self.assertFalse(standby.is_leader)
        schedule = ScheduleFactory()
        standby._fire(schedule.pk)  # a standby never enqueues, even if APScheduler called it
        self.assertFalse(ScheduleEvent.objects.exists())
        self.scheduler.stop()  # releases the lease
        standby.tick()
        self.assertTrue(standby.is_leader)


class LeaseTest(TestCase):
    def test_lease_is_exclusive_until_it_expires(self):
        now = timezone.now()
        self.assertTrue(scheduler_lease_acquire(holder="a", ttl=30, now=now))
        self.assertFalse(scheduler_lease_acquire(holder="b", ttl=30, now=now + timedelta(seconds=10)))
        self.assertTrue(scheduler_lease_acquire(holder="a", ttl=30, now=now + timedelta(seconds=20)))  # renewed
        self.assertFalse(scheduler_lease_acquire(holder="b", ttl=30, now=now + timedelta(seconds=45)))
        self.assertTrue(scheduler_lease_acquire(holder="b", ttl=30, now=now + timedelta(seconds=51)))  # a died
        self.assertFalse(scheduler_lease_acquire(holder="a", ttl=30, now=now + timedelta(seconds=52)))
        scheduler_lease_release(holder="b")
        self.assertTrue(scheduler_lease_acquire(holder="a", ttl=30))


# --------------------------------------------------------------------------- the real process


@pytest.mark.agents
def test_runscheduler_with_worker_fires_runs_and_picks_up_new_schedules(process_env, start_process):
    env = {**process_env, "ESTATE_SCHEDULER_SYNC_SECONDS": "0.5", "ESTATE_JOB_REAP_SECONDS": "1"}
    # An hourly schedule whose 02:00-style fire time was a minute ago, while no scheduler ran: caught up on start.
    first = ScheduleFactory(name="Missed run", cron="", interval_minutes=60, kwargs={"seconds": 0.2, "steps": 2})
    Schedule.objects.filter(pk=first.pk).update(created=timezone.now() - timedelta(minutes=61))
    scheduler = start_process("runscheduler", "--with-worker", env=env, name="scheduler")
    event = wait_for(lambda: ScheduleEvent.objects.filter(schedule=first).first(), timeout=30,
                     what="the missed run", child=scheduler)
    assert event.outcome == ScheduleEventOutcomeChoices.ENQUEUED
    wait_for(lambda: Job.objects.get(pk=event.job_id).status == JobStatusChoices.COMPLETED, timeout=20,
             what="the job to run in the embedded worker", child=scheduler)

    # Added while the scheduler runs: picked up by the next sync, no restart.
    second = ScheduleFactory(name="Added later", cron="", interval_minutes=60, kwargs={"seconds": 0})
    Schedule.objects.filter(pk=second.pk).update(created=timezone.now() - timedelta(minutes=61))
    wait_for(lambda: ScheduleEvent.objects.filter(schedule=second).exists(), timeout=15, what="the new schedule",
             child=scheduler)

    # A dead worker's job is reaped by the scheduler on its own.
    ghost = Job.objects.create(kind="test.sleep", name="ghost", status=JobStatusChoices.RUNNING,
                               started=timezone.now() - timedelta(minutes=5),
                               heartbeat=timezone.now() - timedelta(minutes=5))
    wait_for(lambda: Job.objects.get(pk=ghost.pk).status == JobStatusChoices.ERRORED, timeout=15,
             what="the reaper", child=scheduler)
    assert scheduler.stop() == 0, scheduler.output()
    assert ScheduleEvent.objects.filter(schedule=first).count() == 1  # caught up once, not once per sync

