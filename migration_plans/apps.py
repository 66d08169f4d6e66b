from django.apps import AppConfig


class MigrationPlansConfig(AppConfig):
    name = "migration_plans"
