"""Filters shared by the discovery list pages and the API."""

from __future__ import annotations

import django_filters

from discovery.choices import CredentialKindChoices
from discovery.models import Credential, CredentialSet, DiscoveryRun, HostKey, Scope
from estate.choices import JobStatusChoices
from inventory.filtersets import IdMultipleFilter, NumberInFilter, SearchFilterSet, SlugMultipleFilter
from inventory.models import Site


class CredentialFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "username__icontains", "description__icontains")
    kind = django_filters.MultipleChoiceFilter(choices=CredentialKindChoices.choices)
    credential_set_id = IdMultipleFilter(queryset=CredentialSet.objects.all(), field_name="credential_sets",
                                         label="Credential set")

    class Meta:
        model = Credential
        fields = ["name", "username"]


class CredentialSetFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "description__icontains")

    class Meta:
        model = CredentialSet
        fields = ["name"]


class ScopeFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "targets__icontains", "description__icontains")
    site = SlugMultipleFilter(queryset=Site.objects.all(), label="Site")
    site_id = IdMultipleFilter(queryset=Site.objects.all(), field_name="site", label="Site (id)")
    credential_set_id = IdMultipleFilter(queryset=CredentialSet.objects.all(), field_name="credential_sets",
                                         label="Credential set")

    class Meta:
        model = Scope
        fields = ["name", "use_snmp", "use_ssh"]


class DiscoveryRunFilterSet(SearchFilterSet):
    search_fields = ("targets__icontains", "scope__name__icontains")
    scope_id = IdMultipleFilter(queryset=Scope.objects.all(), field_name="scope", label="Scope")
    site = SlugMultipleFilter(queryset=Site.objects.all(), label="Site")
    status = django_filters.MultipleChoiceFilter(field_name="job__status", choices=JobStatusChoices.choices)

    class Meta:
        model = DiscoveryRun
        fields = ["dry_run"]


class HostKeyFilterSet(SearchFilterSet):
    search_fields = ("address__istartswith", "fingerprint__icontains", "device__name__icontains")
    device_id = NumberInFilter(field_name="device_id", label="Device ids (comma-separated)")
    changed = django_filters.BooleanFilter(method="filter_changed", label="Key changed (needs re-trust)")

    class Meta:
        model = HostKey
        fields = ["address", "port", "key_type"]

    def filter_changed(self, queryset, name, value):
        return queryset.exclude(mismatch_fingerprint="") if value else queryset.filter(mismatch_fingerprint="")
