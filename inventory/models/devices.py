"""Devices and what hangs off them: interfaces, IP addresses, installed software."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from estate.models import ChangeLoggedModel, PrimaryModel
from inventory.choices import (
    CriticalityChoices,
    DeviceKindChoices,
    DeviceStatusChoices,
    DiscoverySourceChoices,
    InterfaceTypeChoices,
)
from inventory.models.support import SupportStateFields

MAC_RE = re.compile(r"^([0-9A-F]{2}:){5}[0-9A-F]{2}$")

# Fields discovery may set; a person's edit of one of these locks it against discovery (see Device.locked_fields).
DISCOVERABLE_FIELDS = (
    "name", "kind", "manufacturer", "hardware_model", "serial", "platform", "os_version", "firmware",
    "primary_ip", "management_ip", "snmp_engine_id",
)


def normalise_mac(value: str) -> str:
    digits = re.sub(r"[^0-9A-Fa-f]", "", value or "")
    if len(digits) != 12:
        return value.strip().upper() if value else ""
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2)).upper()


class Device(SupportStateFields, PrimaryModel):
    """A physical or virtual thing on the estate: a server, VM, desktop, laptop, phone, PBX, switch, UPS, printer…"""

    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=DeviceKindChoices, default=DeviceKindChoices.OTHER)
    status = models.CharField(max_length=20, choices=DeviceStatusChoices, default=DeviceStatusChoices.ACTIVE)
    site = models.ForeignKey("inventory.Site", on_delete=models.PROTECT, related_name="devices")
    location = models.ForeignKey(
        "inventory.Location", on_delete=models.SET_NULL, null=True, blank=True, related_name="devices"
    )
    # Kept beside hardware_model so "serial per manufacturer" can be a database constraint, and because
    # discovery often knows the maker before it knows the model.
    manufacturer = models.ForeignKey(
        "inventory.Manufacturer", on_delete=models.PROTECT, null=True, blank=True, related_name="devices"
    )
    hardware_model = models.ForeignKey(
        "inventory.HardwareModel", on_delete=models.PROTECT, null=True, blank=True, related_name="devices"
    )
    serial = models.CharField(max_length=100, blank=True, verbose_name="serial number")
    asset_tag = models.CharField(max_length=50, blank=True)
    platform = models.ForeignKey(
        "inventory.Platform", on_delete=models.SET_NULL, null=True, blank=True, related_name="devices"
    )
    os_version = models.CharField(max_length=255, blank=True, verbose_name="platform version")
    firmware = models.CharField(max_length=255, blank=True)
    primary_ip = models.GenericIPAddressField(null=True, blank=True, verbose_name="primary IP")
    management_ip = models.GenericIPAddressField(null=True, blank=True, verbose_name="management IP")
    purchase_date = models.DateField(null=True, blank=True)
    warranty_end = models.DateField(null=True, blank=True)
    purchase_cost = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    department = models.CharField(max_length=100, blank=True, help_text="Owning department or service")
    criticality = models.CharField(max_length=10, choices=CriticalityChoices, default=CriticalityChoices.MEDIUM)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    discovery_source = models.CharField(
        max_length=20, choices=DiscoverySourceChoices, default=DiscoverySourceChoices.MANUAL
    )
    snmp_engine_id = models.CharField(max_length=64, blank=True, verbose_name="SNMP engine ID")
    locked_fields = models.JSONField(
        default=list, blank=True, help_text="Fields a person set by hand; discovery leaves them alone"
    )
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="devices")

    url_name = "inventory:device"

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="inventory_device_unique_site_name"),
            models.UniqueConstraint(
                fields=["manufacturer", "serial"], condition=~Q(serial=""),
                name="inventory_device_unique_manufacturer_serial",
            ),
            models.UniqueConstraint(
                fields=["asset_tag"], condition=~Q(asset_tag=""), name="inventory_device_unique_asset_tag"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "name"], name="inventory_device_kind_name"),
            models.Index(fields=["status", "name"], name="inventory_device_status_name"),
            models.Index(fields=["site", "kind"], name="inventory_device_site_kind"),
            models.Index(fields=["serial"], name="inventory_device_serial"),
            models.Index(fields=["primary_ip"], name="inventory_device_primary_ip"),
            # Discovery matches a host by either address: every branch of its OR lookup must be indexed, or the
            # database scans the whole table once per host.
            models.Index(fields=["management_ip"], name="inventory_device_management_ip"),
            models.Index(fields=["last_seen"], name="inventory_device_last_seen"),
            models.Index(fields=["snmp_engine_id"], name="inventory_device_engine_id"),
            models.Index(fields=["support_status"], name="inventory_device_support"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.location_id and self.site_id and self.location.site_id != self.site_id:
            errors["location"] = "This location belongs to another site."
        if self.hardware_model_id:
            if self.manufacturer_id is None:
                self.manufacturer_id = self.hardware_model.manufacturer_id
            elif self.manufacturer_id != self.hardware_model.manufacturer_id:
                errors["hardware_model"] = "This model is made by another manufacturer."
        if self.purchase_date and self.warranty_end and self.warranty_end < self.purchase_date:
            errors["warranty_end"] = "Warranty cannot end before the purchase date."
        if self.first_seen and self.last_seen and self.last_seen < self.first_seen:
            errors["last_seen"] = "Last seen cannot be before first seen."
        unknown = set(self.locked_fields or []) - set(DISCOVERABLE_FIELDS)
        if unknown:
            errors["locked_fields"] = f"Not a discoverable field: {', '.join(sorted(unknown))}."
        if errors:
            raise ValidationError(errors)
        self.serial = (self.serial or "").strip()


class Interface(ChangeLoggedModel):
    """A network port or adapter on a device."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="interfaces")
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=InterfaceTypeChoices, default=InterfaceTypeChoices.ETHERNET)
    mac_address = models.CharField(max_length=17, blank=True, verbose_name="MAC address")
    speed = models.PositiveBigIntegerField(null=True, blank=True, help_text="kbit/s")
    enabled = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)

    url_name = "inventory:interface"

    class Meta:
        ordering = ["device__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["device", "name"], name="inventory_interface_unique_device_name"),
            models.UniqueConstraint(
                fields=["device", "mac_address"], condition=~Q(mac_address=""),
                name="inventory_interface_unique_device_mac",
            ),
        ]
        indexes = [models.Index(fields=["mac_address"], name="inventory_interface_mac")]

    def __str__(self) -> str:
        return f"{self.device} {self.name}" if self.device_id else self.name

    def clean(self) -> None:
        self.mac_address = normalise_mac(self.mac_address)
        if self.mac_address and not MAC_RE.match(self.mac_address):
            raise ValidationError({"mac_address": "Enter a MAC address such as 00:1A:2B:3C:4D:5E."})


