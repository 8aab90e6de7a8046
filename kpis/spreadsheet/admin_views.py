"""The KPI spreadsheet's admin pages (Data Hub's admin CSV import): upload -> preview, confirm, export.

`KpiSpreadsheetAdmin(model_admin).get_urls()` gives the three views under the model admin's URL names
(`admin:kpis_measure_import`, `_process_import`, `_export`). They keep django-import-export's
permission codes (`kpis.import_measure`, `kpis.export_measure`) and its temporary storage
(IMPORT_EXPORT_TMP_STORAGE_CLASS, the database cache), which carries the file and the checked preview
from the upload to the confirm request, possibly on another app server.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse

from core.admin_import import (
    ConfirmFormBase,
    ExportFormBase,
    SpreadsheetAdminViews,
    TemporaryUpload,
)
from core.importing import SpreadsheetUploadForm
from kpis.permissions import EXPORT_MEASURES, IMPORT_MEASURES
from kpis.spreadsheet.confirm import kpi_import_confirm, preview_dumps, preview_loads
from kpis.spreadsheet.diff import KpiImportPreview, kpi_import_default_plan, kpi_import_preview
from kpis.spreadsheet.export import kpi_export_csv, kpi_export_xlsx
from kpis.spreadsheet.messages import (
    EXPORT_INTRO,
    FIGURES_CHANGED_SINCE_PREVIEW,
    FILE_HELP,
    IMPORT_DONE,
    PLAN_HELP,
    UPLOAD_INTRO,
)
from plans.models import Plan


class KpiImportForm(SpreadsheetUploadForm):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), help_text=PLAN_HELP)
    import_file = forms.FileField(label="KPI spreadsheet", help_text=FILE_HELP)
    field_order = ["plan", "import_file"]


class KpiConfirmForm(ConfirmFormBase):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), widget=forms.HiddenInput)


class KpiExportForm(ExportFormBase):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all())
    field_order = ["plan", "format"]


class KpiSpreadsheetAdmin(SpreadsheetAdminViews):
    """The import and export views of the Measure admin, with their own URLs.

    The checked preview travels with the file (its sidecar), so the confirm writes it without reading
    the workbook again while the figures it was checked against are unchanged.
    """

    kind = "kpis"
    import_permission = IMPORT_MEASURES
    export_permission = EXPORT_MEASURES
    import_template = "admin/kpis/measure/import.html"
    import_title = "Import KPIs"
    export_title = "Export KPIs"
    confirm_form_class = KpiConfirmForm
    upload_intro = UPLOAD_INTRO
    export_intro = EXPORT_INTRO
    export_form_class = KpiExportForm

    def import_view(self, request):
        """Upload: check the file, keep it and its preview in the temporary storage, show the preview."""
        form = KpiImportForm(request.POST or None, request.FILES or None, initial={"plan": kpi_import_default_plan()})
        if not (request.method == "POST" and form.is_valid()):
            return self.render_import(request, form=form)
        data, plan = form.cleaned_data["data"], form.cleaned_data["plan"]
        preview = kpi_import_preview(plan=plan, file_name=form.cleaned_data["import_file"].name, data=data)
        if not preview.is_valid:
            return self.render_import(request, form=form, preview=preview)
        upload = self.new_upload(request)
        upload.save(data, preview_dumps(preview, data=data))
        return self.render_preview(request, preview, upload)

    def process_import_view(self, request):
        """Confirm: write the checked preview if the database is as it was, else show the file's new preview."""
        form = KpiConfirmForm(request.POST)
        upload, data = self.confirmed_upload(request, form)
        if upload is None:
            return self.render_import(request, form=KpiImportForm(), errors=form.errors)
        if data is None:
            return HttpResponseRedirect(self.url("import"))
        plan, file_name = form.cleaned_data["plan"], form.cleaned_data["original_file_name"]
        checked = preview_loads(upload.sidecar(), data=data)
        if checked is not None and checked.plan.pk != plan.pk:
            checked = None  # not the preview of this confirm: check the file again before writing
        preview, record = kpi_import_confirm(
            plan=plan, file_name=file_name, data=data, user=request.user, source="admin", checked=checked
        )
        if record is None:
            return self._show_again(request, preview, upload, data)
        upload.remove()
        messages.success(request, IMPORT_DONE.format(file_name=file_name, summary=preview.summary()))
        return HttpResponseRedirect(self.url("changelist"))

    def _show_again(self, request, preview: KpiImportPreview, upload: TemporaryUpload, data: bytes) -> TemplateResponse:
        """The file no longer fits the database as previewed: show its problems, or its new preview."""
        if not preview.is_valid:
            return self.render_import(request, form=KpiImportForm(), preview=preview)
        upload.save_sidecar(preview_dumps(preview, data=data))
        messages.warning(request, FIGURES_CHANGED_SINCE_PREVIEW.format(file_name=preview.file_name))
        return self.render_preview(request, preview, upload)

    def export_initial(self) -> dict:
        return {"plan": kpi_import_default_plan(), "format": "xlsx"}

    def export_file(self, *, plan, file_format: str) -> tuple[bytes, str]:
        exporter = kpi_export_xlsx if file_format == "xlsx" else kpi_export_csv
        return exporter(plan=plan), f"{plan.slug}-kpis.{file_format}"
