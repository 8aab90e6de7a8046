from django.apps import AppConfig


class ReportConfig(AppConfig):
    """The top floor: the highlight report composes the panels every app contributes."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "report"
    verbose_name = "Highlight report"
    # Each app bumps its own data versions (core.data_versions, <app>/panels.py); the report's own is the
    # published papers' (report.changes.PAPERS), which "since the last board" is built from.

    def ready(self):
        from report import changes

        changes.register()
