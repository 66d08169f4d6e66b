"""Shared model bases and the API token."""

from __future__ import annotations

import calendar
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from estate.choices import (
    BlackoutRuleChoices,
    JobLogLevelChoices,
    JobStatusChoices,
    ScheduleEventOutcomeChoices,
    WeekdayChoices,
)


class ChangeLoggedModel(models.Model):
    """Base for every inventory object: creation and update times. History itself lives in django-auditlog."""

    created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    # Name of the URL pattern prefix, e.g. "inventory:device" -> "inventory:device_detail".
    url_name: str = ""

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        return reverse(f"{self.url_name}_detail", kwargs={"pk": self.pk})


class PrimaryModel(ChangeLoggedModel):
    """A first-class object that people describe: free-text comments and tags."""

    description = models.CharField(max_length=200, blank=True)
    comments = models.TextField(blank=True)
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="+")

    class Meta:
        abstract = True


TOKEN_PREFIX = "est_"  # noqa: S105 - a prefix, not a secret


def hash_token_key(key: str) -> str:
    # Keys are 256-bit random values, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


class Token(models.Model):
    """An API token: a user's key for automation. Only a hash of the key is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False, help_text="First characters of the key, to tell it apart")
    description = models.CharField(max_length=200, blank=True)
    write_enabled = models.BooleanField(default=False, help_text="Read-only unless ticked")
    expires = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)

    url_name = "token"

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def get_absolute_url(self) -> str:
        return reverse("token_list")

    @staticmethod
    def generate_key() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()


FINISHED_STATUSES = frozenset({JobStatusChoices.COMPLETED, JobStatusChoices.FAILED, JobStatusChoices.ERRORED,
                               JobStatusChoices.CANCELLED})


class Job(models.Model):
    """One piece of background work: a discovery run, a lifecycle re-evaluation, a playbook run, an import."""

    kind = models.CharField(max_length=50, db_index=True, help_text="Which runner does the work")
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=JobStatusChoices, default=JobStatusChoices.PENDING, db_index=True)
    queue = models.CharField(max_length=100, default="default", help_text="Where it runs: 'default' or a site queue")
    kwargs = models.JSONField(default=dict, blank=True, help_text="Arguments for the runner (never secrets)")
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="jobs")
    started_by = models.CharField(max_length=100, blank=True, help_text="user, schedule:<id>, api, cli…")
    schedule = models.ForeignKey("estate.Schedule", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="jobs")
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the worker running it")
    cancel_requested = models.BooleanField(default=False)
    time_limit = models.PositiveIntegerField(default=3600, help_text="Seconds before the job is stopped")

    url_name = "job"

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat"], name="estate_job_status_heartbeat")]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("job_detail", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def progress_percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else (
            100 if self.is_finished else 0)


class JobLogEntry(models.Model):
    """One structured line of a job's log."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="log_entries")
    timestamp = models.DateTimeField(default=timezone.now)
    level = models.CharField(max_length=10, choices=JobLogLevelChoices, default=JobLogLevelChoices.INFO)
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["job", "pk"]
        verbose_name_plural = "job log entries"

    def __str__(self) -> str:
        return f"[{self.level}] {self.message[:80]}"


ACTIVE_STATUSES = frozenset({JobStatusChoices.PENDING, JobStatusChoices.RUNNING})

# Job and schedule arguments are ids and options only: refuse anything that looks like a secret.
_SECRET_KEY_RE = re.compile(r"(^|_)(pass|password|passwd|passphrase|token|community|communities|private_?key|"
                            r"priv_?key|auth_?key|api_?key)(_|$)|secret", re.IGNORECASE)
