"""Spreadsheet import of devices, sites, hardware models and applications: preview, then apply all or nothing.

import_preview() reads the file, maps columns, parses every cell, resolves references and matches existing objects,
and returns the plan (an action per row: create/update/skip/error) without writing anything. import_apply() builds
the same plan and, only if no row has an error, writes it in one transaction: referenced objects (manufacturers,
hardware models, platforms, sites, locations) through object_save, the imported rows with bulk_create/bulk_update,
and their audit history as LogEntry rows written in bulk (bulk writes bypass auditlog's signals).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.text import slugify

from estate.audit_bulk import audit_create_record, audit_creates_write, audit_entry, rows_insert, rows_update
from estate.context import audit_context
from estate.services import object_save
from inventory import importing as imp
from inventory.choices import DeviceKindChoices, DiscoverySourceChoices, ProvenanceSourceChoices
from inventory.models import Application, Device, HardwareModel, Location, Manufacturer, Platform, Site
from inventory.naming import model_name_variants, reference_keys
from inventory.services import (
    device_findings_refresh,
    device_person_fields,
    devices_person_values_record,
)

MODELS: dict[str, type[models.Model]] = {
    "devices": Device, "sites": Site, "hardware-models": HardwareModel, "applications": Application,
}
ON_EXISTING = ("update", "skip")


def import_perms(model: str) -> tuple[str, str]:
    """Importing creates and updates: both permissions on the imported model are needed."""
    meta = MODELS[model]._meta
    return (f"{meta.app_label}.add_{meta.model_name}", f"{meta.app_label}.change_{meta.model_name}")
BATCH = 500
# Fields no import sets directly; FKs are assigned as objects and checked by the planner.
_FK_FIELDS = ("site", "location", "manufacturer", "hardware_model", "platform")


@dataclass
class RowPlan:
    number: int
    action: str = "create"  # create | update | skip | error
    obj: models.Model | None = None
    old: dict[str, Any] = field(default_factory=dict)  # field -> old value (the id for a foreign key)
    old_labels: dict[str, Any] = field(default_factory=dict)  # field -> old related object
    changes: dict[str, list[str]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    person_fields: list[str] = field(default_factory=list)  # discoverable fields the row sets (a device)

    def error(self, field_name: str, message: str) -> None:
        self.errors.append((field_name, message))
        self.action = "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "action": self.action,
            "object": str(self.obj) if self.obj is not None and self.action != "error" else "",
            "object_id": getattr(self.obj, "pk", None),
            "errors": [{"field": f, "message": m} for f, m in self.errors],
            "changes": self.changes,
            "note": self.note,
        }


@dataclass
class ImportResult:
    """The preview (and, once applied, the outcome) of one import."""

    import_id: str
    model: str
    headers: list[str] = field(default_factory=list)
    mapping: list[str] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    will_create: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    applied: bool = False

    @property
    def request_id(self) -> str:
        return f"import:{self.import_id}"

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "skip": 0, "error": 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def errors(self) -> list[str]:
        """Every problem as one line: "Row 7, purchase_date: “31/13/2019” is not a valid date"."""
        lines = list(self.file_errors)
        for row in self.rows:
            lines.extend(f"Row {row.number}, {f}: {m}" for f, m in row.errors)
        return lines

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and not any(row.errors for row in self.rows)

    def will_create_text(self) -> list[str]:
        out = []
        for label, names in self.will_create.items():
            if names:
                noun = label if len(names) != 1 else label.rstrip("s")
                out.append(f"will create {len(names)} {noun}: {', '.join(names[:10])}{'…' if len(names) > 10 else ''}")
        return out

    def as_dict(self, *, max_rows: int | None = None) -> dict[str, Any]:
        rows = self.rows if max_rows is None else self.rows[:max_rows]
        return {
            "import_id": self.import_id,
            "request_id": self.request_id,
            "model": self.model,
            "valid": self.is_valid,
            "applied": self.applied,
            "options": self.options,
            "columns": [{"header": h, "field": m or None} for h, m in zip(self.headers, self.mapping, strict=True)],
            "counts": self.counts,
            "will_create": self.will_create,
            "errors": self.errors,
            "notes": self.notes,
            "rows": [r.as_dict() for r in rows],
        }


# --- Public services -------------------------------------------------------------------------------------------------


def import_preview(
    *,
    data: bytes,
    filename: str = "",
    model: str = "devices",
    mapping: dict[str, str] | list[str] | None = None,
    on_existing: str = "update",
    create_missing_sites: bool = False,
    import_id: str | None = None,
) -> ImportResult:
    """Plan an import without writing anything."""
    return _plan(data=data, filename=filename, model=model, mapping=mapping, on_existing=on_existing,
                 create_missing_sites=create_missing_sites, import_id=import_id)


@transaction.atomic
def import_apply(
    *,
    data: bytes,
    filename: str = "",
    model: str = "devices",
    mapping: dict[str, str] | list[str] | None = None,
    on_existing: str = "update",
    create_missing_sites: bool = False,
    user: Any = None,
    import_id: str | None = None,
) -> ImportResult:
    """Plan the import and, if no row has an error, write all of it; otherwise write nothing."""
    result = _plan(data=data, filename=filename, model=model, mapping=mapping, on_existing=on_existing,
                   create_missing_sites=create_missing_sites, import_id=import_id)
    if not result.is_valid:
        return result
    with audit_context(actor=user, request_id=result.request_id):
        try:
            with transaction.atomic():
                _write(result, user=user)
        except (IntegrityError, ValidationError) as exc:
            # A race or a conflict the planner could not see: nothing is written.
            result.file_errors.append(f"Nothing was imported: the data conflicts with existing records ({exc}).")
            return result
    result.applied = True
    return result


# --- Planning ---------------------------------------------------------------------------------------------------------


class _Refs:
    """Referenced objects: existing ones by name/slug, and new ones to create (shared unsaved instances)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.new: dict[str, dict[Any, models.Model]] = {k: {} for k in
                                                         ("manufacturers", "hardware models", "platforms", "sites",
                                                          "locations")}
        self.manufacturers = _index(Manufacturer.objects.all(), ("name", "slug"))
        self.platforms = _index(Platform.objects.all(), ("name", "slug"))
        self.sites = _index(Site.objects.all(), ("name", "slug")) if model == "devices" else {}
        self.locations: dict[tuple[int, str], Location] = {}
        self.models_by_mf: dict[tuple[int, str], HardwareModel] = {}
        self.models_by_name: dict[str, list[HardwareModel]] = {}
        if model == "devices":
            site_by_id = {o.pk: o for o in self.sites.values()}
            for loc in Location.objects.all():
                loc.site = site_by_id[loc.site_id]
                self.locations.setdefault((loc.site_id, loc.name.lower()), loc)
                self.locations.setdefault((loc.site_id, loc.slug), loc)
        mf_by_id = {m.pk: m for m in self.manufacturers.values()}
        if model in ("devices", "hardware-models"):
            for hm in HardwareModel.objects.all():
                hm.manufacturer = mf_by_id[hm.manufacturer_id]  # no query per row in clean()
                self.models_by_mf.setdefault((hm.manufacturer_id, hm.model.lower()), hm)
                self.models_by_mf.setdefault((hm.manufacturer_id, hm.slug), hm)
                self.models_by_name.setdefault(hm.model.lower(), []).append(hm)
        self.site_ids = {o.pk: o for o in self.sites.values()}
        self.location_ids = {o.pk: o for o in self.locations.values()}
        self.manufacturer_ids = mf_by_id
        self.model_ids = {o.pk: o for o in self.models_by_mf.values()}
        self.platform_ids = {o.pk: o for o in self.platforms.values()}
        self._slugs: dict[str, set[str]] = {
            "manufacturers": {m.slug for m in self.manufacturers.values()},
            "platforms": {p.slug for p in self.platforms.values()},
            "sites": {s.slug for s in self.sites.values()},
        }

    def attach(self, device: Device) -> None:
        """Fill a device's related-object cache from the prefetched references (no query per device)."""
        for name, by_id in (("site", self.site_ids), ("location", self.location_ids),
                            ("manufacturer", self.manufacturer_ids), ("hardware_model", self.model_ids),
                            ("platform", self.platform_ids)):
            value = getattr(device, f"{name}_id")
            if value is not None and value in by_id:
                device._state.fields_cache[name] = by_id[value]

    def _slug(self, kind: str, name: str, taken: set[str] | None = None) -> str:
        taken = self._slugs.setdefault(kind, set()) if taken is None else taken
        base = slugify(name)[:90] or "item"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        return slug

    def manufacturer(self, name: str) -> Manufacturer:
        found = next(filter(None, map(self.manufacturers.get, reference_keys(name))), None)
        if found:
            return found
        new = self.new["manufacturers"]
        if name.lower() not in new:
            new[name.lower()] = Manufacturer(name=name[:100], slug=self._slug("manufacturers", name))
        return new[name.lower()]

    def platform(self, name: str) -> Platform:
        found = next(filter(None, map(self.platforms.get, reference_keys(name))), None)
        if found:
            return found
        new = self.new["platforms"]
        if name.lower() not in new:
            new[name.lower()] = Platform(name=name[:100], slug=self._slug("platforms", name))
        return new[name.lower()]

    def site(self, name: str, create: bool) -> Site | None:
        found = next(filter(None, map(self.sites.get, reference_keys(name))), None)
        if found or not create:
            return found
        new = self.new["sites"]
        if name.lower() not in new:
            new[name.lower()] = Site(name=name[:100], slug=self._slug("sites", name))
        return new[name.lower()]

    def location(self, site: Site, name: str) -> Location:
        if name.lower().startswith(f"{site.name.lower()} / "):
            name = name[len(site.name) + 3:].strip()  # as exported: "Town Hall / Comms room"
        if site.pk:
            found = self.locations.get((site.pk, name.lower())) or self.locations.get((site.pk, slugify(name)))
            if found:
                return found
        new = self.new["locations"]
        key = (id(site), name.lower())
        if key not in new:
            taken = {slug for (sid, slug) in self.locations if sid == site.pk} if site.pk else set()
            taken |= {loc.slug for (sid, _), loc in new.items() if sid == id(site)}
            new[key] = Location(site=site, name=name[:100], slug=self._slug("locations", name, taken))
        return new[key]

    def hardware_model(self, manufacturer: Manufacturer | None, name: str, kind: str | None
                       ) -> tuple[HardwareModel | None, str]:
        """The model, or (None, reason). A new model needs its manufacturer."""
        if manufacturer is None:
            matches = self.models_by_name.get(name.lower(), [])
            if len(matches) == 1:
                return matches[0], ""
            if len(matches) > 1:
                return None, f"several manufacturers make a “{name}”: add a manufacturer column"
            return None, f"no hardware model “{name}”: add a manufacturer column so it can be created"
        # "HP EliteBook 840 G5" under make "HP": the model is "EliteBook 840 G5" (the same rule as discovery's).
        variants = model_name_variants(manufacturer.name, name)
        short = variants[-1]
        if manufacturer.pk:
            for candidate in variants:
                found = (self.models_by_mf.get((manufacturer.pk, candidate.lower()))
                         or self.models_by_mf.get((manufacturer.pk, slugify(candidate))))
                if found:
                    return found, ""
        new = self.new["hardware models"]
        key = (id(manufacturer), short.lower())
        if key not in new:
            taken = {s for (mid, s) in self.models_by_mf if mid == manufacturer.pk} if manufacturer.pk else set()
            taken |= {hm.slug for (mid, _), hm in new.items() if mid == id(manufacturer)}
            new[key] = HardwareModel(manufacturer=manufacturer, model=short[:100],
                                     slug=self._slug("hardware models", short, taken),
                                     kind=kind or DeviceKindChoices.OTHER)
        return new[key], ""

    def summary(self) -> dict[str, list[str]]:
        def label(obj: models.Model) -> str:
            parent = obj._state.fields_cache.get("manufacturer") if isinstance(obj, HardwareModel) else None
            return f"{parent} {obj.model}" if parent is not None else str(obj)

        return {kind: sorted(label(o) for o in objs.values()) for kind, objs in self.new.items() if objs}


