from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, **kwargs):
    from core.roles import roles_ensure

    roles_ensure()


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = "Improvement plans"

    def ready(self) -> None:
        # Every app's post_migrate: the role groups exist and hold the permissions known so far,
        # on a production database as much as on the demo.
        post_migrate.connect(_ensure_roles, dispatch_uid="plans.ensure_roles")
        from plans.report_cache import connect_signals

        connect_signals()
