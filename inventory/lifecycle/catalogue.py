"""Curated lifecycle catalogue: frozen dataclasses, YAML loading and validation.

Pure Python (no Django) so the rules can be tested and reused by importers, models and commands.

Phase fields (``eoas``, ``eos``, ``eoes``) hold one of:

* a ``date``: the last day of that phase (inclusive, as endoflife.date uses them);
* ``True``: the phase has ended but the date is not known;
* ``False``: the phase has not ended, or no end date has been published;
* ``None``: the vendor has no such phase (only ``eoas`` and ``eoes``; ``eos`` is always set).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Phase = dt.date | bool | None

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
HARDWARE_FILE = "hardware.yaml"

KINDS = ("os", "firmware", "application", "hypervisor", "pbx")
CONFIDENCES = ("high", "medium", "low")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9.+-]*$")
_URL_RE = re.compile(r"^https?://\S+$")


class CatalogueError(ValueError):
    """Raised when catalogue data is malformed; the message names the file, product, cycle and field."""


@dataclass(frozen=True)
class CatalogueCycle:
    cycle: str
    label: str
    eos: dt.date | bool
    source: str
    match: tuple[str, ...] = ()
    release_date: dt.date | None = None
    eoas: Phase = None
    eoes: Phase = None
    lts: bool = False
    latest: str | None = None
    codename: str | None = None
    confidence: str = "high"
    checked: dt.date | None = None
    notes: str = ""

    def phase_ended(self, phase: str, as_of: dt.date) -> bool | None:
        """True if the phase ('eoas', 'eos', 'eoes') is over on as_of; None when the phase is not tracked."""
        value = getattr(self, phase)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        # Dates are inclusive: supported through the whole of the given day.
        return as_of > value

    def is_supported(self, as_of: dt.date, *, with_extended: bool = False) -> bool:
        """Security support on as_of; with_extended also counts paid extended support (ESU, ELS, LTSS)."""
        if not self.phase_ended("eos", as_of):
            return True
        return bool(with_extended and self.phase_ended("eoes", as_of) is False)


@dataclass(frozen=True)
class CatalogueProduct:
    product: str
    name: str
    kind: str
    vendor: str
    source: str
    platform_names: tuple[str, ...] = ()
    cycles: tuple[CatalogueCycle, ...] = ()
    related: tuple[str, ...] = ()
    checked: dt.date | None = None
    notes: str = ""

    def get_cycle(self, cycle: str) -> CatalogueCycle | None:
        for item in self.cycles:
            if item.cycle == cycle:
                return item
        return None


@dataclass(frozen=True)
class HardwareNotice:
    manufacturer: str
    model: str
    source: str
    end_of_sale: dt.date | bool | None = None
    end_of_support: dt.date | bool | None = None
    part_numbers: tuple[str, ...] = ()
    match: tuple[str, ...] = ()
    kind: str = ""
    replacement: str = ""
    confidence: str = "high"
    notes: str = ""


@dataclass(frozen=True)
class Catalogue:
    products: tuple[CatalogueProduct, ...] = ()
    hardware: tuple[HardwareNotice, ...] = ()

    def __iter__(self) -> Iterator[CatalogueProduct]:
        return iter(self.products)

    def __len__(self) -> int:
        return len(self.products)

    def get(self, product: str) -> CatalogueProduct | None:
        for item in self.products:
            if item.product == product:
                return item
        return None

    def cycle(self, product: str, cycle: str) -> CatalogueCycle | None:
        found = self.get(product)
        return found.get_cycle(cycle) if found else None


# --- field coercion shared with eol_import -------------------------------------------------------------------


def parse_date(value: Any, where: str) -> dt.date:
    """Accept a date (YAML gives these) or an ISO 'YYYY-MM-DD' string."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CatalogueError(f"{where}: expected an ISO date (YYYY-MM-DD), got {value!r}")


def parse_phase(value: Any, where: str, *, allow_none: bool = True) -> Phase:
    if value is None:
        if allow_none:
            return None
        raise CatalogueError(f"{where}: is required (a date, true = ended on an unknown date, false = no end date)")
    if isinstance(value, bool):
        return value
    return parse_date(value, where)


