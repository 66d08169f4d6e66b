"""Forms for programmes, waves and items, and the actions on them (approve, override RAG, run a playbook)."""

from __future__ import annotations

from django import forms

from discovery.models import Credential
from estate.forms import BulkEditForm, EstateForm, EstateModelForm
from inventory.forms import DeviceField
from inventory.models import HardwareModel
from migration_plans.choices import (
    ItemStateChoices,
    PlaybookChoices,
    RagChoices,
    StrategyChoices,
    WaveStatusChoices,
    default_strategy,
)
from migration_plans.models import BudgetLine, Programme, SavingsForecast, Wave, WaveItem, WaveWindow

DATE = forms.DateInput
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _blank(choices):
    return [("", "— leave as is —"), *choices]


class ProgrammeForm(EstateModelForm):
    class Meta:
        model = Programme
        fields = ["name", "slug", "owner", "start_date", "end_date", "description", "comments", "tags"]
        widgets = {"start_date": DATE, "end_date": DATE}


class BudgetLineForm(EstateModelForm):
    class Meta:
        model = BudgetLine
        fields = ["programme", "financial_year", "category", "description", "planned", "actual"]


class SavingsForecastForm(EstateModelForm):
    class Meta:
        model = SavingsForecast
        fields = ["programme", "financial_year", "description", "forecast", "realised"]


class WaveForm(EstateModelForm):
    class Meta:
        model = Wave
        fields = ["programme", "name", "kind", "status", "owner", "planned_start", "planned_end", "description",
                  "comments", "tags"]
        widgets = {"planned_start": DATE, "planned_end": DATE}


class WaveWindowForm(EstateModelForm):
    class Meta:
        model = WaveWindow
        fields = ["wave", "kind", "start", "end", "reason"]
        widgets = {"start": DATETIME, "end": DATETIME}


class WaveItemForm(EstateModelForm):
    device = DeviceField(required=False)

    class Meta:
        model = WaveItem
        fields = ["wave", "device", "application", "strategy", "target_provider", "target_region", "target_size",
                  "target_product", "target_hardware_model", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        wave_id = str(self.initial.get("wave", ""))
        if not self.instance.pk and not self.is_bound and wave_id.isdigit():  # offer the wave kind's usual strategy
            wave = Wave.objects.filter(pk=int(wave_id)).first()
            if wave is not None:
                self.initial["strategy"] = default_strategy(wave.kind,
                                                            application=bool(self.initial.get("application")))


class RagOverrideForm(EstateForm):
    rag_override = forms.ChoiceField(choices=[("", "No override: derive from dates and progress"),
                                              *RagChoices.choices], required=False, label="RAG")
    rag_override_reason = forms.CharField(max_length=500, required=False, label="Reason",
                                          widget=forms.Textarea(attrs={"rows": 2}))


class PlaybookRunForm(EstateForm):
    playbook = forms.ChoiceField(choices=PlaybookChoices.choices)
    check_mode = forms.BooleanField(required=False, initial=True, label="Check mode (dry run: change nothing)")
    credential = forms.ModelChoiceField(queryset=Credential.objects.filter(kind__in=("ssh_password", "ssh_key")),
                                        required=False, help_text="SSH login used on the hosts")
    extravars = forms.JSONField(required=False, initial=dict, label="Playbook variables (JSON)",
                                help_text="e.g. {\"min_free_mb\": 2048}; never secrets",
                                widget=forms.Textarea(attrs={"rows": 3}))
    items = forms.ModelMultipleChoiceField(queryset=WaveItem.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text="None ticked: every device item of the wave")

    def __init__(self, *args, wave: Wave, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = wave.items.filter(device__isnull=False).select_related("device")


class AddToWaveForm(EstateForm):
    wave = forms.ModelChoiceField(queryset=Wave.objects.exclude(
        status__in=(WaveStatusChoices.COMPLETED, WaveStatusChoices.CANCELLED)).select_related("programme"))
    strategy = forms.ChoiceField(choices=[("", "The wave's usual one (replace for a replacement wave, rehost for a "
                                               "cloud migration, dispose for a decommission)"),
                                          *StrategyChoices.choices], required=False)
    target_provider = forms.CharField(max_length=100, required=False)
    target_region = forms.CharField(max_length=100, required=False)
    target_size = forms.CharField(max_length=100, required=False)
    target_hardware_model = forms.ModelChoiceField(queryset=HardwareModel.objects.select_related("manufacturer"),
                                                   required=False)


class ItemTransitionForm(EstateForm):
    state = forms.ChoiceField(choices=ItemStateChoices.choices)


class WaveBulkEditForm(BulkEditForm):
    status = forms.ChoiceField(choices=_blank(WaveStatusChoices.choices))
    owner = forms.CharField(max_length=100)
    nullable_fields = ("owner",)


class WaveItemBulkEditForm(BulkEditForm):
    strategy = forms.ChoiceField(choices=_blank(StrategyChoices.choices))
    target_provider = forms.CharField(max_length=100)
    target_region = forms.CharField(max_length=100)
    target_size = forms.CharField(max_length=100)
    nullable_fields = ("target_provider", "target_region", "target_size")


class SimpleBulkEditForm(BulkEditForm):
    description = forms.CharField(max_length=200)
    nullable_fields = ("description",)


class AmountBulkEditForm(BulkEditForm):
    description = forms.CharField(max_length=200)


class WindowBulkEditForm(BulkEditForm):
    reason = forms.CharField(max_length=200)
    nullable_fields = ("reason",)
