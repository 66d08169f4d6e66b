"""Where a device's field values came from, and changes discovery proposes to a person instead of making."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from inventory.choices import ProposedChangeStatusChoices, ProvenanceSourceChoices
from inventory.models.devices import DISCOVERABLE_FIELDS, Device

FIELD_CHOICES = [(name, name.replace("_", " ")) for name in DISCOVERABLE_FIELDS]


class FieldProvenance(models.Model):
    """The source of one field's current value on one device ("os_version from /etc/os-release over SSH")."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="provenance")
    field = models.CharField(max_length=30, choices=FIELD_CHOICES)
    source = models.CharField(max_length=20, choices=ProvenanceSourceChoices)
    strength = models.PositiveSmallIntegerField(default=0)
    specific = models.BooleanField(default=True, help_text="False for a family-level value (\"Linux\", a kernel)")
    detail = models.CharField(max_length=200, blank=True, help_text="What was read, e.g. /etc/os-release over SSH")
    confirmed = models.DateTimeField(help_text="When a source last reported this value")
    job = models.ForeignKey("estate.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            help_text="The discovery or import job that last reported it")

    class Meta:
        ordering = ["device", "field"]
        constraints = [models.UniqueConstraint(fields=["device", "field"], name="inventory_fieldprovenance_unique")]

    def __str__(self) -> str:
        return f"{self.device}: {self.field} from {self.get_source_display()}"

    def clean(self) -> None:
        if self.field not in DISCOVERABLE_FIELDS:
            raise ValidationError({"field": "Not a discoverable field."})


class ProposedChange(models.Model):
    """A value discovery found for a field a person owns, stronger than the person's: kept for a person to decide.

    Accepting sets the field (and its provenance) through inventory.services; rejecting is remembered, so the same
    value for the same field is not proposed again."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="proposed_changes")
    field = models.CharField(max_length=30, choices=FIELD_CHOICES)
    current_value = models.CharField(max_length=255, blank=True)
    current_source = models.CharField(max_length=20, choices=ProvenanceSourceChoices, blank=True)
    proposed_value = models.CharField(max_length=255)
    proposed_source = models.CharField(max_length=20, choices=ProvenanceSourceChoices)
    strength = models.PositiveSmallIntegerField(default=0)
    detail = models.CharField(max_length=200, blank=True)
    # A model is only meaningful with its maker: the proposed hardware model's manufacturer.
    proposed_manufacturer = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=12, choices=ProposedChangeStatusChoices,
                              default=ProposedChangeStatusChoices.OPEN)
    job = models.ForeignKey("estate.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            help_text="The run that proposed it")
    created = models.DateTimeField(auto_now_add=True)
    last_proposed = models.DateTimeField(help_text="When a run last reported this value")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    url_name = "inventory:proposedchange"

    class Meta:
        ordering = ["-last_proposed", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["device", "field"], condition=Q(status="open"),
                                    name="inventory_proposedchange_one_open_per_field"),
        ]
        indexes = [
            models.Index(fields=["status", "-last_proposed"], name="inventory_proposal_status"),
            models.Index(fields=["device", "field", "status"], name="inventory_proposal_device"),
        ]

    def __str__(self) -> str:
        return f"{self.device}: {self.field} → {self.proposed_value}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:proposedchange_list") + f"?device_id={self.device_id}"

    def clean(self) -> None:
        if self.field not in DISCOVERABLE_FIELDS:
            raise ValidationError({"field": "Not a discoverable field."})
