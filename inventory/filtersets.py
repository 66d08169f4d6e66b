"""Filters shared by the list pages and the API (the same FilterSet serves both)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from inventory.choices import (
    CriticalityChoices,
    DependencySourceChoices,
    DeviceKindChoices,
    DeviceStatusChoices,
    DiscoverySourceChoices,
    InterfaceTypeChoices,
)
from inventory.models import (
    Application,
    Dependency,
    Device,
    HardwareModel,
    InstalledSoftware,
    Interface,
    IPAddress,
    Location,
    Manufacturer,
    Platform,
    Site,
    Tag,
)


class SearchFilterSet(django_filters.FilterSet):
    """A FilterSet with a free-text `q` over `search_fields`."""

    q = django_filters.CharFilter(method="search", label="Search")
    search_fields: tuple[str, ...] = ("name__icontains",)

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        query = Q()
        for lookup in self.search_fields:
            query |= Q(**{lookup: value})
        return queryset.filter(query)


class SlugMultipleFilter(django_filters.ModelMultipleChoiceFilter):
    """Filter by slug (?site=town-hall&site=depot), as NetBox does, so URLs are readable and stable."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """?device_id=1,2,3 — a text box, not a select: there may be 100,000 devices."""


class TagFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "slug__icontains")

    class Meta:
        model = Tag
        fields = ["name", "slug"]


class SiteFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "slug__icontains", "address__icontains", "description__icontains")
    tag = SlugMultipleFilter(field_name="tags", queryset=Tag.objects.all(), label="Tag")

    class Meta:
        model = Site
        fields = ["name", "slug"]


class LocationFilterSet(SearchFilterSet):
    site = SlugMultipleFilter(queryset=Site.objects.all(), label="Site")
    site_id = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), field_name="site", label="Site (id)")

    class Meta:
        model = Location
        fields = ["name", "slug"]


class ManufacturerFilterSet(SearchFilterSet):
    class Meta:
        model = Manufacturer
        fields = ["name", "slug"]


class HardwareModelFilterSet(SearchFilterSet):
    search_fields = ("model__icontains", "part_number__icontains", "manufacturer__name__icontains")
    manufacturer = SlugMultipleFilter(queryset=Manufacturer.objects.all(), label="Manufacturer")
    kind = django_filters.MultipleChoiceFilter(choices=DeviceKindChoices.choices)
    end_of_support_before = django_filters.DateFilter(field_name="end_of_support", lookup_expr="lt",
                                                      label="End of support before")

    class Meta:
        model = HardwareModel
        fields = ["model", "part_number"]


class PlatformFilterSet(SearchFilterSet):
    manufacturer = SlugMultipleFilter(queryset=Manufacturer.objects.all(), label="Manufacturer")

    class Meta:
        model = Platform
        fields = ["name", "slug"]


class DeviceFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "serial__iexact", "asset_tag__iexact", "os_version__icontains",
                     "department__icontains", "comments__icontains")
    kind = django_filters.MultipleChoiceFilter(choices=DeviceKindChoices.choices)
    status = django_filters.MultipleChoiceFilter(choices=DeviceStatusChoices.choices)
    criticality = django_filters.MultipleChoiceFilter(choices=CriticalityChoices.choices)
    discovery_source = django_filters.MultipleChoiceFilter(choices=DiscoverySourceChoices.choices)
    site = SlugMultipleFilter(queryset=Site.objects.all(), label="Site")
    site_id = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), field_name="site", label="Site (id)")
    location_id = django_filters.ModelMultipleChoiceFilter(queryset=Location.objects.all(), field_name="location",
                                                           label="Location")
    manufacturer = SlugMultipleFilter(queryset=Manufacturer.objects.all(), label="Manufacturer")
    hardware_model_id = django_filters.ModelMultipleChoiceFilter(queryset=HardwareModel.objects.all(),
                                                                 field_name="hardware_model", label="Hardware model")
    platform = SlugMultipleFilter(queryset=Platform.objects.all(), label="Platform")
    tag = SlugMultipleFilter(field_name="tags", queryset=Tag.objects.all(), label="Tag")
    serial = django_filters.CharFilter(lookup_expr="iexact")
    primary_ip = django_filters.CharFilter(method="filter_ip", label="IP address")
    department = django_filters.CharFilter(lookup_expr="icontains")
    warranty_end_before = django_filters.DateFilter(field_name="warranty_end", lookup_expr="lt",
                                                    label="Warranty ends before")
    purchased_before = django_filters.DateFilter(field_name="purchase_date", lookup_expr="lt",
                                                 label="Purchased before")
    last_seen_before = django_filters.DateTimeFilter(field_name="last_seen", lookup_expr="lt",
                                                     label="Last seen before")
    application_id = django_filters.ModelMultipleChoiceFilter(queryset=Application.objects.all(),
                                                              field_name="applications", label="Application")

    class Meta:
        model = Device
        fields = ["name", "asset_tag"]

    def filter_ip(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(primary_ip=value) | Q(management_ip=value) | Q(ip_addresses__address=value)).distinct()


class InterfaceFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "mac_address__iexact", "description__icontains")
    device_id = NumberInFilter(field_name="device_id", label="Device ids (comma-separated)")
    type = django_filters.MultipleChoiceFilter(choices=InterfaceTypeChoices.choices)
    mac_address = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Interface
        fields = ["name", "enabled"]


class IPAddressFilterSet(SearchFilterSet):
    search_fields = ("address__startswith", "dns_name__icontains")
    device_id = NumberInFilter(field_name="device_id", label="Device ids (comma-separated)")

    class Meta:
        model = IPAddress
        fields = ["address", "dns_name"]


class InstalledSoftwareFilterSet(SearchFilterSet):
    search_fields = ("product__icontains", "vendor__icontains", "version__icontains")
    device_id = NumberInFilter(field_name="device_id", label="Device ids (comma-separated)")
    product = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = InstalledSoftware
        fields = ["version", "vendor"]


class ApplicationFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "owner__icontains", "department__icontains", "vendor__icontains")
    criticality = django_filters.MultipleChoiceFilter(choices=CriticalityChoices.choices)
    tag = SlugMultipleFilter(field_name="tags", queryset=Tag.objects.all(), label="Tag")

    class Meta:
        model = Application
        fields = ["name", "slug", "owner", "department"]


class DependencyFilterSet(SearchFilterSet):
    search_fields = ("source_device__name__icontains", "target_device__name__icontains",
                     "source_application__name__icontains", "target_application__name__icontains")
    device_id = django_filters.NumberFilter(method="filter_device", label="Device (either end)")
    application_id = django_filters.NumberFilter(method="filter_application", label="Application (either end)")
    source = django_filters.MultipleChoiceFilter(choices=DependencySourceChoices.choices)

    class Meta:
        model = Dependency
        fields = ["protocol", "port"]

    def filter_device(self, queryset, name, value):
        return queryset.filter(Q(source_device_id=value) | Q(target_device_id=value))

    def filter_application(self, queryset, name, value):
        return queryset.filter(Q(source_application_id=value) | Q(target_application_id=value))
