"""Reading one page of a large ordered QuerySet cheaply: the page's primary keys first, then only those rows.

`SELECT <every column, every join> … ORDER BY … LIMIT n OFFSET m` makes the database build (join) all m skipped rows
too. Reading the page's primary keys alone lets an index on the ordering columns answer; then the n rows are read with
the queryset's joins and prefetches. Used by list pages (estate.tables.DeferredJoinPaginator) and the API's
pagination, only where the page cannot come out different from plain slicing.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.query import ModelIterable


def page_records(queryset: models.QuerySet, bottom: int, top: int) -> list:
    """queryset[bottom:top] as a list, read by primary keys first when that gives the same page."""
    pks = page_primary_keys(queryset, bottom, top)
    return list(queryset[bottom:top]) if pks is None else records_in_order(queryset, pks)


def records_in_order(queryset: models.QuerySet, pks: list) -> list:
    """The queryset's rows with these primary keys (with its joins and prefetches), in the order of ``pks``."""
    records = {record.pk: record for record in queryset.order_by().filter(pk__in=set(pks))} if pks else {}
    return [records[pk] for pk in pks if pk in records]


def page_primary_keys(queryset, bottom: int, top: int) -> list | None:
    """The primary keys of queryset[bottom:top], in order, when they cannot differ from what slicing would return."""
    query = queryset.query
    if (queryset._iterable_class is not ModelIterable or query.is_sliced or query.combinator or query.distinct_fields
            or query.extra_order_by or query.extra or "?" in query.order_by):
        return None
    if _ordering_is_total(query):
        return list(queryset.values_list("pk", flat=True)[bottom:top])
    paths = _sort_value_paths(query)
    if not paths:
        return None
    first = max(bottom - 1, 0)
    found = list(queryset.values_list("pk", *paths)[first:top + 1])
    keys = [row[1:] for row in found]
    if any(a == b for a, b in zip(keys, keys[1:], strict=False)):
        return None  # a tie in or at the edge of the page: only the usual query gives the usual page
    return [row[0] for row in found[bottom - first:bottom - first + top - bottom]]


def _ordering(query) -> tuple:
    """The ORDER BY terms the query will use: its own, else the model's default."""
    return tuple(query.order_by or (query.get_meta().ordering if query.default_ordering else ()))


def _sort_value_paths(query) -> list[str] | None:
    """The values the ORDER BY compares, as values_list() paths, if it is a plain list of columns or annotations."""
    meta = query.get_meta()
    ordering = _ordering(query)
    paths = []
    for index, term in enumerate(ordering):
        if not isinstance(term, str) or term == "?":
            return None
        path = term.lstrip("-+")
        if path in query.annotations:
            paths.append(path)
            continue
        current = meta
        parts = path.split("__")
        for n, part in enumerate(parts):
            try:
                field = current.get_field(part)
            except FieldDoesNotExist:
                return None
            if n < len(parts) - 1:
                if not field.is_relation or field.related_model is None:
                    return None
                current = field.related_model._meta
            elif field.is_relation:
                return None  # sorted by the related model's ordering
            elif index == len(ordering) - 1 and (getattr(field, "choices", None)
                                                 or isinstance(field, models.BooleanField)):
                return None  # the last sort key has a handful of values: ties are certain, skip the check
        paths.append(path)
    return paths


def _ordering_is_total(query) -> bool:
    """Whether the ORDER BY includes a unique, non-null column of the model itself (no two rows can tie)."""
    meta = query.get_meta()
    ordering = _ordering(query)
    if "?" in ordering:
        return False
    for term in ordering:
        if not isinstance(term, str):
            continue
        name = term.lstrip("-+")
        if name == "pk":
            return True
        if "__" in name or name in query.annotations:
            continue
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.is_relation and (field.primary_key or (field.unique and not field.null)):
            return True
    return False
