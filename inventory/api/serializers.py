"""Inventory API serializers. Related objects are written and read by id."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from estate.api.serializers import EstateModelSerializer
from inventory import services
from inventory.choices import SupportStatusChoices
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
from inventory.models.devices import normalise_mac

# Support phase columns: worked out by the lifecycle evaluation, never written through the API.
SUPPORT_FIELDS = ["support_status", "support_phase_ends", "support_next_phase"]


def _next_phase() -> serializers.ChoiceField:
    """The phase after the current one: blank when none follows (the schema says so)."""
    return serializers.ChoiceField(choices=SupportStatusChoices.choices, allow_blank=True, read_only=True)


class TagSerializer(EstateModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "display", "name", "slug", "color", "description", "created", "last_updated"]


class SiteSerializer(EstateModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "display", "name", "slug", "address", "time_zone", "description", "comments", "tags",
                  "created", "last_updated"]


class LocationSerializer(EstateModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "display", "site", "name", "slug", "description", "comments", "tags", "created",
                  "last_updated"]


class ManufacturerSerializer(EstateModelSerializer):
    class Meta:
        model = Manufacturer
        fields = ["id", "display", "name", "slug", "description", "comments", "tags", "created", "last_updated"]


class HardwareModelSerializer(EstateModelSerializer):
    class Meta:
        model = HardwareModel
        fields = ["id", "display", "manufacturer", "model", "slug", "part_number", "kind", "release_date",
                  "end_of_sale", "end_of_support", "unit_cost", "description", "comments", "tags", "created",
                  "last_updated"]


class PlatformSerializer(EstateModelSerializer):
    class Meta:
        model = Platform
        fields = ["id", "display", "name", "slug", "manufacturer", "description", "comments", "tags", "created",
                  "last_updated"]


class DeviceSerializer(EstateModelSerializer):
    support_next_phase = _next_phase()
    class Meta:
        model = Device
        fields = ["id", "display", "name", "kind", "status", "site", "location", "manufacturer", "hardware_model",
                  "serial", "asset_tag", "platform", "os_version", "firmware", "primary_ip", "management_ip",
                  "purchase_date", "warranty_end", "purchase_cost", "department", "criticality", "description",
                  "comments", "tags", "first_seen", "last_seen", "discovery_source", "snmp_engine_id",
                  "locked_fields", "provenance", "support_status", "support_phase_ends", "support_next_phase",
                  "created", "last_updated"]
        read_only_fields = ["first_seen", "last_seen", "discovery_source", "snmp_engine_id", *SUPPORT_FIELDS]

    provenance = serializers.SerializerMethodField()

    def get_provenance(self, obj) -> dict[str, dict]:
        """Where each discoverable field's value came from (source, strength, detail, when last confirmed)."""
        return {p.field: {"source": p.source, "strength": p.strength, "specific": p.specific, "detail": p.detail,
                          "confirmed": p.confirmed} for p in obj.provenance.all()}

    def _save(self, instance, validated_data):
        # A person's edit through the API: the same door as the UI (locks what they set, records provenance).
        tags = validated_data.pop("tags", None)
        changed = [name for name, value in validated_data.items() if getattr(instance, name, None) != value]
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            return services.device_save_by_person(device=instance, changed_fields=changed,
                                                  m2m={"tags": tags} if tags is not None else None)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc


class InterfaceSerializer(EstateModelSerializer):
    class Meta:
        model = Interface
        fields = ["id", "display", "device", "name", "type", "mac_address", "speed", "enabled", "description",
                  "created", "last_updated"]

    def validate_mac_address(self, value: str) -> str:
        return normalise_mac(value)


class IPAddressSerializer(EstateModelSerializer):
    class Meta:
        model = IPAddress
        fields = ["id", "display", "address", "prefix_length", "device", "interface", "dns_name", "description",
                  "created", "last_updated"]


class InstalledSoftwareSerializer(EstateModelSerializer):
    support_next_phase = _next_phase()
    class Meta:
        model = InstalledSoftware
        fields = ["id", "display", "device", "product", "vendor", "version", "install_date", "support_status",
                  "support_phase_ends", "support_next_phase", "created", "last_updated"]
        read_only_fields = SUPPORT_FIELDS


class ApplicationSerializer(EstateModelSerializer):
    support_next_phase = _next_phase()
    devices = serializers.PrimaryKeyRelatedField(many=True, queryset=Device.objects.all(), required=False)

    class Meta:
        model = Application
        fields = ["id", "display", "name", "slug", "owner", "department", "criticality", "vendor", "product",
                  "version", "support_end", "contract_end", "renewal_cost", "support_status", "support_phase_ends",
                  "support_next_phase", "devices", "description", "comments", "tags", "created", "last_updated"]
        read_only_fields = SUPPORT_FIELDS


class DependencySerializer(EstateModelSerializer):
    class Meta:
        model = Dependency
        fields = ["id", "display", "source_device", "source_application", "target_device", "target_application",
                  "protocol", "port", "source", "description", "last_seen", "created", "last_updated"]
        read_only_fields = ["last_seen"]
        validators = []  # the edge uniqueness is an expression constraint, checked by full_clean/the database
