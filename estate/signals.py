"""Default groups exist out of the box: Engineers (read/write) and Viewers (read-only)."""

from __future__ import annotations

from django.db.models.signals import post_migrate
from django.dispatch import receiver

ESTATE_APPS = ("inventory", "discovery", "migration_plans", "estate", "auditlog")


@receiver(post_migrate)
def ensure_default_groups(sender, **kwargs) -> None:
    from estate.services import default_groups_ensure

    if getattr(sender, "name", "") == "estate":
        default_groups_ensure()
