"""The register's admin pages (Data Hub's admin CSV import): upload -> preview, confirm, export.

`RiskSpreadsheetAdmin(model_admin).get_urls()` gives the three views under the model admin's URL names
(`admin:risks_risk_import`, `_process_import`, `_export`), the same shape as the KPI import's. They keep
django-import-export's permission codes (`risks.import_risk`, `risks.export_risk`) and its temporary
storage (IMPORT_EXPORT_TMP_STORAGE_CLASS, the database cache), which carries the file and what its
preview was checked against from the upload to the confirm request.
"""

from __future__ import annotations

import json
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST

from core.importing import SpreadsheetUploadForm
from core.roles import is_administrator
from plans.models import Plan
from risks import services
from risks.permissions import EXPORT_RISKS, IMPORT_RISKS
from risks.spreadsheet import messages as sentences
from risks.spreadsheet.export import register_export_csv, register_export_xlsx
from risks.spreadsheet.preview import RegisterPreview, register_import_preview

IMPORT_TEMPLATE = "admin/risks/risk/import.html"
EXPORT_TEMPLATE = "admin/risks/risk/export.html"
DEFAULT_TMP_STORAGE = "import_export.tmp_storages.TempFolderStorage"
CHECKED_SUFFIX = "-checked"
EXPORT_FORMATS = {
    "xlsx": ("Excel workbook (.xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("CSV (.csv)", "text/csv; charset=utf-8"),
}


class RiskImportForm(SpreadsheetUploadForm):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), help_text=sentences.PLAN_HELP)
    import_file = forms.FileField(label="Risk register", help_text=sentences.FILE_HELP)
    field_order = ["plan", "import_file"]


class RiskConfirmForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), widget=forms.HiddenInput)
    import_file_name = forms.CharField(widget=forms.HiddenInput)
    original_file_name = forms.CharField(widget=forms.HiddenInput)


class RiskExportForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all())
    format = forms.ChoiceField(choices=[(key, label) for key, (label, _) in EXPORT_FORMATS.items()])


def can_import(user) -> bool:
    return user.has_perm(IMPORT_RISKS) or is_administrator(user)


def can_export(user) -> bool:
    return user.has_perm(EXPORT_RISKS) or is_administrator(user)


class _Upload:
    """One upload in the temporary storage: the file and what its preview was checked against, under a
    key that names its owner (so a confirm cannot import somebody else's upload)."""

    def __init__(self, name: str):
        storage_class = import_string(getattr(settings, "IMPORT_EXPORT_TMP_STORAGE_CLASS", DEFAULT_TMP_STORAGE))
        self.name = name
        self._file = storage_class(name=name, encoding=None, read_mode="rb")
        self._checked = storage_class(name=name + CHECKED_SUFFIX, encoding=None, read_mode="rb")

    @classmethod
    def new(cls, user) -> _Upload:
        return cls(f"{cls.prefix(user)}{uuid.uuid4().hex}")

    @staticmethod
    def prefix(user) -> str:
        return f"risks-{user.pk}-"

    def save(self, data: bytes, preview: RegisterPreview) -> None:
        self._file.save(data)
        self.save_checked(preview)

    def save_checked(self, preview: RegisterPreview) -> None:
        self._checked.save(json.dumps(preview.fingerprint()).encode())

    def data(self) -> bytes | None:
        return self._file.read()

    def checked(self) -> list | None:
        raw = self._checked.read()
        return None if raw is None else json.loads(raw)

    def remove(self) -> None:
        self._file.remove()
        self._checked.remove()


def _problem_count(count: int) -> str:
    return sentences.IMPORT_REFUSED.format(count=count, s="" if count == 1 else "s")


class RiskSpreadsheetAdmin:
    """The import and export views of the Risk admin, with their own URLs."""

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

    def _url(self, name: str) -> str:
        return reverse(f"admin:risks_risk_{name}", current_app=self.admin_site.name)

    def _render(self, request, template: str, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, **context}
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [template], context)

    def _render_import(self, request, **context) -> TemplateResponse:
        return self._render(request, IMPORT_TEMPLATE, title="Import the risk register", **context)

    def _render_preview(self, request, preview: RegisterPreview, upload: _Upload) -> TemplateResponse:
        initial = {"plan": preview.plan.pk, "import_file_name": upload.name, "original_file_name": preview.file_name}
        return self._render_import(request, preview=preview, confirm_form=RiskConfirmForm(initial=initial))

    def import_view(self, request):
        """Upload: check the whole file, keep it in the temporary storage, show every change or problem."""
        if not can_import(request.user):
            raise PermissionDenied
        form = RiskImportForm(request.POST or None, request.FILES or None)
        if not (request.method == "POST" and form.is_valid()):
            return self._render_import(request, form=form)
        data, plan = form.cleaned_data["data"], form.cleaned_data["plan"]
        preview = register_import_preview(plan=plan, data=data, file_name=form.cleaned_data["import_file"].name)
        if not preview.is_valid:
            return self._render_import(
                request, form=form, preview=preview, refused=_problem_count(len(preview.problems))
            )
        upload = _Upload.new(request.user)
        upload.save(data, preview)
        return self._render_preview(request, preview, upload)

    def process_import_view(self, request):
        """Confirm: write every row or none, if the register is as the preview found it."""
        if not can_import(request.user):
            raise PermissionDenied
        form = RiskConfirmForm(request.POST)
        if not form.is_valid():
            return self._render_import(request, form=RiskImportForm(), errors=form.errors)
        name = form.cleaned_data["import_file_name"]
        if not name.startswith(_Upload.prefix(request.user)):
            raise PermissionDenied(sentences.UPLOAD_NOT_YOURS)
        upload = _Upload(name)
        data = upload.data()
        if data is None:
            messages.error(request, sentences.UPLOAD_EXPIRED)
            return HttpResponseRedirect(self._url("import"))
        plan, file_name = form.cleaned_data["plan"], form.cleaned_data["original_file_name"]
        preview = register_import_preview(plan=plan, data=data, file_name=file_name)
        if not preview.is_valid:
            return self._render_import(
                request, form=RiskImportForm(), preview=preview, refused=_problem_count(len(preview.problems))
            )
        if preview.fingerprint() != upload.checked():
            upload.save_checked(preview)
            messages.warning(request, sentences.REGISTER_CHANGED_SINCE_PREVIEW.format(file_name=file_name))
            return self._render_preview(request, preview, upload)
        try:
            services.register_import_apply(user=request.user, preview=preview)
        except ValidationError as error:
            messages.error(request, _problem_count(len(error.messages)))
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(self._url("import"))
        upload.remove()
        messages.success(request, sentences.IMPORT_DONE.format(file_name=file_name, summary=preview.summary()))
        return HttpResponseRedirect(self._url("changelist"))

    def export_view(self, request):
        """Download the plan's register in the seeds' layout, as .xlsx or .csv."""
        if not can_export(request.user):
            raise PermissionDenied
        form = RiskExportForm(request.POST or None, initial={"format": "xlsx"})
        if not (request.method == "POST" and form.is_valid()):
            return self._render(request, EXPORT_TEMPLATE, title="Export the risk register", form=form)
        plan, file_format = form.cleaned_data["plan"], form.cleaned_data["format"]
        exporter = register_export_xlsx if file_format == "xlsx" else register_export_csv
        response = HttpResponse(exporter(plan=plan), content_type=EXPORT_FORMATS[file_format][1])
        response["Content-Disposition"] = f'attachment; filename="{plan.slug}-risks.{file_format}"'
        return response
