from django.apps import AppConfig


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = "Improvement plans"

    def ready(self) -> None:
        from plans import panels

        panels.register()
