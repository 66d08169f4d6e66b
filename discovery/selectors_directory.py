"""Reads for the directory source pages and API."""

from __future__ import annotations

from django.db.models import QuerySet

from discovery.models_directory import DirectoryComputer, DirectorySource
from discovery.services_directory import SYNC_KIND
from estate.models import Job


def directory_source_list() -> QuerySet[DirectorySource]:
    return DirectorySource.objects.select_related("site")


def directory_source_runs(*, source: DirectorySource) -> QuerySet[Job]:
    """The source's sync jobs, newest first (started by a person, the API, the CLI or a schedule)."""
    return Job.objects.filter(kind=SYNC_KIND, kwargs__source_id=source.pk).order_by("-created", "-pk")


def directory_source_vanished(*, source: DirectorySource, limit: int = 100) -> list[DirectoryComputer]:
    return list(DirectoryComputer.objects.filter(source=source, vanished__isnull=False).select_related("device")
                .order_by("-vanished", "name")[:limit])


def directory_source_counts(*, source: DirectorySource) -> dict[str, int]:
    rows = DirectoryComputer.objects.filter(source=source)
    return {"computers": rows.filter(vanished__isnull=True).count(), "vanished": rows.filter(
        vanished__isnull=False).count(), "disabled": rows.filter(vanished__isnull=True, disabled=True).count()}
