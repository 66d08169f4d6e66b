"""Filters for the lifecycle lists and API (the same FilterSet serves both)."""

from __future__ import annotations

import django_filters

from inventory.choices import (
    DeviceKindChoices,
    FindingReasonChoices,
    FindingSeverityChoices,
    LifecycleConfidenceChoices,
    LifecycleKindChoices,
    LifecycleOriginChoices,
    LifecyclePolicyRuleChoices,
)
from inventory.filtersets import NumberInFilter, SearchFilterSet, SlugMultipleFilter
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


class LifecycleProductFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "slug__icontains", "vendor__icontains")
    kind = django_filters.MultipleChoiceFilter(choices=LifecycleKindChoices.choices)
    origin = django_filters.MultipleChoiceFilter(choices=LifecycleOriginChoices.choices)

    class Meta:
        model = LifecycleProduct
        fields = ["slug", "vendor"]


class LifecycleCycleFilterSet(SearchFilterSet):
    search_fields = ("label__icontains", "cycle__icontains", "product__name__icontains", "codename__icontains")
    product = SlugMultipleFilter(queryset=LifecycleProduct.objects.all(), label="Product")
    product_id = NumberInFilter(field_name="product_id", label="Product ids (comma-separated)")
    confidence = django_filters.MultipleChoiceFilter(choices=LifecycleConfidenceChoices.choices)
    origin = django_filters.MultipleChoiceFilter(choices=LifecycleOriginChoices.choices)
    security_support_ends_before = django_filters.DateFilter(field_name="end_of_security_support", lookup_expr="lt",
                                                             label="Security support ends before")

    class Meta:
        model = LifecycleCycle
        fields = ["cycle", "lts"]


class HardwareNoticeFilterSet(SearchFilterSet):
    search_fields = ("manufacturer__icontains", "model__icontains", "replacement__icontains")
    kind = django_filters.MultipleChoiceFilter(choices=DeviceKindChoices.choices)
    origin = django_filters.MultipleChoiceFilter(choices=LifecycleOriginChoices.choices)
    end_of_support_before = django_filters.DateFilter(field_name="end_of_support", lookup_expr="lt",
                                                      label="End of support before")

    class Meta:
        model = HardwareNotice
        fields = ["manufacturer"]


class VersionMappingFilterSet(SearchFilterSet):
    search_fields = ("version__icontains", "platform__name__icontains", "cycle__label__icontains")
    platform = SlugMultipleFilter(queryset=Platform.objects.all(), label="Platform")
    cycle_id = NumberInFilter(field_name="cycle_id", label="Cycle ids (comma-separated)")

    class Meta:
        model = VersionMapping
        fields = ["version"]


class LifecyclePolicyFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "minimum_version__icontains", "notes__icontains")
    rule = django_filters.MultipleChoiceFilter(choices=LifecyclePolicyRuleChoices.choices)
    device_kind = django_filters.MultipleChoiceFilter(choices=DeviceKindChoices.choices)

    class Meta:
        model = LifecyclePolicy
        fields = ["enabled"]


class FindingFilterSet(SearchFilterSet):
    search_fields = ("device__name__icontains", "detail__icontains")
    reason = django_filters.MultipleChoiceFilter(choices=FindingReasonChoices.choices)
    severity = django_filters.MultipleChoiceFilter(choices=FindingSeverityChoices.choices)
    site = SlugMultipleFilter(field_name="device__site", queryset=Site.objects.all(), label="Site")
    kind = django_filters.MultipleChoiceFilter(field_name="device__kind", choices=DeviceKindChoices.choices,
                                               label="Device kind")
    device_id = NumberInFilter(field_name="device_id", label="Device ids (comma-separated)")
    effective_before = django_filters.DateFilter(field_name="effective_date", lookup_expr="lt",
                                                 label="Effective before")
    effective_after = django_filters.DateFilter(field_name="effective_date", lookup_expr="gte",
                                                label="Effective on or after")

    class Meta:
        model = Finding
        fields: list[str] = []
