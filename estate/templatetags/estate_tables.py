"""`{% table_rows table %}`: the rows of a django-tables2 table, rendered by estate.tables.table_rows_html."""

from __future__ import annotations

from django import template

from estate.tables import table_rows_html

register = template.Library()


@register.simple_tag(takes_context=True)
def table_rows(context, table):
    return table_rows_html(table, context)
