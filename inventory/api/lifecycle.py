"""Lifecycle API (/api/lifecycle/): catalogue, hardware notices, version mappings, policies, findings (read-only),
the forecast, unmatched versions, imports and the re-evaluation job."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from estate.api.exceptions import validation_error_response
from estate.api.permissions import IsAuthenticatedWritableToken, ModelPermissions
from estate.api.serializers import EstateModelSerializer
from estate.api.viewsets import EstateModelViewSet
from inventory import filtersets_lifecycle as filtersets
from inventory import selectors_lifecycle as lc
from inventory import services_lifecycle as services
from inventory.choices import DeviceKindChoices, LifecycleOriginChoices
from inventory.models import (
    Finding,
    HardwareNotice,
    LifecycleCycle,
    LifecyclePolicy,
    LifecycleProduct,
    Platform,
    Site,
    VersionMapping,
)
from inventory.services_findings import lifecycle_evaluate_enqueue

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# --- serializers ----------------------------------------------------------------------------------------------------


class _ManualOriginSerializer(EstateModelSerializer):
    """A write through the API is a person's edit: the row becomes "manual" (syncs and imports keep it)."""

    def _save(self, instance, validated_data):
        validated_data["origin"] = LifecycleOriginChoices.MANUAL
        return super()._save(instance, validated_data)


class LifecycleProductSerializer(_ManualOriginSerializer):
    class Meta:
        model = LifecycleProduct
        fields = ["id", "display", "slug", "name", "kind", "vendor", "platform_names", "related", "source", "origin",
                  "checked", "notes", "created", "last_updated"]
        read_only_fields = ["origin"]


class LifecycleCycleSerializer(_ManualOriginSerializer):
    class Meta:
        model = LifecycleCycle
        fields = ["id", "display", "product", "cycle", "label", "release_date", "end_of_active_support",
                  "active_support_ended", "end_of_security_support", "security_support_ended", "extended_support",
                  "end_of_extended_support", "extended_support_ended", "lts", "latest", "codename", "source",
                  "match", "confidence", "origin", "checked", "notes", "created", "last_updated"]
        read_only_fields = ["origin"]


class HardwareNoticeSerializer(_ManualOriginSerializer):
    class Meta:
        model = HardwareNotice
        fields = ["id", "display", "manufacturer", "model", "part_numbers", "match", "kind", "end_of_sale",
                  "end_of_sale_passed", "end_of_support", "end_of_support_passed", "replacement", "source",
                  "confidence", "origin", "notes", "created", "last_updated"]
        read_only_fields = ["origin"]
        validators: list = []  # (manufacturer, model) uniqueness is checked by full_clean / the database


class VersionMappingSerializer(EstateModelSerializer):
    class Meta:
        model = VersionMapping
        fields = ["id", "display", "platform", "software", "version", "cycle", "notes", "created", "last_updated"]
        validators: list = []  # conditional unique constraints: checked by full_clean


class LifecyclePolicySerializer(EstateModelSerializer):
    class Meta:
        model = LifecyclePolicy
        fields = ["id", "display", "name", "rule", "device_kind", "platform", "minimum_version", "years", "days",
                  "severity", "enabled", "notes", "created", "last_updated"]
        validators: list = []


class FindingSerializer(serializers.ModelSerializer):
    display = serializers.CharField(source="__str__", read_only=True)
    device_name = serializers.CharField(source="device.name", read_only=True)
    site = serializers.IntegerField(source="device.site_id", read_only=True)
    kind = serializers.CharField(source="device.kind", read_only=True)
    source = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "display", "device", "device_name", "site", "kind", "reason", "severity", "effective_date",
                  "detail", "evidence", "source", "created", "last_updated"]
        read_only_fields = fields

    def get_source(self, obj) -> str:
        return (obj.evidence or {}).get("source", "")


# --- viewsets -------------------------------------------------------------------------------------------------------


class LifecycleProductViewSet(EstateModelViewSet):
    queryset = lc.lifecycle_product_list()
    serializer_class = LifecycleProductSerializer
    filterset_class = filtersets.LifecycleProductFilterSet
    ordering_fields = ["name", "slug", "id"]


