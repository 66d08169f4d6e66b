"""Writes shared by every app: generic create/update/delete, tokens and default groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction

from estate.models import Token, hash_token_key

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


@transaction.atomic
def object_save(*, instance: models.Model, m2m: dict[str, Any] | None = None) -> models.Model:
    """Validate and save any model instance (cross-field rules live in the model's clean())."""
    instance.full_clean()
    instance.save()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def object_delete(*, instance: models.Model) -> None:
    instance.delete()


@transaction.atomic
def objects_bulk_update(*, queryset: models.QuerySet, changes: dict[str, Any],
                        m2m_add: dict[str, Any] | None = None) -> int:
    """Apply the same field changes to many objects, one audited save each; all or nothing."""
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
def token_create(*, user, description: str = "", write_enabled: bool = False,
                 expires: datetime | None = None) -> tuple[Token, str]:
    """Create a token and return it with its key: the only time the key is ever available."""
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
