"""Edit, bulk-edit, mapping and import forms for the lifecycle catalogue and policies."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from estate.forms import BulkEditForm, EstateForm, EstateModelForm
from inventory.choices import (
    FindingSeverityChoices,
    LifecycleConfidenceChoices,
    LifecycleKindChoices,
    LifecycleOriginChoices,
)
from inventory.models import (
    HardwareNotice,
    LifecycleCycle,
    LifecyclePolicy,
    LifecycleProduct,
    Platform,
    VersionMapping,
)
from inventory.selectors_lifecycle import cycle_choices

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _blank(choices):
    return [("", "— leave as is —"), *choices]


class LinesField(forms.CharField):
    """A JSON list of text edited as one item per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "One per line")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(v).strip() for v in value if str(v).strip()]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial, data) -> bool:
        return self.to_python(initial or []) != self.to_python(data)


class _ManualOriginMixin:
    """A person's edit marks a catalogue row "manual": syncs and imports will not overwrite it."""

    def clean(self):
        cleaned = super().clean()
        self.instance.origin = LifecycleOriginChoices.MANUAL
        return cleaned


class LifecycleProductForm(_ManualOriginMixin, EstateModelForm):
    source = forms.URLField(max_length=500, assume_scheme="https", label="Source URL")
    platform_names = LinesField(help_text="Names a platform or version text may use, one per line")
    related = LinesField(help_text="Slugs of products it may report itself as, one per line")

    class Meta:
        model = LifecycleProduct
        fields = ["slug", "name", "kind", "vendor", "platform_names", "related", "source", "checked", "notes"]
        widgets = {"checked": forms.DateInput}


class LifecycleCycleForm(_ManualOriginMixin, EstateModelForm):
    source = forms.URLField(max_length=500, required=False, assume_scheme="https", label="Source URL",
                            help_text="Where the dates come from (the product's source when blank)")
    match = LinesField(label="Match rules", help_text="One rule per line, e.g. '2012 r2' or 're:^15\\.2\\(' "
                                                      "(see docs/lifecycle.md)")

    class Meta:
        model = LifecycleCycle
        fields = ["product", "cycle", "label", "release_date", "end_of_active_support", "active_support_ended",
                  "end_of_security_support", "security_support_ended", "extended_support",
                  "end_of_extended_support", "extended_support_ended", "lts", "latest", "codename", "source",
                  "match", "confidence", "checked", "notes"]
        widgets = dict.fromkeys(("release_date", "end_of_active_support", "end_of_security_support",
                                 "end_of_extended_support", "checked"), forms.DateInput)


class HardwareNoticeForm(_ManualOriginMixin, EstateModelForm):
    source = forms.URLField(max_length=500, assume_scheme="https", label="Source URL")
    part_numbers = LinesField()
    match = LinesField(help_text="Model or part-number texts (punctuation ignored) or re:<regex>, one per line")

    class Meta:
        model = HardwareNotice
        fields = ["manufacturer", "model", "part_numbers", "match", "kind", "end_of_sale", "end_of_sale_passed",
                  "end_of_support", "end_of_support_passed", "replacement", "source", "confidence", "notes"]
        widgets = {"end_of_sale": forms.DateInput, "end_of_support": forms.DateInput}


class CycleChoiceField(forms.ModelChoiceField):
    """Cycles grouped by product."""

    def __init__(self, **kwargs):
        super().__init__(queryset=LifecycleCycle.objects.select_related("product"), **kwargs)

    def label_from_instance(self, obj) -> str:
        return obj.label or obj.cycle


def _grouped_cycle_choices(blank: str = "---------") -> list:
    return [("", blank), *cycle_choices()]


