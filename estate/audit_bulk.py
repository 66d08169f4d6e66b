"""Writes that skip the ORM's per-object cost, and the audit history they would have made.

Bulk writes (the importer, a discovery sweep's new devices) bypass auditlog's signals, so they write their history
here: LogEntry rows shaped as django-auditlog records them, with the same fields (the model's registration decides
which), the same "None"-for-empty text, and the actor and correlation id of the current audit context.

``rows_insert()`` and ``rows_update()`` write many rows with one executemany; ``object_insert()`` writes one model
instance the way ``save()`` would for a new object (auto_now fields, field preparation) at a fraction of the cost,
without signals.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from auditlog.context import auditlog_value
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.encoding import smart_str

INSERT_BATCH = 500
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.ForeignKey,
                 models.GenericIPAddressField)


@functools.cache
def audit_fields(model: type[models.Model]) -> list[models.Field]:
    """The concrete fields auditlog records for a registered model."""
    options = auditlog.get_model_fields(model)
    include, exclude = set(options["include_fields"]), set(options["exclude_fields"])
    return [f for f in model._meta.concrete_fields if f.name not in exclude and (not include or f.name in include)]


def audit_create_changes(obj: models.Model, fields: Iterable[models.Field]) -> dict[str, list[str]]:
    """The changes auditlog records for a create: every field that is not None, from "None", as auditlog writes
    values (JSON dumped with sorted keys, date-times naive in UTC). Reverse relations, which auditlog also lists
    as "<model>.None", are left out."""
    out = {}
    values = obj.__dict__
    for f in fields:
        value = values.get(f.attname)
        if value is None:
            continue
        if isinstance(f, models.JSONField):
            text = json.dumps(value, sort_keys=True)
        elif isinstance(value, datetime) and timezone.is_aware(value):
            text = str(timezone.make_naive(value, UTC))
        else:
            text = str(value)
        out[f.name] = ["None", text]
    return out


def audit_context_values() -> dict[str, Any]:
    """Actor, correlation id and remote address of the current audit context (estate.context.audit_context)."""
    with contextlib.suppress(LookupError):
        return dict(auditlog_value.get())
    return {}


def audit_entry(*, ct: ContentType, obj: models.Model, action: int, changes: dict[str, list[str]], actor: Any,
                cid: str | None, now: Any, remote_addr: str | None = None, object_repr: str | None = None
                ) -> dict[str, Any]:
    """One LogEntry row, as auditlog itself would record it."""
    return {
        "content_type_id": ct.pk, "object_pk": str(obj.pk), "object_id": obj.pk,
        "object_repr": object_repr if object_repr is not None else smart_str(obj)[:1000], "action": action,
        "changes": changes, "changes_text": "",
        "actor_id": getattr(actor, "pk", None), "actor_email": getattr(actor, "email", None) or None,
        "remote_addr": remote_addr, "cid": cid, "timestamp": now,
    }


@dataclass(frozen=True)
class CreateRecord:
    """An object's creation as auditlog would have recorded it at that moment (written later, in bulk)."""

    obj: models.Model
    object_repr: str
    changes: dict[str, list[str]]


def audit_create_record(obj: models.Model) -> CreateRecord:
    """Take the record when the object is saved: later changes in the same batch must not leak into it."""
    return CreateRecord(obj, smart_str(obj)[:1000], audit_create_changes(obj, audit_fields(type(obj))))


def audit_creates_write(records: list[CreateRecord], *, now: Any, actor: Any = None, cid: str | None = None) -> int:
    """Write the creation history of saved objects, attributed to ``actor`` and ``cid`` (by default, those of the
    current audit context)."""
    if not records:
        return 0
    context = audit_context_values()
    actor, cid = actor or context.get("actor"), cid or context.get("cid")
    cts: dict[type, ContentType] = {}
    rows = []
    for record in records:
        model = type(record.obj)
        ct = cts.get(model) or cts.setdefault(model, ContentType.objects.get_for_model(model))
        rows.append(audit_entry(ct=ct, obj=record.obj, object_repr=record.object_repr, action=LogEntry.Action.CREATE,
                                changes=record.changes, actor=actor, cid=cid, remote_addr=context.get("remote_addr"),
                                now=now))
    rows_insert(LogEntry, rows)
    return len(rows)


def _prepared(fields: list[models.Field], values: Iterable[Any], connection: Any) -> list[Any]:
    """Values as the driver takes them. Text and integers go as they are; other types (dates, decimals, JSON)
    through the field, as the ORM would send them."""
    return [value if (value is None or (type(value) in (str, int) and isinstance(f, _PLAIN_FIELDS)
                                        and not isinstance(f, models.JSONField)))
            else f.get_db_prep_save(value, connection)
            for f, value in zip(fields, values, strict=True)]


def rows_insert(model: type[models.Model], rows: list[dict[str, Any]], fields: list[models.Field] | None = None
                ) -> None:
    """INSERT many rows with executemany: no model instances, no per-batch SQL compilation."""
    if not rows:
        return
    connection = transaction.get_connection()
    if fields is None:
        fields = [model._meta.get_field(name.removesuffix("_id") if name.endswith("_id") and name != "object_id"
                                        else name) for name in rows[0]]
    sql = _insert_sql(model, tuple(fields), connection, returning=False)
    params = [_prepared(fields, row.values(), connection) for row in rows]
    with connection.cursor() as cursor:
        for start in range(0, len(params), INSERT_BATCH):
            cursor.executemany(sql, params[start:start + INSERT_BATCH])


def rows_update(model: type[models.Model], objs: list[models.Model], fields: list[models.Field]) -> None:
    """UPDATE these fields of every object, by primary key, with one executemany: Django's bulk_update builds a
    CASE per field and object, which is far slower for thousands of rows."""
    if not objs:
        return
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    # column names come from the model's metadata, never from input; values are parameters
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    params = [[*_prepared(fields, [getattr(o, f.attname) for f in fields], connection), o.pk] for o in objs]
    with connection.cursor() as cursor:
        for start in range(0, len(params), INSERT_BATCH):
            cursor.executemany(sql, params[start:start + INSERT_BATCH])


def object_insert(obj: models.Model) -> None:
    """INSERT a new model instance, as ``obj.save()`` would for it, and set its primary key.

    What ``save()`` does besides is left to the caller: no signals are sent (auditlog's included: record its
    history with ``audit_create_record()``), no parents of multi-table inheritance are saved. For hot loops where
    Django's per-save SQL compilation costs more than the database does (a discovery sweep's new devices)."""
    model = type(obj)
    connection = transaction.get_connection()
    pk = model._meta.pk
    fields = tuple(f for f in model._meta.concrete_fields if f is not pk or obj.pk is not None)
    # pre_save: auto_now and auto_now_add fields take their time here, as in save()
    values = [f.pre_save(obj, True) for f in fields]
    returning = obj.pk is None and connection.features.can_return_columns_from_insert
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, fields, connection, returning=returning),
                       _prepared(list(fields), values, connection))
        if obj.pk is None:
            obj.pk = cursor.fetchone()[0] if returning else connection.ops.last_insert_id(
                cursor, model._meta.db_table, pk.column)
    obj._state.adding = False
    obj._state.db = connection.alias


_INSERT_SQL: dict[tuple[Any, ...], str] = {}


def _insert_sql(model: type[models.Model], fields: tuple[models.Field, ...], connection: Any, *,
                returning: bool) -> str:
    key = (model, fields, connection.vendor, returning)
    sql = _INSERT_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        if returning:
            sql += f" RETURNING {quote(model._meta.pk.column)}"
        _INSERT_SQL[key] = sql
    return sql
