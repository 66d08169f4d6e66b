"""Table helpers shared by every list page."""

from __future__ import annotations

import contextlib
import functools
import html
from functools import partialmethod

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.template import Context, Template
from django.template.base import render_value_in_context
from django.templatetags.l10n import localize as localize_filter
from django.templatetags.l10n import unlocalize as unlocalize_filter
from django.urls import reverse
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django_tables2.columns.base import BoundColumn, LinkTransform
from django_tables2.data import TableQuerysetData
from django_tables2.rows import BoundRow, BoundRows
from django_tables2.utils import A, AttributeDict, signature

from estate.pagination import page_primary_keys, records_in_order


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


# --- A faster renderer of a table's rows ------------------------------------------------------------------------------
#
# django-tables2 renders each cell through BoundRow.get_cell (an inspect.signature per call, an exception per model
# attribute lookup, a recompiled Template per TemplateColumn cell, a reverse() per link) and then a template loop
# (BoundColumn.attrs recomputed per cell, variable lookups). With 50 rows of 10 columns that was most of a list page's
# time. `table_rows_html` produces the same markup as the `table.tbody` block of django_tables2/table.html (minus the
# whitespace between tags) from the same table definition: per column, what does not change from row to row (the
# render method's signature, the <td> attributes, the default, the link's attributes, the URL pattern of a detail page)
# is worked out once, and each cell is rendered with the library's own semantics. Anything unusual (a callable
# attribute, a many-to-many column, a custom link, a pinned row) goes through the library's own code for that cell, so
# the output stays the same for every table. tests/core/test_table_render.py compares the two for every list page.

_KWARG_NAMES = ("value", "record", "column", "bound_column", "bound_row", "table")
_PK_SENTINEL = 987654321987654321


def _has_callable(value) -> bool:
    if callable(value):
        return True
    if isinstance(value, dict):
        return any(_has_callable(v) for v in value.values())
    return False


def _detail_url(obj, url_cache: dict):
    """obj.get_absolute_url(), without a reverse() per row for models using the shared `ChangeLoggedModel` one."""
    cls = type(obj)
    pk = getattr(obj, "pk", None)
    if type(pk) is not int or pk < 0 or getattr(cls, "get_absolute_url", None) is not _base_get_absolute_url():
        return obj.get_absolute_url()
    url_name = obj.url_name
    parts = url_cache.get(url_name)
    if parts is None:
        url = reverse(f"{url_name}_detail", kwargs={"pk": _PK_SENTINEL})
        before, found, after = url.partition(str(_PK_SENTINEL))
        parts = url_cache[url_name] = (before, after) if found and str(_PK_SENTINEL) not in after else False
    if parts is False:
        return obj.get_absolute_url()
    return f"{parts[0]}{pk}{parts[1]}"


@functools.cache
def _base_get_absolute_url():
    from estate.models import ChangeLoggedModel

    return ChangeLoggedModel.get_absolute_url


