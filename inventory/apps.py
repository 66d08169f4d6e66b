from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from inventory import audit  # noqa: F401  (registers models with the audit history)
        from inventory.services_lifecycle import lifecycle_post_migrate

        # Shipped lifecycle catalogue, default policies and the daily schedule (idempotent; see docs/lifecycle.md).
        post_migrate.connect(lifecycle_post_migrate, sender=self, dispatch_uid="inventory.lifecycle_post_migrate")
