"""The KPI spreadsheet's admin pages (Data Hub's admin CSV import): upload -> preview, confirm, export.

`KpiSpreadsheetAdmin(model_admin).get_urls()` gives the three views under the model admin's URL names
(`admin:kpis_measure_import`, `_process_import`, `_export`). They keep django-import-export's
permission codes (`kpis.import_measure`, `kpis.export_measure`) and its temporary storage
(IMPORT_EXPORT_TMP_STORAGE_CLASS, the database cache), which carries the file and the checked preview
from the upload to the confirm request, possibly on another app server.
"""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST

from core.importing import SpreadsheetUploadForm
from core.roles import is_administrator
from kpis.permissions import EXPORT_MEASURES, IMPORT_MEASURES
from kpis.spreadsheet.confirm import kpi_import_confirm, preview_dumps, preview_loads
from kpis.spreadsheet.diff import KpiImportPreview, kpi_import_default_plan, kpi_import_preview
from kpis.spreadsheet.export import kpi_export_csv, kpi_export_xlsx
from kpis.spreadsheet.messages import (
    FIGURES_CHANGED_SINCE_PREVIEW,
    FILE_HELP,
    IMPORT_DONE,
    PLAN_HELP,
    UPLOAD_EXPIRED,
    UPLOAD_NOT_YOURS,
)
from plans.models import Plan

IMPORT_TEMPLATE = "admin/kpis/measure/import.html"
EXPORT_TEMPLATE = "admin/kpis/measure/export.html"
DEFAULT_TMP_STORAGE = "import_export.tmp_storages.TempFolderStorage"
PREVIEW_SUFFIX = "-preview"
EXPORT_FORMATS = {
    "xlsx": ("Excel workbook (.xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("CSV (.csv)", "text/csv; charset=utf-8"),
}


class KpiImportForm(SpreadsheetUploadForm):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), help_text=PLAN_HELP)
    import_file = forms.FileField(label="KPI spreadsheet", help_text=FILE_HELP)
    field_order = ["plan", "import_file"]


class KpiConfirmForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), widget=forms.HiddenInput)
    import_file_name = forms.CharField(widget=forms.HiddenInput)
    original_file_name = forms.CharField(widget=forms.HiddenInput)


class KpiExportForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all())
    format = forms.ChoiceField(choices=[(key, label) for key, (label, _) in EXPORT_FORMATS.items()])


def can_import(user) -> bool:
    return user.has_perm(IMPORT_MEASURES) or is_administrator(user)


def can_export(user) -> bool:
    return user.has_perm(EXPORT_MEASURES) or is_administrator(user)


class _Upload:
    """One upload in the temporary storage: the file's bytes and the checked preview, under a key that
    names its owner (so a confirm cannot import somebody else's upload)."""

    def __init__(self, name: str):
        storage_class = import_string(getattr(settings, "IMPORT_EXPORT_TMP_STORAGE_CLASS", DEFAULT_TMP_STORAGE))
        self.name = name
        self._file = storage_class(name=name, encoding=None, read_mode="rb")
        self._preview = storage_class(name=name + PREVIEW_SUFFIX, encoding=None, read_mode="rb")

    @classmethod
    def new(cls, user) -> _Upload:
        return cls(f"{cls.prefix(user)}{uuid.uuid4().hex}")

    @staticmethod
    def prefix(user) -> str:
        return f"kpis-{user.pk}-"

    def save(self, data: bytes, preview: KpiImportPreview) -> None:
        self._file.save(data)
        self.save_preview(preview)

    def save_preview(self, preview: KpiImportPreview) -> None:
        self._preview.save(preview_dumps(preview))

    def data(self) -> bytes | None:
        return self._file.read()

    def preview(self) -> KpiImportPreview | None:
        return preview_loads(self._preview.read())

    def remove(self) -> None:
        self._file.remove()
        self._preview.remove()


