"""CSV/XLSX export of any table, with spreadsheet-formula cells neutralised."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import tablib
from django.http import HttpResponse
from django.utils import timezone

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def dataset_build(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> tablib.Dataset:
    data = tablib.Dataset(headers=[str(neutralise(h)) for h in headers])
    for row in rows:
        data.append([neutralise("" if cell is None else cell) for cell in row])
    return data


def export_response(*, headers: Sequence[str], rows: Iterable[Sequence[object]], fmt: str,
                    basename: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"Unknown export format {fmt!r}: use csv or xlsx.")
    data = dataset_build(headers, rows)
    payload = data.export(fmt)
    if isinstance(payload, str):
        payload = payload.encode("utf-8-sig")  # BOM so Excel opens UTF-8 CSV correctly
    response = HttpResponse(payload, content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.{fmt}"'
    return response


def table_export(table, *, fmt: str, basename: str) -> HttpResponse:
    """Export the visible columns of a django-tables2 table (all rows of the filtered queryset)."""
    rows = iter(table.as_values(exclude_columns=("pk", "actions")))
    headers = next(rows)
    return export_response(headers=headers, rows=rows, fmt=fmt, basename=basename)
