"""Writes for the lifecycle: catalogue sync and imports, hardware notices, version mappings, defaults, findings.

Who may overwrite what (so a sync never loses a person's work):

* ``catalogue_sync_shipped()`` creates missing shipped products/cycles/notices and updates rows whose origin is
  still "shipped"; rows imported or edited by hand are left alone.
* ``catalogue_import_products()`` (endoflife.date) creates missing rows and updates shipped or imported ones;
  a phase the import does not state keeps its current value; rows edited by hand ("manual") are never changed.
* A person's create or edit (UI or API) marks the row "manual".
"""

from __future__ import annotations

import csv
import io
import json
import logging
import urllib.parse
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from estate.fetch import FetchError, fetch
from estate.services import object_save
from inventory.choices import (
    DeviceKindChoices,
    LifecycleKindChoices,
)
from inventory.choices import (
    LifecycleOriginChoices as Origin,
)
from inventory.choices import (
    LifecyclePolicyRuleChoices as Rule,
)
from inventory.lifecycle import Catalogue, CatalogueCycle, CatalogueError, CatalogueProduct, default_catalogue
from inventory.lifecycle.catalogue import HardwareNotice as NoticeData
from inventory.lifecycle.eol_import import load_endoflife_file, parse_endoflife, parse_hardware_notices_csv
from inventory.lifecycle_engine import mapping_key
from inventory.models import (
    Device,
    HardwareModel,
    HardwareNotice,
    LifecycleCycle,
    LifecyclePolicy,
    LifecycleProduct,
    Manufacturer,
    Platform,
    VersionMapping,
)
from inventory.services_findings import LIFECYCLE_JOB_KIND, FindingsSummary, findings_evaluate

logger = logging.getLogger(__name__)

DAILY_SCHEDULE_NAME = "Lifecycle: re-evaluate findings"
DAILY_CRON = "30 5 * * *"
FETCH_TIMEOUT_SECONDS = 30
FETCH_MAX_BYTES = 20 * 1024 * 1024
WRITE_BATCH = 1000

# Replacement cycles a council starts from (editable as LifecyclePolicy rows).
DEFAULT_REPLACEMENT_YEARS = {
    DeviceKindChoices.DESKTOP: 5, DeviceKindChoices.LAPTOP: 4, DeviceKindChoices.SERVER: 7,
    DeviceKindChoices.IP_PHONE: 8, DeviceKindChoices.SWITCH: 8, DeviceKindChoices.ROUTER: 8,
    DeviceKindChoices.FIREWALL: 8, DeviceKindChoices.WIRELESS_AP: 8,
}
DEFAULT_DAYS = {Rule.WARRANTY: 90, Rule.NOT_SEEN: 30, Rule.SUPPORT_WINDOW: 180}


# --- catalogue rows <-> dataclasses ---------------------------------------------------------------------------------


def _split_phase(value: date | bool | None) -> tuple[date | None, bool]:
    if value is True:
        return None, True
    if value is None or value is False:
        return None, False
    return value, False


def _product_fields(product: CatalogueProduct) -> dict[str, Any]:
    kind = product.kind if product.kind in LifecycleKindChoices.values else LifecycleKindChoices.APPLICATION
    return {"name": product.name[:200], "kind": kind, "vendor": product.vendor[:100],
            "platform_names": list(product.platform_names), "related": list(product.related),
            "source": product.source[:500], "checked": product.checked, "notes": product.notes}


def _cycle_fields(cycle: CatalogueCycle) -> dict[str, Any]:
    eoas, eoas_ended = _split_phase(cycle.eoas)
    eos, eos_ended = _split_phase(cycle.eos)
    eoes, eoes_ended = _split_phase(cycle.eoes)
    return {
        "label": cycle.label[:200], "release_date": cycle.release_date,
        "end_of_active_support": eoas, "active_support_ended": eoas_ended,
        "end_of_security_support": eos, "security_support_ended": eos_ended,
        "extended_support": cycle.eoes is not None, "end_of_extended_support": eoes,
        "extended_support_ended": eoes_ended, "lts": cycle.lts, "latest": (cycle.latest or "")[:100],
        "codename": (cycle.codename or "")[:100], "source": cycle.source[:500], "match": list(cycle.match),
        "confidence": cycle.confidence, "checked": cycle.checked, "notes": cycle.notes,
    }


