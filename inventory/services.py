"""Writes to the inventory that carry rules beyond a plain save."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from estate.services import object_save
from inventory.choices import DiscoverySourceChoices
from inventory.models import Device
from inventory.models.devices import DISCOVERABLE_FIELDS


@transaction.atomic
def device_save_by_person(*, device: Device, changed_fields: Iterable[str], m2m: dict | None = None) -> Device:
    """Save a device edited by a person; discoverable fields they changed become locked against discovery."""
    changed = [f for f in changed_fields if f in DISCOVERABLE_FIELDS]
    if device.pk and changed and device.discovery_source not in (DiscoverySourceChoices.MANUAL,):
        device.locked_fields = sorted(set(device.locked_fields or []) | set(changed))
    return object_save(instance=device, m2m=m2m)
