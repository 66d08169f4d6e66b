"""Filters for the directory source list page and API."""

from __future__ import annotations

import django_filters

from discovery.choices import DirectoryDisabledPolicyChoices
from discovery.models_directory import DirectorySource
from inventory.filtersets import IdMultipleFilter, SearchFilterSet, SlugMultipleFilter
from inventory.models import Site


class DirectorySourceFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "server_urls__icontains", "base_dns__icontains", "description__icontains")
    site = SlugMultipleFilter(queryset=Site.objects.all(), label="Site")
    site_id = IdMultipleFilter(queryset=Site.objects.all(), field_name="site", label="Site (id)")
    disabled_status = django_filters.MultipleChoiceFilter(choices=DirectoryDisabledPolicyChoices.choices)

    class Meta:
        model = DirectorySource
        fields = ["name", "no_tls", "verify_tls"]
