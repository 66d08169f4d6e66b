"""Import endoflife.date data and vendor hardware notices into catalogue dataclasses.

Three endoflife.date shapes are accepted, all producing the same CatalogueProduct/CatalogueCycle as the YAML:

* API v0 (``/api/<product>.json``): a list of cycles with ``cycle, releaseDate, eol, support, extendedSupport,
  lts, latest, latestReleaseDate, link``. Careful: in v0, ``eol: true`` means ended, but ``support: true`` and
  ``extendedSupport: true`` mean the phase is *still running*. They are turned round here.
* API v1 (``/api/v1/products/<product>`` or ``/products/full``): ``{result: {name, releases: [...]}}`` with
  ``*From`` dates and ``is*`` flags; a ``*From`` date is preferred, the flag is used only when the date is null.
* The reference snapshot shape: ``{<product>: {label, releases: [{cycle, release_date, support, eol,
  extended_support, ...}]}}`` where booleans mean what v1's flags mean.

In our dataclasses ``True`` means "ended, date unknown" and ``False`` "not ended / no date published".
Every problem raises ValueError (CatalogueError) naming the product, cycle and field; nothing is returned
until the whole input has been read and validated, so an import is all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .catalogue import (
    CatalogueCycle,
    CatalogueError,
    CatalogueProduct,
    HardwareNotice,
    Phase,
    parse_date,
    validate_product,
)

__all__ = [
    "load_endoflife_file",
    "parse_endoflife",
    "parse_hardware_notices_csv",
    "parse_snapshot",
    "parse_v0",
    "parse_v1",
]

SITE = "https://endoflife.date"

# endoflife.date category -> our kind.
_KIND_BY_CATEGORY = {"os": "os", "device": "firmware", "server-app": "application", "app": "application",
                     "database": "application", "service": "application", "framework": "application",
                     "lang": "application", "standard": "application"}  # fmt: skip
_HYPERVISORS = {"esxi", "proxmox-ve", "xcp-ng", "citrix-hypervisor", "hyper-v"}


def _kind(name: str, category: Any, tags: Any) -> str:
    if name in _HYPERVISORS or (isinstance(tags, list) and "hypervisor" in tags):
        return "hypervisor"
    return _KIND_BY_CATEGORY.get(str(category or ""), "application")


def _require_dict(data: Any, where: str) -> dict:
    if not isinstance(data, dict):
        raise CatalogueError(f"{where}: expected an object, got {type(data).__name__}")
    return data


def _cycle_name(value: Any, where: str) -> str:
    # v0 sometimes gives cycles as numbers (3.9); keep them as text.
    if isinstance(value, bool) or value is None or value == "":
        raise CatalogueError(f"{where}: cycle: missing or not text ({value!r})")
    if not isinstance(value, str | int | float):
        raise CatalogueError(f"{where}: cycle: expected text, got {value!r}")
    return str(value).strip()


def _phase(value: Any, where: str, *, required: bool = False, invert_bool: bool = False) -> Phase:
    """Date string -> date; bool -> bool (turned round for v0 support fields); None -> None."""
    if value is None:
        if required:
            raise CatalogueError(f"{where}: is required (a date or true/false)")
        return None
    if isinstance(value, bool):
        return (not value) if invert_bool else value
    if isinstance(value, str):
        return parse_date(value, where)
    raise CatalogueError(f"{where}: expected a date (YYYY-MM-DD) or true/false, got {value!r}")


def _opt_date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    return parse_date(value, where)


def _opt_text(value: Any, where: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CatalogueError(f"{where}: expected text, got {value!r}")
    return str(value)


def _lts(value: Any, where: str) -> bool:
    # lts may be a bool or the date LTS status starts (ltsFrom); either way the cycle is an LTS one.
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        parse_date(value, where)
        return True
    raise CatalogueError(f"{where}: expected true/false or a date, got {value!r}")


def _default_match(cycle: str) -> tuple[str, ...]:
    # Numeric cycles ("22.04", "7.0", "11") work as version prefixes; others need curated rules.
    return (cycle,) if re.fullmatch(r"\d+(\.\d+)*", cycle) else ()


def _label(product_label: str, cycle_label: str) -> str:
    if cycle_label.lower().startswith(product_label.lower()):
        return cycle_label
    return f"{product_label} {cycle_label}".strip()


def _finish(product: CatalogueProduct, where: str) -> CatalogueProduct:
    seen: set[str] = set()
    for cycle in product.cycles:
        if cycle.cycle in seen:
            raise CatalogueError(f"{where} cycle {cycle.cycle!r}: duplicate cycle")
        seen.add(cycle.cycle)
    problems = validate_product(product, where)
    if problems:
        raise CatalogueError("; ".join(problems))
    return product


def _platform_names(*names: Any) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        values = name if isinstance(name, list) else [name]
        for value in values:
            if isinstance(value, str) and value.strip() and value.strip() not in out:
                out.append(value.strip())
    return tuple(out)


# --- v0 -----------------------------------------------------------------------------------------------------------


def parse_v0(
    product: str,
    data: Any,
    *,
    name: str | None = None,
    kind: str = "application",
    vendor: str = "",
    platform_names: tuple[str, ...] = (),
) -> CatalogueProduct:
    """Parse the v0 ``/api/<product>.json`` list of cycles. The product slug is not in the data, so pass it."""
    where = f"endoflife.date v0 product {product!r}"
    if not isinstance(data, list) or not data:
        raise CatalogueError(f"{where}: expected a non-empty list of cycles")
    source = f"{SITE}/{product}"
    label = name or product
    cycles = []
    for index, raw in enumerate(data):
        item = _require_dict(raw, f"{where} cycle #{index + 1}")
        cycle = _cycle_name(item.get("cycle"), f"{where} cycle #{index + 1}")
        cw = f"{where} cycle {cycle!r}"
        link = _opt_text(item.get("link"), f"{cw}: link")
        cycles.append(
            CatalogueCycle(
                cycle=cycle,
                label=_label(label, str(item.get("releaseLabel") or cycle)),
                match=_default_match(cycle),
                release_date=_opt_date(item.get("releaseDate"), f"{cw}: releaseDate"),
                eoas=_phase(item.get("support"), f"{cw}: support", invert_bool=True),
                eos=_phase(item.get("eol"), f"{cw}: eol", required=True),  # type: ignore[arg-type]
                eoes=_phase(item.get("extendedSupport"), f"{cw}: extendedSupport", invert_bool=True),
                lts=_lts(item.get("lts"), f"{cw}: lts"),
                latest=_opt_text(item.get("latest"), f"{cw}: latest"),
                codename=_opt_text(item.get("codename"), f"{cw}: codename"),
                source=source,
                confidence="high",
                notes=f"Release notes: {link}" if link else "",
            )
        )
    return _finish(
        CatalogueProduct(
            product=product,
            name=label,
            kind=kind,
            vendor=vendor,
            source=source,
            platform_names=platform_names or _platform_names(label, product),
            cycles=tuple(cycles),
        ),
        where,
    )


# --- v1 and snapshot: the same product and release shapes under other field names ------------------------------


def _releases(data: dict, where: str, *, name_key: str) -> Iterator[tuple[dict, str, str]]:
    """(release, cycle name, where) for each release of a product, which must have some."""
    releases = data.get("releases")
    if not isinstance(releases, list) or not releases:
        raise CatalogueError(f"{where}: releases: expected a non-empty list")
    for index, raw in enumerate(releases):
        rel = _require_dict(raw, f"{where} release #{index + 1}")
        cycle = _cycle_name(rel.get(name_key), f"{where} release #{index + 1}")
        yield rel, cycle, f"{where} cycle {cycle!r}"


def _release_cycle(rel: dict, cycle: str, cw: str, *, product_label: str, source: str, link: str | None,
                   **dates: Any) -> CatalogueCycle:
    return CatalogueCycle(
        cycle=cycle,
        label=_label(product_label, _opt_text(rel.get("label"), f"{cw}: label") or cycle),
        match=_default_match(cycle),
        codename=_opt_text(rel.get("codename"), f"{cw}: codename"),
        source=source,
        notes=f"Release notes: {link}" if link else "",
        **dates,
    )


def _release_product(data: dict, *, slug: str, label: str, source: str, cycles: list[CatalogueCycle], where: str,
                     notes: str = "") -> CatalogueProduct:
    return _finish(
        CatalogueProduct(
            product=slug,
            name=label,
            kind=_kind(slug, data.get("category"), data.get("tags")),
            vendor="",
            source=source,
            platform_names=_platform_names(label, data.get("aliases") or [], slug),
            cycles=tuple(cycles),
            notes=notes,
        ),
        where,
    )


# --- v1 -----------------------------------------------------------------------------------------------------------


def _v1_phase(release: dict, date_key: str, flag_key: str, where: str, *, required: bool = False) -> Phase:
    # The *From date wins; the is* flag (computed when the site was built, so it goes stale) is a fallback.
    if date_key not in release and flag_key not in release:
        if required:
            raise CatalogueError(f"{where}: {flag_key}/{date_key}: missing")
        return None
    date_value = release.get(date_key)
    if date_value is not None:
        return _phase(date_value, f"{where}: {date_key}")
    flag = release.get(flag_key)
    if flag is None:
        if required:
            raise CatalogueError(f"{where}: {flag_key}: missing")
        return None  # e.g. isEoes: null = not eligible for extended support
    if not isinstance(flag, bool):
        raise CatalogueError(f"{where}: {flag_key}: expected true/false, got {flag!r}")
    return flag


def _v1_product(result: Any, where: str) -> CatalogueProduct:
    result = _require_dict(result, where)
    slug = _opt_text(result.get("name"), f"{where}: name")
    if not slug:
        raise CatalogueError(f"{where}: name: missing")
    where = f"endoflife.date v1 product {slug!r}"
    label = _opt_text(result.get("label"), f"{where}: label") or slug
    links = result.get("links") or {}
    if not isinstance(links, dict):
        raise CatalogueError(f"{where}: links: expected an object")
    source = _opt_text(links.get("html"), f"{where}: links.html") or f"{SITE}/{slug}"
    cycles = []
    for rel, cycle, cw in _releases(result, where, name_key="name"):
        latest = rel.get("latest")
        if latest is not None and not isinstance(latest, dict):
            raise CatalogueError(f"{cw}: latest: expected an object or null")
        latest = latest or {}
        lts_value = rel.get("ltsFrom") if rel.get("ltsFrom") is not None else rel.get("isLts")
        cycles.append(_release_cycle(
            rel, cycle, cw, product_label=label, source=source,
            link=_opt_text(latest.get("link"), f"{cw}: latest.link"),
            release_date=_opt_date(rel.get("releaseDate"), f"{cw}: releaseDate"),
            eoas=_v1_phase(rel, "eoasFrom", "isEoas", cw),
            eos=_v1_phase(rel, "eolFrom", "isEol", cw, required=True),  # type: ignore[arg-type]
            eoes=_v1_phase(rel, "eoesFrom", "isEoes", cw),
            lts=_lts(lts_value, f"{cw}: isLts/ltsFrom"),
            latest=_opt_text(latest.get("name"), f"{cw}: latest.name"),
        ))
    return _release_product(result, slug=slug, label=label, source=source, cycles=cycles, where=where)


def parse_v1(data: Any) -> list[CatalogueProduct]:
    """Parse a v1 product response (``result`` is one product) or ``/products/full`` (``result`` is a list)."""
    data = _require_dict(data, "endoflife.date v1")
    if "result" not in data:
        raise CatalogueError("endoflife.date v1: missing 'result'")
    result = data["result"]
    if isinstance(result, list):
        return [_v1_product(item, f"endoflife.date v1 result #{i + 1}") for i, item in enumerate(result)]
    return [_v1_product(result, "endoflife.date v1 result")]


# --- snapshot -----------------------------------------------------------------------------------------------------


def _snapshot_product(slug: str, data: Any) -> CatalogueProduct:
    where = f"endoflife.date snapshot product {slug!r}"
    data = _require_dict(data, where)
    label = _opt_text(data.get("label"), f"{where}: label") or slug
    source = _opt_text(data.get("source_url"), f"{where}: source_url") or f"{SITE}/{slug}"
    cycles = []
    for rel, cycle, cw in _releases(data, where, name_key="cycle"):
        if "eol" not in rel:
            raise CatalogueError(f"{cw}: eol: missing")
        cycles.append(_release_cycle(
            rel, cycle, cw, product_label=label, source=source, link=_opt_text(rel.get("link"), f"{cw}: link"),
            release_date=_opt_date(rel.get("release_date"), f"{cw}: release_date"),
            eoas=_phase(rel.get("support"), f"{cw}: support"),
            eos=_phase(rel.get("eol"), f"{cw}: eol", required=True),  # type: ignore[arg-type]
            eoes=_phase(rel.get("extended_support"), f"{cw}: extended_support"),
            lts=_lts(rel.get("lts"), f"{cw}: lts"),
            latest=_opt_text(rel.get("latest"), f"{cw}: latest"),
        ))
    notes = f"Imported from endoflife.date ({data.get('source_commit_date') or 'date unknown'})."
    return _release_product(data, slug=slug, label=label, source=source, cycles=cycles, where=where, notes=notes)


def parse_snapshot(data: Any) -> list[CatalogueProduct]:
    """Parse the snapshot shape: ``{<product>: {label, releases: [...]}, ...}``."""
    data = _require_dict(data, "endoflife.date snapshot")
    if not data:
        raise CatalogueError("endoflife.date snapshot: no products")
    return [_snapshot_product(str(slug), item) for slug, item in data.items()]


# --- detection ----------------------------------------------------------------------------------------------------


def parse_endoflife(data: Any, product: str | None = None) -> list[CatalogueProduct]:
    """Detect the shape and parse it. ``product`` is needed for v0 (the slug is only in the URL)."""
    if isinstance(data, list):
        if not product:
            raise CatalogueError("endoflife.date v0: the product slug is needed (it is not in the data)")
        return [parse_v0(product, data)]
    if isinstance(data, dict) and "result" in data:
        return parse_v1(data)
    if isinstance(data, dict) and data and all(isinstance(v, dict) and "releases" in v for v in data.values()):
        return parse_snapshot(data)
    raise CatalogueError("endoflife.date: unrecognised format (expected a v0 list, a v1 {result: ...}, or a snapshot)")


def load_endoflife_file(path: str | Path, product: str | None = None) -> list[CatalogueProduct]:
    """Read a downloaded endoflife.date JSON file (v0 file names give the product: ``ubuntu.json``)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{path.name}: not valid JSON: {exc}") from exc
    return parse_endoflife(data, product or (path.stem if isinstance(data, list) else None))


