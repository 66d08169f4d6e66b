"""Taught classification rules in the API: the rule, a preview row, an import and an apply summary."""

from __future__ import annotations

from rest_framework import serializers

from discovery.models_rules import ClassificationRule
from estate.api.serializers import EstateModelSerializer


class ClassificationRuleSerializer(EstateModelSerializer):
    class Meta:
        model = ClassificationRule
        fields = ["id", "display", "name", "enabled", "sys_object_id", "sys_descr", "manufacturer", "kind", "platform",
                  "model", "version", "description", "created", "last_updated"]


class RulePreviewSerializer(serializers.Serializer):
    device = serializers.IntegerField(source="device.pk")
    name = serializers.CharField(source="device.name")
    url = serializers.CharField(source="device.get_absolute_url")
    changes = serializers.DictField(help_text="field: [current, new]")
    proposed = serializers.ListField(child=serializers.CharField(), help_text="fields a person set: proposals")


class RulesImportSerializer(serializers.Serializer):
    yaml = serializers.CharField(max_length=1 << 20, trim_whitespace=False, help_text="Rules as exported")


class RuleApplySerializer(serializers.Serializer):
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()


class UnidentifiedDeviceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    site = serializers.CharField(source="site.slug")
    primary_ip = serializers.CharField(allow_null=True)
    url = serializers.CharField(source="get_absolute_url")


class RulesImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
