"""Lifecycle (end-of-life) core: curated catalogue, version matching, endoflife.date import, UK financial years.

Pure Python with no Django imports, so the Django models and commands can be built around it and it can be
tested on its own. The catalogue data lives in ``catalogue/*.yaml`` next to this package.
"""

from .catalogue import (
    Catalogue,
    CatalogueCycle,
    CatalogueError,
    CatalogueProduct,
    HardwareNotice,
    default_catalogue,
    load_catalogue,
    validate_catalogue,
)
from .eol_import import parse_endoflife, parse_hardware_notices_csv, parse_snapshot, parse_v0, parse_v1
from .fy import financial_year, financial_year_end, financial_year_start, financial_years_between
from .versions import Match, compare_versions, find_hardware_notice, resolve, resolve_product, version_key

__all__ = [
    "Catalogue",
    "CatalogueCycle",
    "CatalogueError",
    "CatalogueProduct",
    "HardwareNotice",
    "Match",
    "compare_versions",
    "default_catalogue",
    "financial_year",
    "financial_year_end",
    "financial_year_start",
    "financial_years_between",
    "find_hardware_notice",
    "load_catalogue",
    "parse_endoflife",
    "parse_hardware_notices_csv",
    "parse_snapshot",
    "parse_v0",
    "parse_v1",
    "resolve",
    "resolve_product",
    "validate_catalogue",
    "version_key",
]
