"""Filters shared by the list pages and the API (the same FilterSet serves both)."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from estate.filters import BoundedDateTimeFilter, IPAddressFilter, SearchFilterSet
from inventory.choices import (
    CriticalityChoices,
    DependencySourceChoices,
    DeviceKindChoices,
    DeviceStatusChoices,
    DiscoverySourceChoices,
    FindingReasonChoices,
    FindingSeverityChoices,
    InterfaceTypeChoices,
    ProposedChangeStatusChoices,
    ProvenanceSourceChoices,
    SupportStatusChoices,
)
from inventory.models import (
    Application,
    Dependency,
    Device,
    Finding,
    HardwareModel,
    InstalledSoftware,
    Interface,
    IPAddress,
    Location,
    Manufacturer,
    Platform,
    ProposedChange,
    Site,
    Tag,
)
from inventory.models.provenance import FIELD_CHOICES


class SlugMultipleFilter(django_filters.ModelMultipleChoiceFilter):
    """Filter by slug (?site=town-hall&site=depot), as NetBox does, so URLs are readable and stable."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)

    def get_filter_predicate(self, v):
        # django-filter's default filters `site="depot"` (the slug against the foreign key's id: a 500); the field has
        # already looked the slug up, so compare with the object itself.
        return {self.field_name: v}


MAX_ID = 2**63 - 1  # the largest id a database column can hold; a larger one in an `IN (...)` overflows (500)


class IdMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Ids that are out of any database's range are refused (400) before they reach the query."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(pk)
            except (TypeError, ValueError):
                continue  # not a number: the parent reports it as an invalid choice
            if abs(number) > MAX_ID:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})
        return super()._check_values(value)


