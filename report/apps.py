from django.apps import AppConfig


class ReportConfig(AppConfig):
    """The top floor: the highlight report composes the panels every app contributes."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "report"
    verbose_name = "Highlight report"
    # No signals of its own: each app bumps its own data versions (core.data_versions, <app>/panels.py).
