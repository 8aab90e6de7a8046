from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


def _ensure_roles(sender, **kwargs):
    from core.roles import roles_ensure

    roles_ensure()


class CoreConfig(AppConfig):
    """The ground floor: the financial calendar, sanitising, roles, locking, panels and the import base.

    It imports nothing of ours, so every app may stand on it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # After every app's migrations: the role groups exist and hold the permissions each app
        # grants them, on a production database as much as on the demo.
        post_migrate.connect(_ensure_roles, dispatch_uid="core.ensure_roles")
        from core.sessions import session_clocks_start

        user_logged_in.connect(session_clocks_start, dispatch_uid="core.session_clocks_start")
        from core.mfa import pending_after_sign_in

        user_logged_in.connect(pending_after_sign_in, dispatch_uid="core.mfa_pending_after_sign_in")
        from django.urls import reverse

        from core.audit import audit_source_register
        from core.models import PersonChange

        audit_source_register(
            PersonChange,
            label="Access",
            fields=("person", "change", "role"),
            details=True,
            name=lambda row: row.person.get_full_name() or row.person.username,
            link=lambda row: reverse("people:person", args=[row.person_id]),
            select_related=("person",),
        )
