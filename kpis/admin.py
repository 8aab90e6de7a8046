"""Admin for KPIs: measures (with the wide-spreadsheet import and export), monthly values, import records.

The import runs django-import-export's two admin steps (upload -> preview, confirm) and its permission
check (IMPORT_EXPORT_IMPORT_PERMISSION_CODE, so `kpis.import_measure`) and temporary storage (the
database cache), but reads the file with `kpis.imports`: a wide sheet is one row per measure with a
column per month, which a row-per-record Resource cannot preview per measure.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from core.roles import is_administrator
from kpis import imports
from kpis.models import Benchmark, KpiImport, Measure, MeasureValue, MeasureYear
from plans.models import Plan

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_TOO_LARGE = "The file is larger than 20 MB. Remove other sheets or old years and upload it again."
UPLOAD_EXPIRED = "The uploaded file is no longer available (uploads are kept for a day). Upload it again."
UPLOAD_NOT_YOURS = "This upload was made by someone else. Upload the file yourself."
IMPORT_DONE = "Imported “{file_name}”: {summary}"
EXPORT_FORMATS = {
    "xlsx": ("Excel workbook (.xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("CSV (.csv)", "text/csv; charset=utf-8"),
}


class KpiImportForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.all(), help_text="The measures in the file are matched by Ref within this plan."
    )
    import_file = forms.FileField(
        label="KPI spreadsheet",
        help_text="An .xlsx or .csv file in the layout of the KPI tables: a Ref column and a column per month.",
    )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(UPLOAD_TOO_LARGE)
        return upload


class KpiConfirmForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), widget=forms.HiddenInput)
    import_file_name = forms.CharField(widget=forms.HiddenInput)
    original_file_name = forms.CharField(widget=forms.HiddenInput)


class KpiExportForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all())
    format = forms.ChoiceField(choices=[(key, label) for key, (label, _) in EXPORT_FORMATS.items()])


class MeasureYearInline(admin.TabularInline):
    model = MeasureYear
    extra = 0


class BenchmarkInline(admin.TabularInline):
    model = Benchmark
    extra = 0


@admin.register(Measure)
class MeasureAdmin(ImportExportMixin, admin.ModelAdmin):
    list_display = ("ref", "title", "theme", "unit", "polarity")
    list_filter = ("plan", "theme", "unit", "polarity", "period_type")
    list_select_related = ("theme",)
    search_fields = ("ref", "title")
    inlines = (MeasureYearInline, BenchmarkInline)
    import_template_name = "admin/kpis/measure/import.html"
    export_template_name = "admin/kpis/measure/export.html"

    def has_import_permission(self, request) -> bool:
        return super().has_import_permission(request) or is_administrator(request.user)

    def has_export_permission(self, request) -> bool:
        return super().has_export_permission(request) or is_administrator(request.user)

    def get_actions(self, request):
        # Export is of the whole plan in the import layout, not of selected rows.
        actions = super().get_actions(request)
        actions.pop("export_admin_action", None)
        return actions

    def _storage(self, name: str | None = None):
        return self.get_tmp_storage_class()(name=name, encoding=None, read_mode="rb")

    def _render_import(self, request, **context):
        context.update(self.admin_site.each_context(request))
        context.update({"title": "Import KPIs", "opts": self.model._meta})
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def import_action(self, request, **kwargs):
        """Upload: keep the file in the shared temporary storage, check it and show the preview."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        initial = {"plan": imports.kpi_import_default_plan()}
        form = KpiImportForm(request.POST or None, request.FILES or None, initial=initial)
        if not (request.method == "POST" and form.is_valid()):
            return self._render_import(request, form=form)
        upload = form.cleaned_data["import_file"]
        data = b"".join(upload.chunks())
        plan = form.cleaned_data["plan"]
        preview = imports.kpi_import_preview(plan=plan, file_name=upload.name, data=data)
        if not preview.is_valid:
            return self._render_import(request, form=form, preview=preview)
        # The key names its owner, so a confirm cannot import somebody else's upload.
        storage = self._storage(name=f"kpis-{request.user.pk}-{uuid.uuid4().hex}")
        storage.save(data)
        confirm_form = KpiConfirmForm(
            initial={"plan": plan.pk, "import_file_name": storage.name, "original_file_name": upload.name}
        )
        return self._render_import(request, preview=preview, confirm_form=confirm_form)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Confirm: read the stored file again, check it again against the database now, and write it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = KpiConfirmForm(request.POST)
        if not form.is_valid():
            return self._render_import(request, form=KpiImportForm(), errors=form.errors)
        name = form.cleaned_data["import_file_name"]
        if not name.startswith(f"kpis-{request.user.pk}-"):
            raise PermissionDenied(UPLOAD_NOT_YOURS)
        storage = self._storage(name=name)
        data = storage.read()
        if data is None:
            messages.error(request, UPLOAD_EXPIRED)
            return HttpResponseRedirect(reverse("admin:kpis_measure_import"))
        file_name = form.cleaned_data["original_file_name"]
        preview, record = imports.kpi_import_confirm(
            plan=form.cleaned_data["plan"], file_name=file_name, data=data, user=request.user, source="admin"
        )
        if record is None:
            return self._render_import(request, form=KpiImportForm(), preview=preview)
        storage.remove()
        messages.success(request, IMPORT_DONE.format(file_name=file_name, summary=preview.summary()))
        return HttpResponseRedirect(reverse("admin:kpis_measure_changelist"))

    def export_action(self, request):
        """Download the plan's measures in the import layout, as .xlsx or .csv."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        initial = {"plan": imports.kpi_import_default_plan(), "format": "xlsx"}
        form = KpiExportForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            plan, file_format = form.cleaned_data["plan"], form.cleaned_data["format"]
            exporter = imports.kpi_export_xlsx if file_format == "xlsx" else imports.kpi_export_csv
            response = HttpResponse(exporter(plan=plan), content_type=EXPORT_FORMATS[file_format][1])
            response["Content-Disposition"] = f'attachment; filename="{plan.slug}-kpis.{file_format}"'
            return response
        context = self.admin_site.each_context(request)
        context.update({"title": "Export KPIs", "opts": self.model._meta, "form": form})
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.export_template_name], context)


@admin.register(MeasureValue)
class MeasureValueAdmin(SimpleHistoryAdmin):
    list_display = ("measure", "month", "value", "text", "note", "kpi_import")
    list_filter = ("measure__plan", "month")
    list_select_related = ("measure", "kpi_import")
    search_fields = ("measure__ref", "measure__title")
    raw_id_fields = ("measure", "kpi_import")
    date_hierarchy = "month"


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
