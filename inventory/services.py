"""Writes to devices that carry rules beyond a plain save: the one door for people's edits, provenance, proposals
and find-or-create of makers, platforms and models. The UI, the API, bulk edit, the importer and discovery all
come through here (inventory/provenance.py holds the precedence rule itself)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from estate.services import object_save
from inventory.choices import DeviceKindChoices, ProposedChangeStatusChoices, ProvenanceSourceChoices
from inventory.models import Device, FieldProvenance, HardwareModel, Manufacturer, Platform, ProposedChange
from inventory.models.devices import DISCOVERABLE_FIELDS
from inventory.naming import model_name_variants, reference_keys
from inventory.provenance import Source, source_of

# Fields whose value is a related row, named by text in proposals and facts.
RELATED_FIELDS = ("manufacturer", "platform", "hardware_model")


# --- find or create the rows devices point at ------------------------------------------------------------------------

_REF_CACHE: dict[tuple[str, ...], Any] = {}


def reference_cache_clear() -> None:
    """Forget cached makers, platforms and models (once per discovery run: people may rename or merge them)."""
    _REF_CACHE.clear()


def _cached(key: tuple[str, ...], load: Callable[[], Any]) -> Any:
    value = _REF_CACHE.get(key)
    if value is None:
        value = load()
        if value is not None and len(_REF_CACHE) < 50_000:
            _REF_CACHE[key] = value
    return value


def _unique_slug(queryset: models.QuerySet, base: str) -> str:
    base = base[:90]
    slug, n = base, 2
    while queryset.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def manufacturer_get_or_create(*, name: str | None) -> Manufacturer | None:
    """The manufacturer of that name (any case) or slug, created when new. The importer matches the same way."""
    name = (name or "").strip()[:100]
    if not name:
        return None

    def load() -> Manufacturer:
        _lowered, slug = reference_keys(name)
        found = Manufacturer.objects.filter(Q(name__iexact=name) | Q(slug=slug)).order_by("pk").first()
        if found:
            return found
        return Manufacturer.objects.create(name=name, slug=_unique_slug(Manufacturer.objects, slug or "maker"))

    return _cached(("maker", name.lower()), load)


def platform_get_or_create(*, name: str | None, manufacturer: Manufacturer | None = None) -> Platform | None:
    name = (name or "").strip()[:100]
    if not name:
        return None

    def load() -> Platform:
        _lowered, slug = reference_keys(name)
        found = Platform.objects.filter(Q(name__iexact=name) | Q(slug=slug)).order_by("pk").first()
        if found:
            return found
        return Platform.objects.create(name=name, manufacturer=manufacturer,
                                       slug=_unique_slug(Platform.objects, slug or "platform"))

    return _cached(("platform", name.lower()), load)


def hardware_model_get_or_create(*, manufacturer: Manufacturer | None, model: str | None,
                                 kind: str | None = None) -> HardwareModel | None:
    model = (model or "").strip()[:100]
    if not (manufacturer and model):
        return None

    def load() -> HardwareModel:
        variants = model_name_variants(manufacturer.name, model)
        models_ = HardwareModel.objects.filter(manufacturer=manufacturer)
        for candidate in variants:
            found = models_.filter(Q(model__iexact=candidate) | Q(slug=slugify(candidate))).order_by("pk").first()
            if found:
                return found
        short = variants[-1]
        return HardwareModel.objects.create(
            manufacturer=manufacturer, model=short,
            kind=kind if kind in DeviceKindChoices.values else DeviceKindChoices.OTHER,
            slug=_unique_slug(models_, slugify(short) or "model"),
        )

    return _cached(("model", str(manufacturer.pk), model.lower()), load)


# --- field values as text (what provenance, proposals and the plan compare) -----------------------------------------


def device_field_text(device: Device, field: str) -> str:
    """A field's value as people read it: related rows by name."""
    value = getattr(device, field)
    if field == "hardware_model" and value is not None:
        return value.model
    return "" if value is None else str(value)


# --- provenance ------------------------------------------------------------------------------------------------------


def provenance_record(*, device_id: int, sources: Mapping[str, Source], at: datetime, job_id: int | None = None
                      ) -> None:
    """Remember where these fields' values came from (one row per field, replaced)."""
    if not sources:
        return
    rows = [FieldProvenance(device_id=device_id, field=field, source=src.source, strength=src.strength,
                            specific=src.specific, detail=src.detail[:200], confirmed=at, job_id=job_id)
            for field, src in sources.items() if field in DISCOVERABLE_FIELDS]
    FieldProvenance.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["device", "field"],
        update_fields=["source", "strength", "specific", "detail", "confirmed", "job"],
    )