class _CellRenderer:
    """Renders one column's <td> for any row; built once per table rendering."""

    def __init__(self, table, bound_column, context, url_cache: dict):
        self.table = table
        self.bound_column = bound_column
        self.context = context
        self.url_cache = url_cache
        column = self.column = bound_column.column
        self.name = bound_column.name
        self.localize = bound_column.localize
        self.empty_values = column.empty_values
        accessor = self.accessor = A(bound_column.accessor)
        bits = accessor.bits
        self.field_name = bits[0] if len(bits) == 1 and accessor.SEPARATOR == A.SEPARATOR else None
        self.choices_by_class: dict[type, bool] = {}
        self.display_fields: dict[type, object] = {}
        self.display_cache: dict = {}

        # Columns whose cells are best left to the library: link columns with a text, many-to-many columns.
        self.library_cell = isinstance(column, (tables.columns.linkcolumn.BaseLinkColumn, tables.ManyToManyColumn))

        # The default shown for an empty value (a callable default is called per cell, as the library does).
        self.static_default = type(column).default is tables.Column.default and not callable(column._default)
        self.default = bound_column.default if self.static_default else None

        # How the cell content is made: the value itself, a compiled TemplateColumn template, or a render method.
        render = bound_column.render
        render_func = getattr(render, "__func__", None)
        self.template = None
        self.render_kind = "call"
        if render_func is tables.Column.render and getattr(render, "__self__", None) is column:
            self.render_kind = "value"
        elif (render_func is tables.TemplateColumn.render and getattr(render, "__self__", None) is column
              and column.template_code):
            self.render_kind = "template"
            self.template = Template(column.template_code)
        else:
            args, kwargs_name = signature(render)
            self.render_all = bool(kwargs_name)
            self.render_args = tuple(args)
            self.render_never = any(arg not in _KWARG_NAMES for arg in args) and not kwargs_name
        self.render = render

        # The link around the content: linkify=True on a plain LinkTransform is done here, anything else by the link.
        link = self.link = bound_column.link
        self.fast_link = (link is not None and type(link) is LinkTransform and link.url is None
                          and link.reverse_args.get("viewname") is None and not _has_callable(link.attrs or {}))
        if self.fast_link:
            link_attrs = AttributeDict(link.attrs or {})
            self.link_href_last = "href" not in link_attrs
            self.link_attrs = link_attrs
            self.link_attrs_html = link_attrs.as_html() if self.link_href_last else ""
            self.link_accessor = A(link.accessor if link.accessor is not None else bound_column.name)

        # The <td> attributes: computed once unless they depend on the cell.
        attrs = dict(table.attrs)
        attrs.update(dict(column.attrs))
        td_source = attrs.get("td", attrs.get("cell", {}))
        self.static_td = (not _has_callable(td_source) and type(bound_column) is BoundColumn
                          and type(table).get_column_class_names is tables.Table.get_column_class_names)
        self.td_open = f"<td {bound_column.attrs['td'].as_html()}>" if self.static_td else None

    # --- the value ---------------------------------------------------------------------------------------------------

    def _has_choices(self, record) -> bool:
        cls = type(record)
        has = self.choices_by_class.get(cls)
        if has is None:
            field = self.accessor.get_field(record)
            has = self.choices_by_class[cls] = bool(getattr(field, "choices", ()))
        return has

    def _display_field(self, cls):
        """The field behind cls.get_FOO_display when it is the method Django adds for choices, else None."""
        try:
            return self.display_fields[cls]
        except KeyError:
            pass
        field = None
        for klass in cls.__mro__:
            method = klass.__dict__.get(f"get_{self.field_name}_display")
            if method is not None:
                if (isinstance(method, partialmethod) and method.func is models.Model._get_FIELD_display
                        and not method.args and set(method.keywords) == {"field"}):
                    field = method.keywords["field"]
                break
        self.display_fields[cls] = field
        return field

    def _resolve(self, record):
        """BoundRow._get_and_render_with up to the value: (value, empty)."""
        name = self.field_name
        if name is not None and isinstance(record, models.Model) and not hasattr(type(record), "__getitem__"):
            # One attribute of a model: Accessor.resolve without the dictionary lookup that always fails on a model.
            if self._has_choices(record):
                field = self._display_field(type(record))
                if field is not None:  # Django's own get_FOO_display(): the label depends on the value only
                    raw = getattr(record, field.attname)
                    try:
                        key = (field, make_hashable(raw))
                        value = self.display_cache[key]
                    except KeyError:
                        value = self.display_cache[key] = getattr(record, f"get_{name}_display")()
                    except TypeError:
                        value = getattr(record, f"get_{name}_display")()
                    return value, value in self.empty_values
                display = getattr(record, f"get_{name}_display", None)
                if display:
                    value = display()
                    return value, value in self.empty_values
            try:
                value = getattr(record, name)
                if callable(value):
                    if getattr(value, "alters_data", False):
                        value = None
                    elif not getattr(value, "do_not_call_in_templates", False):
                        value = value(*self.accessor.callable_args, **self.accessor.callable_kwargs)
            except Exception:  # noqa: BLE001 - Accessor.resolve raises, BoundRow._get_and_render_with ignores it
                value = None
            return value, value in self.empty_values
        value = None
        penultimate, remainder = self.accessor.penultimate(record)
        if isinstance(penultimate, models.Model):
            try:
                if self._has_choices(record):
                    display_fn = getattr(penultimate, f"get_{remainder}_display", None)
                    if display_fn:
                        value = display_fn()
                        remainder = None
            except FieldDoesNotExist:
                pass
        if remainder:
            with contextlib.suppress(Exception):  # as BoundRow._get_and_render_with
                value = self.accessor.resolve(record)
        return value, value in self.empty_values

    # --- the content -------------------------------------------------------------------------------------------------

    def _kwargs(self, row, record, value) -> dict:
        return {"value": value, "record": record, "column": self.column, "bound_column": self.bound_column,
                "bound_row": row, "table": self.table}

    def content(self, row, record):
        """What BoundRow.get_cell returns for this column."""
        if self.library_cell:
            return row.get_cell(self.name)
        default = self.default if self.static_default else self.bound_column.default
        value, empty = self._resolve(record)
        if empty:
            return default
        kind = self.render_kind
        if kind == "value":
            content = value
        elif kind == "template":
            content = self._render_template(row, record, value)
        elif self.render_never:
            content = None
        elif self.render_all:
            content = self.render(**self._kwargs(row, record, value))
        else:
            kwargs = self._kwargs(row, record, value)
            content = self.render(**{k: kwargs[k] for k in self.render_args})
        if self.link is None:
            return content
        if self.fast_link:
            return self._link(content, record)
        return self.link(content, **self._kwargs(row, record, value))

    def _render_template(self, row, record, value):
        """TemplateColumn.render with the template compiled once instead of per cell."""
        table = self.table
        column = self.column
        parent_context = getattr(table, "context", None)
        if parent_context is None:
            parent_context = Context()
        context = column.get_context_data(record=record, table=table, value=value, bound_column=self.bound_column,
                                          column=column, bound_row=row)
        with parent_context.update(context):
            parent_context["request"] = getattr(table, "request", None)
            return self.template.render(parent_context)

    def _link(self, content, record):
        """LinkTransform.__call__ for linkify=True: <a href="{get_absolute_url}">content</a>."""
        target = self.link_accessor.resolve(record)
        if not hasattr(target, "get_absolute_url"):
            if hasattr(record, "get_absolute_url"):
                target = record
            else:
                raise TypeError(f"for linkify=True, '{target}' must have a method get_absolute_url")
        href = _detail_url(target, self.url_cache)
        if href is None:
            return content
        if self.link_href_last:
            attrs = f'{self.link_attrs_html} href="{_escape(href)}"' if self.link_attrs_html else \
                f'href="{_escape(href)}"'
        else:
            link_attrs = type(self.link_attrs)(self.link_attrs)
            link_attrs["href"] = href
            attrs = link_attrs.as_html()
        return mark_safe(f"<a {attrs}>{_escape(content)}</a>")  # noqa: S308 - escaped parts

    # --- the cell ----------------------------------------------------------------------------------------------------

    def td(self, row, record) -> str:
        cell = self.content(row, record)
        bound_column = self.bound_column
        bound_column.current_value = cell  # as BoundRow.items(), for attributes computed from the cell
        bound_column.current_record = record
        td_open = self.td_open if self.static_td else f"<td {bound_column.attrs['td'].as_html()}>"
        return f"{td_open}{cell_html(cell, self.localize, self.context)}</td>"


