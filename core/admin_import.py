"""The admin's spreadsheet import and export pages, one pattern for every importer (Data Hub's admin CSV
import): the pages own their URLs under the model admin's names (`admin:<app>_<model>_import`,
`_process_import`, `_export`), keep django-import-export's permission codes and its temporary storage
(IMPORT_EXPORT_TMP_STORAGE_CLASS) between the upload and the confirm, and name the upload's owner in
its key so that nobody confirms another person's upload.

An app subclasses SpreadsheetAdminViews with its permission codes, templates and forms, and writes its
own upload and confirm steps; the export and the plumbing are here.
"""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST

from core.roles import is_administrator
from core.uploads import capped_uploads

DEFAULT_TMP_STORAGE = "import_export.tmp_storages.TempFolderStorage"
SIDECAR_SUFFIX = "-checked"
EXPORT_FORMATS = {
    "xlsx": ("Excel workbook (.xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("CSV (.csv)", "text/csv; charset=utf-8"),
}
UPLOAD_EXPIRED = "The uploaded file is no longer available (uploads are kept for a day). Upload it again."
UPLOAD_NOT_YOURS = "This upload was made by someone else. Upload the file yourself."


class TemporaryUpload:
    """One upload in the temporary storage: the file's bytes and a sidecar (what its preview checked)."""

    def __init__(self, name: str):
        storage_class = import_string(getattr(settings, "IMPORT_EXPORT_TMP_STORAGE_CLASS", DEFAULT_TMP_STORAGE))
        self.name = name
        self._file = storage_class(name=name, encoding=None, read_mode="rb")
        self._sidecar = storage_class(name=name + SIDECAR_SUFFIX, encoding=None, read_mode="rb")

    @classmethod
    def new(cls, *, kind: str, user) -> TemporaryUpload:
        return cls(f"{cls.prefix(kind=kind, user=user)}{uuid.uuid4().hex}")

    @staticmethod
    def prefix(*, kind: str, user) -> str:
        return f"{kind}-{user.pk}-"

    def save(self, data: bytes, sidecar: bytes) -> None:
        self._file.save(data)
        self.save_sidecar(sidecar)

    def save_sidecar(self, sidecar: bytes) -> None:
        self._sidecar.save(sidecar)

    def data(self) -> bytes | None:
        return self._file.read()

    def sidecar(self) -> bytes | None:
        return self._sidecar.read()

    def remove(self) -> None:
        self._file.remove()
        self._sidecar.remove()


class ConfirmFormBase(forms.Form):
    """The confirm step's hidden fields; an app adds the plan."""

    import_file_name = forms.CharField(widget=forms.HiddenInput)
    original_file_name = forms.CharField(widget=forms.HiddenInput)


class ExportFormBase(forms.Form):
    """The export step's format; an app adds the plan."""

    format = forms.ChoiceField(choices=[(key, label) for key, (label, _) in EXPORT_FORMATS.items()])


class SpreadsheetAdminViews:
    """The import and export pages of one model admin, with their own URLs."""

    kind: str  # names the uploads in the temporary storage
    import_permission: str
    export_permission: str
    import_template: str
    export_template = "admin/spreadsheet_export.html"
    upload_intro: str  # what the upload form says the file must hold
    export_intro: str
    import_title: str
    export_title: str
    export_form_class: type[forms.Form]
    confirm_form_class: type[forms.Form]

    def __init__(self, model_admin):
        self.model_admin = model_admin
        self.admin_site = model_admin.admin_site
        self.opts = model_admin.model._meta

    @classmethod
    def can_import(cls, user) -> bool:
        return user.has_perm(cls.import_permission) or is_administrator(user)

    @classmethod
    def can_export(cls, user) -> bool:
        return user.has_perm(cls.export_permission) or is_administrator(user)

    def get_urls(self) -> list:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            # The upload is stopped in the web tier once it passes the cap (core.uploads); admin_view keeps
            # the CSRF check inside.
            path("import/", capped_uploads(wrap(self._importer(self.import_view))), name=f"{prefix}_import"),
            path(
                "process_import/",
                wrap(require_POST(self._importer(self.process_import_view))),
                name=f"{prefix}_process_import",
            ),
            path("export/", wrap(self.export_view), name=f"{prefix}_export"),
        ]

    def _importer(self, view):
        def checked(request, *args, **kwargs):
            if not self.can_import(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    def url(self, name: str) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", current_app=self.admin_site.name)

    def render(self, request, template: str, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, **context}
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [template], context)

    def render_import(self, request, **context) -> TemplateResponse:
        return self.render(
            request, self.import_template, title=self.import_title, upload_intro=self.upload_intro, **context
        )

    def render_preview(self, request, preview, upload: TemporaryUpload) -> TemplateResponse:
        """Show a checked preview (its plan and file_name) with the form that confirms it."""
        initial = {"plan": preview.plan.pk, "import_file_name": upload.name, "original_file_name": preview.file_name}
        return self.render_import(request, preview=preview, confirm_form=self.confirm_form_class(initial=initial))

    def new_upload(self, request) -> TemporaryUpload:
        return TemporaryUpload.new(kind=self.kind, user=request.user)

    def own_upload(self, request, name: str) -> TemporaryUpload:
        """Return the upload named in a confirm form; PermissionDenied when it is another person's."""
        if not name.startswith(TemporaryUpload.prefix(kind=self.kind, user=request.user)):
            raise PermissionDenied(UPLOAD_NOT_YOURS)
        return TemporaryUpload(name)

    def confirmed_upload(self, request, form) -> tuple[TemporaryUpload | None, bytes | None]:
        """Return the confirm form's upload and its bytes; (upload, None) when the upload has expired (the
        person is told), (None, None) when the form is not valid. PermissionDenied for another's upload."""
        if not form.is_valid():
            return None, None
        upload = self.own_upload(request, form.cleaned_data["import_file_name"])
        data = upload.data()
        if data is None:
            messages.error(request, UPLOAD_EXPIRED)
        return upload, data

    def import_view(self, request):  # pragma: no cover - every importer defines its own
        raise NotImplementedError

    def process_import_view(self, request):  # pragma: no cover - every importer defines its own
        raise NotImplementedError

    def export_initial(self) -> dict:
        return {"format": "xlsx"}

    def export_file(self, *, plan, file_format: str) -> tuple[bytes, str]:  # pragma: no cover
        """Return the file's bytes and its name."""
        raise NotImplementedError

    def export_view(self, request):
        """Download a plan's data in the layout its import reads, as .xlsx or .csv."""
        if not self.can_export(request.user):
            raise PermissionDenied
        form = self.export_form_class(request.POST or None, initial=self.export_initial())
        if not (request.method == "POST" and form.is_valid()):
            return self.render(
                request, self.export_template, title=self.export_title, form=form, export_intro=self.export_intro
            )
        file_format = form.cleaned_data["format"]
        data, name = self.export_file(plan=form.cleaned_data["plan"], file_format=file_format)
        response = HttpResponse(data, content_type=EXPORT_FORMATS[file_format][1])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