_QUEUE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def secret_like_keys(value, path: str = "") -> list[str]:
    """Paths of dict keys in `value` whose names look like secrets (password, token, community…)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _SECRET_KEY_RE.search(str(key)):
                found.append(here)
            found.extend(secret_like_keys(item, here))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.extend(secret_like_keys(item, f"{path}[{index}]"))
    return found


def zone_or_error(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"time_zone": f"Unknown time zone {name!r} (use an IANA name like Europe/London)."}) \
            from exc


class Schedule(models.Model):
    """A recurring job: a scope's discovery every night, the daily lifecycle re-evaluation.

    Fired only by the scheduler process (`manage.py runscheduler`), which enqueues a Job per fire time unless a
    blackout window covers that time or the previous run of this schedule has not finished.
    """

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=50, help_text="Which runner to start")
    kwargs = models.JSONField(default=dict, blank=True, help_text="Arguments for the runner: ids and options, never "
                                                                  "secrets")
    queue = models.CharField(max_length=100, default="default")
    cron = models.CharField(max_length=100, blank=True, help_text="Cron expression, e.g. '0 2 * * *'")
    interval_minutes = models.PositiveIntegerField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/London")
    enabled = models.BooleanField(default=True)
    misfire_grace_seconds = models.PositiveIntegerField(default=600)
    created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    url_name = "schedule"

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="estate_schedule_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schedule_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if bool(self.cron.strip()) == (self.interval_minutes is not None):
            errors["cron"] = "Give either a cron expression or an interval in minutes (exactly one of them)."
        if self.interval_minutes is not None and self.interval_minutes < 1:
            errors["interval_minutes"] = "At least one minute."
        try:
            tz = zone_or_error(self.time_zone)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
            tz = None
        if self.cron.strip() and tz is not None and "cron" not in errors:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(self.cron.strip(), timezone=tz)
            except ValueError as exc:
                errors["cron"] = f"Not a valid cron expression (minute hour day month weekday): {exc}"
        if self.kind and self.kind not in settings.ESTATE_JOB_RUNNERS:
            errors["kind"] = f"Unknown job kind {self.kind!r}; known: {', '.join(sorted(settings.ESTATE_JOB_RUNNERS))}."
        if not isinstance(self.kwargs, dict):
            errors["kwargs"] = "A JSON object of arguments."
        elif secret_like_keys(self.kwargs):
            errors["kwargs"] = (f"Arguments must not hold secrets ({', '.join(secret_like_keys(self.kwargs))}): "
                                "refer to a credential by id instead.")
        if not _QUEUE_RE.match(self.queue or ""):
            errors["queue"] = "Letters, digits, '.', '_' and '-' only, e.g. 'default' or 'site-town-hall'."
        if errors:
            raise ValidationError(errors)

    # --- timing ---

    def trigger(self):
        """The APScheduler trigger for this schedule (cron in its time zone, or an interval anchored at creation)."""
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        tz = ZoneInfo(self.time_zone)
        if self.cron.strip():
            return CronTrigger.from_crontab(self.cron.strip(), timezone=tz)
        anchor = (self.created or timezone.now()).replace(second=0, microsecond=0)
        return IntervalTrigger(minutes=self.interval_minutes or 60, start_date=anchor, timezone=tz)

    def fire_times(self, *, start: datetime, end: datetime, limit: int = 10_000) -> list[datetime]:
        """Every fire time t with start <= t <= end (blackouts not applied)."""
        trigger = self.trigger()
        times: list[datetime] = []
        fire = trigger.get_next_fire_time(None, start)
        while fire is not None and fire <= end and len(times) < limit:
            times.append(fire)
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        return times

    def last_fire_time(self, *, now: datetime, within_seconds: int | None = None) -> datetime | None:
        """The most recent fire time not after `now` and no older than `within_seconds` (default: the grace time)."""
        window = within_seconds if within_seconds is not None else max(self.misfire_grace_seconds, 1)
        times = self.fire_times(start=now - timedelta(seconds=window), end=now)
        return times[-1] if times else None

    def next_fire_time(self, *, after: datetime | None = None, skip_blackouts: bool = True) -> datetime | None:
        after = after or timezone.now()
        try:
            trigger = self.trigger()
        except (ValueError, ZoneInfoNotFoundError):
            return None
        windows = list(BlackoutWindow.objects.applying_to(self)) if skip_blackouts and self.pk else []
        fire = trigger.get_next_fire_time(None, after)
        for _ in range(1000):
            if fire is None or not any(w.covers(fire) for w in windows):
                return fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        return None

    @property
    def next_run(self) -> datetime | None:
        """When the scheduler will next enqueue a job (blackout windows skipped); None when disabled."""
        if not self.enabled:
            return None
        return self.next_fire_time()


class BlackoutWindowQuerySet(models.QuerySet):
    def applying_to(self, schedule: Schedule) -> models.QuerySet:
        return self.filter(models.Q(schedule=schedule) | models.Q(schedule__isnull=True), enabled=True)


class BlackoutWindow(ChangeLoggedModel):
    """A time when scheduled jobs must not start: a change freeze, the month-end close, a weekly maintenance slot.

    Applies to one schedule, or to every schedule when `schedule` is empty.
    """

    name = models.CharField(max_length=100)
    reason = models.CharField(max_length=300, help_text="Why nothing may run, e.g. 'Finance month-end close'")
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="blackout_windows", help_text="Empty: applies to every schedule")
    rule = models.CharField(max_length=20, choices=BlackoutRuleChoices, default=BlackoutRuleChoices.ONCE)
    start = models.DateTimeField(null=True, blank=True, help_text="Once: from")
    end = models.DateTimeField(null=True, blank=True, help_text="Once: until (exclusive)")
    weekday = models.PositiveSmallIntegerField(choices=WeekdayChoices, null=True, blank=True,
                                               help_text="Every week: the day the window starts")
    start_time = models.TimeField(null=True, blank=True, help_text="Every week: from (local time)")
    end_time = models.TimeField(null=True, blank=True,
                                help_text="Every week: until (exclusive); earlier than the start means the next day")
    last_days = models.PositiveSmallIntegerField(null=True, blank=True,
                                                 help_text="Month end: the last N days of every month (1–28)")
    time_zone = models.CharField(max_length=64, default="Europe/London", help_text="For weekly and month-end rules")
    enabled = models.BooleanField(default=True)

    url_name = "blackoutwindow"
    objects = BlackoutWindowQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="estate_blackoutwindow_unique_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            zone_or_error(self.time_zone)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if self.rule == BlackoutRuleChoices.ONCE:
            if self.start is None:
                errors["start"] = "A one-off window needs a start."
            if self.end is None:
                errors["end"] = "A one-off window needs an end."
            if self.start and self.end and self.end <= self.start:
                errors["end"] = "The end must be after the start."
        elif self.rule == BlackoutRuleChoices.WEEKLY:
            for field in ("weekday", "start_time", "end_time"):
                if getattr(self, field) is None:
                    errors[field] = "A weekly window needs a day, a start time and an end time."
        elif self.rule == BlackoutRuleChoices.MONTHLY_LAST_DAYS and not (self.last_days and 1 <= self.last_days <= 28):
            errors["last_days"] = "A month-end window needs the number of last days (1–28)."
        if errors:
            raise ValidationError(errors)

    @property
    def summary(self) -> str:
        if self.rule == BlackoutRuleChoices.ONCE:
            return f"{_local(self.start)} – {_local(self.end)}"
        if self.rule == BlackoutRuleChoices.WEEKLY:
            day = WeekdayChoices(self.weekday).label if self.weekday is not None else "?"
            return f"{day}s {self.start_time:%H:%M}–{self.end_time:%H:%M} ({self.time_zone})"
        return f"last {self.last_days} day(s) of every month ({self.time_zone})"

    def covers(self, when: datetime) -> bool:
        """True when `when` (an aware datetime) falls inside this window."""
        if not self.enabled:
            return False
        if self.rule == BlackoutRuleChoices.ONCE:
            return self.start is not None and self.end is not None and self.start <= when < self.end
        local = when.astimezone(ZoneInfo(self.time_zone))
        if self.rule == BlackoutRuleChoices.MONTHLY_LAST_DAYS:
            days_in_month = calendar.monthrange(local.year, local.month)[1]
            return bool(self.last_days) and local.day > days_in_month - self.last_days
        if self.rule == BlackoutRuleChoices.WEEKLY:
            if self.weekday is None or self.start_time is None or self.end_time is None:
                return False
            now = local.time().replace(tzinfo=None)
            if self.start_time < self.end_time:
                return local.weekday() == self.weekday and self.start_time <= now < self.end_time
            # Overnight (or a full day when start == end): from start on the day until end the next day.
            return ((local.weekday() == self.weekday and now >= self.start_time)
                    or (local.weekday() == (self.weekday + 1) % 7 and now < self.end_time))
        return False


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "?"


class ScheduleEvent(models.Model):
    """What the scheduler did at one fire time of a schedule: enqueued a job, or skipped it and why."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="events")
    fire_time = models.DateTimeField(help_text="The fire time the trigger asked for")
    created = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=20, choices=ScheduleEventOutcomeChoices)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="schedule_events")
    blackout = models.ForeignKey(BlackoutWindow, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="schedule_events")
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-fire_time", "-pk"]
        constraints = [
            # One decision per fire time, even if two scheduler processes race: the second insert fails.
            models.UniqueConstraint(fields=["schedule", "fire_time"], name="estate_scheduleevent_unique_fire"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} @ {self.fire_time:%Y-%m-%d %H:%M}: {self.message or self.get_outcome_display()}"


class SchedulerLease(models.Model):
    """The leader lease of the scheduler: only the process holding an unexpired lease fires schedules."""

    name = models.CharField(max_length=50, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    acquired = models.DateTimeField(null=True, blank=True)
    renewed = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}: {self.holder or 'nobody'} until {self.expires:%H:%M:%S}"
