from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: the financial calendar, sanitising, roles, locking and the import base.

    It imports nothing of ours, so every app may stand on it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Core"
