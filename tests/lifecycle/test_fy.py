"""UK financial years (April to March)."""

import datetime as dt

import pytest

from inventory.lifecycle.fy import (
    financial_year,
    financial_year_end,
    financial_year_start,
    financial_years_between,
    parse_financial_year,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (D(2027, 3, 31), "2026/27"),
        (D(2027, 4, 1), "2027/28"),
        (D(2026, 4, 1), "2026/27"),
        (D(2026, 3, 31), "2025/26"),
        (D(2026, 1, 1), "2025/26"),
        (D(2025, 12, 31), "2025/26"),
        (D(1999, 6, 1), "1999/00"),  # century boundary
        (D(2024, 2, 29), "2023/24"),  # leap day
    ],
)
def test_financial_year(day, label):
    assert financial_year(day) == label


def test_start_and_end():
    assert financial_year_start("2026/27") == D(2026, 4, 1)
    assert financial_year_end("2026/27") == D(2027, 3, 31)
    assert financial_year_start(2026) == D(2026, 4, 1)
    assert financial_year_end(D(2027, 3, 31)) == D(2027, 3, 31)
    assert financial_year_start(D(2027, 3, 31)) == D(2026, 4, 1)
    assert financial_year_end(D(2027, 4, 1)) == D(2028, 3, 31)


@pytest.mark.parametrize("label", ["2026/27", "2026-27", "2026/2027", "FY2026/27", " fy 2026 / 27 "])
def test_parse_label_forms(label):
    assert parse_financial_year(label) == 2026


@pytest.mark.parametrize("label", ["2026/28", "2026", "26/27", "", "2026/2028", "1999/01"])
def test_parse_label_rejects(label):
    with pytest.raises(ValueError):
        parse_financial_year(label)


def test_century_label_parses():
    assert parse_financial_year("1999/00") == 1999


def test_years_between():
    assert financial_years_between(D(2026, 3, 31), D(2026, 4, 1)) == ["2025/26", "2026/27"]
    assert financial_years_between(D(2026, 4, 1), D(2027, 3, 31)) == ["2026/27"]
    assert financial_years_between(D(2025, 1, 1), D(2028, 12, 31)) == [
        "2024/25",
        "2025/26",
        "2026/27",
        "2027/28",
        "2028/29",
    ]
    assert financial_years_between(D(2027, 1, 1), D(2026, 1, 1)) == []