class LifecycleCycleViewSet(EstateModelViewSet):
    queryset = lc.lifecycle_cycle_list()
    serializer_class = LifecycleCycleSerializer
    filterset_class = filtersets.LifecycleCycleFilterSet
    ordering_fields = ["release_date", "end_of_security_support", "cycle", "id"]


class HardwareNoticeViewSet(EstateModelViewSet):
    queryset = lc.hardware_notice_list()
    serializer_class = HardwareNoticeSerializer
    filterset_class = filtersets.HardwareNoticeFilterSet
    ordering_fields = ["manufacturer", "model", "end_of_support", "id"]


class VersionMappingViewSet(EstateModelViewSet):
    queryset = lc.version_mapping_list()
    serializer_class = VersionMappingSerializer
    filterset_class = filtersets.VersionMappingFilterSet
    ordering_fields = ["version", "id"]


class LifecyclePolicyViewSet(EstateModelViewSet):
    queryset = lc.lifecycle_policy_list()
    serializer_class = LifecyclePolicySerializer
    filterset_class = filtersets.LifecyclePolicyFilterSet
    ordering_fields = ["name", "rule", "id"]


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    """Findings are derived (recomputed by POST /api/lifecycle/evaluate/ and daily): read-only."""

    queryset = lc.finding_list()
    serializer_class = FindingSerializer
    filterset_class = filtersets.FindingFilterSet
    permission_classes = [ModelPermissions]
    ordering_fields = ["effective_date", "severity", "reason", "id"]


# --- actions --------------------------------------------------------------------------------------------------------


