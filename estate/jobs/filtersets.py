"""Filters for the job, schedule and blackout pages and API (the same FilterSet serves both)."""

from __future__ import annotations

import django_filters
from django.conf import settings

from estate.choices import BlackoutRuleChoices, JobStatusChoices, ScheduleEventOutcomeChoices
from estate.filters import MAX_ID, BoundedIsoDateTimeFilter, SearchFilterSet
from estate.models import BlackoutWindow, Job, Schedule, ScheduleEvent


def _kinds() -> list[tuple[str, str]]:
    return [(kind, kind) for kind in sorted(settings.ESTATE_JOB_RUNNERS)]


class JobFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "kind__icontains", "started_by__icontains")
    status = django_filters.MultipleChoiceFilter(choices=JobStatusChoices.choices)
    kind = django_filters.MultipleChoiceFilter(choices=_kinds)
    queue = django_filters.CharFilter()
    started_by = django_filters.CharFilter(lookup_expr="icontains", label="Started by")
    user = django_filters.CharFilter(field_name="user__username", label="User (username)")
    schedule_id = django_filters.NumberFilter(field_name="schedule", label="Schedule (id)", min_value=0,
                                            max_value=MAX_ID)
    created_after = BoundedIsoDateTimeFilter(field_name="created", lookup_expr="gte")
    created_before = BoundedIsoDateTimeFilter(field_name="created", lookup_expr="lt")

    class Meta:
        model = Job
        fields = ["status", "kind", "queue", "started_by"]


class ScheduleFilterSet(SearchFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=_kinds)
    queue = django_filters.CharFilter()
    enabled = django_filters.BooleanFilter()

    class Meta:
        model = Schedule
        fields = ["name", "kind", "queue", "enabled"]


class BlackoutWindowFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "reason__icontains")
    rule = django_filters.MultipleChoiceFilter(choices=BlackoutRuleChoices.choices)
    schedule_id = django_filters.NumberFilter(field_name="schedule", label="Schedule (id)", min_value=0,
                                            max_value=MAX_ID)
    all_schedules = django_filters.BooleanFilter(field_name="schedule", lookup_expr="isnull",
                                                 label="Applies to all schedules")
    enabled = django_filters.BooleanFilter()

    class Meta:
        model = BlackoutWindow
        fields = ["name", "rule", "enabled"]


class ScheduleEventFilterSet(django_filters.FilterSet):
    schedule_id = django_filters.NumberFilter(field_name="schedule", label="Schedule (id)", min_value=0,
                                            max_value=MAX_ID)
    outcome = django_filters.MultipleChoiceFilter(choices=ScheduleEventOutcomeChoices.choices)
    since = BoundedIsoDateTimeFilter(field_name="fire_time", lookup_expr="gte")

    class Meta:
        model = ScheduleEvent
        fields = ["outcome"]