CYCLE_FIELD_NAMES = (
    "label", "release_date", "end_of_active_support", "active_support_ended", "end_of_security_support",
    "security_support_ended", "extended_support", "end_of_extended_support", "extended_support_ended", "lts",
    "latest", "codename", "source", "match", "confidence", "checked", "notes",
)


def _notice_fields(notice: NoticeData) -> dict[str, Any]:
    sale, sale_passed = _split_phase(notice.end_of_sale)
    support, support_passed = _split_phase(notice.end_of_support)
    kind = notice.kind if notice.kind in DeviceKindChoices.values else ""
    return {"part_numbers": list(notice.part_numbers), "match": list(notice.match), "kind": kind,
            "end_of_sale": sale, "end_of_sale_passed": sale_passed, "end_of_support": support,
            "end_of_support_passed": support_passed, "replacement": notice.replacement[:200],
            "source": notice.source[:500], "confidence": notice.confidence, "notes": notice.notes}


def _apply(instance: Any, fields: dict[str, Any]) -> bool:
    changed = False
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


class SyncSummary(TypedDict):
    products_created: int
    products_updated: int
    cycles_created: int
    cycles_updated: int
    notices_created: int
    notices_updated: int
    skipped: int


@transaction.atomic
def catalogue_sync_shipped(*, catalogue: Catalogue | None = None) -> SyncSummary:
    """Load the curated catalogue shipped with Estate (inventory/lifecycle/catalogue/*.yaml) into the database.

    Idempotent: a second run changes nothing. Runs after every ``migrate`` (see InventoryConfig.ready), so an
    upgrade of Estate brings new support dates in; rows imported or edited by hand are never overwritten.
    Bulk writes: these rows are not audited one by one (the shipped YAML is their history).
    """
    catalogue = catalogue or default_catalogue()
    summary: SyncSummary = {"products_created": 0, "products_updated": 0, "cycles_created": 0, "cycles_updated": 0,
                            "notices_created": 0, "notices_updated": 0, "skipped": 0}
    now = timezone.now()
    existing = {p.slug: p for p in LifecycleProduct.objects.all()}
    new_products = []
    for item in catalogue.products:
        row = existing.get(item.product)
        fields = _product_fields(item)
        if row is None:
            row = LifecycleProduct(slug=item.product, origin=Origin.SHIPPED, **fields)
            new_products.append(row)
            existing[item.product] = row
        elif row.origin == Origin.SHIPPED:
            if _apply(row, fields):
                row.last_updated = now
                row.save()
                summary["products_updated"] += 1
        else:
            summary["skipped"] += 1
    LifecycleProduct.objects.bulk_create(new_products)
    summary["products_created"] = len(new_products)
    if new_products and not all(p.pk for p in new_products):  # backends that return no ids on bulk insert
        existing = {p.slug: p for p in LifecycleProduct.objects.all()}

    cycles = {(c.product_id, c.cycle): c for c in LifecycleCycle.objects.all()}
    new_cycles, changed_cycles = [], []
    for item in catalogue.products:
        product = existing[item.product]
        for cycle in item.cycles:
            fields = _cycle_fields(cycle)
            row = cycles.get((product.pk, cycle.cycle))
            if row is None:
                new_cycles.append(LifecycleCycle(product=product, cycle=cycle.cycle, origin=Origin.SHIPPED, **fields))
            elif row.origin == Origin.SHIPPED:
                if _apply(row, fields):
                    row.last_updated = now
                    changed_cycles.append(row)
            else:
                summary["skipped"] += 1
    LifecycleCycle.objects.bulk_create(new_cycles, batch_size=WRITE_BATCH)
    if changed_cycles:
        LifecycleCycle.objects.bulk_update(changed_cycles, [*CYCLE_FIELD_NAMES, "last_updated"], batch_size=200)
    summary["cycles_created"], summary["cycles_updated"] = len(new_cycles), len(changed_cycles)

    notices = {(n.manufacturer, n.model): n for n in HardwareNotice.objects.all()}
    new_notices = []
    for item in catalogue.hardware:
        fields = _notice_fields(item)
        row = notices.get((item.manufacturer, item.model))
        if row is None:
            new_notices.append(HardwareNotice(manufacturer=item.manufacturer, model=item.model, origin=Origin.SHIPPED,
                                              **fields))
        elif row.origin == Origin.SHIPPED:
            if _apply(row, fields):
                row.last_updated = now
                row.save()
                summary["notices_updated"] += 1
        else:
            summary["skipped"] += 1
    HardwareNotice.objects.bulk_create(new_notices)
    summary["notices_created"] = len(new_notices)
    return summary


