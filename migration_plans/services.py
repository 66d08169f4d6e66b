"""Writes for programmes and waves: approval, RAG override, item states, adding items in bulk."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from estate.services import object_save
from inventory.models import Device
from migration_plans.choices import ItemStateChoices, RagChoices, StrategyChoices, WaveStatusChoices
from migration_plans.models import Wave, WaveItem

# The item state machine: planned → ready → in progress → validated → done, or failed / rolled back.
TRANSITIONS: dict[str, frozenset[str]] = {
    ItemStateChoices.PLANNED: frozenset({ItemStateChoices.READY, ItemStateChoices.FAILED}),
    ItemStateChoices.READY: frozenset({ItemStateChoices.IN_PROGRESS, ItemStateChoices.PLANNED,
                                       ItemStateChoices.FAILED}),
    ItemStateChoices.IN_PROGRESS: frozenset({ItemStateChoices.VALIDATED, ItemStateChoices.FAILED,
                                             ItemStateChoices.ROLLED_BACK}),
    ItemStateChoices.VALIDATED: frozenset({ItemStateChoices.DONE, ItemStateChoices.FAILED,
                                           ItemStateChoices.ROLLED_BACK}),
    ItemStateChoices.DONE: frozenset({ItemStateChoices.ROLLED_BACK}),
    ItemStateChoices.FAILED: frozenset({ItemStateChoices.PLANNED, ItemStateChoices.READY,
                                        ItemStateChoices.ROLLED_BACK}),
    ItemStateChoices.ROLLED_BACK: frozenset({ItemStateChoices.PLANNED}),
}


@transaction.atomic
def wave_item_transition(*, item: WaveItem, to_state: str, result: str = "") -> WaveItem:
    """Move an item along its state machine; anything else is refused with the allowed next states."""
    if to_state == item.state:
        return item
    allowed = TRANSITIONS[item.state]
    if to_state not in allowed:
        names = ", ".join(sorted(ItemStateChoices(s).label for s in allowed))
        raise ValidationError({"state": f"{item.subject} cannot go from {item.get_state_display()} to "
                                        f"{ItemStateChoices(to_state).label}; next can be: {names}."})
    item.state = to_state
    if result:
        item.last_result = result[:500]
    item.save(update_fields=["state", "last_result", "last_updated"])
    return item


@transaction.atomic
def wave_approve(*, wave: Wave, user) -> Wave:
    """Approve a wave so its playbooks may run; a planned wave with dates becomes scheduled."""
    if wave.is_approved:
        raise ValidationError("This wave is already approved.")
    if not wave.items.exists():
        raise ValidationError("Add items before approving the wave.")
    if not (wave.planned_start and wave.planned_end):
        raise ValidationError("Give the wave planned dates before approving it.")
    wave.approved_by, wave.approved_at = user, timezone.now()
    if wave.status == WaveStatusChoices.PLANNED:
        wave.status = WaveStatusChoices.SCHEDULED
    return object_save(instance=wave)


@transaction.atomic
def wave_rag_override(*, wave: Wave, rag: str, reason: str) -> Wave:
    """Set (or with rag="" clear) a manual RAG; a reason is required and the change is audited."""
    if rag and rag not in RagChoices.values:
        raise ValidationError({"rag_override": "Choose blue, green, amber or red."})
    wave.rag_override, wave.rag_override_reason = rag, reason.strip() if rag else ""
    return object_save(instance=wave)


@transaction.atomic
def wave_items_add(*, wave: Wave, devices: Iterable[Device], strategy: str, target_provider: str = "",
                   target_region: str = "", target_size: str = "", target_hardware_model=None) -> dict[str, int]:
    """Add devices to a wave in bulk (e.g. every desktop past its cycle at the Town Hall); skip those already in."""
    if strategy not in StrategyChoices.values:
        raise ValidationError({"strategy": "Unknown strategy."})
    existing = set(wave.items.filter(device__isnull=False).values_list("device_id", flat=True))
    added = skipped = 0
    for device in devices:
        if device.pk in existing:
            skipped += 1
            continue
        item = WaveItem(wave=wave, device=device, strategy=strategy, target_provider=target_provider,
                        target_region=target_region, target_size=target_size,
                        target_hardware_model=target_hardware_model)
        object_save(instance=item)  # one audited save each: adding to a wave is a decision worth recording
        existing.add(device.pk)
        added += 1
    return {"added": added, "skipped": skipped}


@transaction.atomic
def wave_start(*, wave: Wave) -> Wave:
    if wave.status in (WaveStatusChoices.PLANNED, WaveStatusChoices.SCHEDULED):
        wave.status = WaveStatusChoices.IN_PROGRESS
        object_save(instance=wave)
    return wave


@transaction.atomic
def wave_complete_if_done(*, wave: Wave) -> Wave:
    """A wave whose every item is done is complete."""
    states = set(wave.items.values_list("state", flat=True))
    if states and states <= {ItemStateChoices.DONE} and wave.status != WaveStatusChoices.COMPLETED:
        wave.status = WaveStatusChoices.COMPLETED
        object_save(instance=wave)
    return wave
