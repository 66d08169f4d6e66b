"""Base serializer: writes go through estate.services.object_save, so model clean() rules apply to the API too."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from estate.services import object_save


class EstateModelSerializer(serializers.ModelSerializer):
    display = serializers.SerializerMethodField()

    def get_display(self, obj) -> str:
        return str(obj)

    def build(self, instance, validated_data) -> tuple[object, dict]:
        """Set the validated values on the instance; return it with its many-to-many values (set after saving)."""
        validated_data = dict(validated_data)
        m2m = {}
        for field in list(validated_data):
            model_field = instance._meta.get_field(field) if field in _field_names(instance) else None
            if model_field is not None and model_field.many_to_many:
                m2m[field] = validated_data.pop(field)
        for field, value in validated_data.items():
            setattr(instance, field, value)
        return instance, m2m

    def _save(self, instance, validated_data):
        instance, m2m = self.build(instance, validated_data)
        try:
            return object_save(instance=instance, m2m=m2m)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc

    def create(self, validated_data):
        return self._save(self.Meta.model(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


def _field_names(instance) -> set[str]:
    return {f.name for f in instance._meta.get_fields()}


class LogEntrySerializer(serializers.ModelSerializer):
    """One change in the audit history."""

    action = serializers.CharField(source="get_action_display")
    actor = serializers.SerializerMethodField()
    model = serializers.SerializerMethodField()
    request_id = serializers.CharField(source="cid", allow_null=True)

    class Meta:
        model = LogEntry
        fields = ["id", "timestamp", "action", "actor", "model", "object_id", "object_repr", "changes", "request_id",
                  "remote_addr"]

    def get_actor(self, obj) -> str | None:
        return obj.actor.username if obj.actor_id else (obj.actor_email or None)

    def get_model(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"
