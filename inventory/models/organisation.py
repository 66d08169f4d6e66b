"""Where kit lives and what it is: sites, locations, makers, hardware models, platforms, tags."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from estate.models import ChangeLoggedModel, PrimaryModel
from inventory.choices import DeviceKindChoices


class Tag(ChangeLoggedModel):
    """A free label people put on objects (e.g. "PSN", "cloud-candidate")."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    color = models.CharField(max_length=7, default="#6c757d", help_text="Hex colour, e.g. #1f77b4")
    description = models.CharField(max_length=200, blank=True)

    url_name = "inventory:tag"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="inventory_tag_unique_name"),
            models.UniqueConstraint(fields=["slug"], name="inventory_tag_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class Site(PrimaryModel):
    """A building or data centre: the Town Hall, a depot, a library, a hosting facility."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    address = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/London")

    url_name = "inventory:site"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="inventory_site_unique_name"),
            models.UniqueConstraint(fields=["slug"], name="inventory_site_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class Location(PrimaryModel):
    """A room, floor or comms cupboard within a site."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)

    url_name = "inventory:location"

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="inventory_location_unique_site_name"),
            models.UniqueConstraint(fields=["site", "slug"], name="inventory_location_unique_site_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.site} / {self.name}" if self.site_id else self.name


class Manufacturer(PrimaryModel):
    """A maker of hardware or software: Dell, Cisco, Microsoft, Mitel."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)

    url_name = "inventory:manufacturer"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="inventory_manufacturer_unique_name"),
            models.UniqueConstraint(fields=["slug"], name="inventory_manufacturer_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class HardwareModel(PrimaryModel):
    """A product a manufacturer sells, e.g. Dell PowerEdge R740 or Avaya J179, with its vendor lifecycle dates."""

    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="hardware_models")
    model = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    part_number = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20, choices=DeviceKindChoices, default=DeviceKindChoices.OTHER)
    release_date = models.DateField(null=True, blank=True)
    end_of_sale = models.DateField(null=True, blank=True)
    end_of_support = models.DateField(null=True, blank=True)
    unit_cost = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="Typical replacement cost (GBP), used by the replacement forecast",
    )

    url_name = "inventory:hardwaremodel"

    class Meta:
        ordering = ["manufacturer__name", "model"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "model"], name="inventory_hardwaremodel_unique_model"),
            models.UniqueConstraint(fields=["manufacturer", "slug"], name="inventory_hardwaremodel_unique_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.model}" if self.manufacturer_id else self.model

    def clean(self) -> None:
        if self.end_of_sale and self.end_of_support and self.end_of_support < self.end_of_sale:
            raise ValidationError({"end_of_support": "End of support cannot be before end of sale."})
        if self.release_date and self.end_of_sale and self.end_of_sale < self.release_date:
            raise ValidationError({"end_of_sale": "End of sale cannot be before the release date."})


class Platform(PrimaryModel):
    """An operating system or firmware family: Windows Server, Ubuntu, Cisco IOS XE, Mitel MiVoice Business."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.SET_NULL, null=True, blank=True, related_name="platforms"
    )

    url_name = "inventory:platform"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="inventory_platform_unique_name"),
            models.UniqueConstraint(fields=["slug"], name="inventory_platform_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name