class IdMultipleFilter(django_filters.ModelMultipleChoiceFilter):
    """?site_id=1&site_id=2"""

    field_class = IdMultipleChoiceField


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """?device_id=1,2,3 — a text box, not a select: there may be 100,000 devices."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


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
    site_id = IdMultipleFilter(queryset=Site.objects.all(), field_name="site", label="Site (id)")

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
    # distinct=False on filters of the device's own columns and foreign keys: they cannot duplicate rows, and a
    # DISTINCT over every column makes the database sort and compare the whole filtered set (benchmarks: bench/).
    kind = django_filters.MultipleChoiceFilter(choices=DeviceKindChoices.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=DeviceStatusChoices.choices, distinct=False)
    criticality = django_filters.MultipleChoiceFilter(choices=CriticalityChoices.choices, distinct=False)
    discovery_source = django_filters.MultipleChoiceFilter(choices=DiscoverySourceChoices.choices, distinct=False)
    site = SlugMultipleFilter(queryset=Site.objects.all(), label="Site", distinct=False)
    site_id = IdMultipleFilter(queryset=Site.objects.all(), field_name="site", label="Site (id)", distinct=False)
    location_id = IdMultipleFilter(queryset=Location.objects.select_related("site"), field_name="location",
                                   label="Location", distinct=False)
    manufacturer = SlugMultipleFilter(queryset=Manufacturer.objects.all(), label="Manufacturer", distinct=False)
    hardware_model_id = IdMultipleFilter(queryset=HardwareModel.objects.select_related("manufacturer"),
                                         field_name="hardware_model", label="Hardware model", distinct=False)
    platform = SlugMultipleFilter(queryset=Platform.objects.all(), label="Platform", distinct=False)
    support_status = django_filters.MultipleChoiceFilter(choices=SupportStatusChoices.choices, distinct=False,
                                                         label="Support status (OS)")
    tag = SlugMultipleFilter(field_name="tags", queryset=Tag.objects.all(), label="Tag")
    serial = django_filters.CharFilter(lookup_expr="iexact")
    primary_ip = IPAddressFilter(method="filter_ip", label="IP address")
    department = django_filters.CharFilter(lookup_expr="icontains")
    warranty_end_before = django_filters.DateFilter(field_name="warranty_end", lookup_expr="lt",
                                                    label="Warranty ends before")
    purchased_before = django_filters.DateFilter(field_name="purchase_date", lookup_expr="lt",
                                                 label="Purchased before")
    last_seen_before = BoundedDateTimeFilter(field_name="last_seen", lookup_expr="lt",
                                                     label="Last seen before")
    application_id = IdMultipleFilter(queryset=Application.objects.all(),
                                                              field_name="applications", label="Application")
    # Lifecycle findings (inventory/models/lifecycle.py): ?finding=os_end_of_support&has_findings=true
    finding = django_filters.MultipleChoiceFilter(choices=FindingReasonChoices.choices, method="filter_finding",
                                                  label="Lifecycle finding")
    finding_severity = django_filters.MultipleChoiceFilter(choices=FindingSeverityChoices.choices,
                                                           method="filter_finding_severity", label="Finding severity")
    has_findings = django_filters.BooleanFilter(method="filter_has_findings", label="Has lifecycle findings")

    class Meta:
        model = Device
        fields = ["name", "asset_tag"]

    def filter_finding(self, queryset, name, value):
        return queryset.filter(Exists(Finding.objects.filter(device=OuterRef("pk"), reason__in=value))) if value \
            else queryset

    def filter_finding_severity(self, queryset, name, value):
        return queryset.filter(Exists(Finding.objects.filter(device=OuterRef("pk"), severity__in=value))) if value \
            else queryset

    def filter_has_findings(self, queryset, name, value):
        if value is None:
            return queryset
        exists = Exists(Finding.objects.filter(device=OuterRef("pk")))
        return queryset.filter(exists if value else ~exists)

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
    address = IPAddressFilter()
    device_id = NumberInFilter(field_name="device_id", label="Device ids (comma-separated)")

    class Meta:
        model = IPAddress
        fields = ["dns_name"]


class InstalledSoftwareFilterSet(SearchFilterSet):
    search_fields = ("product__icontains", "vendor__icontains", "version__icontains")
    device_id = NumberInFilter(field_name="device_id", label="Device ids (comma-separated)")
    product = django_filters.CharFilter(lookup_expr="icontains")
    support_status = django_filters.MultipleChoiceFilter(choices=SupportStatusChoices.choices, distinct=False)

    class Meta:
        model = InstalledSoftware
        fields = ["version", "vendor"]


class ApplicationFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "owner__icontains", "department__icontains", "vendor__icontains")
    criticality = django_filters.MultipleChoiceFilter(choices=CriticalityChoices.choices)
    support_status = django_filters.MultipleChoiceFilter(choices=SupportStatusChoices.choices)
    tag = SlugMultipleFilter(field_name="tags", queryset=Tag.objects.all(), label="Tag")

    class Meta:
        model = Application
        fields = ["name", "slug", "owner", "department"]


class DependencyFilterSet(SearchFilterSet):
    search_fields = ("source_device__name__icontains", "target_device__name__icontains",
                     "source_application__name__icontains", "target_application__name__icontains")
    device_id = django_filters.NumberFilter(method="filter_device", label="Device (either end)", min_value=0,
                                            max_value=MAX_ID)
    application_id = django_filters.NumberFilter(method="filter_application", label="Application (either end)",
                                                 min_value=0, max_value=MAX_ID)
    source = django_filters.MultipleChoiceFilter(choices=DependencySourceChoices.choices)

    class Meta:
        model = Dependency
        fields = ["protocol", "port"]

    def filter_device(self, queryset, name, value):
        return queryset.filter(Q(source_device_id=value) | Q(target_device_id=value))

    def filter_application(self, queryset, name, value):
        return queryset.filter(Q(source_application_id=value) | Q(target_application_id=value))


class ProposedChangeFilterSet(SearchFilterSet):
    """The review inbox: ?status=open&field=platform&source=ssh&job_id=12&device_id=3"""

    search_fields = ("device__name__icontains", "proposed_value__icontains", "current_value__icontains")
    status = django_filters.MultipleChoiceFilter(choices=ProposedChangeStatusChoices.choices, distinct=False)
    field = django_filters.MultipleChoiceFilter(choices=FIELD_CHOICES, distinct=False)
    source = django_filters.MultipleChoiceFilter(field_name="proposed_source",
                                                 choices=ProvenanceSourceChoices.choices, distinct=False,
                                                 label="Proposed by")
    device_id = NumberInFilter(field_name="device_id", label="Device (id)", distinct=False)
    site = SlugMultipleFilter(field_name="device__site", queryset=Site.objects.all(), label="Site", distinct=False)
    job_id = django_filters.NumberFilter(field_name="job_id", label="Run (job id)", min_value=0, max_value=MAX_ID)

    class Meta:
        model = ProposedChange
        fields = []
