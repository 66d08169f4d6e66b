"""Programme API: CRUD, approval, RAG override, item transitions, bulk add, playbook runs, dashboard."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from discovery.models import Credential
from estate.api.permissions import ModelPermissions
from estate.api.viewsets import EstateModelViewSet
from inventory.filtersets import DeviceFilterSet
from inventory.models import HardwareModel
from inventory.selectors import device_list
from migration_plans import filtersets, selectors, services
from migration_plans.api import serializers as s
from migration_plans.models import BudgetLine, Programme, SavingsForecast, WaveItem, WaveWindow
from migration_plans.preflight import wave_preflight


def _drf(exc: ValidationError) -> DRFValidationError:
    return DRFValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


class ProgrammeViewSet(EstateModelViewSet):
    queryset = selectors.programme_list().prefetch_related("tags")
    serializer_class = s.ProgrammeSerializer
    filterset_class = filtersets.ProgrammeFilterSet
    ordering_fields = ["name", "start_date", "id"]


class BudgetLineViewSet(EstateModelViewSet):
    queryset = BudgetLine.objects.select_related("programme")
    serializer_class = s.BudgetLineSerializer
    filterset_class = filtersets.BudgetLineFilterSet
    ordering_fields = ["financial_year", "planned", "actual", "id"]


class SavingsForecastViewSet(EstateModelViewSet):
    queryset = SavingsForecast.objects.select_related("programme")
    serializer_class = s.SavingsForecastSerializer
    filterset_class = filtersets.SavingsForecastFilterSet
    ordering_fields = ["financial_year", "forecast", "id"]


class WaveViewSet(EstateModelViewSet):
    queryset = selectors.wave_list().prefetch_related("tags")
    serializer_class = s.WaveSerializer
    filterset_class = filtersets.WaveFilterSet
    ordering_fields = ["planned_start", "planned_end", "name", "id"]
    extra_permissions = {
        "approve": ["migration_plans.change_wave"], "rag": ["migration_plans.change_wave"],
        "run": ["migration_plans.add_playbookrun"], "add_devices": ["migration_plans.add_waveitem"],
    }

    @extend_schema(request=s.ApproveSerializer, responses=s.WaveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        wave = self.get_object()
        try:
            services.wave_approve(wave=wave, user=request.user)
        except ValidationError as exc:
            raise _drf(exc) from exc
        return Response(s.WaveSerializer(selectors.wave_list().get(pk=wave.pk)).data)

    @extend_schema(request=s.RagOverrideSerializer, responses=s.WaveSerializer)
    @action(detail=True, methods=["post"])
    def rag(self, request, pk=None):
        wave = self.get_object()
        body = s.RagOverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.wave_rag_override(wave=wave, rag=body.validated_data["rag_override"],
                                       reason=body.validated_data.get("rag_override_reason", ""))
        except ValidationError as exc:
            raise _drf(exc) from exc
        return Response(s.WaveSerializer(selectors.wave_list().get(pk=wave.pk)).data)

    @extend_schema(request=s.PlaybookRunStartSerializer, responses={202: s.PlaybookRunSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        wave = self.get_object()
        body = s.PlaybookRunStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        credential = get_object_or_404(Credential, pk=data["credential"]) if data.get("credential") else None
        items = WaveItem.objects.filter(wave=wave, pk__in=data["item_ids"]) if data.get("item_ids") else None
        try:
            run = services.playbook_run_start(wave=wave, playbook=data["playbook"], items=items,
                                              check_mode=data["check_mode"], credential=credential,
                                              extravars=data.get("extravars") or {}, user=request.user,
                                              started_by="api")
        except ValidationError as exc:
            raise _drf(exc) from exc
        return Response(s.PlaybookRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.AddDevicesSerializer, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="add-devices")
    def add_devices(self, request, pk=None):
        wave = self.get_object()
        body = s.AddDevicesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data.get("device_ids"):
            devices = device_list().filter(pk__in=data["device_ids"])
        elif data.get("filters"):
            query = QueryDict(mutable=True)
            for key, value in data["filters"].items():
                query.setlist(key, value if isinstance(value, list) else [str(value)])
            filterset = DeviceFilterSet(query, queryset=device_list(), request=request)
            if not filterset.is_valid():
                raise DRFValidationError({"filters": filterset.errors})
            devices = filterset.qs
        else:
            raise DRFValidationError({"device_ids": "Give device_ids or filters."})
        model = HardwareModel.objects.filter(pk=data.get("target_hardware_model")).first() \
            if data.get("target_hardware_model") else None
        try:
            result = services.wave_items_add(wave=wave, devices=devices, strategy=data["strategy"],
                                             target_provider=data["target_provider"],
                                             target_region=data["target_region"],
                                             target_size=data["target_size"], target_hardware_model=model)
        except ValidationError as exc:
            raise _drf(exc) from exc
        return Response(result)

    @extend_schema(responses={200: dict}, parameters=[OpenApiParameter(
        "credential", int, description="As if the run used this SSH credential", required=False)])
    @action(detail=True, methods=["get"])
    def preflight(self, request, pk=None):
        """Which items a run could not reach and why (?credential=<id>: as if running with it)."""
        wave = self.get_object()
        raw = request.query_params.get("credential", "")
        credential = None
        if raw:
            if not raw.isdigit() or len(raw) > 18:
                raise DRFValidationError({"credential": "Give a credential id."})
            credential = get_object_or_404(Credential, pk=int(raw))
        items = selectors.wave_item_list().filter(wave=wave)
        return Response(wave_preflight(wave=wave, items=items, credential=credential).as_dict())

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], url_path="dependency-warnings")
    def dependency_warnings(self, request, pk=None):
        return Response({"warnings": selectors.wave_dependency_warnings(self.get_object())})


class WaveWindowViewSet(EstateModelViewSet):
    queryset = WaveWindow.objects.select_related("wave")
    serializer_class = s.WaveWindowSerializer
    filterset_class = filtersets.WaveWindowFilterSet
    ordering_fields = ["start", "id"]


class WaveItemViewSet(EstateModelViewSet):
    queryset = selectors.wave_item_list()
    serializer_class = s.WaveItemSerializer
    filterset_class = filtersets.WaveItemFilterSet
    ordering_fields = ["id", "state"]
    # A state change is a change to the item (as on the item page), not the creation of one.
    extra_permissions = {"transition": ["migration_plans.change_waveitem"]}

    @extend_schema(request=s.TransitionSerializer, responses=s.WaveItemSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        item = self.get_object()
        body = s.TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.wave_item_transition(item=item, to_state=body.validated_data["state"])
        except (ValidationError, ValueError) as exc:
            raise (_drf(exc) if isinstance(exc, ValidationError) else DRFValidationError({"state": str(exc)})) \
                from exc
        return Response(s.WaveItemSerializer(item).data)


class PlaybookRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs are started with POST /api/migration-plans/waves/{id}/run/."""

    queryset = selectors.playbook_run_list()
    serializer_class = s.PlaybookRunSerializer
    filterset_class = filtersets.PlaybookRunFilterSet
    permission_classes = [ModelPermissions]
    ordering_fields = ["created", "id"]

    @extend_schema(responses=s.PlaybookEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        run = self.get_object()
        after = request.query_params.get("after", "0")
        events = run.events.filter(counter__gt=int(after) if after.isdigit() else 0).order_by("counter")
        page = self.paginate_queryset(events)
        return self.get_paginated_response(s.PlaybookEventSerializer(page, many=True).data)


def _money(value) -> str | None:
    """Pounds with pence, as the other money fields: SQLite's SUM drops a decimal's places ("120000")."""
    return None if value is None else f"{Decimal(value):.2f}"


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([ModelPermissions])
def dashboard(request):
    programme = Programme.objects.filter(slug=request.query_params.get("programme")).first() \
        if request.query_params.get("programme") else None
    data = selectors.programme_dashboard(programme=programme)
    return Response({
        "programme": programme.slug if programme else None,
        "rag_counts": data["rag_counts"],
        "exceptions": data["exceptions"],
        "waves": [{"id": r["wave"].pk, "name": r["wave"].name, "programme": r["wave"].programme_id,
                   "kind": r["wave"].kind, "status": r["wave"].status, "rag": r["rag"].value,
                   "rag_reason": r["rag"].reason, "rag_exceptions": list(r["rag"].exceptions),
                   "items": r["progress"].total, "done": r["progress"].done,
                   "percent": r["progress"].percent} for r in data["waves"]],
        "budget": [{**b, "planned": _money(b["planned"]), "actual": _money(b["actual"]),
                    "variance": _money(b["variance"])} for b in data["budget_rows"]],
        "savings": [{**r, "forecast": _money(r["forecast"]), "realised": _money(r["realised"])}
                    for r in data["savings_rows"]],
        "budget_financial_year": data["budget"]["financial_year"],
        "budget_to_date": [m.as_dict() for m in data["budget"]["to_date"]],
        "budget_year": [m.as_dict() for m in data["budget"]["year"]],
        "savings_lines": [{"financial_year": x.financial_year, "source": x.description,
                           "forecast": _money(x.forecast), "realised": _money(x.realised)}
                          for x in data["savings"]["lines"]],
        "savings_to_date": {k: _money(v) if k != "percent" else v for k, v in data["savings"]["to_date"].items()},
        "burndown": [{k: v for k, v in p.items() if k != "month_start"} | {"month_start": p["month_start"].isoformat()}
                     for p in data["burndown"]["points"]],
        "burndown_scope": {k: data["burndown"][k] for k in ("items", "devices", "unsupported")},
    })


dashboard.cls.queryset = Programme.objects.none()  # ModelPermissions reads the model from it: view_programme
