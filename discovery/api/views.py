"""Discovery API: credentials (secrets write-only), credential sets, scopes (+ discover), runs, host keys."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from discovery import filtersets, selectors, services
from discovery.api import serializers as s
from estate.api.permissions import ModelPermissions
from estate.api.serializers import LogEntrySerializer
from estate.api.viewsets import EstateModelViewSet
from estate.jobs import selectors as job_selectors
from estate.services import object_delete


def _start_response(run) -> Response:
    return Response({"run": run.pk, "job": run.job_id, "status": run.job.status, "dry_run": run.dry_run,
                     "url": run.get_absolute_url()}, status=status.HTTP_202_ACCEPTED)


def _django_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(serializers.as_serializer_error(exc))


RUN_STARTED = inline_serializer("DiscoveryRunStarted", {  # what _start_response answers
    "run": serializers.IntegerField(), "job": serializers.IntegerField(), "status": serializers.CharField(),
    "dry_run": serializers.BooleanField(), "url": serializers.CharField()})


class CredentialViewSet(EstateModelViewSet):
    queryset = selectors.credential_list()
    serializer_class = s.CredentialSerializer
    filterset_class = filtersets.CredentialFilterSet
    ordering_fields = ["name", "kind", "id"]


class CredentialSetViewSet(EstateModelViewSet):
    queryset = selectors.credential_set_list()
    serializer_class = s.CredentialSetSerializer
    filterset_class = filtersets.CredentialSetFilterSet
    ordering_fields = ["name", "id"]



class ScopeViewSet(EstateModelViewSet):
    queryset = selectors.scope_list()
    serializer_class = s.ScopeSerializer
    filterset_class = filtersets.ScopeFilterSet
    ordering_fields = ["name", "id"]
    extra_permissions = {"discover": ["discovery.view_scope", "discovery.add_discoveryrun"]}

    @extend_schema(request=s.DiscoverSerializer, responses={202: RUN_STARTED})
    @action(detail=True, methods=["post"])
    def discover(self, request, pk=None):
        """Start a discovery of this scope now. 202 with the run and job ids; an impossible scope is a 400."""
        scope = self.get_object()
        options = s.DiscoverSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        try:
            run = services.discovery_run_start(site=scope.site, scope=scope, dry_run=options.validated_data["dry_run"],
                                               exclusions="\n".join(options.validated_data["exclusions"]),
                                               user=request.user, started_by=request.user.get_username())
        except DjangoValidationError as exc:
            raise _django_error(exc) from exc
        return _start_response(run)


class DiscoveryRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          viewsets.GenericViewSet):
    """Runs: read-only, except POST: an ad hoc run {targets, exclusions, site, credential_sets, port, mode,
    allow_tofu, dry_run}."""

    queryset = selectors.run_list()
    serializer_class = s.DiscoveryRunSerializer
    filterset_class = filtersets.DiscoveryRunFilterSet
    permission_classes = [ModelPermissions]
    ordering_fields = ["created", "id"]
    extra_permissions = {"hosts": ["discovery.view_discoveryrun"], "log": ["discovery.view_discoveryrun"]}

    def get_serializer_class(self):
        return s.DiscoveryRunStartSerializer if self.action == "create" else s.DiscoveryRunSerializer

    @extend_schema(request=s.DiscoveryRunStartSerializer, responses={202: RUN_STARTED})
    def create(self, request, *args, **kwargs):
        start = s.DiscoveryRunStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        data = start.validated_data
        try:
            run = services.discovery_run_start(
                site=data["site"], targets="\n".join(data["targets"]), exclusions="\n".join(data["exclusions"]),
                credential_sets=data["credential_sets"], port=data.get("port"), mode=data["mode"],
                allow_tofu=data["allow_tofu"], dry_run=data["dry_run"], user=request.user,
                started_by=request.user.get_username(),
            )
        except DjangoValidationError as exc:
            raise _django_error(exc) from exc
        return _start_response(run)

    @extend_schema(responses=s.HostResultSerializer(many=True))
    @action(detail=True, methods=["get"])
    def hosts(self, request, pk=None):
        """What happened to each host of the run."""
        run = self.get_object()
        page = self.paginate_queryset(selectors.run_host_results(run=run))
        return self.get_paginated_response(s.HostResultSerializer(page, many=True).data)

    @extend_schema(responses=inline_serializer("DiscoveryRunLogLine", {
        "id": s.serializers.IntegerField(), "timestamp": s.serializers.DateTimeField(),
        "level": s.serializers.CharField(), "message": s.serializers.CharField()}, many=True))
    @action(detail=True, methods=["get"])
    def log(self, request, pk=None):
        """The run's log lines, oldest first."""
        run = self.get_object()
        page = self.paginate_queryset(job_selectors.job_log(job=run.job))
        return self.get_paginated_response([{"id": e.pk, "timestamp": e.timestamp, "level": e.level,
                                             "message": e.message} for e in page])


class HostKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                     viewsets.GenericViewSet):
    """SSH host keys learnt on first use. A changed key is refused until re-trusted (POST {id}/retrust/)."""

    queryset = selectors.host_key_list()
    serializer_class = s.HostKeySerializer
    filterset_class = filtersets.HostKeyFilterSet
    permission_classes = [ModelPermissions]
    ordering_fields = ["address", "id"]
    extra_permissions = {"retrust": ["discovery.view_hostkey", "discovery.change_hostkey"]}

    def perform_destroy(self, instance):
        object_delete(instance=instance)

    @extend_schema(request=None, responses=s.HostKeySerializer)
    @action(detail=True, methods=["post"])
    def retrust(self, request, pk=None):
        """Trust the changed key this host presented (audited)."""
        host_key = self.get_object()
        try:
            host_key = services.host_key_retrust(host_key=host_key)
        except DjangoValidationError as exc:
            raise _django_error(exc) from exc
        return Response(s.HostKeySerializer(host_key, context=self.get_serializer_context()).data)

    @extend_schema(responses=LogEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        entries = LogEntry.objects.get_for_object(self.get_object()).select_related("actor", "content_type")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(LogEntrySerializer(page, many=True).data)
