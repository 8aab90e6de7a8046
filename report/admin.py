"""The papers built in the background, for administrators to see what was built and why one failed."""

from django.contrib import admin

from report.models import PaperBuild


@admin.register(PaperBuild)
class PaperBuildAdmin(admin.ModelAdmin):
    """Read only: builds are made by the paper links and the worker, never by hand."""

    list_display = ("kind", "plan", "financial_year", "quarter", "as_at", "status", "enqueued_at", "finished_at")
    list_filter = ("status", "kind")
    list_select_related = ("plan",)
    readonly_fields = [field.name for field in PaperBuild._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
