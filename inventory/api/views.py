"""Inventory API: one viewset per model, with the same filters as the list pages."""

from __future__ import annotations

from estate.api.viewsets import EstateModelViewSet
from inventory import filtersets, selectors
from inventory.api import serializers


class TagViewSet(EstateModelViewSet):
    queryset = selectors.tag_list()
    serializer_class = serializers.TagSerializer
    filterset_class = filtersets.TagFilterSet
    ordering_fields = ["name", "slug", "id"]


class SiteViewSet(EstateModelViewSet):
    queryset = selectors.site_list().prefetch_related("tags")
    serializer_class = serializers.SiteSerializer
    filterset_class = filtersets.SiteFilterSet
    ordering_fields = ["name", "slug", "id"]


class LocationViewSet(EstateModelViewSet):
    queryset = selectors.location_list().prefetch_related("tags")
    serializer_class = serializers.LocationSerializer
    filterset_class = filtersets.LocationFilterSet
    ordering_fields = ["name", "id"]


class ManufacturerViewSet(EstateModelViewSet):
    queryset = selectors.manufacturer_list().prefetch_related("tags")
    serializer_class = serializers.ManufacturerSerializer
    filterset_class = filtersets.ManufacturerFilterSet
    ordering_fields = ["name", "id"]


class HardwareModelViewSet(EstateModelViewSet):
    queryset = selectors.hardware_model_list().prefetch_related("tags")
    serializer_class = serializers.HardwareModelSerializer
    filterset_class = filtersets.HardwareModelFilterSet
    ordering_fields = ["model", "end_of_support", "end_of_sale", "id"]


class PlatformViewSet(EstateModelViewSet):
    queryset = selectors.platform_list().prefetch_related("tags")
    serializer_class = serializers.PlatformSerializer
    filterset_class = filtersets.PlatformFilterSet
    ordering_fields = ["name", "id"]


class DeviceViewSet(EstateModelViewSet):
    queryset = selectors.device_list().prefetch_related("tags", "provenance")
    serializer_class = serializers.DeviceSerializer
    filterset_class = filtersets.DeviceFilterSet
    ordering_fields = ["name", "kind", "status", "last_seen", "first_seen", "purchase_date", "warranty_end",
                       "serial", "id"]


class InterfaceViewSet(EstateModelViewSet):
    queryset = selectors.interface_list()
    serializer_class = serializers.InterfaceSerializer
    filterset_class = filtersets.InterfaceFilterSet
    ordering_fields = ["name", "id"]


class IPAddressViewSet(EstateModelViewSet):
    queryset = selectors.ip_address_list()
    serializer_class = serializers.IPAddressSerializer
    filterset_class = filtersets.IPAddressFilterSet
    ordering_fields = ["address", "id"]


class InstalledSoftwareViewSet(EstateModelViewSet):
    queryset = selectors.installed_software_list()
    serializer_class = serializers.InstalledSoftwareSerializer
    filterset_class = filtersets.InstalledSoftwareFilterSet
    ordering_fields = ["product", "version", "id"]


class ApplicationViewSet(EstateModelViewSet):
    queryset = selectors.application_list().prefetch_related("devices", "tags")
    serializer_class = serializers.ApplicationSerializer
    filterset_class = filtersets.ApplicationFilterSet
    ordering_fields = ["name", "criticality", "id"]


class DependencyViewSet(EstateModelViewSet):
    queryset = selectors.dependency_list()
    serializer_class = serializers.DependencySerializer
    filterset_class = filtersets.DependencyFilterSet
    ordering_fields = ["id", "port"]
