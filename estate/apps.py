from django.apps import AppConfig


class EstateConfig(AppConfig):
    name = "estate"
    verbose_name = "Estate core"

    def ready(self) -> None:
        from estate import signals  # noqa: F401  (creates default groups after migrate)