def _index(queryset: Iterable[models.Model], fields: tuple[str, ...]) -> dict[str, models.Model]:
    out: dict[str, models.Model] = {}
    for obj in queryset:
        for name in fields:
            value = getattr(obj, name)
            if value:
                out.setdefault(value.lower() if name == "name" else value, obj)
    return out


def _plan(*, data: bytes, filename: str, model: str, mapping: dict[str, str] | list[str] | None, on_existing: str,
          create_missing_sites: bool, import_id: str | None) -> ImportResult:
    if model not in MODELS:
        raise ValueError(f"Unknown import model {model!r}: use one of {', '.join(MODELS)}.")
    if on_existing not in ON_EXISTING:
        raise ValueError(f"on_existing must be one of {', '.join(ON_EXISTING)}.")
    result = ImportResult(import_id=import_id or uuid.uuid4().hex, model=model,
                          options={"on_existing": on_existing, "create_missing_sites": create_missing_sites})
    try:
        table = imp.read_table(data, filename)
    except imp.ImportFileError as exc:
        result.file_errors.append(str(exc))
        return result
    result.headers = table.headers
    result.notes.extend(table.notes)
    if table.encoding and table.encoding not in ("utf-8", "utf-8-sig"):
        result.notes.append(f"Read as {table.encoding} text.")
    targets = imp.TARGETS[model]
    if isinstance(mapping, list):
        if len(mapping) != len(table.headers):
            result.file_errors.append("The column mapping does not match the file's columns: upload it again.")
            return result
        result.mapping = [m if m in targets else imp.IGNORE for m in mapping]
        chosen = [m for m in result.mapping if m]
        duplicated = sorted({m for m in chosen if chosen.count(m) > 1})
        if duplicated:
            result.file_errors.append(f"More than one column is mapped to {', '.join(duplicated)}.")
            return result
    else:
        unknown = sorted(v for v in (mapping or {}).values() if v and v not in targets)
        if unknown:
            result.file_errors.append(f"Not a field of {model}: {', '.join(unknown)}. "
                                      f"Choose from {', '.join(targets)} or leave it empty to ignore the column.")
            return result
        result.mapping = imp.guess_mapping(table.headers, model, mapping)
    result.file_errors.extend(imp.mapping_problems(result.mapping, model))
    if result.file_errors:
        return result
    columns = {target: i for i, target in enumerate(result.mapping) if target}
    planner = {"devices": _plan_devices, "sites": _plan_sites, "hardware-models": _plan_hardware_models,
               "applications": _plan_applications}[model]
    refs = _Refs(model)
    result.rows = planner(table, columns, refs, on_existing=on_existing, create_missing_sites=create_missing_sites)
    result.will_create = refs.summary()
    if model == "devices" and "site" not in columns:
        result.notes.append("No column is mapped to site: every device needs one.")
    return result


