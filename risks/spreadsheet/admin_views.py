"""The register's admin pages (Data Hub's admin CSV import): upload -> preview, confirm, export.

`RiskSpreadsheetAdmin(model_admin).get_urls()` gives the three views under the model admin's URL names
(`admin:risks_risk_import`, `_process_import`, `_export`), the same shape as the KPI import's. They keep
django-import-export's permission codes (`risks.import_risk`, `risks.export_risk`) and its temporary
storage (IMPORT_EXPORT_TMP_STORAGE_CLASS, the database cache), which carries the file and what its
preview was checked against from the upload to the confirm request.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse

from core.admin_import import (
    ConfirmFormBase,
    ExportFormBase,
    SpreadsheetAdminViews,
)
from core.importing import SpreadsheetUploadForm
from plans.models import Plan
from risks import services
from risks.permissions import EXPORT_RISKS, IMPORT_RISKS
from risks.spreadsheet import messages as sentences
from risks.spreadsheet.export import register_export_csv, register_export_xlsx
from risks.spreadsheet.preview import RegisterPreview, register_import_preview


class RiskImportForm(SpreadsheetUploadForm):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), help_text=sentences.PLAN_HELP)
    import_file = forms.FileField(label="Risk register", help_text=sentences.FILE_HELP)
    field_order = ["plan", "import_file"]


class RiskConfirmForm(ConfirmFormBase):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), widget=forms.HiddenInput)


class RiskExportForm(ExportFormBase):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all())
    field_order = ["plan", "format"]


def _problem_count(count: int) -> str:
    return sentences.IMPORT_REFUSED.format(count=count, s="" if count == 1 else "s")


def _checked(preview: RegisterPreview) -> bytes:
    return json.dumps(preview.fingerprint()).encode()


class RiskSpreadsheetAdmin(SpreadsheetAdminViews):
    """The import and export views of the Risk admin, with their own URLs."""

    kind = "risks"
    import_permission = IMPORT_RISKS
    export_permission = EXPORT_RISKS
    import_template = "admin/risks/risk/import.html"
    import_title = "Import the risk register"
    export_title = "Export the risk register"
    confirm_form_class = RiskConfirmForm
    upload_intro = sentences.UPLOAD_INTRO
    export_intro = sentences.EXPORT_INTRO
    export_form_class = RiskExportForm

    def _render_refused(self, request, preview: RegisterPreview, form=None) -> TemplateResponse:
        refused = _problem_count(preview.problems.total)
        return self.render_import(request, form=form or RiskImportForm(), preview=preview, refused=refused)

    def import_view(self, request):
        """Upload: check the whole file, keep it in the temporary storage, show every change or problem."""
        form = RiskImportForm(request.POST or None, request.FILES or None)
        if not (request.method == "POST" and form.is_valid()):
            return self.render_import(request, form=form)
        data, plan = form.cleaned_data["data"], form.cleaned_data["plan"]
        preview = register_import_preview(plan=plan, data=data, file_name=form.cleaned_data["import_file"].name)
        if not preview.is_valid:
            return self._render_refused(request, preview, form)
        upload = self.new_upload(request)
        upload.save(data, _checked(preview))
        return self.render_preview(request, preview, upload)

    def process_import_view(self, request):
        """Confirm: write every row or none, if the register is as the preview found it."""
        form = RiskConfirmForm(request.POST)
        upload, data = self.confirmed_upload(request, form)
        if upload is None:
            return self.render_import(request, form=RiskImportForm(), errors=form.errors)
        if data is None:
            return HttpResponseRedirect(self.url("import"))
        plan, file_name = form.cleaned_data["plan"], form.cleaned_data["original_file_name"]
        preview = register_import_preview(plan=plan, data=data, file_name=file_name)
        if not preview.is_valid:
            return self._render_refused(request, preview)
        if _checked(preview) != upload.sidecar():
            upload.save_sidecar(_checked(preview))
            messages.warning(request, sentences.REGISTER_CHANGED_SINCE_PREVIEW.format(file_name=file_name))
            return self.render_preview(request, preview, upload)
        try:
            services.register_import_apply(user=request.user, preview=preview)
        except ValidationError as error:
            messages.error(request, _problem_count(len(error.messages)))
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(self.url("import"))
        upload.remove()
        messages.success(request, sentences.IMPORT_DONE.format(file_name=file_name, summary=preview.summary()))
        return HttpResponseRedirect(self.url("changelist"))

    def export_file(self, *, plan, file_format: str) -> tuple[bytes, str]:
        exporter = register_export_xlsx if file_format == "xlsx" else register_export_csv
        return exporter(plan=plan), f"{plan.slug}-risks.{file_format}"