def provenance_confirm(*, device_ids: Iterable[int], sources: Iterable[str], at: datetime) -> None:
    """A sighting that changed nothing: the fields these sources own were confirmed now (one UPDATE)."""
    ids = sorted(set(device_ids))
    for start in range(0, len(ids), 500):
        FieldProvenance.objects.filter(device_id__in=ids[start:start + 500], source__in=list(sources)).update(
            confirmed=at)


# --- people's edits ------------------------------------------------------------------------------------------------


def device_person_fields(*, device: Device, changed_fields: Iterable[str], creating: bool) -> list[str]:
    """The discoverable fields a person's edit (or an import row) sets: they become the person's, locked against
    discovery. On create, every discoverable field given a value."""
    if creating:
        return [f for f in DISCOVERABLE_FIELDS if getattr(device, f) not in (None, "")]
    return [f for f in changed_fields if f in DISCOVERABLE_FIELDS]


def devices_person_values_record(*, fields_by_device: Mapping[int, Iterable[str]], source: str, detail: str,
                                 at: datetime) -> None:
    """Provenance of values people set (UI, API, bulk edit, import), in bulk; their open proposals are moot."""
    rows = [FieldProvenance(device_id=pk, field=f, source=source, strength=source_of(source).strength,
                            specific=True, detail=detail[:200], confirmed=at)
            for pk, fields in fields_by_device.items() for f in fields if f in DISCOVERABLE_FIELDS]
    if not rows:
        return
    FieldProvenance.objects.bulk_create(rows, batch_size=500, update_conflicts=True, unique_fields=["device", "field"],
                                        update_fields=["source", "strength", "specific", "detail", "confirmed", "job"])
    for pk, fields in fields_by_device.items():
        ProposedChange.objects.filter(device_id=pk, field__in=list(fields),
                                      status=ProposedChangeStatusChoices.OPEN).update(
            status=ProposedChangeStatusChoices.SUPERSEDED, decided_at=at)


@transaction.atomic
def device_save_by_person(*, device: Device, changed_fields: Iterable[str] = (), m2m: dict | None = None,
                          source: str = ProvenanceSourceChoices.PERSON, detail: str = "",
                          evaluate: bool = True) -> Device:
    """Save a device a person created or edited (UI, API, bulk edit). The discoverable fields they set are locked:
    discovery keeps their value, and a stronger conflicting discovery becomes a proposed change instead."""
    creating = device.pk is None
    fields = device_person_fields(device=device, changed_fields=changed_fields, creating=creating)
    if fields:
        device.locked_fields = sorted(set(device.locked_fields or []) | set(fields))
    object_save(instance=device, m2m=m2m)
    devices_person_values_record(fields_by_device={device.pk: fields}, source=source, at=timezone.now(),
                                 detail=detail or ("entered" if creating else "edited"))
    if evaluate:
        device_findings_refresh(device_ids=[device.pk])
    return device


@transaction.atomic
def devices_bulk_edit(*, queryset: models.QuerySet, changes: dict[str, Any], m2m_add: dict[str, Any] | None = None
                      ) -> int:
    """Bulk edit: the same person's edit on every selected device, each audited, all or nothing."""
    ids = []
    for device in queryset.select_for_update(of=("self",)):
        changed = [name for name, value in changes.items() if getattr(device, name) != value]
        for name, value in changes.items():
            setattr(device, name, value)
        device_save_by_person(device=device, changed_fields=changed, evaluate=False)
        for name, values in (m2m_add or {}).items():
            getattr(device, name).add(*values)
        ids.append(device.pk)
    device_findings_refresh(device_ids=ids)
    return len(ids)


def device_findings_refresh(*, device_ids: Iterable[int]) -> None:
    """Lifecycle findings follow any change to a device, whichever door it came through."""
    ids = [pk for pk in device_ids if pk]
    if ids:
        from inventory.services_findings import findings_evaluate

        findings_evaluate(device_ids=ids)


# --- setting discovered values (discovery's apply, an accepted proposal) ---------------------------------------------


