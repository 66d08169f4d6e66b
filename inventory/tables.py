"""List-page tables. `default_columns` are shown until a user picks their own."""

from __future__ import annotations

import django_tables2 as tables

from estate.tables import EstateTable
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


class TagTable(EstateTable):
    name = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = Tag
        fields = ("pk", "name", "slug", "color", "description")


class SiteTable(EstateTable):
    name = tables.Column(linkify=True)
    device_count = tables.Column(verbose_name="Devices")

    class Meta(EstateTable.Meta):
        model = Site
        fields = ("pk", "name", "slug", "address", "time_zone", "description", "device_count")
    default_columns = ("name", "address", "description", "device_count")


class LocationTable(EstateTable):
    name = tables.Column(linkify=True)
    site = tables.Column(linkify=True)
    device_count = tables.Column(verbose_name="Devices")

    class Meta(EstateTable.Meta):
        model = Location
        fields = ("pk", "name", "site", "slug", "description", "device_count")


class ManufacturerTable(EstateTable):
    name = tables.Column(linkify=True)
    model_count = tables.Column(verbose_name="Models")

    class Meta(EstateTable.Meta):
        model = Manufacturer
        fields = ("pk", "name", "slug", "description", "model_count")


class HardwareModelTable(EstateTable):
    model = tables.Column(linkify=True)
    manufacturer = tables.Column(linkify=True)
    device_count = tables.Column(verbose_name="Devices")

    class Meta(EstateTable.Meta):
        model = HardwareModel
        fields = ("pk", "model", "manufacturer", "part_number", "kind", "release_date", "end_of_sale",
                  "end_of_support", "unit_cost", "device_count")


class PlatformTable(EstateTable):
    name = tables.Column(linkify=True)
    manufacturer = tables.Column(linkify=True)
    device_count = tables.Column(verbose_name="Devices")

    class Meta(EstateTable.Meta):
        model = Platform
        fields = ("pk", "name", "slug", "manufacturer", "description", "device_count")


class DeviceTable(EstateTable):
    name = tables.Column(linkify=True)
    site = tables.Column(linkify=True)
    location = tables.Column(linkify=True)
    manufacturer = tables.Column(linkify=True)
    hardware_model = tables.Column(linkify=True, verbose_name="Model")
    platform = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = Device
        fields = ("pk", "name", "kind", "status", "site", "location", "manufacturer", "hardware_model", "serial",
                  "asset_tag", "platform", "os_version", "firmware", "primary_ip", "management_ip", "purchase_date",
                  "warranty_end", "purchase_cost", "department", "criticality", "first_seen", "last_seen",
                  "discovery_source")
    default_columns = ("name", "kind", "status", "site", "hardware_model", "platform", "os_version", "primary_ip",
                       "last_seen")


class InterfaceTable(EstateTable):
    name = tables.Column(linkify=True)
    device = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = Interface
        fields = ("pk", "device", "name", "type", "mac_address", "speed", "enabled", "description")


class IPAddressTable(EstateTable):
    address = tables.Column(linkify=True)
    device = tables.Column(linkify=True)
    interface = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = IPAddress
        fields = ("pk", "address", "prefix_length", "device", "interface", "dns_name", "description")


class InstalledSoftwareTable(EstateTable):
    product = tables.Column(linkify=True)
    device = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = InstalledSoftware
        fields = ("pk", "product", "version", "vendor", "install_date", "device")


class ApplicationTable(EstateTable):
    name = tables.Column(linkify=True)
    device_count = tables.Column(verbose_name="Devices")

    class Meta(EstateTable.Meta):
        model = Application
        fields = ("pk", "name", "owner", "department", "criticality", "vendor", "description", "device_count")


class DependencyTable(EstateTable):
    id = tables.Column(linkify=True, verbose_name="ID")
    source_object = tables.Column(verbose_name="Source", orderable=False,
                                  linkify=lambda record: record.source_object.get_absolute_url())
    target_object = tables.Column(verbose_name="Target", orderable=False,
                                  linkify=lambda record: record.target_object.get_absolute_url())

    class Meta(EstateTable.Meta):
        model = Dependency
        fields = ("pk", "id", "source_object", "target_object", "protocol", "port", "source", "description",
                  "last_seen")
