from django.apps import AppConfig


class RisksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "risks"

    def ready(self) -> None:
        from risks import panels

        panels.register()
