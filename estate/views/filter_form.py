"""A form renderer for list pages' filter forms: <select> widgets written in Python, byte for byte as the templates.

A list page's filter form has a dozen <select>s with a hundred-odd <option>s; Django renders each option by including
two small templates, which was a fifth of a list page's time once its table was fast. `FilterFormRenderer` wraps the
form's own renderer and writes `django/forms/widgets/select.html` (with select_option.html and attrs.html) directly,
using the same escaping and formatting the templates apply. Anything else, or any select it cannot be sure about (the
templates overridden by a project or app, a custom option template, a callable value), is left to the wrapped renderer.
tests/core/test_table_render.py compares the two for every list page's filter form.
"""

from __future__ import annotations

import functools
from pathlib import Path

import django
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeData, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
ATTRS = "django/forms/widgets/attrs.html"
DJANGO_FORM_TEMPLATES = Path(django.__file__).resolve().parent / "forms" / "templates"


class _Unsure(Exception):
    """The Python rendering cannot promise the template's output: let the template do it."""


class FilterFormRenderer:
    """Delegates to `base` (the form's renderer) except for <select> widgets rendered by Django's own templates."""

    def __init__(self, base):
        self.base = base

    def __getattr__(self, name):
        return getattr(self.base, name)

    def get_template(self, template_name):
        return self.base.get_template(template_name)

    def render(self, template_name, context, request=None):
        if template_name == SELECT and _builtin_templates(self.base):
            try:
                return mark_safe(_select_html(context["widget"]))  # noqa: S308 - every part escaped
            except _Unsure:
                pass
        return self.base.render(template_name, context, request=request)


@functools.lru_cache(maxsize=8)
def _builtin_templates(renderer) -> bool:
    """Whether the renderer's select/option/attrs templates are Django's own files (not overridden anywhere)."""
    try:
        for name in (SELECT, OPTION, ATTRS):
            origin = Path(str(renderer.get_template(name).origin.name)).resolve()
            if not origin.is_relative_to(DJANGO_FORM_TEMPLATES):
                return False
    except Exception:  # noqa: BLE001 - any doubt: use the templates
        return False
    return True


_CONTEXT = Context()  # autoescape on, no l10n/tz overrides: what a widget template's context has


def _var(value) -> str:
    """`{{ value }}`."""
    if callable(value):
        raise _Unsure
    return render_value_in_context(value, _CONTEXT)


def _var_s(value) -> str:
    """`{{ value|stringformat:'s' }}` (an is_safe filter: safe input stays safe)."""
    if callable(value):
        raise _Unsure
    formatted = stringformat(value, "s")
    if isinstance(value, SafeData):
        formatted = mark_safe(formatted)  # noqa: S308 - as the template engine does for is_safe filters
    return render_value_in_context(formatted, _CONTEXT)


def _attrs_html(attrs) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(f" {_var(name)}")
            if value is not True:
                out.append(f'="{_var_s(value)}"')
    return "".join(out)


def _select_html(widget) -> str:
    """django/forms/widgets/select.html, stripped as BaseRenderer.render strips it."""
    out = [f'<select name="{_var(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, group_choices, _group_index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_var(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                raise _Unsure
            out.append(f'\n  <option value="{_var_s(option["value"])}"{_attrs_html(option["attrs"])}>'
                       f'{_var(option["label"])}</option>\n')
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out).strip()
