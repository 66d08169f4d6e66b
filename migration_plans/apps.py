from django.apps import AppConfig


class MigrationPlansConfig(AppConfig):
    name = "migration_plans"
    verbose_name = "Migration plans"

    def ready(self) -> None:
        from migration_plans import (
            audit,  # noqa: F401  (registers models with the audit history)
            jobs,  # noqa: F401  (connects the verification of wave items to discovery jobs)
        )