def _cells(table: imp.Table, columns: dict[str, int]) -> Iterable[tuple[int, dict[str, Any]]]:
    for number, cells in zip(table.row_numbers, table.rows, strict=True):
        yield number, {target: cells[i] for target, i in columns.items()}


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "kind": imp.parse_kind, "status": imp.parse_status, "criticality": imp.parse_criticality,
    "primary_ip": imp.parse_ip, "management_ip": imp.parse_ip,
    "purchase_date": imp.parse_date, "warranty_end": imp.parse_date, "release_date": imp.parse_date,
    "end_of_sale": imp.parse_date, "end_of_support": imp.parse_date,
    "purchase_cost": imp.parse_decimal, "unit_cost": imp.parse_decimal,
}


def _parse_row(row: RowPlan, raw: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Parse every mapped cell; blank cells are left out (on update they never clear a value)."""
    values: dict[str, Any] = {}
    for name, cell in raw.items():
        if name in skip:
            continue
        try:
            value = _PARSERS.get(name, imp.parse_text)(cell)
        except ValueError as exc:
            row.error(name, str(exc))
            continue
        if value not in (None, ""):
            values[name] = value
    return values


def _apply_values(row: RowPlan, obj: models.Model, values: dict[str, Any], existing: bool) -> None:
    """Set values on obj, remembering old ones so the update's changes can be listed."""
    for name, value in values.items():
        f = obj._meta.get_field(name)
        if existing:
            row.old[name] = getattr(obj, f.attname)
            if f.is_relation and row.old[name] is not None:
                row.old_labels[name] = obj._state.fields_cache.get(name)  # fetched with select_related: no query
        setattr(obj, name, value)


def _validate(row: RowPlan, obj: models.Model, names: Iterable[str] | None = None) -> None:
    # Field validators (of the fields the file set, when given) and the model's cross-field rules; uniqueness is
    # checked for the whole file at once.
    fields = [f for f in obj._meta.concrete_fields if not f.is_relation and f.name != "locked_fields"
              and not f.primary_key and (names is None or f.name in names)]
    errors: dict[str, list[str]] = {}
    for f in fields:
        value = getattr(obj, f.attname)
        if type(f) is models.CharField and not f.choices:
            # Plain text needs only its length checked: cheaper than Field.clean() on 10,000 rows.
            if value and len(value) > f.max_length:
                errors.setdefault(f.name, []).append(
                    f"Ensure this value has at most {f.max_length} characters (it has {len(value)}).")
            continue
        try:
            f.clean(value, obj)
        except ValidationError as exc:
            errors.setdefault(f.name, []).extend(exc.messages)
    for name, messages in errors.items():
        for message in messages:
            row.error(name, message)
    if errors:
        return
    try:
        obj.clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                row.error(name if name != "__all__" else "row", message)


def _display(value: Any) -> str:
    if value is None or value == "":
        return ""
    return smart_str(value)


def _finish_row(row: RowPlan, obj: models.Model, existing: bool) -> None:
    if row.errors:
        row.action = "error"
        return
    if not existing:
        row.action = "create"
        return
    for name, old in row.old.items():
        f = obj._meta.get_field(name)
        new = getattr(obj, f.attname)
        if f.is_relation:
            related = obj._state.fields_cache.get(name)
            if old != new or (related is not None and not related.pk):
                row.changes[name] = [_display(row.old_labels.get(name)), _display(related)]
        elif old != new:
            row.changes[name] = [_display(old), _display(new)]
    row.action = "update" if row.changes else "skip"
    if not row.changes:
        row.note = "no changes"


class _Uniques:
    """Unique keys seen in this file (key -> row number) and held by existing objects (key -> pk)."""

    def __init__(self) -> None:
        self.seen: dict[tuple, int] = {}
        self.existing: dict[tuple, int] = {}

    def check(self, row: RowPlan, obj: models.Model, keys: list[tuple[str, tuple]], what: str) -> None:
        for field_name, key in keys:
            full = (field_name, *key)
            if full in self.seen:
                row.error(field_name, f"the same {field_name.replace('_', ' ')} as row {self.seen[full]}")
                continue
            self.seen[full] = row.number
            other = self.existing.get(full)
            if other is not None and other != obj.pk:
                row.error(field_name, f"another {what} (id {other}) already has this {field_name.replace('_', ' ')}")


def _key(obj: models.Model | None) -> Any:
    return None if obj is None else (obj.pk or f"new:{id(obj)}")


def _chunks(values: list[Any], size: int = BATCH) -> Iterable[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _plan_devices(table: imp.Table, columns: dict[str, int], refs: _Refs, *, on_existing: str,
                  create_missing_sites: bool) -> list[RowPlan]:
    parsed: list[tuple[RowPlan, dict[str, Any], dict[str, Any]]] = []
    serials, tags, names = set(), set(), set()
    for number, raw in _cells(table, columns):
        row = RowPlan(number=number)
        values = _parse_row(row, raw)
        for name in _FK_FIELDS:
            values.pop(name, None)
        texts = {name: imp.parse_text(raw[name]) for name in _FK_FIELDS if name in raw}
        serials.add(values.get("serial", ""))
        tags.add(values.get("asset_tag", ""))
        names.add(values.get("name", ""))
        parsed.append((row, values, texts))

    # Every possible match in a few light queries (by serial, asset tag, name), then the devices themselves once;
    # their related objects come from the prefetched references, not from a join per device.
    ids: set[int] = set()
    for lookup, keys in (("serial__in", serials), ("asset_tag__in", tags), ("name__in", names)):
        keys.discard("")
        for chunk in _chunks(sorted(keys)):
            ids.update(Device.objects.filter(**{lookup: chunk}).values_list("pk", flat=True))
    existing: dict[int, Device] = {}
    for chunk in _chunks(sorted(ids)):
        for device in Device.objects.filter(pk__in=chunk):
            refs.attach(device)
            existing[device.pk] = device
    by_serial = {(d.manufacturer_id, d.serial): d for d in existing.values() if d.serial}
    by_tag = {d.asset_tag: d for d in existing.values() if d.asset_tag}
    by_name = {(d.site_id, d.name): d for d in existing.values()}
    uniques = _Uniques()
    for d in existing.values():
        uniques.existing[("name", d.site_id, d.name)] = d.pk
        if d.serial:
            uniques.existing[("serial", d.manufacturer_id, d.serial)] = d.pk
        if d.asset_tag:
            uniques.existing[("asset_tag", d.asset_tag)] = d.pk
    matched_rows: dict[int, int] = {}

    rows: list[RowPlan] = []
    for row, values, texts in parsed:
        rows.append(row)
        refs_out: dict[str, Any] = {}
        kind = values.get("kind")
        if texts.get("manufacturer"):
            refs_out["manufacturer"] = refs.manufacturer(texts["manufacturer"])
        if texts.get("hardware_model"):
            hm, reason = refs.hardware_model(refs_out.get("manufacturer"), texts["hardware_model"], kind)
            if hm is None:
                row.error("hardware_model", reason)
            else:
                refs_out["hardware_model"] = hm
                refs_out["manufacturer"] = hm.manufacturer
        if texts.get("platform"):
            platform, version = texts["platform"], ""
            if "os_version" not in values:
                platform, version = imp.split_platform(platform)
            refs_out["platform"] = refs.platform(platform)
            if version:
                values["os_version"] = version
        site = None
        if texts.get("site"):
            site = refs.site(texts["site"], create_missing_sites)
            if site is None:
                row.error("site", f"no site “{texts['site']}”: add it first or choose “create missing sites”")
            else:
                refs_out["site"] = site
        if site is not None and texts.get("location"):
            refs_out["location"] = refs.location(site, texts["location"])

        # Match: serial + manufacturer, then asset tag, then name + site.
        device = None
        mf = refs_out.get("manufacturer")
        if values.get("serial") and (mf is None or mf.pk):
            device = by_serial.get((mf.pk if mf else None, values["serial"]))
        if device is None and values.get("asset_tag"):
            device = by_tag.get(values["asset_tag"])
        if device is None and values.get("name") and site is not None and site.pk:
            device = by_name.get((site.pk, values["name"]))
        if device is not None and _claimed(row, device, matched_rows, on_existing, "device"):
            continue
        is_existing = device is not None
        if device is None:
            if "name" not in values:
                row.error("name", "a device needs a name")
            if site is None and not any(f == "site" for f, _ in row.errors):
                row.error("site", "a device needs a site")
            if row.errors:
                continue
            device = Device(discovery_source=DiscoverySourceChoices.IMPORT)
            hm = refs_out.get("hardware_model")
            device.kind = kind or (hm.kind if hm is not None and hm.pk else DeviceKindChoices.OTHER)
        _apply_values(row, device, values | refs_out, is_existing)
        row.obj = device
        if row.errors:
            continue
        _validate(row, device, values.keys() if not is_existing else None)
        keys = [("name", (_key(device.site), device.name))]
        if device.serial:
            keys.append(("serial", (_key(device.manufacturer), device.serial)))
        if device.asset_tag:
            keys.append(("asset_tag", (device.asset_tag,)))
        uniques.check(row, device, keys, "device")
        _finish_row(row, device, is_existing)
        # The same rule as a person's edit (inventory.services): the fields an import sets are the importer's.
        row.person_fields = device_person_fields(device=device, changed_fields=row.changes,
                                                 creating=row.action == "create")
        locked = set(device.locked_fields or []) | set(row.person_fields)
        if locked != set(device.locked_fields or []):
            if row.action == "update":
                row.old["locked_fields"] = device.locked_fields
            device.locked_fields = sorted(locked)
    return rows


def _plan_simple(table: imp.Table, columns: dict[str, int], *, model: type[models.Model], on_existing: str,
                 what: str) -> list[RowPlan]:
    """Sites and applications: matched by slug, then by name (case-insensitive); slug made from the name."""
    objects = list(model.objects.all())
    by_slug = {o.slug: o for o in objects}
    by_name = {o.name.lower(): o for o in objects}
    uniques = _Uniques()
    for o in objects:
        uniques.existing[("name", o.name.lower())] = o.pk
        uniques.existing[("slug", o.slug)] = o.pk
    slugs = set(by_slug)
    matched: dict[int, int] = {}
    rows: list[RowPlan] = []
    for number, raw in _cells(table, columns):
        row = RowPlan(number=number)
        rows.append(row)
        values = _parse_row(row, raw)
        if "slug" in values:
            values["slug"] = values["slug"].lower()
        obj = by_slug.get(values.get("slug", "")) or by_name.get(values.get("name", "").lower())
        if obj is not None and _claimed(row, obj, matched, on_existing, what):
            continue
        existing = obj is not None
        if obj is None:
            if "name" not in values:
                row.error("name", f"a {what} needs a name")
                continue
            obj = model()
            if "slug" not in values:
                base = slugify(values["name"])[:90] or what
                slug, n = base, 2
                while slug in slugs:
                    slug, n = f"{base}-{n}", n + 1
                values["slug"] = slug
            slugs.add(values["slug"])
        _apply_values(row, obj, values, existing)
        row.obj = obj
        if row.errors:
            continue
        _validate(row, obj)
        uniques.check(row, obj, [("name", (obj.name.lower(),)), ("slug", (obj.slug,))], what)
        _finish_row(row, obj, existing)
    return rows


def _claimed(row: RowPlan, obj: models.Model, matched: dict[int, int], on_existing: str, what: str) -> bool:
    """A row that matches an existing object: an error if an earlier row matched it too, else claim it; True when
    the row is done (that error, or skipped because existing objects are left alone)."""
    if obj.pk in matched:
        row.error("row", f"matches the same {what} ({obj}) as row {matched[obj.pk]}")
        return True
    matched[obj.pk] = row.number
    if on_existing == "skip" and not row.errors:
        row.action, row.obj, row.note = "skip", obj, "already exists"
        return True
    return False


def _plan_sites(table, columns, refs, *, on_existing, create_missing_sites):
    return _plan_simple(table, columns, model=Site, on_existing=on_existing, what="site")


def _plan_applications(table, columns, refs, *, on_existing, create_missing_sites):
    return _plan_simple(table, columns, model=Application, on_existing=on_existing, what="application")


def _plan_hardware_models(table: imp.Table, columns: dict[str, int], refs: _Refs, *, on_existing: str,
                          create_missing_sites: bool) -> list[RowPlan]:
    """Hardware models, matched by manufacturer + model (or slug); missing manufacturers are created."""
    uniques = _Uniques()
    for (mf_id, _), hm in refs.models_by_mf.items():
        uniques.existing[("model", mf_id, hm.model.lower())] = hm.pk
        uniques.existing[("slug", mf_id, hm.slug)] = hm.pk
    matched: dict[int, int] = {}
    rows: list[RowPlan] = []
    for number, raw in _cells(table, columns):
        row = RowPlan(number=number)
        rows.append(row)
        values = _parse_row(row, raw, skip=("manufacturer",))
        mf_name = imp.parse_text(raw.get("manufacturer"))
        if not mf_name:
            row.error("manufacturer", "a hardware model needs a manufacturer")
        if "model" not in values:
            row.error("model", "a hardware model needs a model name")
        if row.errors:
            continue
        manufacturer = refs.manufacturer(mf_name)
        slug = values.get("slug", "").lower()
        obj = None
        if manufacturer.pk:
            obj = (refs.models_by_mf.get((manufacturer.pk, values["model"].lower()))
                   or (refs.models_by_mf.get((manufacturer.pk, slug)) if slug else None))
        if obj is not None and _claimed(row, obj, matched, on_existing, "hardware model"):
            continue
        existing = obj is not None
        if obj is None:
            obj, _ = refs.hardware_model(manufacturer, values["model"], values.get("kind"))
            refs.new["hardware models"] = {k: v for k, v in refs.new["hardware models"].items() if v is not obj}
            values.pop("model")
        if slug:
            values["slug"] = slug
        _apply_values(row, obj, values, existing)
        row.obj = obj
        if row.errors:
            continue
        _validate(row, obj)
        mf_key = _key(manufacturer)
        uniques.check(row, obj, [("model", (mf_key, obj.model.lower())), ("slug", (mf_key, obj.slug))],
                      "hardware model")
        _finish_row(row, obj, existing)
    return rows


# --- Writing ----------------------------------------------------------------------------------------------------------


def _write(result: ImportResult, *, user: Any) -> None:
    model = MODELS[result.model]
    creates = [r.obj for r in result.rows if r.action == "create"]
    updates = [r for r in result.rows if r.action == "update"]
    # Referenced objects first, each audited through object_save (they are few).
    saved: set[int] = set()
    for obj in _referenced(result.rows):
        if id(obj) not in saved and not obj.pk:
            obj._prepare_related_fields_for_save(operation_name="save")  # pick up the parent saved just before
            object_save(instance=obj)
            saved.add(id(obj))
    now = timezone.now()
    if model is Device:
        _insert_devices(creates, now)
    else:
        for chunk in _chunks(creates):
            model.objects.bulk_create(chunk)
    audit_creates_write([audit_create_record(obj) for obj in creates], now=now, actor=user, cid=result.request_id)
    for r in updates:
        r.obj.last_updated = now
        r.obj._prepare_related_fields_for_save(operation_name="bulk_update")
    _bulk_update(model, updates)
    if model is Device:
        devices_person_values_record(
            fields_by_device={r.obj.pk: r.person_fields for r in result.rows if r.action in ("create", "update")
                              and r.person_fields}, source=ProvenanceSourceChoices.IMPORT, at=now,
            detail="imported")
        # Findings follow the imported values, as they follow any other door's changes.
        device_findings_refresh(device_ids=[r.obj.pk for r in result.rows if r.action in ("create", "update")])
    ct = ContentType.objects.get_for_model(model)
    rows_insert(LogEntry, [audit_entry(ct=ct, obj=r.obj, action=LogEntry.Action.UPDATE, changes=_update_changes(r),
                                       actor=user, cid=result.request_id, now=now) for r in updates])


def _insert_devices(devices: list[Device], now) -> None:
    """Devices inserted with executemany, then their ids read back by their unique (site, name).

    bulk_create is several times slower here: SQLite's parameter limit cuts it into batches of ~35 rows, each
    compiled anew. (site, name) is unique, so reading the ids back is exact on every database.
    """
    if not devices:
        return
    fields = [f for f in Device._meta.concrete_fields if not f.primary_key]
    rows = []
    for device in devices:
        for name in _FK_FIELDS:
            related = device._state.fields_cache.get(name)
            if related is not None:
                setattr(device, f"{name}_id", related.pk)
        device.created = device.last_updated = now
        rows.append({f.attname: getattr(device, f.attname) for f in fields})
    rows_insert(Device, rows, fields=fields)
    by_key = {(d.site_id, d.name): d for d in devices}
    for chunk in _chunks(sorted({d.name for d in devices})):
        for pk, site_id, name in Device.objects.filter(name__in=chunk).values_list("pk", "site_id", "name"):
            device = by_key.get((site_id, name))
            if device is not None:
                device.pk = pk
                device._state.adding = False


def _bulk_update(model: type[models.Model], updates: list[RowPlan]) -> None:
    """One executemany per set of changed columns."""
    groups: dict[tuple[str, ...], list[models.Model]] = {}
    for r in updates:
        names = set(r.changes) | {"last_updated"} | ({"locked_fields"} if "locked_fields" in r.old else set())
        if "hardware_model" in names:
            names.add("manufacturer")  # clean() may have filled it from the model
        groups.setdefault(tuple(sorted(names)), []).append(r.obj)
    for names, objs in groups.items():
        rows_update(model, objs, [model._meta.get_field(n) for n in names])


def _referenced(rows: list[RowPlan]) -> list[models.Model]:
    """Unsaved objects the rows point at, parents first (manufacturer before its model, site before its rooms)."""
    out: list[models.Model] = []
    order = {Manufacturer: 0, Site: 0, Platform: 1, HardwareModel: 2, Location: 2}
    for row in rows:
        if row.action not in ("create", "update") or row.obj is None:
            continue
        for name in _FK_FIELDS:
            related = row.obj._state.fields_cache.get(name)
            if related is not None and not related.pk:
                out.append(related)
                parent = related._state.fields_cache.get("manufacturer") or related._state.fields_cache.get("site")
                if parent is not None and not parent.pk:
                    out.append(parent)
    return sorted(out, key=lambda o: order.get(type(o), 3))


def _field_text(obj: models.Model, f: models.Field) -> str:
    value = getattr(obj, f.attname)
    if value is None:
        return "None"
    if isinstance(f, models.JSONField):
        return json.dumps(value, sort_keys=True)
    return smart_str(value)


def _update_changes(row: RowPlan) -> dict[str, list[str]]:
    # As auditlog records an update: {field: [old, new]} with foreign keys as ids.
    out = {}
    for name in (*row.changes, *(["locked_fields"] if "locked_fields" in row.old else [])):
        f = row.obj._meta.get_field(name)
        old = row.old.get(name)
        old_text = "None" if old is None else (json.dumps(old, sort_keys=True) if isinstance(f, models.JSONField)
                                               else smart_str(old))
        out[name] = [old_text, _field_text(row.obj, f)]
    return out