def _text(value: Any, where: str, *, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise CatalogueError(f"{where}: is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CatalogueError(f"{where}: expected text, got {value!r}")
    return str(value).strip()


def _url(value: Any, where: str) -> str:
    text = _text(value, where)
    if not _URL_RE.match(text):
        raise CatalogueError(f"{where}: expected an http(s) URL, got {text!r}")
    return text


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list):
        raise CatalogueError(f"{where}: expected a list of text, got {value!r}")
    return tuple(_text(item, f"{where}[{i}]") for i, item in enumerate(value))


def _confidence(value: Any, where: str) -> str:
    text = _text(value, where, required=False) or "high"
    if text not in CONFIDENCES:
        raise CatalogueError(f"{where}: must be one of {', '.join(CONFIDENCES)}, got {text!r}")
    return text


def _check_keys(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(map(str, data)) - allowed)
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {', '.join(unknown)}")


# --- building from plain dicts (YAML) ----------------------------------------------------------------------------

_CYCLE_KEYS = {
    "cycle", "label", "match", "release_date", "eoas", "eos", "eoes", "lts", "latest", "codename",
    "source", "confidence", "checked", "notes",
}  # fmt: skip
_PRODUCT_KEYS = {
    "product", "name", "platform_names", "kind", "vendor", "source", "cycles", "related", "checked", "notes",
}  # fmt: skip
_HARDWARE_KEYS = {
    "manufacturer", "model", "part_numbers", "match", "kind", "end_of_sale", "end_of_support", "replacement",
    "source", "confidence", "notes",
}  # fmt: skip


def cycle_from_dict(data: Any, where: str, default_source: str = "") -> CatalogueCycle:
    if not isinstance(data, dict):
        raise CatalogueError(f"{where}: expected a mapping, got {data!r}")
    cycle_id = _text(data.get("cycle"), f"{where}: cycle")
    where = f"{where} cycle {cycle_id!r}"
    _check_keys(data, _CYCLE_KEYS, where)
    release = data.get("release_date")
    lts = data.get("lts", False)
    if not isinstance(lts, bool):
        raise CatalogueError(f"{where}: lts: expected true/false, got {lts!r}")
    source = data.get("source") or default_source
    if not source:
        raise CatalogueError(f"{where}: source: every fact needs a source URL (on the cycle or the product)")
    checked = data.get("checked")
    eos = parse_phase(data.get("eos"), f"{where}: eos", allow_none=False)
    assert eos is not None
    return CatalogueCycle(
        cycle=cycle_id,
        label=_text(data.get("label"), f"{where}: label", required=False) or cycle_id,
        match=_str_list(data.get("match"), f"{where}: match"),
        release_date=None if release is None else parse_date(release, f"{where}: release_date"),
        eoas=parse_phase(data.get("eoas"), f"{where}: eoas"),
        eos=eos,
        eoes=parse_phase(data.get("eoes"), f"{where}: eoes"),
        lts=lts,
        latest=_text(data.get("latest"), f"{where}: latest", required=False) or None,
        codename=_text(data.get("codename"), f"{where}: codename", required=False) or None,
        source=_url(source, f"{where}: source"),
        confidence=_confidence(data.get("confidence"), f"{where}: confidence"),
        checked=None if checked is None else parse_date(checked, f"{where}: checked"),
        notes=_text(data.get("notes"), f"{where}: notes", required=False),
    )


def product_from_dict(data: Any, where: str) -> CatalogueProduct:
    if not isinstance(data, dict):
        raise CatalogueError(f"{where}: expected a mapping, got {data!r}")
    slug = _text(data.get("product"), f"{where}: product")
    where = f"{where} product {slug!r}"
    _check_keys(data, _PRODUCT_KEYS, where)
    if not _SLUG_RE.match(slug):
        raise CatalogueError(f"{where}: product: slug must be lower-case letters, digits, '.', '+' or '-'")
    kind = _text(data.get("kind"), f"{where}: kind")
    if kind not in KINDS:
        raise CatalogueError(f"{where}: kind: must be one of {', '.join(KINDS)}, got {kind!r}")
    source = _url(data.get("source"), f"{where}: source")
    raw_cycles = data.get("cycles")
    if not isinstance(raw_cycles, list) or not raw_cycles:
        raise CatalogueError(f"{where}: cycles: expected a non-empty list")
    checked = data.get("checked")
    product = CatalogueProduct(
        product=slug,
        name=_text(data.get("name"), f"{where}: name"),
        platform_names=_str_list(data.get("platform_names"), f"{where}: platform_names"),
        kind=kind,
        vendor=_text(data.get("vendor"), f"{where}: vendor"),
        source=source,
        cycles=tuple(cycle_from_dict(c, where, source) for c in raw_cycles),
        related=_str_list(data.get("related"), f"{where}: related"),
        checked=None if checked is None else parse_date(checked, f"{where}: checked"),
        notes=_text(data.get("notes"), f"{where}: notes", required=False),
    )
    if not product.platform_names:
        raise CatalogueError(f"{where}: platform_names: at least one name is needed for matching")
    return product


def hardware_from_dict(data: Any, where: str) -> HardwareNotice:
    if not isinstance(data, dict):
        raise CatalogueError(f"{where}: expected a mapping, got {data!r}")
    model = _text(data.get("model"), f"{where}: model")
    where = f"{where} model {model!r}"
    _check_keys(data, _HARDWARE_KEYS, where)
    eosale = parse_phase(data.get("end_of_sale"), f"{where}: end_of_sale")
    eosupport = parse_phase(data.get("end_of_support"), f"{where}: end_of_support")
    if eosale is None and eosupport is None:
        raise CatalogueError(f"{where}: needs end_of_sale or end_of_support")
    return HardwareNotice(
        manufacturer=_text(data.get("manufacturer"), f"{where}: manufacturer"),
        model=model,
        part_numbers=_str_list(data.get("part_numbers"), f"{where}: part_numbers"),
        match=_str_list(data.get("match"), f"{where}: match"),
        kind=_text(data.get("kind"), f"{where}: kind", required=False),
        end_of_sale=eosale,
        end_of_support=eosupport,
        replacement=_text(data.get("replacement"), f"{where}: replacement", required=False),
        source=_url(data.get("source"), f"{where}: source"),
        confidence=_confidence(data.get("confidence"), f"{where}: confidence"),
        notes=_text(data.get("notes"), f"{where}: notes", required=False),
    )


# --- validation ----------------------------------------------------------------------------------------------


def _dates_in_order(cycle: CatalogueCycle) -> list[tuple[str, dt.date]]:
    pairs: list[tuple[str, Phase]] = [
        ("release_date", cycle.release_date),
        ("eoas", cycle.eoas),
        ("eos", cycle.eos),
        ("eoes", cycle.eoes),
    ]
    return [(name, value) for name, value in pairs if isinstance(value, dt.date) and not isinstance(value, bool)]


def validate_product(product: CatalogueProduct, where: str = "") -> list[str]:
    """Problems with one product (empty list when valid). Checks the rules a loader cannot check field by field."""
    prefix = f"{where} product {product.product!r}".strip()
    problems: list[str] = []
    seen: set[str] = set()
    for cycle in product.cycles:
        cwhere = f"{prefix} cycle {cycle.cycle!r}"
        if cycle.cycle in seen:
            problems.append(f"{cwhere}: duplicate cycle")
        seen.add(cycle.cycle)
        dated = _dates_in_order(cycle)
        for (first, a), (second, b) in zip(dated, dated[1:], strict=False):
            if a > b:
                problems.append(f"{cwhere}: {first} ({a}) is after {second} ({b})")
        if cycle.eoes is not None and cycle.eoes is not False and cycle.eos is False:
            problems.append(f"{cwhere}: eoes is set but eos has not ended")
        if not cycle.source:
            problems.append(f"{cwhere}: source: missing")
        for rule in cycle.match:
            try:
                # Imported lazily: versions imports this module.
                from .versions import parse_rule

                parse_rule(rule)
            except ValueError as exc:
                problems.append(f"{cwhere}: match rule {rule!r}: {exc}")
    return problems


def validate_catalogue(products: Sequence[CatalogueProduct], hardware: Sequence[HardwareNotice] = ()) -> list[str]:
    problems: list[str] = []
    slugs: set[str] = set()
    for product in products:
        if product.product in slugs:
            problems.append(f"product {product.product!r}: duplicate product slug")
        slugs.add(product.product)
        problems.extend(validate_product(product))
    for product in products:
        for related in product.related:
            if related not in slugs:
                problems.append(f"product {product.product!r}: related: unknown product {related!r}")
    for notice in hardware:
        sale, support = notice.end_of_sale, notice.end_of_support
        if isinstance(sale, dt.date) and isinstance(support, dt.date) and sale > support:
            problems.append(f"hardware {notice.manufacturer} {notice.model!r}: end_of_sale is after end_of_support")
    return problems


# --- loading ----------------------------------------------------------------------------------------------------


def default_paths() -> list[Path]:
    return sorted(CATALOGUE_DIR.glob("*.yaml"))


# The C parser is about ten times faster when libyaml is present; both are safe loaders.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StringDateLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that leaves dates as text, so a bad date is reported with its product, cycle and field."""


_StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StringDateLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: not valid YAML: {exc}") from exc


def load_catalogue(paths: Iterable[str | Path] | None = None) -> Catalogue:
    """Load and validate YAML catalogue files (default: the curated files shipped in catalogue/).

    A file holds either one product mapping, a list of products, or ``{products: [...]}``;
    the hardware file holds ``{hardware: [...]}``. Any problem raises CatalogueError and nothing is returned.
    """
    products: list[CatalogueProduct] = []
    hardware: list[HardwareNotice] = []
    for raw_path in default_paths() if paths is None else paths:
        path = Path(raw_path)
        data = _read_yaml(path)
        where = path.name
        if isinstance(data, dict) and "hardware" in data:
            items = data["hardware"]
            if not isinstance(items, list):
                raise CatalogueError(f"{where}: hardware: expected a list")
            hardware.extend(hardware_from_dict(item, f"{where} hardware[{i}]") for i, item in enumerate(items))
            continue
        if isinstance(data, dict) and "products" in data:
            data = data["products"]
        items = data if isinstance(data, list) else [data]
        products.extend(product_from_dict(item, where) for item in items)
    problems = validate_catalogue(products, hardware)
    if problems:
        raise CatalogueError("invalid catalogue:\n" + "\n".join(problems))
    return Catalogue(products=tuple(products), hardware=tuple(hardware))


@dataclass
class _Cache:
    catalogue: Catalogue | None = field(default=None)


_default = _Cache()


def default_catalogue() -> Catalogue:
    """The shipped catalogue, loaded once per process."""
    if _default.catalogue is None:
        _default.catalogue = load_catalogue()
    return _default.catalogue
