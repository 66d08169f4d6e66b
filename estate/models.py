"""Shared model bases and the API token."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from estate.choices import JobLogLevelChoices, JobStatusChoices


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


TOKEN_PREFIX = "est_"


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

    @staticmethod
    def generate_key() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()

    def get_absolute_url(self) -> str:
        return reverse("token_list")


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

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def progress_percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else (
            100 if self.is_finished else 0)

    def get_absolute_url(self) -> str:
        return reverse("job_detail", kwargs={"pk": self.pk})


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


class Schedule(models.Model):
    """A recurring job: a scope's discovery every night, the daily lifecycle re-evaluation."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=50, help_text="Which runner to start")
    kwargs = models.JSONField(default=dict, blank=True)
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