class IPAddress(ChangeLoggedModel):
    """An IP address assigned to a device (optionally to one of its interfaces)."""

    address = models.GenericIPAddressField()
    prefix_length = models.PositiveSmallIntegerField(null=True, blank=True)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="ip_addresses")
    interface = models.ForeignKey(
        Interface, on_delete=models.SET_NULL, null=True, blank=True, related_name="ip_addresses"
    )
    dns_name = models.CharField(max_length=255, blank=True, verbose_name="DNS name")
    description = models.CharField(max_length=200, blank=True)

    url_name = "inventory:ipaddress"

    class Meta:
        ordering = ["address"]
        verbose_name = "IP address"
        verbose_name_plural = "IP addresses"
        constraints = [
            models.UniqueConstraint(fields=["device", "address"], name="inventory_ipaddress_unique_device_address"),
        ]
        indexes = [models.Index(fields=["address"], name="inventory_ipaddress_address")]

    def __str__(self) -> str:
        return f"{self.address}/{self.prefix_length}" if self.prefix_length is not None else str(self.address)

    def clean(self) -> None:
        if self.prefix_length is not None and self.address:
            limit = 128 if ":" in str(self.address) else 32
            if self.prefix_length > limit:
                raise ValidationError({"prefix_length": f"Must be between 0 and {limit}."})
        if self.interface_id and self.device_id and self.interface.device_id != self.device_id:
            raise ValidationError({"interface": "This interface belongs to another device."})


class InstalledSoftware(SupportStateFields, ChangeLoggedModel):
    """A software product installed on a device (a package, an application, an agent)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="software")
    product = models.CharField(max_length=255)
    vendor = models.CharField(max_length=100, blank=True)
    version = models.CharField(max_length=100, blank=True)
    install_date = models.DateField(null=True, blank=True)

    url_name = "inventory:installedsoftware"

    class Meta:
        ordering = ["device__name", "product", "version"]
        verbose_name = "installed software"
        verbose_name_plural = "installed software"
        constraints = [
            models.UniqueConstraint(
                fields=["device", "product", "version"], name="inventory_installedsoftware_unique_product_version"
            ),
        ]
        indexes = [
            models.Index(fields=["product"], name="inventory_software_product"),
            # Covers the lifecycle evaluation's reads: releases with their stored phase, and a release's devices.
            models.Index(fields=["product", "version", "support_status", "support_phase_ends", "support_next_phase",
                                 "device"], name="inventory_software_release"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}".strip()
