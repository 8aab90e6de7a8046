from django.apps import AppConfig


class KpisConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kpis"

    def ready(self) -> None:
        from kpis import panels

        panels.register()
