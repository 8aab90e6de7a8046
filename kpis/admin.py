"""Admin for KPIs: measures (with the wide-spreadsheet import and export), monthly values, import records.

The import and export pages are `kpis.spreadsheet.admin_views`, which own their URLs (Data Hub's way)
rather than replacing the core of django-import-export's admin mixin. Saves and deletes go through
`kpis.services`; bulk delete is switched off because it would skip them.
"""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_lists import BoundedChangeListMixin
from core.importing import SpreadsheetAdminMixin
from kpis import services
from kpis.models import Benchmark, KpiImport, Measure, MeasureValue, MeasureYear
from kpis.spreadsheet.admin_views import KpiSpreadsheetAdmin


def _without_bulk_delete(actions: dict) -> dict:
    actions.pop("delete_selected", None)
    return actions


class MeasureYearInline(admin.TabularInline):
    model = MeasureYear
    extra = 0


class BenchmarkInline(admin.TabularInline):
    model = Benchmark
    extra = 0


@admin.register(Measure)
class MeasureAdmin(SpreadsheetAdminMixin, admin.ModelAdmin):
    spreadsheet_admin_class = KpiSpreadsheetAdmin
    list_display = ("ref", "title", "theme", "unit", "polarity")
    list_filter = ("plan", "theme", "unit", "polarity", "period_type")
    list_select_related = ("theme",)
    search_fields = ("ref", "title")
    inlines = (MeasureYearInline, BenchmarkInline)

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    def save_model(self, request, obj, form, change):
        services.measure_save(measure=obj, user=request.user)

    def delete_model(self, request, obj):
        services.measure_delete(measure=obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            if isinstance(obj, MeasureYear):
                services.measure_year_save(measure_year=obj, user=request.user)
            else:
                services.benchmark_save(benchmark=obj, user=request.user)
        for obj in formset.deleted_objects:
            if isinstance(obj, MeasureYear):
                services.measure_year_delete(measure_year=obj, user=request.user)
            else:
                services.benchmark_delete(benchmark=obj, user=request.user)
        formset.save_m2m()


@admin.register(MeasureValue)
class MeasureValueAdmin(BoundedChangeListMixin, SimpleHistoryAdmin):
    list_display = ("measure", "month", "value", "text", "note", "kpi_import")
    list_filter = ("measure__plan", "month")
    list_select_related = ("measure", "kpi_import")
    search_fields = ("measure__ref", "measure__title")
    raw_id_fields = ("measure", "kpi_import")
    date_hierarchy = "month"

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    def save_model(self, request, obj, form, change):
        services.measure_value_save(measure_value=obj, user=request.user)

    def delete_model(self, request, obj):
        services.measure_value_delete(measure_value=obj, user=request.user)


@admin.register(KpiImport)
class KpiImportAdmin(admin.ModelAdmin):
    """A record of each import: read-only, as it says what happened."""

    list_display = (
        "file_name",
        "plan",
        "imported_by",
        "imported_at",
        "source",
        "rows_read",
        "values_created",
        "values_changed",
        "values_unchanged",
    )
    list_filter = ("plan", "source")
    list_select_related = ("plan", "imported_by")
    search_fields = ("file_name",)
    readonly_fields = (
        "plan",
        "file_name",
        "imported_by",
        "imported_at",
        "source",
        "rows_read",
        "values_created",
        "values_changed",
        "values_unchanged",
        "measures",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
