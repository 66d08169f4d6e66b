"""Jobs API (/api/jobs/): jobs (read, cancel, rerun, log), schedules, blackout windows and the scheduler's history."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from estate.api.exceptions import validation_error_response
from estate.api.permissions import ModelPermissions
from estate.api.serializers import EstateModelSerializer
from estate.api.viewsets import EstateModelViewSet
from estate.jobs import filtersets, selectors, services
from estate.models import BlackoutWindow, Job, JobLogEntry, Schedule, ScheduleEvent


class JobSerializer(serializers.ModelSerializer):
    display = serializers.CharField(source="__str__", read_only=True)
    user = serializers.CharField(source="user.username", read_only=True, allow_null=True, default=None)
    progress_percent = serializers.IntegerField(read_only=True)
    is_finished = serializers.BooleanField(read_only=True)

    class Meta:
        model = Job
        fields = ["id", "display", "kind", "name", "status", "queue", "kwargs", "progress_done", "progress_total",
                  "progress_percent", "is_finished", "result", "error", "user", "started_by", "schedule", "created",
                  "started", "finished", "heartbeat", "worker", "cancel_requested", "time_limit"]
        read_only_fields = fields


class JobLogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = JobLogEntry
        fields = ["id", "timestamp", "level", "message", "data"]
        read_only_fields = fields


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Background jobs: list and filter, follow one (status, progress, log), cancel or run again.

    Jobs are started by the work that needs them (discovery, schedules, imports), not created here.
    """

    queryset = selectors.job_list()
    serializer_class = JobSerializer
    filterset_class = filtersets.JobFilterSet
    permission_classes = [ModelPermissions]
    ordering_fields = ["created", "started", "finished", "id"]
    lookup_value_regex = r"\d+"
    extra_permissions = {"cancel": ["estate.change_job"], "rerun": ["estate.change_job"]}

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Pending: cancelled at once. Running: cancel requested; the job stops at its next check. 409 if finished."""
        job = self.get_object()
        try:
            job = services.job_cancel(job=job, user=request.user)
        except DjangoValidationError as exc:
            return Response({"error": {"status": 409, "code": "conflict", "message": " ".join(exc.messages),
                                       "detail": {"status": job.status}}}, status=status.HTTP_409_CONFLICT)
        return Response(JobSerializer(job).data)

    @extend_schema(request=None, responses={201: JobSerializer})
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        """Start a new job with the same kind, arguments and queue."""
        new = services.job_rerun(job=self.get_object(), user=request.user)
        return Response(JobSerializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=JobLogEntrySerializer(many=True), parameters=[
        OpenApiParameter("after", int, description="Only entries with a larger id (for following a running job)"),
        OpenApiParameter("level", str, description="debug, info, warning or error"),
    ])
    @action(detail=True, methods=["get"], filterset_class=None, ordering_fields=None)
    def log(self, request, pk=None):
        """The job's log, oldest first, paginated (?limit=&offset=)."""
        job = self.get_object()
        after = request.query_params.get("after", "")
        if after and not after.isdigit():
            return validation_error_response({"after": ["A log entry id."]})
        entries = selectors.job_log(job=job, after=int(after) if after else None)
        level = request.query_params.get("level")
        if level:
            entries = entries.filter(level=level)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(JobLogEntrySerializer(page, many=True).data)


class ScheduleEventSerializer(serializers.ModelSerializer):
    display = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = ScheduleEvent
        fields = ["id", "display", "schedule", "fire_time", "created", "outcome", "job", "blackout", "message"]
        read_only_fields = fields


class ScheduleSerializer(EstateModelSerializer):
    next_run = serializers.DateTimeField(read_only=True, allow_null=True,
                                         help_text="When the scheduler next enqueues a job (blackouts skipped)")

    class Meta:
        model = Schedule
        fields = ["id", "display", "name", "kind", "kwargs", "queue", "cron", "interval_minutes", "time_zone",
                  "enabled", "misfire_grace_seconds", "next_run", "created", "last_updated"]


class ScheduleViewSet(EstateModelViewSet):
    """Recurring jobs: cron or interval, in a time zone, skipped inside blackout windows."""

    queryset = selectors.schedule_list()
    serializer_class = ScheduleSerializer
    filterset_class = filtersets.ScheduleFilterSet
    ordering_fields = ["name", "kind", "id"]

    @extend_schema(responses=ScheduleEventSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def events(self, request, pk=None):
        """What the scheduler did at each fire time: enqueued job, or skipped (blackout, previous run active)."""
        page = self.paginate_queryset(selectors.schedule_events(schedule=self.get_object()))
        return self.get_paginated_response(ScheduleEventSerializer(page, many=True).data)


class BlackoutWindowSerializer(EstateModelSerializer):
    summary = serializers.CharField(read_only=True)

    class Meta:
        model = BlackoutWindow
        fields = ["id", "display", "name", "reason", "schedule", "rule", "start", "end", "weekday", "start_time",
                  "end_time", "last_days", "time_zone", "enabled", "summary", "created", "last_updated"]


class BlackoutWindowViewSet(EstateModelViewSet):
    """Times when schedules must not fire: a change freeze, month end, a weekly slot. No schedule = all schedules."""

    queryset = selectors.blackout_window_list()
    serializer_class = BlackoutWindowSerializer
    filterset_class = filtersets.BlackoutWindowFilterSet
    ordering_fields = ["name", "id"]


class ScheduleEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The scheduler's decisions, newest first."""

    queryset = selectors.schedule_events()
    serializer_class = ScheduleEventSerializer
    filterset_class = filtersets.ScheduleEventFilterSet
    permission_classes = [ModelPermissions]
    ordering_fields = ["fire_time", "id"]