# --- hardware notices CSV -------------------------------------------------------------------------------------------

_UK_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "manufacturer": ("manufacturer", "vendor", "make"),
    "model": ("model", "model_part_number", "model_or_part_number", "part_number", "part_no", "pid", "product"),
    "end_of_sale": ("end_of_sale", "end_of_sale_date", "eos", "eosale", "last_date_of_sale"),
    "end_of_support": (
        "end_of_support", "end_of_support_date", "last_date_of_support", "ldos", "eosl", "end_of_service_life",
    ),
    "source": ("source", "source_url", "url", "notice", "notice_url", "link"),
    "replacement": ("replacement", "migration", "replacement_model"),
    "notes": ("notes", "note", "comment", "comments"),
}  # fmt: skip


def _header_key(raw: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", raw.replace("\ufeff", "").strip().lower()).strip("_")


def parse_uk_or_iso_date(text: str) -> dt.date:
    """'31/03/2027', '31-03-2027', '31.03.2027' (UK day first) or '2027-03-31'; ValueError otherwise."""
    text = text.strip()
    found = _UK_DATE_RE.match(text)
    if found:
        day, month, year = (int(part) for part in found.groups())
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def parse_hardware_notices_csv(text: str) -> list[HardwareNotice]:
    """Parse a vendor hardware notice CSV. Row numbers in errors are spreadsheet rows (header = row 1).

    Required columns: manufacturer, model (or part number), end_of_sale, end_of_support, source; each row needs
    at least one of the two dates. All problems are collected and raised together as one ValueError.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise CatalogueError("hardware notices CSV: empty file") from None
    keys = [_header_key(cell) for cell in header]
    columns: dict[str, int] = {}
    for field_name, aliases in _HEADER_ALIASES.items():
        for alias in aliases:
            if alias in keys:
                columns[field_name] = keys.index(alias)
                break
    missing = [f for f in ("manufacturer", "model", "end_of_sale", "end_of_support", "source") if f not in columns]
    if missing:
        raise CatalogueError(f"hardware notices CSV: row 1: missing column(s): {', '.join(missing)}")
    # A separate part-number column next to a model column is kept as an extra match.
    part_column = None
    if "part_number" in keys and columns["model"] != keys.index("part_number"):
        part_column = keys.index("part_number")

    notices: list[HardwareNotice] = []
    errors: list[str] = []
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            index = columns.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        row_errors: list[str] = []

        def date_cell(name: str, row_errors: list[str] = row_errors, cell: Callable[[str], str] = cell):
            value = cell(name)
            if not value:
                return None
            try:
                return parse_uk_or_iso_date(value)
            except ValueError:
                row_errors.append(f"{name}: {value!r} is not a date (use dd/mm/yyyy or YYYY-MM-DD)")
                return None

        manufacturer, model, source = cell("manufacturer"), cell("model"), cell("source")
        end_of_sale, end_of_support = date_cell("end_of_sale"), date_cell("end_of_support")
        if not manufacturer:
            row_errors.append("manufacturer: missing")
        if not model:
            row_errors.append("model: missing")
        if not re.match(r"^https?://\S+$", source):
            row_errors.append(f"source: expected an http(s) URL, got {source!r}")
        if end_of_sale is None and end_of_support is None and not any("not a date" in e for e in row_errors):
            row_errors.append("needs end_of_sale or end_of_support")
        if end_of_sale and end_of_support and end_of_sale > end_of_support:
            row_errors.append(f"end_of_sale ({end_of_sale}) is after end_of_support ({end_of_support})")
        if row_errors:
            errors.extend(f"row {row_number}: {problem}" for problem in row_errors)
            continue
        part = row[part_column].strip() if part_column is not None and part_column < len(row) else ""
        notices.append(
            HardwareNotice(
                manufacturer=manufacturer,
                model=model,
                part_numbers=(part,) if part else (),
                match=tuple(dict.fromkeys(x for x in (model, part) if x)),
                end_of_sale=end_of_sale,
                end_of_support=end_of_support,
                replacement=cell("replacement"),
                source=source,
                notes=cell("notes"),
            )
        )
    if errors:
        raise CatalogueError("hardware notices CSV:\n" + "\n".join(errors))
    return notices
