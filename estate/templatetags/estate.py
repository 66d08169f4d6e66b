"""Template helpers: a key/value table of an object's fields, RAG badges."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.db import models
from django.utils import timezone
from django.utils.html import format_html, format_html_join

register = template.Library()


def _display(obj, field: models.Field):
    value = getattr(obj, field.name)
    if value in (None, ""):
        return "—"
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    if isinstance(value, models.Model):
        url = value.get_absolute_url() if hasattr(value, "get_absolute_url") else None
        return format_html('<a href="{}">{}</a>', url, value) if url else str(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


@register.simple_tag
def field_rows(obj, names: str):
    """Render <tr><th>Label</th><td>value</td></tr> for each comma-separated field name."""
    rows = []
    for name in (n.strip() for n in names.split(",")):
        field = obj._meta.get_field(name)
        rows.append((str(field.verbose_name).capitalize(), _display(obj, field)))
    return format_html_join("\n", '<tr><th scope="row">{}</th><td>{}</td></tr>', rows)


@register.simple_tag
def rag_badge(value: str, label: str = ""):
    return format_html('<span class="rag rag-{}">{}</span>', value, label or str(value).capitalize())


@register.filter
def change_items(entry) -> list:
    """(field, [old, new]) pairs of a history entry. A filter, not `changes_dict.items`: in a template that would
    look up a field called "items" before the dict method."""
    changes = entry.changes_dict or {}
    return list(changes.items()) if isinstance(changes, dict) else []