class VersionMappingForm(EstateModelForm):
    cycle = CycleChoiceField()

    class Meta:
        model = VersionMapping
        fields = ["platform", "software", "version", "cycle", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = _grouped_cycle_choices()


class LifecyclePolicyForm(EstateModelForm):
    class Meta:
        model = LifecyclePolicy
        fields = ["name", "rule", "device_kind", "platform", "minimum_version", "years", "days", "severity",
                  "enabled", "notes"]


# --- bulk edit ------------------------------------------------------------------------------------------------------


class _ManualBulkMixin:
    def changes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        changes, m2m = super().changes()  # type: ignore[misc]
        if changes:
            changes["origin"] = LifecycleOriginChoices.MANUAL
        return changes, m2m


class LifecycleProductBulkEditForm(_ManualBulkMixin, BulkEditForm):
    kind = forms.ChoiceField(choices=_blank(LifecycleKindChoices.choices))
    vendor = forms.CharField(max_length=100)
    nullable_fields = ("vendor",)


class LifecycleCycleBulkEditForm(_ManualBulkMixin, BulkEditForm):
    confidence = forms.ChoiceField(choices=_blank(LifecycleConfidenceChoices.choices))
    lts = forms.NullBooleanField(label="LTS", widget=forms.Select(choices=[("", "— leave as is —"), ("true", "Yes"),
                                                                           ("false", "No")]))


class HardwareNoticeBulkEditForm(_ManualBulkMixin, BulkEditForm):
    confidence = forms.ChoiceField(choices=_blank(LifecycleConfidenceChoices.choices))
    replacement = forms.CharField(max_length=200)
    nullable_fields = ("replacement",)


class VersionMappingBulkEditForm(BulkEditForm):
    notes = forms.CharField(max_length=200)
    nullable_fields = ("notes",)


class LifecyclePolicyBulkEditForm(BulkEditForm):
    enabled = forms.NullBooleanField(widget=forms.Select(choices=[("", "— leave as is —"), ("true", "Yes"),
                                                                  ("false", "No")]))
    severity = forms.ChoiceField(choices=_blank(FindingSeverityChoices.choices))


# --- actions --------------------------------------------------------------------------------------------------------


class MapVersionForm(EstateForm):
    """Map one or more unmatched platform + version texts to a cycle (for every device with each pair).

    Each ``pair`` is "<platform id>|<version text>" (platform id empty when the devices have no platform).
    """

    cycle = CycleChoiceField(label="Catalogue cycle")
    pair = forms.MultipleChoiceField(required=True, error_messages={"required": "Tick at least one version text."})

    def __init__(self, *args, pairs: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = _grouped_cycle_choices("Choose the cycle…")
        self.fields["pair"].choices = [(p, p) for p in pairs or []]

    def clean_pair(self) -> list[tuple[Platform | None, str]]:
        out = []
        platforms = Platform.objects.in_bulk([int(p.split("|", 1)[0]) for p in self.cleaned_data["pair"]
                                              if p.split("|", 1)[0].isdigit()])
        for value in self.cleaned_data["pair"]:
            platform_id, _, version = value.partition("|")
            platform = platforms.get(int(platform_id)) if platform_id.isdigit() else None
            if platform_id and platform is None:
                raise ValidationError("That platform no longer exists.")
            out.append((platform, version))
        return out


def pair_value(platform_id: int | None, version: str) -> str:
    return f"{platform_id or ''}|{version}"


def software_pair_value(product: str, version: str) -> str:
    """A product + version pair as one form value (JSON: either text may hold any character)."""
    return json.dumps([product, version])


class MapSoftwareForm(EstateForm):
    """Map one or more unmatched installed software product + version texts to a cycle."""

    cycle = CycleChoiceField(label="Catalogue cycle")
    pair = forms.MultipleChoiceField(required=True, error_messages={"required": "Tick at least one software release."})
    any_version = forms.BooleanField(required=False, label="for every version of the product",
                                     help_text="Map the product name alone (its version text is ignored)")

    def __init__(self, *args, pairs: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = _grouped_cycle_choices("Choose the cycle…")
        self.fields["pair"].choices = [(p, p) for p in pairs or []]

    def clean_pair(self) -> list[tuple[str, str]]:
        return [tuple(json.loads(value)) for value in self.cleaned_data["pair"]]


class EndOfLifeImportForm(EstateForm):
    file = forms.FileField(required=False, help_text="A JSON file downloaded from endoflife.date (any API version)")
    url = forms.URLField(required=False, label="or URL", assume_scheme="https",
                         help_text="e.g. https://endoflife.date/api/v1/products/ubuntu")
    product = forms.SlugField(required=False, help_text="Product slug: needed for v0 files whose name is not the "
                                                        "slug; picks one product from a multi-product file")

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("file")) == bool(cleaned.get("url")):
            raise ValidationError("Give a file or a URL (one of them).")
        upload = cleaned.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 20 MB.")
        return cleaned


class HardwareNoticeImportForm(EstateForm):
    csv_file = forms.FileField(label="Hardware notices CSV",
                               help_text="Columns: manufacturer, model (or part number), end_of_sale, end_of_support "
                                         "(dd/mm/yyyy or YYYY-MM-DD), source; optional replacement, notes")

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 20 MB.")
        return upload
