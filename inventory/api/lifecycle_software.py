"""Lifecycle API for installed software: releases grouped by product and version, and unmatched software."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from estate.api.permissions import IsAuthenticatedWritableToken
from inventory import selectors_lifecycle as lc
from inventory import services_lifecycle as services
from inventory.api.lifecycle import VersionMappingSerializer, _bad, _require
from inventory.choices import SupportStatusChoices
from inventory.models import LifecycleCycle


def _plain(row: dict) -> dict:
    eos = row.get("end_of_security_support")
    if isinstance(eos, bool):
        row = row | {"end_of_security_support": "ended, date unknown" if eos else None}
    return row


class SoftwareReleasesView(APIView):
    """GET /api/lifecycle/software/?support_status=unsupported&q=sql: installs grouped by product and version."""

    permission_classes = [IsAuthenticatedWritableToken]

    @extend_schema(parameters=[
        OpenApiParameter("support_status", OpenApiTypes.STR, many=True, enum=SupportStatusChoices.values),
        OpenApiParameter("q", OpenApiTypes.STR, description="Product or version contains"),
    ], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        _require(request, "inventory.view_installedsoftware")
        statuses = request.query_params.getlist("support_status")
        unknown = [s for s in statuses if s not in SupportStatusChoices.values]
        if unknown:
            return _bad(f"support_status: unknown {', '.join(unknown)}.")
        rows = lc.software_releases(statuses=statuses, search=(request.query_params.get("q") or "")[:200])
        return Response({"count": len(rows), "results": [_plain(r) for r in rows]})


class MapSoftwareSerializer(serializers.Serializer):
    software = serializers.CharField(max_length=255, help_text="The installed software product name as recorded")
    version = serializers.CharField(max_length=255, allow_blank=True, required=False, default="",
                                    help_text="The version text; blank maps every version of the product")
    cycle = serializers.PrimaryKeyRelatedField(queryset=LifecycleCycle.objects.all())


class UnmatchedSoftwareView(APIView):
    """GET: installed software naming a catalogue product whose release matches no cycle (``?all=1``: every
    unmatched release). POST {software, version, cycle}: map it for every device and re-evaluate them."""

    permission_classes = [IsAuthenticatedWritableToken]

    @extend_schema(parameters=[OpenApiParameter("all", OpenApiTypes.BOOL)], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        _require(request, "inventory.view_finding")
        rows = lc.unmatched_software(everything=request.query_params.get("all") in ("1", "true"))
        return Response({"count": len(rows), "results": rows})

    @extend_schema(request=MapSoftwareSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        _require(request, "inventory.add_versionmapping", "inventory.change_versionmapping")
        serializer = MapSoftwareSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            mapping, summary = services.software_mapping_set(software=data["software"], version=data["version"],
                                                             cycle=data["cycle"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        return Response({"mapping": VersionMappingSerializer(mapping).data, "evaluation": summary},
                        status=status.HTTP_201_CREATED)