def device_value_set(*, device: Device, field: str, value: str, manufacturer: str = "") -> None:
    """Set one field from its text form (related rows found or created by name); no save."""
    if field == "manufacturer":
        device.manufacturer = manufacturer_get_or_create(name=value)
        if device.hardware_model_id and device.hardware_model.manufacturer_id != device.manufacturer_id:
            device.hardware_model = None  # a model of another maker would fail validation
    elif field == "platform":
        device.platform = platform_get_or_create(name=value, manufacturer=device.manufacturer)
    elif field == "hardware_model":
        maker = manufacturer_get_or_create(name=manufacturer) if manufacturer else device.manufacturer
        model = hardware_model_get_or_create(manufacturer=maker, model=value, kind=device.kind)
        if model is not None:
            device.manufacturer, device.hardware_model = maker, model
    else:
        max_length = device._meta.get_field(field).max_length
        setattr(device, field, value[:max_length] if max_length else value)


# --- proposed changes ------------------------------------------------------------------------------------------------


@transaction.atomic
def proposed_change_open(*, device: Device, field: str, value: str, source: Source, at: datetime,
                         job_id: int | None = None, current_source: str = "", manufacturer: str = "") -> ProposedChange:
    """Record (or refresh) discovery's proposal for a field a person owns. A newer, different proposal for the same
    field supersedes the open one."""
    open_ = ProposedChange.objects.filter(device=device, field=field, status=ProposedChangeStatusChoices.OPEN).first()
    if open_ is not None:
        if open_.proposed_value == value:
            ProposedChange.objects.filter(pk=open_.pk).update(last_proposed=at, job_id=job_id or open_.job_id)
            return open_
        open_.status, open_.decided_at = ProposedChangeStatusChoices.SUPERSEDED, at
        open_.save(update_fields=["status", "decided_at"])
    return ProposedChange.objects.create(
        device=device, field=field, current_value=device_field_text(device, field)[:255],
        current_source=current_source, proposed_value=value[:255], proposed_source=source.source,
        strength=source.strength, detail=source.detail[:200], proposed_manufacturer=manufacturer[:100],
        job_id=job_id, last_proposed=at,
    )


def _decidable(change: ProposedChange) -> None:
    if change.status != ProposedChangeStatusChoices.OPEN:
        raise ValidationError(f"This proposal is already {change.get_status_display().lower()}.")


@transaction.atomic
def proposed_change_accept(*, change: ProposedChange, user=None, evaluate: bool = True) -> Device:
    """Take discovery's value: the field is set, its provenance becomes the proposal's source, and the person's lock
    on it is lifted (discovery owns it again)."""
    change = ProposedChange.objects.select_for_update().select_related("device").get(pk=change.pk)
    _decidable(change)
    device = change.device
    device_value_set(device=device, field=change.field, value=change.proposed_value,
                     manufacturer=change.proposed_manufacturer)
    device.locked_fields = [f for f in (device.locked_fields or []) if f != change.field]
    object_save(instance=device)
    now = timezone.now()
    provenance_record(device_id=device.pk, at=now, job_id=change.job_id, sources={change.field: Source(
        source=change.proposed_source, strength=change.strength, detail=change.detail)})
    change.status, change.decided_by, change.decided_at = ProposedChangeStatusChoices.ACCEPTED, user, now
    change.save(update_fields=["status", "decided_by", "decided_at"])
    if evaluate:
        device_findings_refresh(device_ids=[device.pk])
    return device


@transaction.atomic
def proposed_change_reject(*, change: ProposedChange, user=None) -> ProposedChange:
    """Keep the person's value; the rejection is remembered so the same value is not proposed again."""
    change = ProposedChange.objects.select_for_update().get(pk=change.pk)
    _decidable(change)
    change.status, change.decided_by, change.decided_at = ProposedChangeStatusChoices.REJECTED, user, timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    return change


@transaction.atomic
def proposed_changes_decide(*, queryset: models.QuerySet, accept: bool, user=None) -> int:
    """Accept or reject every open proposal in the queryset (a selection, or all from a run); all or nothing."""
    count, devices = 0, set()
    for change in queryset.filter(status=ProposedChangeStatusChoices.OPEN).order_by("pk"):
        if accept:
            devices.add(proposed_change_accept(change=change, user=user, evaluate=False).pk)
        else:
            proposed_change_reject(change=change, user=user)
        count += 1
    device_findings_refresh(device_ids=devices)
    return count