def cell_html(cell, localize, context) -> str:
    """What `{{ cell }}` (or `{{ cell|localize }}`, `{{ cell|unlocalize }}`) prints in the row template."""
    if localize is None:
        cls = type(cell)
        if cls is str:
            return html.escape(cell) if context.autoescape else cell
        if cls is SafeString:  # printed as it is
            return cell
        if callable(cell):  # a template calls a callable variable
            return _callable_cell_html(cell, context)
        return render_value_in_context(cell, context)
    if callable(cell):
        return _callable_cell_html(cell, context, "localize" if localize else "unlocalize")
    value = localize_filter(cell) if localize else unlocalize_filter(cell)
    return render_value_in_context(value, context)


def _callable_cell_html(cell, context, filter_name: str = "") -> str:
    code = "{% load l10n %}{{ cell|" + filter_name + " }}" if filter_name else "{{ cell }}"
    with context.push(cell=cell):
        return Template(code).render(context)


def _escape(value) -> str:
    """conditional_escape(), without its lazy-string wrapper for the common plain string."""
    cls = type(value)
    if cls is str:
        return html.escape(value)
    if cls is SafeString:
        return value
    return conditional_escape(value)


def table_rows_html(table, context) -> str:
    """The <tr> elements of `table.paginated_rows`, as the `table.tbody.row` block of django_tables2 renders them."""
    columns = list(table.columns)
    url_cache: dict = {}
    renderers = [_CellRenderer(table, bound_column, context, url_cache) for bound_column in columns]
    static_row_attrs = not _has_callable(table.row_attrs or {})
    tr_cache: dict[str, str] = {}
    out: list[str] = []
    for row in table.paginated_rows:
        if type(row) is not BoundRow:  # pinned rows: the library's own path
            out.append(f"<tr {row.attrs.as_html()}>")
            for column, cell in row.items():
                out.append(f"<td {column.attrs['td'].as_html()}>{cell_html(cell, column.localize, context)}</td>")
            out.append("</tr>")
            continue
        if static_row_attrs:
            key = row.get_even_odd_css_class()
            tr = tr_cache.get(key)
            if tr is None:
                tr = tr_cache[key] = f"<tr {row.attrs.as_html()}>"
        else:
            tr = f"<tr {row.attrs.as_html()}>"
        out.append(tr)
        record = row.record
        for renderer in renderers:
            out.append(renderer.td(row, record))
        out.append("</tr>")
    return mark_safe("".join(out))  # noqa: S308 - every cell escaped as the template does


