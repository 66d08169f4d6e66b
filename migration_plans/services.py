"""Writes for programmes and waves: approval, RAG override, item states, adding items in bulk."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from estate.services import object_save
from inventory.models import Device
from migration_plans.choices import (
    ItemStateChoices,
    RagChoices,
    StrategyChoices,
    WaveStatusChoices,
    default_strategy,
)
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
    """Add devices to a wave in bulk (e.g. every desktop past its cycle at the Town Hall); skip those already in.
    No strategy: the wave kind's default (replace for a desktop replacement wave)."""
    strategy = strategy or default_strategy(wave.kind)
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


@transaction.atomic
def wave_item_walk(*, item: WaveItem, to_state: str, result: str = "", allow_from_failed: bool = False) -> WaveItem:
    """Walk an item forward through every intermediate state to `to_state` (each step audited), or fail it."""
    from migration_plans.jobs import PATH

    if to_state in (ItemStateChoices.FAILED, ItemStateChoices.ROLLED_BACK) or to_state == item.state:
        return wave_item_transition(item=item, to_state=to_state, result=result)
    if item.state in (ItemStateChoices.FAILED, ItemStateChoices.ROLLED_BACK):
        if not allow_from_failed:
            return item
        wave_item_transition(item=item, to_state=ItemStateChoices.PLANNED)
    if item.state not in PATH or to_state not in PATH or PATH.index(to_state) <= PATH.index(item.state):
        if result:
            WaveItem.objects.filter(pk=item.pk).update(last_result=result[:500])
        return item
    for state in PATH[PATH.index(item.state) + 1 : PATH.index(to_state) + 1]:
        wave_item_transition(item=item, to_state=state, result=result if state == to_state else "")
    return item


@transaction.atomic
def playbook_run_start(*, wave: Wave, playbook: str, items: Iterable[WaveItem] | None = None, check_mode: bool = False,
                       credential=None, extravars: dict | None = None, user=None, started_by: str = ""):
    """Start a playbook run against (some of) a wave's items, as a job. The wave must be approved."""
    from estate.jobs import job_enqueue
    from migration_plans.choices import PlaybookChoices
    from migration_plans.models import PlaybookRun
    from migration_plans.preflight import wave_preflight
    from migration_plans.runner import _SECRET_KEY_NAME

    if not wave.is_approved:
        raise ValidationError("Approve the wave before running its playbooks.")
    if playbook not in PlaybookChoices.values:
        raise ValidationError({"playbook": "Unknown playbook."})
    extravars = dict(extravars or {})
    for key in extravars:
        if _SECRET_KEY_NAME.search(str(key)):
            raise ValidationError({"extravars": f"{key!r} looks like a secret: pass secrets as a credential."})
    chosen = list(items) if items is not None else list(wave.items.filter(device__isnull=False))
    if any(i.wave_id != wave.pk for i in chosen):
        raise ValidationError("Items must belong to this wave.")
    if not chosen:
        raise ValidationError("The wave has no device items to run against.")
    if credential is not None and credential.kind not in ("ssh_password", "ssh_key"):
        raise ValidationError({"credential": "Choose an SSH credential."})
    preflight = wave_preflight(wave=wave, items=chosen, credential=credential)
    if not preflight.runnable:
        raise ValidationError(f"Nothing to run: {preflight.summary()}")
    name = f"{PlaybookChoices(playbook).label} on {wave}{' (check mode)' if check_mode else ''}"
    job = job_enqueue(kind="playbook", name=name, user=user, started_by=started_by)
    run = PlaybookRun.objects.create(wave=wave, job=job, playbook=playbook, check_mode=check_mode,
                                     credential=credential, extravars=extravars, item_ids=[i.pk for i in chosen])
    job.kwargs = {"playbook_run_id": run.pk}
    job.save(update_fields=["kwargs"])
    if not check_mode:
        wave_start(wave=wave)
    return run


@transaction.atomic
def wave_items_verify(*, item_ids: Iterable[int], answered_device_ids: set[int], run_label: str) -> list[str]:
    """After a playbook run's verifying discovery: validated items whose device answered are done; the others stay
    validated, with the reason. Returns one warning per item not verified."""
    warnings, waves = [], {}
    for item in WaveItem.objects.filter(pk__in=list(item_ids), state=ItemStateChoices.VALIDATED).select_related("wave"):
        if item.device_id in answered_device_ids:
            wave_item_walk(item=item, to_state=ItemStateChoices.DONE, result=f"verified by {run_label}")
            waves[item.wave_id] = item.wave
        else:
            WaveItem.objects.filter(pk=item.pk).update(last_result=f"not verified: {run_label} could not reach it")
            warnings.append(f"{item}: not verified, the device did not answer")
    for wave in waves.values():
        wave_complete_if_done(wave=wave)
    return warnings
