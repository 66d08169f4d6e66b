"""Table helpers shared by every list page."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class SelectColumn(tables.Column):
    """A labelled checkbox per row for bulk actions (an unlabelled checkbox fails accessibility checks)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", "")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("exclude_from_export", True)
        kwargs.setdefault("accessor", "pk")
        kwargs.setdefault("attrs", {"th": {"class": "col-select"}, "td": {"class": "col-select"}})
        super().__init__(**kwargs)

    @property
    def header(self):
        return mark_safe(  # noqa: S308 - constant markup
            '<input type="checkbox" class="form-check-input js-select-all" aria-label="Select all rows on this page">'
        )

    def render(self, value, record):
        return format_html(
            '<input type="checkbox" class="form-check-input" name="pk" value="{}" aria-label="Select {}">',
            value, str(record),
        )


class EstateTable(tables.Table):
    """Base table: a selection column, and the names of the columns shown until a user chooses their own."""

    pk = SelectColumn()
    default_columns: tuple[str, ...] = ()

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = "Nothing matches."