class ImportSummary(TypedDict):
    products: list[str]
    products_created: int
    cycles_created: int
    cycles_updated: int
    cycles_unchanged: int
    cycles_skipped_manual: int


# Fields an endoflife.date import may set on an existing cycle. Curated match rules and labels are kept.
_IMPORT_CYCLE_FIELDS = ("release_date", "end_of_active_support", "active_support_ended", "end_of_security_support",
                        "security_support_ended", "extended_support", "end_of_extended_support",
                        "extended_support_ended", "lts", "latest", "codename", "source")


@transaction.atomic
def catalogue_import_products(*, products: Iterable[CatalogueProduct], only: str | None = None) -> ImportSummary:
    """Merge parsed endoflife.date products into the catalogue (all or nothing). ``only``: just that product slug."""
    products = [p for p in products if only is None or p.product == only]
    if only is not None and not products:
        raise ValidationError(f"The data holds no product {only!r}.")
    summary: ImportSummary = {"products": [], "products_created": 0, "cycles_created": 0, "cycles_updated": 0,
                              "cycles_unchanged": 0, "cycles_skipped_manual": 0}
    for item in products:
        summary["products"].append(item.product)
        product = LifecycleProduct.objects.filter(slug=item.product).first()
        if product is None:
            product = object_save(instance=LifecycleProduct(slug=item.product, origin=Origin.IMPORTED,
                                                            **_product_fields(item)))
            summary["products_created"] += 1
        elif product.origin != Origin.MANUAL:
            names = list(dict.fromkeys([*(product.platform_names or []), *item.platform_names]))
            if names != product.platform_names:
                product.platform_names = names
                object_save(instance=product)
        current = {c.cycle: c for c in product.cycles.all()}
        for cycle in item.cycles:
            fields = _cycle_fields(cycle)
            row = current.get(cycle.cycle)
            if row is None:
                object_save(instance=LifecycleCycle(product=product, cycle=cycle.cycle, origin=Origin.IMPORTED,
                                                    **fields))
                summary["cycles_created"] += 1
                continue
            if row.origin == Origin.MANUAL:
                summary["cycles_skipped_manual"] += 1
                continue
            wanted = {name: fields[name] for name in _IMPORT_CYCLE_FIELDS}
            if cycle.eoas is None:  # not stated by the import: keep what we know
                for name in ("end_of_active_support", "active_support_ended"):
                    wanted.pop(name)
            if cycle.eoes is None:
                for name in ("extended_support", "end_of_extended_support", "extended_support_ended"):
                    wanted.pop(name)
            if not row.match:
                wanted["match"] = fields["match"]
            if _apply(row, wanted):
                row.origin = Origin.IMPORTED
                object_save(instance=row)
                summary["cycles_updated"] += 1
            else:
                summary["cycles_unchanged"] += 1
    return summary


def endoflife_download(*, url: str, timeout: float = FETCH_TIMEOUT_SECONDS, max_bytes: int = FETCH_MAX_BYTES) -> Any:
    """Fetch endoflife.date JSON (any of its API shapes): https only, from settings.ESTATE_ENDOFLIFE_HOSTS, public
    addresses only (estate.fetch: no server-side request forgery), with a timeout and a size cap."""
    try:
        body = fetch(url, hosts=settings.ESTATE_ENDOFLIFE_HOSTS, timeout=timeout, max_bytes=max_bytes,
                     allow_local_http=settings.ESTATE_ENDOFLIFE_ALLOW_LOCAL_HTTP)
    except FetchError as exc:
        raise ValidationError(str(exc)) from exc
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{url} did not return JSON: {exc}") from exc


def _slug_from_url(url: str) -> str | None:
    stem = Path(urllib.parse.urlsplit(url).path).name
    return stem.removesuffix(".json") or None


