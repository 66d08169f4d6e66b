from django.apps import AppConfig


class EstateConfig(AppConfig):
    name = "estate"
    verbose_name = "Estate core"

    def ready(self) -> None:
        from estate import audit, signals, throttling  # noqa: F401  (audit history; default groups; login counts)
