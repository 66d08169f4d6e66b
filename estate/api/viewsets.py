"""Base viewset: CRUD + bulk create (POST a list) + per-object change history."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from estate.api.serializers import LogEntrySerializer
from estate.services import BulkValidationError, objects_save


class EstateModelViewSet(viewsets.ModelViewSet):
    """List, retrieve, create (one or a list, all or nothing), update, partial update, delete."""

    extra_permissions: dict[str, list[str]] = {}

    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, list):
            return super().create(request, *args, **kwargs)
        limit = settings.ESTATE_API_MAX_BULK
        if len(request.data) > limit:  # checked before any validation: a huge list costs nothing
            raise serializers.ValidationError({"non_field_errors": [f"Send at most {limit:,} objects at once."]})
        serializer = self.get_serializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        child = serializer.child
        items = [child.build(child.Meta.model(), data) for data in serializer.validated_data]
        try:  # every object is validated before the write transaction opens, then all are saved or none
            serializer.instance = objects_save(items=items)
        except BulkValidationError as exc:
            raise serializers.ValidationError(exc.problems) from exc
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=LogEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        obj = self.get_object()
        entries = LogEntry.objects.get_for_object(obj).select_related("actor", "content_type")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(LogEntrySerializer(page, many=True).data)
