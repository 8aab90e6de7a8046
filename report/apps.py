from django.apps import AppConfig


class ReportConfig(AppConfig):
    """The top floor: the highlight report composes the panels every app contributes."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "report"
    verbose_name = "Highlight report"

    def ready(self) -> None:
        from report.cache import connect_signals

        connect_signals()
