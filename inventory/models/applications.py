"""Line-of-business applications and what depends on what."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce

from estate.models import ChangeLoggedModel, PrimaryModel
from inventory.choices import CriticalityChoices, DependencyProtocolChoices, DependencySourceChoices
from inventory.models.support import SupportStateFields


class Application(SupportStateFields, PrimaryModel):
    """A line-of-business system or service: Revenues & Benefits, Housing, email, the contact centre.

    Its support status comes from ``support_end`` when the council knows it (the vendor's word for this contract),
    else from the catalogue cycle its product and version match (e.g. "Microsoft SharePoint Server" "2016").
    """

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    owner = models.CharField(max_length=100, blank=True, help_text="Business owner")
    department = models.CharField(max_length=100, blank=True)
    criticality = models.CharField(max_length=10, choices=CriticalityChoices, default=CriticalityChoices.MEDIUM)
    vendor = models.CharField(max_length=100, blank=True)
    product = models.CharField(max_length=200, blank=True, help_text="The vendor's product, e.g. Civica Revenues")
    version = models.CharField(max_length=100, blank=True)
    support_end = models.DateField(null=True, blank=True, verbose_name="vendor support end",
                                   help_text="Last day the vendor supports this version (overrides the catalogue)")
    contract_end = models.DateField(null=True, blank=True, help_text="Last day of the current contract")
    renewal_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(0)],
                                       help_text="Cost to renew or replace when the contract or support ends (GBP)")
    devices = models.ManyToManyField("inventory.Device", blank=True, related_name="applications")
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="applications")

    url_name = "inventory:application"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="inventory_application_unique_name"),
            models.UniqueConstraint(fields=["slug"], name="inventory_application_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.product = (self.product or "").strip()
        self.version = (self.version or "").strip()
        if self.version and not self.product:
            raise ValidationError({"product": "Give the product the version belongs to."})


class Dependency(ChangeLoggedModel):
    """One thing relying on another: an application on its database server, a server calling another's port."""

    source_device = models.ForeignKey(
        "inventory.Device", on_delete=models.CASCADE, null=True, blank=True, related_name="dependencies_out"
    )
    source_application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="dependencies_out"
    )
    target_device = models.ForeignKey(
        "inventory.Device", on_delete=models.CASCADE, null=True, blank=True, related_name="dependencies_in"
    )
    target_application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="dependencies_in"
    )
    protocol = models.CharField(max_length=10, choices=DependencyProtocolChoices, default=DependencyProtocolChoices.TCP)
    port = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    source = models.CharField(max_length=20, choices=DependencySourceChoices, default=DependencySourceChoices.MANUAL)
    description = models.CharField(max_length=200, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)

    url_name = "inventory:dependency"

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "dependencies"
        constraints = [
            models.CheckConstraint(
                condition=(Q(source_device__isnull=False) ^ Q(source_application__isnull=False)),
                name="inventory_dependency_one_source",
            ),
            models.CheckConstraint(
                condition=(Q(target_device__isnull=False) ^ Q(target_application__isnull=False)),
                name="inventory_dependency_one_target",
            ),
            # NULLs are distinct in unique indexes, so coalesce them to make "the same edge twice" collide.
            models.UniqueConstraint(
                Coalesce("source_device", Value(0)), Coalesce("source_application", Value(0)),
                Coalesce("target_device", Value(0)), Coalesce("target_application", Value(0)),
                "protocol", Coalesce("port", Value(0)),
                name="inventory_dependency_unique_edge",
            ),
        ]

    def __str__(self) -> str:
        port = f" {self.protocol}/{self.port}" if self.port else ""
        return f"{self.source_object} → {self.target_object}{port}"

    @property
    def source_object(self):
        return self.source_device or self.source_application

    @property
    def target_object(self):
        return self.target_device or self.target_application

    def clean(self) -> None:
        errors = {}
        if bool(self.source_device_id) == bool(self.source_application_id):
            errors["source_device"] = "Choose exactly one source: a device or an application."
        if bool(self.target_device_id) == bool(self.target_application_id):
            errors["target_device"] = "Choose exactly one target: a device or an application."
        if not errors and self.source_object == self.target_object:
            errors["target_device"] = "A thing cannot depend on itself."
        if errors:
            raise ValidationError(errors)
