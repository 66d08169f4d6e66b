"""Directory sources API: CRUD (bind password write-only), POST sync (202 with the job), GET runs (its jobs)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from discovery.api.serializers_directory import DirectorySourceSerializer, DirectorySyncSerializer
from discovery.filtersets_directory import DirectorySourceFilterSet
from discovery.selectors_directory import directory_source_list, directory_source_runs
from discovery.services_directory import directory_sync_start
from estate.api.viewsets import EstateModelViewSet

_RUN = inline_serializer("DirectorySyncRun", fields={
    "job": serializers.IntegerField(), "status": serializers.CharField(), "created": serializers.DateTimeField(),
    "finished": serializers.DateTimeField(allow_null=True), "dry_run": serializers.BooleanField(),
    "summary": serializers.DictField(), "error": serializers.CharField(), "url": serializers.CharField()})
_RUNS = inline_serializer("DirectorySyncRunList", fields={
    "job": serializers.IntegerField(), "status": serializers.CharField(), "created": serializers.DateTimeField(),
    "finished": serializers.DateTimeField(allow_null=True), "dry_run": serializers.BooleanField(),
    "summary": serializers.DictField(), "error": serializers.CharField(), "url": serializers.CharField()}, many=True)


def run_data(job) -> dict:
    result = job.result or {}
    return {"job": job.pk, "status": job.status, "created": job.created, "finished": job.finished,
            "dry_run": bool((job.kwargs or {}).get("dry_run")), "summary": result.get("summary") or {},
            "error": (job.error or "").splitlines()[0] if job.error else "", "url": f"/jobs/{job.pk}/"}


class DirectorySourceViewSet(EstateModelViewSet):
    queryset = directory_source_list()
    serializer_class = DirectorySourceSerializer
    filterset_class = DirectorySourceFilterSet
    ordering_fields = ["name", "id", "last_synced"]
    extra_permissions = {"sync": ["discovery.view_directorysource", "discovery.change_directorysource"]}

    @extend_schema(request=DirectorySyncSerializer, responses={202: _RUN})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        """Sync this source now: 202 with the job (its progress, log and result under /api/jobs/{id}/)."""
        source = self.get_object()
        options = DirectorySyncSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        job = directory_sync_start(source=source, dry_run=options.validated_data["dry_run"], user=request.user,
                                   started_by=request.user.get_username())
        job.refresh_from_db()
        return Response(run_data(job), status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=_RUNS, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def runs(self, request, pk=None):
        """This source's last 50 syncs, newest first (summary counts; per-computer results are in each job's
        result, /api/jobs/{id}/)."""
        source = self.get_object()
        return Response([run_data(job) for job in directory_source_runs(source=source)[:50]])
