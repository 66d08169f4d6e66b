"""Programme API serializers: related objects by id; RAG and progress are derived, read-only."""

from __future__ import annotations

from rest_framework import serializers

from estate.api.serializers import EstateModelSerializer
from migration_plans import selectors
from migration_plans.choices import PlaybookChoices, RagChoices
from migration_plans.models import (
    BudgetLine,
    PlaybookEvent,
    PlaybookRun,
    Programme,
    SavingsForecast,
    Wave,
    WaveItem,
    WaveWindow,
)


class ProgrammeSerializer(EstateModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "display", "name", "slug", "owner", "start_date", "end_date", "description", "comments",
                  "tags", "created", "last_updated"]


class BudgetLineSerializer(EstateModelSerializer):
    class Meta:
        model = BudgetLine
        fields = ["id", "display", "programme", "financial_year", "category", "description", "planned", "actual",
                  "created", "last_updated"]


class SavingsForecastSerializer(EstateModelSerializer):
    class Meta:
        model = SavingsForecast
        fields = ["id", "display", "programme", "financial_year", "description", "forecast", "realised", "created",
                  "last_updated"]


class RagSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=RagChoices.choices)
    label = serializers.CharField()
    reason = serializers.CharField()
    derived = serializers.ChoiceField(choices=RagChoices.choices)
    overridden = serializers.BooleanField()
    exceptions = serializers.ListField(child=serializers.CharField(), help_text="Problems beside the colour")


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    in_flight = serializers.IntegerField()
    trouble = serializers.IntegerField()
    percent = serializers.IntegerField()


class WaveSerializer(EstateModelSerializer):
    rag = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Wave
        fields = ["id", "display", "programme", "name", "kind", "status", "owner", "planned_start", "planned_end",
                  "rag", "progress", "rag_override", "rag_override_reason", "approved_by", "approved_at",
                  "description", "comments", "tags", "created", "last_updated"]
        read_only_fields = ["approved_by", "approved_at"]

    def get_rag(self, obj) -> RagSerializer:
        return selectors.wave_rag(obj).as_dict()

    def get_progress(self, obj) -> ProgressSerializer:
        p = selectors.wave_progress(obj)
        return {"total": p.total, "done": p.done, "in_flight": p.in_flight, "trouble": p.trouble,
                "percent": p.percent}


class WaveWindowSerializer(EstateModelSerializer):
    class Meta:
        model = WaveWindow
        fields = ["id", "display", "wave", "kind", "start", "end", "reason", "created", "last_updated"]


class WaveItemSerializer(EstateModelSerializer):
    class Meta:
        model = WaveItem
        fields = ["id", "display", "wave", "device", "application", "strategy", "state", "target_provider",
                  "target_region", "target_size", "target_product", "target_hardware_model", "notes", "last_result",
                  "created", "last_updated"]
        read_only_fields = ["state", "last_result"]  # states move through /transition/ or playbook runs


class PlaybookRunSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="job.status", read_only=True)
    progress_done = serializers.IntegerField(source="job.progress_done", read_only=True)
    progress_total = serializers.IntegerField(source="job.progress_total", read_only=True)

    class Meta:
        model = PlaybookRun
        fields = ["id", "wave", "job", "playbook", "check_mode", "credential", "extravars", "item_ids", "status",
                  "progress_done", "progress_total", "host_stats", "reported", "created"]
        read_only_fields = fields


class PlaybookRunStartSerializer(serializers.Serializer):
    playbook = serializers.ChoiceField(choices=PlaybookChoices.choices)
    check_mode = serializers.BooleanField(default=False)
    credential = serializers.IntegerField(required=False, allow_null=True)
    item_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    extravars = serializers.DictField(required=False)


class PlaybookEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlaybookEvent
        fields = ["counter", "event", "host", "task", "status", "stdout", "created"]


class ApproveSerializer(serializers.Serializer):
    pass


class RagOverrideSerializer(serializers.Serializer):
    rag_override = serializers.ChoiceField(choices=[("", "none"), *RagChoices.choices], allow_blank=True)
    rag_override_reason = serializers.CharField(allow_blank=True, required=False, default="")


class TransitionSerializer(serializers.Serializer):
    state = serializers.CharField()


class AddDevicesSerializer(serializers.Serializer):
    device_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    filters = serializers.DictField(required=False, help_text="Device list filters, e.g. {'kind': 'desktop'}")
    strategy = serializers.CharField(required=False, default="", allow_blank=True,
                                     help_text="Blank: the wave kind's usual strategy (replace for a replacement wave)")
    target_provider = serializers.CharField(required=False, default="", allow_blank=True)
    target_region = serializers.CharField(required=False, default="", allow_blank=True)
    target_size = serializers.CharField(required=False, default="", allow_blank=True)
    target_hardware_model = serializers.IntegerField(required=False, allow_null=True)