def catalogue_import_endoflife(*, data: Any = None, path: str | Path | None = None, url: str | None = None,
                               product: str | None = None) -> ImportSummary:
    """Import endoflife.date data given as parsed JSON, a local file or a URL; ``product`` picks one product (and
    names it for the v0 format, where the slug is only in the URL or file name). The download and parsing happen
    before the write transaction opens (catalogue_import_products is the atomic part)."""
    if sum(x is not None for x in (data, path, url)) != 1:
        raise ValidationError("Give exactly one of: data, a file or a URL.")
    try:
        if path is not None:
            parsed = load_endoflife_file(path, product)
        else:
            if url is not None:
                data = endoflife_download(url=url)
            slug = product or (_slug_from_url(url) if url and isinstance(data, list) else None)
            parsed = parse_endoflife(data, slug)
    except CatalogueError as exc:
        raise ValidationError(str(exc)) from exc
    return catalogue_import_products(products=parsed, only=product if len(parsed) > 1 or product else None)


# --- hardware notices CSV -------------------------------------------------------------------------------------------


def _data_row_numbers(text: str) -> list[int]:
    """Spreadsheet row numbers of the non-blank data rows, in the order the parser returns notices."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    next(rows, None)
    return [number for number, row in enumerate(rows, start=2) if any(cell.strip() for cell in row)]


def _unique_slug(queryset, base: str, limit: int = 100) -> str:
    base = (slugify(base) or "item")[: limit - 6]
    slug, n = base, 2
    while queryset.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class NoticeImportSummary(TypedDict):
    notices_created: int
    notices_updated: int
    models_created: int
    models_updated: int
    manufacturers_created: int


@transaction.atomic
def hardware_notices_import_csv(*, text: str) -> NoticeImportSummary:
    """Import a vendor end-of-sale/end-of-support CSV: upsert HardwareNotice rows and set the dates on the
    matching HardwareModel (created, with its manufacturer, when missing). All or nothing; every problem is
    reported with its spreadsheet row number (header = row 1)."""
    try:
        notices = parse_hardware_notices_csv(text)
    except CatalogueError as exc:
        raise ValidationError(str(exc).splitlines()[1:] or str(exc)) from exc
    numbers = _data_row_numbers(text)
    summary: NoticeImportSummary = {"notices_created": 0, "notices_updated": 0, "models_created": 0,
                                    "models_updated": 0, "manufacturers_created": 0}
    errors: list[str] = []
    for index, notice in enumerate(notices):
        row = numbers[index] if index < len(numbers) else index + 2
        try:
            with transaction.atomic():
                _import_notice(notice, summary)
        except ValidationError as exc:
            messages = [f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v)
                        for k, v in getattr(exc, "message_dict", {"__all__": exc.messages}).items()]
            errors.extend(f"row {row}: {message}" for message in messages)
    if errors:
        raise ValidationError(errors)
    return summary


def _import_notice(notice: NoticeData, summary: NoticeImportSummary) -> None:
    fields = _notice_fields(notice)
    row = HardwareNotice.objects.filter(manufacturer__iexact=notice.manufacturer, model__iexact=notice.model).first()
    if row is None:
        row = HardwareNotice(manufacturer=notice.manufacturer, model=notice.model)
        summary["notices_created"] += 1
    else:
        summary["notices_updated"] += 1
    if notice.replacement == "":
        fields.pop("replacement")
    _apply(row, fields)
    row.origin = Origin.IMPORTED
    object_save(instance=row)

    maker = Manufacturer.objects.filter(name__iexact=notice.manufacturer).first()
    if maker is None:
        maker = object_save(instance=Manufacturer(name=notice.manufacturer[:100],
                                                  slug=_unique_slug(Manufacturer.objects, notice.manufacturer)))
        summary["manufacturers_created"] += 1
    models = HardwareModel.objects.filter(manufacturer=maker)
    model = models.filter(model__iexact=notice.model).first()
    for part in notice.part_numbers:
        model = model or models.filter(part_number__iexact=part).first() or models.filter(model__iexact=part).first()
    if model is None:
        model = HardwareModel(manufacturer=maker, model=notice.model[:100],
                              slug=_unique_slug(HardwareModel.objects.filter(manufacturer=maker), notice.model),
                              part_number=(notice.part_numbers[0] if notice.part_numbers else "")[:100])
        summary["models_created"] += 1
    else:
        summary["models_updated"] += 1
    if isinstance(notice.end_of_sale, date):
        model.end_of_sale = notice.end_of_sale
    if isinstance(notice.end_of_support, date):
        model.end_of_support = notice.end_of_support
    object_save(instance=model)


# --- mappings, defaults ---------------------------------------------------------------------------------------------


@transaction.atomic
def version_mapping_set(*, platform: Platform | None, version: str, cycle: LifecycleCycle,
                        as_of: date | None = None) -> tuple[VersionMapping, FindingsSummary]:
    """Map a platform + version text to a cycle once, for every device with that pair, and re-evaluate them."""
    version = (version or "").strip()
    mapping = VersionMapping.objects.filter(platform=platform, version__iexact=version).first() or VersionMapping(
        platform=platform, version=version)
    mapping.cycle = cycle
    object_save(instance=mapping)
    devices = Device.objects.filter(platform=platform, os_version__iexact=version) if version else \
        Device.objects.filter(platform=platform, os_version="")
    ids = [pk for pk, text in devices.values_list("pk", "os_version")
           if mapping_key(platform.pk if platform else None, text) == mapping_key(mapping.platform_id, version)]
    return mapping, findings_evaluate(device_ids=ids, as_of=as_of)


@transaction.atomic
def lifecycle_defaults_ensure() -> dict[str, int]:
    """Default policies (on first install only: deleting them all brings them back) and the daily schedule."""
    from estate.models import Schedule

    created = {"policies": 0, "schedules": 0}
    if not LifecyclePolicy.objects.exists():
        labels = dict(DeviceKindChoices.choices)
        policies = [
            LifecyclePolicy(name=f"Replace {labels[kind].lower()}s after {years} years", device_kind=kind,
                            rule=Rule.REPLACEMENT_CYCLE, years=years)
            for kind, years in DEFAULT_REPLACEMENT_YEARS.items()
        ]
        policies += [
            LifecyclePolicy(name="Warn 90 days before a warranty ends", rule=Rule.WARRANTY,
                            days=DEFAULT_DAYS[Rule.WARRANTY]),
            LifecyclePolicy(name="Not seen by discovery for 30 days", rule=Rule.NOT_SEEN,
                            days=DEFAULT_DAYS[Rule.NOT_SEEN]),
            LifecyclePolicy(name="OS security support ends within 180 days", rule=Rule.SUPPORT_WINDOW,
                            days=DEFAULT_DAYS[Rule.SUPPORT_WINDOW]),
        ]
        LifecyclePolicy.objects.bulk_create(policies)
        created["policies"] = len(policies)
    if not Schedule.objects.filter(kind=LIFECYCLE_JOB_KIND).exists():
        Schedule.objects.create(name=DAILY_SCHEDULE_NAME, kind=LIFECYCLE_JOB_KIND, cron=DAILY_CRON)
        created["schedules"] = 1
    return created


def lifecycle_post_migrate(sender, using: str = "default", **kwargs: Any) -> None:
    """post_migrate hook: sync the shipped catalogue and make sure the defaults exist (both idempotent)."""
    from estate.models import Schedule

    if using != "default":
        return
    tables = set(connection.introspection.table_names())
    needed = {LifecycleProduct._meta.db_table, LifecycleCycle._meta.db_table, HardwareNotice._meta.db_table,
              LifecyclePolicy._meta.db_table, Schedule._meta.db_table}
    if not needed <= tables:
        return  # migrating backwards or partially: nothing to seed into
    catalogue_sync_shipped()
    lifecycle_defaults_ensure()


@transaction.atomic
def software_mapping_set(*, software: str, version: str, cycle: LifecycleCycle,
                         as_of: date | None = None) -> tuple[VersionMapping, FindingsSummary]:
    """Map an installed software product + version text to a cycle once (a blank version: every version of the
    product), for every device with it, and re-evaluate those devices."""
    from inventory.models import InstalledSoftware

    software, version = (software or "").strip(), (version or "").strip()
    if not software:
        raise ValidationError({"software": "Give the software product name."})
    mapping = VersionMapping.objects.filter(software__iexact=software, version__iexact=version).first() or \
        VersionMapping(software=software, version=version)
    mapping.cycle = cycle
    object_save(instance=mapping)
    rows = InstalledSoftware.objects.filter(product__iexact=software)
    if version:
        rows = rows.filter(version__iexact=version)
    ids = sorted(set(rows.values_list("device_id", flat=True)))
    return mapping, findings_evaluate(device_ids=ids, as_of=as_of)
