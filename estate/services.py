"""Writes shared by every app: generic create/update/delete, tokens and default groups."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from estate.models import Token, hash_token_key

logger = logging.getLogger(__name__)
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

ENGINEERS = "Engineers"
VIEWERS = "Viewers"
_GROUP_APPS = ("inventory", "discovery", "migration_plans", "estate")


@transaction.atomic
def default_groups_ensure() -> None:
    """Engineers may do everything in Estate's apps; Viewers may only view."""
    perms = Permission.objects.filter(content_type__app_label__in=_GROUP_APPS)
    engineers, _ = Group.objects.get_or_create(name=ENGINEERS)
    viewers, _ = Group.objects.get_or_create(name=VIEWERS)
    engineers.permissions.add(*perms)
    engineers.permissions.add(*Permission.objects.filter(content_type__app_label="auditlog", codename="view_logentry"))
    viewers.permissions.add(*perms.filter(codename__startswith="view_"))
    viewers.permissions.add(*Permission.objects.filter(content_type__app_label="auditlog", codename="view_logentry"))


def object_save(*, instance: models.Model, m2m: dict[str, Any] | None = None) -> models.Model:
    """Validate and save any model instance (cross-field rules live in the model's clean()).

    Validation runs before the write transaction opens: on SQLite that transaction is BEGIN IMMEDIATE, which takes
    the database's one write lock, and a slow clean() (a scope's long target list) must not hold everyone else up.
    """
    instance.full_clean()
    return _object_write(instance=instance, m2m=m2m)


@transaction.atomic
def _object_write(*, instance: models.Model, m2m: dict[str, Any] | None) -> models.Model:
    instance.save()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    return instance


class BulkValidationError(ValidationError):
    """Some of a list of objects are invalid: ``problems`` has one message dict per object, in order."""

    def __init__(self, problems: list[dict[str, list[str]]]):
        self.problems = problems
        first = next(problem for problem in problems if problem)
        super().__init__(dict(first))


def objects_save(*, items: Sequence[tuple[models.Model, dict[str, Any]]]) -> list[models.Model]:
    """Validate every (instance, m2m) first, then save them all in one transaction: all or nothing.

    BulkValidationError carries one message dict per item (empty for the good ones), in order.
    """
    problems: list[dict[str, list[str]]] = []
    for instance, _ in items:
        try:
            instance.full_clean()
        except ValidationError as exc:
            problems.append(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
        else:
            problems.append({})
    if any(problems):
        raise BulkValidationError(problems)
    with transaction.atomic():
        return [_object_write(instance=instance, m2m=m2m) for instance, m2m in items]


@transaction.atomic
def object_delete(*, instance: models.Model) -> None:
    instance.delete()


def objects_bulk_update(*, queryset: models.QuerySet, changes: dict[str, Any],
                        m2m_add: dict[str, Any] | None = None) -> int:
    """Apply the same field changes to many objects, one audited save each; all or nothing.

    Every changed object is validated before the write transaction opens (see object_save), and again under the
    row locks, where it is cheap unless a row changed meanwhile.
    """
    for obj in queryset:
        for field, value in changes.items():
            setattr(obj, field, value)
        obj.full_clean()
    return _objects_bulk_write(queryset=queryset, changes=changes, m2m_add=m2m_add)


@transaction.atomic
def _objects_bulk_write(*, queryset: models.QuerySet, changes: dict[str, Any],
                        m2m_add: dict[str, Any] | None = None) -> int:
    count = 0
    for obj in queryset.select_for_update(of=("self",)):  # lock the rows, not the joined ones
        for field, value in changes.items():
            setattr(obj, field, value)
        obj.full_clean()
        obj.save()
        for name, values in (m2m_add or {}).items():
            getattr(obj, name).add(*values)
        count += 1
    return count


@transaction.atomic
def objects_bulk_delete(*, queryset: models.QuerySet) -> int:
    count = 0
    for obj in queryset.select_for_update(of=("self",)):  # lock the rows, not the joined ones
        obj.delete()  # one by one so each deletion is audited
        count += 1
    return count


@transaction.atomic
def token_create(*, user, description: str = "", write_enabled: bool = False, expires: datetime | None = None,
                 parent: Token | None = None) -> tuple[Token, str]:
    """Create a token and return it with its key: the only time the key is ever available.

    ``parent`` is the token the request creating this one was authenticated with, if any: a token cannot outlive
    it or have more rights than it, so a stolen short-lived token cannot mint a never-expiring write token.
    """
    if expires is not None and expires <= timezone.now():
        raise ValidationError({"expires": "The expiry must be in the future."})
    if parent is not None:
        if write_enabled and not parent.write_enabled:
            raise ValidationError({"write_enabled": "A read-only token cannot create a token that may write."})
        if parent.expires is not None and (expires is None or expires > parent.expires):
            raise ValidationError({"expires": "A token created with an expiring token must expire no later than it "
                                              f"({parent.expires.isoformat(timespec='seconds')})."})
    key = Token.generate_key()
    token = Token.objects.create(
        user=user,
        key_hash=hash_token_key(key),
        prefix=key[:10],
        description=description,
        write_enabled=write_enabled,
        expires=expires,
    )
    return token, key


def token_touch(*, token: Token, now: datetime | None = None) -> bool:
    """Record that a token was used, at most once a minute. Bookkeeping, so it never fails or holds up the request
    that used the token: it waits for no lock (a busy SQLite database skips it) and a database error is logged, not
    raised. Returns whether it wrote."""
    now = now or timezone.now()
    if token.last_used is not None and now - token.last_used < TOKEN_TOUCH_INTERVAL:
        return False
    stale = Q(last_used__isnull=True) | Q(last_used__lt=now - TOKEN_TOUCH_INTERVAL)
    try:
        with _no_lock_wait(), transaction.atomic():  # a savepoint inside a caller's transaction: it stays usable
            written = Token.objects.filter(stale, pk=token.pk).update(last_used=now)
    except DatabaseError as exc:
        logger.info("token %s: last_used not recorded (%s)", token.prefix, exc)
        return False
    token.last_used = now
    return bool(written)


@contextmanager
def _no_lock_wait() -> Iterator[None]:
    """On SQLite, give up at once instead of waiting (busy_timeout) when another connection holds the write lock."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        previous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {previous}")
