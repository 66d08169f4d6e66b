"""UK public-sector financial years (1 April to 31 March), labelled like "2026/27"."""

from __future__ import annotations

import datetime as dt
import re

__all__ = [
    "financial_year",
    "financial_year_end",
    "financial_year_start",
    "financial_years_between",
    "parse_financial_year",
    "start_year",
]

_LABEL_RE = re.compile(r"^\s*(?:fy\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)


def start_year(day: dt.date) -> int:
    """Calendar year in which the financial year holding `day` began (1 Jan-31 Mar belong to the previous one)."""
    return day.year if day.month >= 4 else day.year - 1


def _label(first_year: int) -> str:
    return f"{first_year}/{(first_year + 1) % 100:02d}"


def financial_year(day: dt.date) -> str:
    """'2026/27' for any date from 1 April 2026 to 31 March 2027."""
    return _label(start_year(day))


def parse_financial_year(label: str) -> int:
    """Start year of a label: '2026/27', '2026-27', '2026/2027' or 'FY2026/27' -> 2026."""
    found = _LABEL_RE.match(label or "")
    if not found:
        raise ValueError(f"not a financial year label: {label!r} (expected e.g. '2026/27')")
    first = int(found.group(1))
    second = found.group(2)
    expected = first + 1
    if (len(second) == 2 and int(second) != expected % 100) or (len(second) == 4 and int(second) != expected):
        raise ValueError(f"not a financial year label: {label!r} (the second year must follow the first)")
    return first


def _first_year(value: str | int | dt.date) -> int:
    if isinstance(value, dt.date):
        return start_year(value)
    if isinstance(value, int):
        return value
    return parse_financial_year(value)


def financial_year_start(value: str | int | dt.date) -> dt.date:
    """1 April that opens the year: accepts a label ('2026/27'), a start year (2026) or any date in the year."""
    return dt.date(_first_year(value), 4, 1)


def financial_year_end(value: str | int | dt.date) -> dt.date:
    """31 March that closes the year (inclusive)."""
    return dt.date(_first_year(value) + 1, 3, 31)


def financial_years_between(start: dt.date, end: dt.date) -> list[str]:
    """Labels of every financial year touched by the date range, in order; empty if end is before start."""
    if end < start:
        return []
    return [_label(year) for year in range(start_year(start), start_year(end) + 1)]
