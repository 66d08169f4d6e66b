"""Filters for programme, wave, item and run lists (UI and API)."""

from __future__ import annotations

import django_filters

from inventory.filtersets import IdMultipleFilter, NumberInFilter, SearchFilterSet, SlugMultipleFilter
from inventory.models import Site
from migration_plans.choices import (
    BudgetCategoryChoices,
    ItemStateChoices,
    PlaybookChoices,
    StrategyChoices,
    WaveKindChoices,
    WaveStatusChoices,
    WindowKindChoices,
)
from migration_plans.models import BudgetLine, PlaybookRun, Programme, SavingsForecast, Wave, WaveItem, WaveWindow


class ProgrammeFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "owner__icontains", "description__icontains")

    class Meta:
        model = Programme
        fields = ["name", "slug", "owner"]


class BudgetLineFilterSet(SearchFilterSet):
    search_fields = ("description__icontains",)
    programme_id = IdMultipleFilter(queryset=Programme.objects.all(), field_name="programme",
                                                            label="Programme")
    category = django_filters.MultipleChoiceFilter(choices=BudgetCategoryChoices.choices)

    class Meta:
        model = BudgetLine
        fields = ["financial_year"]


class SavingsForecastFilterSet(SearchFilterSet):
    search_fields = ("description__icontains",)
    programme_id = IdMultipleFilter(queryset=Programme.objects.all(), field_name="programme",
                                                            label="Programme")

    class Meta:
        model = SavingsForecast
        fields = ["financial_year"]


class WaveFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "owner__icontains", "description__icontains")
    programme_id = IdMultipleFilter(queryset=Programme.objects.all(), field_name="programme",
                                                            label="Programme")
    kind = django_filters.MultipleChoiceFilter(choices=WaveKindChoices.choices)
    status = django_filters.MultipleChoiceFilter(choices=WaveStatusChoices.choices)
    approved = django_filters.BooleanFilter(field_name="approved_at", lookup_expr="isnull", exclude=True,
                                            label="Approved")

    class Meta:
        model = Wave
        fields = ["name", "owner"]


class WaveWindowFilterSet(SearchFilterSet):
    search_fields = ("reason__icontains",)
    wave_id = IdMultipleFilter(queryset=Wave.objects.all(), field_name="wave", label="Wave")
    kind = django_filters.MultipleChoiceFilter(choices=WindowKindChoices.choices)

    class Meta:
        model = WaveWindow
        fields = ["kind"]


class WaveItemFilterSet(SearchFilterSet):
    search_fields = ("device__name__icontains", "application__name__icontains", "notes__icontains")
    wave_id = IdMultipleFilter(queryset=Wave.objects.all(), field_name="wave", label="Wave")
    state = django_filters.MultipleChoiceFilter(choices=ItemStateChoices.choices)
    strategy = django_filters.MultipleChoiceFilter(choices=StrategyChoices.choices)
    site = SlugMultipleFilter(queryset=Site.objects.all(), field_name="device__site", label="Site")
    device_id = NumberInFilter(field_name="device_id", label="Device ids (comma-separated)")

    class Meta:
        model = WaveItem
        fields = ["state"]


class PlaybookRunFilterSet(SearchFilterSet):
    search_fields = ("wave__name__icontains",)
    wave_id = IdMultipleFilter(queryset=Wave.objects.all(), field_name="wave", label="Wave")
    playbook = django_filters.MultipleChoiceFilter(choices=PlaybookChoices.choices)

    class Meta:
        model = PlaybookRun
        fields = ["check_mode"]