def _require(request, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied(f"You need the permission(s): {', '.join(perms)}.")


def _json_money(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_money(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_money(v) for v in value]
    if hasattr(value, "quantize"):  # Decimal -> "1234.00": exact, as money should be
        return f"{value:.2f}"
    return value


class ForecastView(APIView):
    """GET /api/lifecycle/forecast/?years=5&site=<slug>&kind=<kind>: devices leaving support per UK financial year."""

    permission_classes = [IsAuthenticatedWritableToken]

    @extend_schema(parameters=[
        OpenApiParameter("years", OpenApiTypes.INT, description="Financial years from the current one (1–15)"),
        OpenApiParameter("site", OpenApiTypes.STR, many=True, description="Site slug(s)"),
        OpenApiParameter("kind", OpenApiTypes.STR, many=True, enum=DeviceKindChoices.values),
        OpenApiParameter("as_of", OpenApiTypes.DATE, description="Forecast as if today were this date"),
    ], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        _require(request, "inventory.view_finding")
        try:
            years = int(request.query_params.get("years") or 5)
        except ValueError:
            return _bad("years: give a whole number of years.")
        if not 1 <= years <= lc.MAX_YEARS:
            return _bad(f"years: between 1 and {lc.MAX_YEARS}.")
        kinds = request.query_params.getlist("kind")
        unknown = [k for k in kinds if k not in DeviceKindChoices.values]
        if unknown:
            return _bad(f"kind: unknown {', '.join(unknown)}.")
        slugs = request.query_params.getlist("site")
        site_ids = None
        if slugs:
            found = dict(Site.objects.filter(slug__in=slugs).values_list("slug", "pk"))
            missing = [s for s in slugs if s not in found]
            if missing:
                return _bad(f"site: unknown {', '.join(missing)}.")
            site_ids = list(found.values())
        as_of = None
        if request.query_params.get("as_of"):
            from datetime import date

            try:
                as_of = date.fromisoformat(request.query_params["as_of"])
            except ValueError:
                return _bad("as_of: give a date as YYYY-MM-DD.")
        forecast = lc.lifecycle_forecast(years=years, as_of=as_of, site_ids=site_ids, kinds=kinds or None)
        return Response(_json_money(forecast))


def _bad(message: str) -> Response:
    return validation_error_response({"non_field_errors": [message]})


class MapVersionSerializer(serializers.Serializer):
    platform = serializers.PrimaryKeyRelatedField(queryset=Platform.objects.all(), allow_null=True, required=False)
    version = serializers.CharField(max_length=255, allow_blank=True, required=False, default="", trim_whitespace=True)
    cycle = serializers.PrimaryKeyRelatedField(queryset=LifecycleCycle.objects.all())

    def validate(self, attrs):
        if not attrs.get("platform") and not attrs.get("version"):
            raise serializers.ValidationError("Give a platform, a version text, or both.")
        return attrs


class ImportEndOfLifeSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="A JSON file downloaded from endoflife.date")
    data = serializers.JSONField(required=False, help_text="The endoflife.date JSON itself")
    url = serializers.URLField(required=False, help_text="An endoflife.date API URL to fetch")
    product = serializers.SlugField(required=False, help_text="Product slug (v0 data; or pick one product)")


class ImportHardwareNoticesSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="The CSV file")
    csv = serializers.CharField(required=False, trim_whitespace=False, help_text="Or the CSV text")


class UnmatchedVersionsView(APIView):
    """GET: platform + version texts no cycle matches, with device counts. POST {platform, version, cycle}: map it."""

    permission_classes = [IsAuthenticatedWritableToken]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        _require(request, "inventory.view_finding")
        rows = lc.unmatched_versions()
        return Response({"count": len(rows), "results": rows})

    @extend_schema(request=MapVersionSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        _require(request, "inventory.add_versionmapping", "inventory.change_versionmapping")
        serializer = MapVersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            mapping, summary = services.version_mapping_set(platform=data.get("platform"),
                                                            version=data.get("version", ""), cycle=data["cycle"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        return Response({"mapping": VersionMappingSerializer(mapping).data, "evaluation": summary},
                        status=status.HTTP_201_CREATED)


class EvaluateSerializer(serializers.Serializer):
    device_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                       required=False, max_length=200_000,
                                       help_text="Only these devices (all when left out)")


class EvaluateView(APIView):
    """POST /api/lifecycle/evaluate/ {device_ids?}: start the re-evaluation job; 202 with the job id."""

    permission_classes = [IsAuthenticatedWritableToken]

    @extend_schema(request=EvaluateSerializer, responses={202: inline_serializer("EvaluateResponse", {
        "job": serializers.IntegerField(), "status": serializers.CharField(), "kind": serializers.CharField()})})
    def post(self, request):
        _require(request, "inventory.change_finding")
        serializer = EvaluateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = serializer.validated_data.get("device_ids")
        job = lifecycle_evaluate_enqueue(user=request.user, device_ids=ids, started_by=(
            f"{request.user.get_username()} (api)"))
        return Response({"job": job.pk, "status": job.status, "kind": job.kind}, status=status.HTTP_202_ACCEPTED)


class ImportEndOfLifeView(APIView):
    """POST a file (multipart ``file``), a JSON body (``data``) or a ``url``; optional ``product`` slug."""

    permission_classes = [IsAuthenticatedWritableToken]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=ImportEndOfLifeSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        _require(request, "inventory.add_lifecycleproduct", "inventory.add_lifecyclecycle",
                 "inventory.change_lifecyclecycle")
        import json
        from pathlib import Path

        serializer = ImportEndOfLifeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        upload, url, product = given.get("file"), given.get("url") or None, given.get("product") or None
        data = given.get("data") if "data" in given else None
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                return _bad("file: larger than 20 MB.")
            try:
                data = json.loads(upload.read().decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                return _bad(f"file: not valid JSON ({exc}).")
            if product is None and isinstance(data, list):
                product = Path(upload.name).stem
        try:
            summary = services.catalogue_import_endoflife(data=data, url=url, product=product)
        except DjangoValidationError as exc:
            return _bad(" ".join(exc.messages))
        return Response(summary)


class ImportHardwareNoticesView(APIView):
    """POST a vendor hardware notice CSV (multipart ``file`` or a ``csv`` text field); all or nothing."""

    permission_classes = [IsAuthenticatedWritableToken]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=ImportHardwareNoticesSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        _require(request, "inventory.add_hardwarenotice", "inventory.change_hardwarenotice",
                 "inventory.add_hardwaremodel", "inventory.change_hardwaremodel")
        serializer = ImportHardwareNoticesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                return _bad("file: larger than 20 MB.")
            text = upload.read().decode("utf-8-sig", errors="replace")
        else:
            text = serializer.validated_data.get("csv") or ""
        if not text.strip():
            return _bad("Send the CSV as a file or in the csv field.")
        try:
            summary = services.hardware_notices_import_csv(text=text)
        except DjangoValidationError as exc:
            return validation_error_response({"rows": exc.messages})
        return Response(summary)