class KpiSpreadsheetAdmin:
    """The import and export views of the Measure admin, with their own URLs."""

    can_import = staticmethod(can_import)
    can_export = staticmethod(can_export)

    def __init__(self, model_admin):
        self.model_admin = model_admin
        self.admin_site = model_admin.admin_site
        self.opts = model_admin.model._meta

    def get_urls(self) -> list:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=f"{prefix}_import"),
            path("process_import/", wrap(require_POST(self.process_import_view)), name=f"{prefix}_process_import"),
            path("export/", wrap(self.export_view), name=f"{prefix}_export"),
        ]

    def _render(self, request, template: str, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, **context}
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [template], context)

    def _render_import(self, request, **context) -> TemplateResponse:
        return self._render(request, IMPORT_TEMPLATE, title="Import KPIs", **context)

    def _render_preview(self, request, preview: KpiImportPreview, upload: _Upload) -> TemplateResponse:
        initial = {"plan": preview.plan.pk, "import_file_name": upload.name, "original_file_name": preview.file_name}
        return self._render_import(request, preview=preview, confirm_form=KpiConfirmForm(initial=initial))

    def import_view(self, request):
        """Upload: check the file, keep it and its preview in the temporary storage, show the preview."""
        if not can_import(request.user):
            raise PermissionDenied
        form = KpiImportForm(request.POST or None, request.FILES or None, initial={"plan": kpi_import_default_plan()})
        if not (request.method == "POST" and form.is_valid()):
            return self._render_import(request, form=form)
        data, plan = form.cleaned_data["data"], form.cleaned_data["plan"]
        preview = kpi_import_preview(plan=plan, file_name=form.cleaned_data["import_file"].name, data=data)
        if not preview.is_valid:
            return self._render_import(request, form=form, preview=preview)
        upload = _Upload.new(request.user)
        upload.save(data, preview)
        return self._render_preview(request, preview, upload)

    def process_import_view(self, request):
        """Confirm: write the checked preview if the database is as it was, else show the file's new preview."""
        if not can_import(request.user):
            raise PermissionDenied
        form = KpiConfirmForm(request.POST)
        if not form.is_valid():
            return self._render_import(request, form=KpiImportForm(), errors=form.errors)
        name = form.cleaned_data["import_file_name"]
        if not name.startswith(_Upload.prefix(request.user)):
            raise PermissionDenied(UPLOAD_NOT_YOURS)
        upload = _Upload(name)
        data = upload.data()
        if data is None:
            messages.error(request, UPLOAD_EXPIRED)
            return HttpResponseRedirect(reverse("admin:kpis_measure_import", current_app=self.admin_site.name))
        plan, file_name = form.cleaned_data["plan"], form.cleaned_data["original_file_name"]
        checked = upload.preview()
        if checked is not None and checked.plan.pk != plan.pk:
            checked = None  # not the preview of this confirm: check the file again before writing
        preview, record = kpi_import_confirm(
            plan=plan, file_name=file_name, data=data, user=request.user, source="admin", checked=checked
        )
        if record is None:
            return self._show_again(request, preview, upload)
        upload.remove()
        messages.success(request, IMPORT_DONE.format(file_name=file_name, summary=preview.summary()))
        return HttpResponseRedirect(reverse("admin:kpis_measure_changelist", current_app=self.admin_site.name))

    def _show_again(self, request, preview: KpiImportPreview, upload: _Upload) -> TemplateResponse:
        """The file no longer fits the database as previewed: show its problems, or its new preview."""
        if not preview.is_valid:
            return self._render_import(request, form=KpiImportForm(), preview=preview)
        upload.save_preview(preview)
        messages.warning(request, FIGURES_CHANGED_SINCE_PREVIEW.format(file_name=preview.file_name))
        return self._render_preview(request, preview, upload)

    def export_view(self, request):
        """Download the plan's measures in the import layout, as .xlsx or .csv."""
        if not can_export(request.user):
            raise PermissionDenied
        form = KpiExportForm(request.POST or None, initial={"plan": kpi_import_default_plan(), "format": "xlsx"})
        if not (request.method == "POST" and form.is_valid()):
            return self._render(request, EXPORT_TEMPLATE, title="Export KPIs", form=form)
        plan, file_format = form.cleaned_data["plan"], form.cleaned_data["format"]
        exporter = kpi_export_xlsx if file_format == "xlsx" else kpi_export_csv
        response = HttpResponse(exporter(plan=plan), content_type=EXPORT_FORMATS[file_format][1])
        response["Content-Disposition"] = f'attachment; filename="{plan.slug}-kpis.{file_format}"'
        return response
