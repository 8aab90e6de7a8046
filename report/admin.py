"""The papers built in the background, for administrators to see what was built and why one failed."""

from django.contrib import admin

from report.models import PaperBuild, PublishedPaper


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


@admin.register(PublishedPaper)
class PublishedPaperAdmin(admin.ModelAdmin):
    """Read only: papers are published, reopened and republished from their pages, never edited."""

    list_display = ("plan", "financial_year", "quarter", "version", "board_date", "published_at", "pdf_status")
    list_filter = ("pdf_status",)
    list_select_related = ("plan",)
    readonly_fields = [field.name for field in PublishedPaper._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
