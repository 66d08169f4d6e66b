"""Taught classification rules API: CRUD, preview (a saved rule or a draft), apply, draft from a device, the
unidentified devices, and YAML export/import."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from discovery.api.serializers_rules import (
    ClassificationRuleSerializer,
    RuleApplySerializer,
    RulePreviewSerializer,
    RulesImportResultSerializer,
    RulesImportSerializer,
    UnidentifiedDeviceSerializer,
)
from discovery.models_rules import ClassificationRule
from discovery.services_rules import (
    draft_from_device,
    rule_apply,
    rule_preview,
    rules_export,
    rules_import,
    unidentified_devices,
)
from discovery.views_rules import ClassificationRuleFilterSet
from estate.api.viewsets import EstateModelViewSet
from inventory.models import Device

_VIEW, _CHANGE = "discovery.view_classificationrule", "discovery.change_classificationrule"


def _invalid(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(serializers.as_serializer_error(exc))


class ClassificationRuleViewSet(EstateModelViewSet):
    queryset = ClassificationRule.objects.all()
    serializer_class = ClassificationRuleSerializer
    filterset_class = ClassificationRuleFilterSet
    ordering_fields = ["name", "id", "last_updated"]
    extra_permissions = {
        "preview": [_VIEW, "inventory.view_device"], "draft_preview": [_VIEW, "inventory.view_device"],
        "apply": [_VIEW, _CHANGE, "inventory.change_device"], "export": [_VIEW],
        "import_rules": [_VIEW, "discovery.add_classificationrule", _CHANGE],
        "draft": ["inventory.view_device", "discovery.add_classificationrule"],
        "unidentified": ["inventory.view_device"],
    }

    @extend_schema(responses=RulePreviewSerializer(many=True))
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        """The devices this rule would change now, and how (nothing is written)."""
        return Response(RulePreviewSerializer(rule_preview(rule=self.get_object()), many=True).data)

    @extend_schema(request=ClassificationRuleSerializer, responses=RulePreviewSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="preview", pagination_class=None)
    def draft_preview(self, request):
        """Preview a rule that is not saved: exactly the devices it would change."""
        serializer = ClassificationRuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = ClassificationRule(**serializer.validated_data)
        try:
            changes = rule_preview(rule=draft)
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return Response(RulePreviewSerializer(changes, many=True).data)

    @extend_schema(request=None, responses=RuleApplySerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        """Apply the rule to every device it matches now (audited under "rule:<id>")."""
        try:
            summary = rule_apply(rule=self.get_object(), user=request.user)
        except DjangoValidationError as exc:
            raise _invalid(exc) from exc
        return Response(summary)

    @extend_schema(responses={(200, "application/yaml"): OpenApiTypes.OBJECT})  # a YAML document: {rules: [...]}
    @action(detail=False, methods=["get"])
    def export(self, request):
        """Every rule as YAML (the rule-file format), to share with another Estate."""
        return HttpResponse(rules_export(queryset=self.filter_queryset(self.get_queryset())),
                            content_type="application/yaml; charset=utf-8")

    @extend_schema(request=RulesImportSerializer, responses={201: RulesImportResultSerializer})
    @action(detail=False, methods=["post"], url_path="import")
    def import_rules(self, request):
        """Add or update rules from exported YAML (all or nothing)."""
        serializer = RulesImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            counts = rules_import(text=serializer.validated_data["yaml"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"yaml": exc.messages}) from exc
        return Response(counts, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("device", int, required=True)], responses=ClassificationRuleSerializer)
    @action(detail=False, methods=["get"])
    def draft(self, request):
        """A rule drafted from a device's last discovered facts (not saved): edit it, preview it, POST it."""
        raw = request.query_params.get("device", "")
        if not (raw.isascii() and raw.isdigit() and int(raw) < 2**63):
            raise serializers.ValidationError({"device": ["A device id is required."]})
        draft = draft_from_device(device=get_object_or_404(Device, pk=int(raw)))
        data = ClassificationRuleSerializer(draft).data
        return Response({k: v for k, v in data.items() if k not in ("id", "display", "created", "last_updated")})

    @extend_schema(responses=UnidentifiedDeviceSerializer(many=True))
    @action(detail=False, methods=["get"])
    def unidentified(self, request):
        """Devices Estate could not name: kind other, no platform, no version."""
        page = self.paginate_queryset(unidentified_devices())
        return self.get_paginated_response(UnidentifiedDeviceSerializer(page, many=True).data)