class DeferredJoinPaginator(Paginator):
    """A Paginator for a table's rows that reads a page of a QuerySet in two cheap queries instead of one dear one.

    `SELECT <every column, every select_related join> … ORDER BY … LIMIT n OFFSET m` makes the database build (join)
    all m skipped rows too: deep pages of a large list were the slowest part of the page. Here the page's primary keys
    are read first (`SELECT pk … ORDER BY … LIMIT n OFFSET m`, which an index on the ordering columns answers alone),
    then those n records with the queryset's joins, annotations and prefetches, put back in that order.

    Only where the page cannot come out different. Rows that tie on the ordering may be returned in any order, and two
    different queries may break the ties differently, so: when the ordering is total (it includes a unique, non-null
    column of the model), the primary keys are read alone; otherwise they are read with the values the rows are sorted
    by, one row either side of the page, and used only if no two neighbours tie (then every correct execution of the
    ORDER BY gives this page, in this order). If some do (sorting by kind, say), or the ordering is not a plain list of
    columns, the page is sliced as usual, with the one query django-tables2 runs. Lists and `.values()` querysets are
    always sliced as usual.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self._rows(bottom, top), number, self)

    def _rows(self, bottom: int, top: int):
        rows = self.object_list
        data = getattr(rows, "data", None)
        queryset = getattr(data, "data", None)
        if not (isinstance(rows, BoundRows) and isinstance(data, TableQuerysetData)
                and isinstance(queryset, models.QuerySet)):
            return rows[bottom:top]
        pks = page_primary_keys(queryset, bottom, top)
        if pks is None:
            return rows[bottom:top]
        return BoundRows(data=records_in_order(queryset, pks), table=rows.table, pinned_data=rows.pinned_data)
