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
    ProposedChange,
    Site,
    Tag,
)
from inventory.tables_lifecycle import SupportStatusColumn


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
    support_status = SupportStatusColumn()

    class Meta(EstateTable.Meta):
        model = Device
        fields = ("pk", "name", "kind", "status", "site", "location", "manufacturer", "hardware_model", "serial",
                  "asset_tag", "platform", "os_version", "support_status", "support_phase_ends", "support_next_phase",
                  "firmware", "primary_ip", "management_ip", "purchase_date",
                  "warranty_end", "purchase_cost", "department", "criticality", "first_seen", "last_seen",
                  "discovery_source")
    default_columns = ("name", "kind", "status", "site", "hardware_model", "platform", "os_version", "support_status",
                       "primary_ip", "last_seen")


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
    support_status = SupportStatusColumn()

    class Meta(EstateTable.Meta):
        model = InstalledSoftware
        fields = ("pk", "product", "version", "vendor", "install_date", "device", "support_status",
                  "support_phase_ends", "support_next_phase")
    default_columns = ("product", "version", "vendor", "device", "support_status", "support_phase_ends")


class ApplicationTable(EstateTable):
    name = tables.Column(linkify=True)
    device_count = tables.Column(verbose_name="Devices")
    support_status = SupportStatusColumn()

    class Meta(EstateTable.Meta):
        model = Application
        fields = ("pk", "name", "owner", "department", "criticality", "vendor", "product", "version", "support_end",
                  "contract_end", "renewal_cost", "support_status", "support_phase_ends", "support_next_phase",
                  "description", "device_count")
    default_columns = ("name", "owner", "department", "criticality", "vendor", "support_status", "contract_end",
                       "device_count")


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


class ProposedChangeTable(EstateTable):
    device = tables.Column(linkify=True)
    field = tables.Column(verbose_name="Field")
    current_value = tables.Column(verbose_name="Current value")
    current_source = tables.Column(verbose_name="Current source")
    proposed_value = tables.Column(verbose_name="Proposed value")
    proposed_source = tables.Column(verbose_name="Proposed by")
    job = tables.Column(verbose_name="Run", linkify=lambda record: record.job.get_absolute_url() if record.job_id
                        else None)

    class Meta(EstateTable.Meta):
        model = ProposedChange
        fields = ("pk", "device", "field", "current_value", "current_source", "proposed_value", "proposed_source",
                  "detail", "status", "job", "last_proposed", "decided_by", "decided_at")
    default_columns = ("device", "field", "current_value", "current_source", "proposed_value", "proposed_source",
                       "detail", "status", "last_proposed")
