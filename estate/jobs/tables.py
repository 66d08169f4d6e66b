"""List-page tables for jobs, schedules and blackout windows."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from estate.choices import JobStatusChoices
from estate.models import BlackoutWindow, Job, Schedule
from estate.tables import EstateTable

STATUS_CSS = {
    JobStatusChoices.PENDING: "text-bg-secondary",
    JobStatusChoices.RUNNING: "text-bg-primary",
    JobStatusChoices.COMPLETED: "text-bg-success",
    JobStatusChoices.FAILED: "text-bg-warning",
    JobStatusChoices.ERRORED: "text-bg-danger",
    JobStatusChoices.CANCELLED: "text-bg-dark",
}


def status_badge(job: Job) -> str:
    return format_html('<span class="badge {}">{}</span>', STATUS_CSS.get(job.status, "text-bg-light"),
                       job.get_status_display())


class JobTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="Job")
    name = tables.Column(linkify=True)
    status = tables.Column()
    progress = tables.Column(accessor="progress_percent", orderable=False, verbose_name="Progress")
    user = tables.Column(accessor="user__username", verbose_name="User")
    schedule = tables.Column(linkify=True)
    duration = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = Job
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = "No jobs."
        fields = ("id", "name", "kind", "status", "progress", "queue", "started_by", "user", "schedule", "created",
                  "started", "finished", "duration", "worker")

    default_columns = ("id", "name", "kind", "status", "progress", "queue", "started_by", "created", "duration")

    def render_status(self, record):
        return status_badge(record)

    def render_progress(self, record, value):
        return f"{value} %" if record.progress_total or record.is_finished else "—"

    def value_progress(self, value):
        return value

    def render_duration(self, record):
        if not record.started:
            return "—"
        seconds = int(((record.finished or timezone.now()) - record.started).total_seconds())
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ScheduleTable(EstateTable):
    name = tables.Column(linkify=True)
    when = tables.Column(empty_values=(), orderable=False, verbose_name="When")
    next_run = tables.DateTimeColumn(empty_values=(), orderable=False, format="d/m/Y H:i", verbose_name="Next run")

    class Meta(EstateTable.Meta):
        model = Schedule
        fields = ("pk", "name", "kind", "queue", "when", "time_zone", "enabled", "next_run",
                  "misfire_grace_seconds", "last_updated")

    default_columns = ("name", "kind", "queue", "when", "enabled", "next_run")

    def render_when(self, record):
        return f"cron {record.cron}" if record.cron else f"every {record.interval_minutes} min"

    def render_next_run(self, record):
        value = record.next_run
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


class BlackoutWindowTable(EstateTable):
    name = tables.Column(linkify=True)
    schedule = tables.Column(linkify=True, default="All schedules")
    summary = tables.Column(empty_values=(), orderable=False, verbose_name="When")

    class Meta(EstateTable.Meta):
        model = BlackoutWindow
        fields = ("pk", "name", "reason", "schedule", "rule", "summary", "time_zone", "enabled", "last_updated")

    default_columns = ("name", "reason", "schedule", "rule", "summary", "enabled")

    def render_summary(self, record):
        return record.summary
