"""The base every spreadsheet import stands on (Data Hub's admin CSV import): where a problem is,
formula escaping both ways, the duplicate-key check, and the limits checked before a file is parsed.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Hashable
from dataclasses import dataclass

from django import forms

# Spreadsheets run text starting with these as formulae (OWASP CSV injection); the exports escape
# them with a leading apostrophe, and the imports take the apostrophe off again.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# What a workbook's sheets may unpack to: openpyxl inflates whatever the zip holds (NOTES.md).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 20_000

UPLOAD_TOO_LARGE = "The file is larger than 20 MB. Remove other sheets or old years and upload it again."
UNPACKED_TOO_LARGE = (
    "The workbook unpacks to more than 200 MB, more than any KPI or risk sheet needs. "
    "Copy the sheet you want into a new workbook and upload that."
)
TOO_MANY_ROWS = "The file has more than {limit:,} rows. Split it, or remove rows that are not measures or risks."


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused, placed by the spreadsheet's own row number and column heading.

    `row` None (or `column` empty) means the problem is the whole file's (or the whole row's).
    """

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row and self.column:
            return f"Row {self.row}, column “{self.column}”: {self.message}"
        if self.row:
            return f"Row {self.row}: {self.message}"
        return self.message


class FileRefused(Exception):
    """The file cannot be read at all (not a spreadsheet, too large, no header)."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def escape_formula(value):
    """Return `value` made safe to open in a spreadsheet: text starting a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unescape_formula(value):
    """Return text as the export wrote it without the apostrophe escape_formula() added."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


class FirstRowOfKey:
    """The duplicate-key check: remembers the first row each key was seen on."""

    def __init__(self):
        self._rows: dict[Hashable, int] = {}

    def repeated(self, key: Hashable, row: int) -> int | None:
        """Return the earlier row holding `key`, or None (and remember `row` as its first)."""
        first = self._rows.get(key)
        if first is None:
            self._rows[key] = row
        return first


def upload_check(*, data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
    """Raise FileRefused when the file is too large, or is a workbook that unpacks to too much."""
    if len(data) > max_bytes:
        raise FileRefused(Problem(None, None, UPLOAD_TOO_LARGE))
    if data[:4] != b"PK\x03\x04":
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # not a readable zip: the reader says so in its own words
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileRefused(Problem(None, None, UNPACKED_TOO_LARGE))


def rows_check(count: int, *, limit: int | None = None) -> None:
    """Raise FileRefused when a sheet has more rows than any import takes (MAX_ROWS unless `limit`)."""
    limit = MAX_ROWS if limit is None else limit
    if count > limit:
        raise FileRefused(Problem(None, None, TOO_MANY_ROWS.format(limit=limit)))


class SpreadsheetUploadForm(forms.Form):
    """The upload step every import shares: the file, read once and checked against the limits.

    Subclasses add what they need (a plan to import into); `cleaned_data["data"]` holds the bytes.
    """

    accept = ".xlsx,.csv"
    import_file = forms.FileField(label="Spreadsheet")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].widget.attrs["accept"] = self.accept

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        self.cleaned_data["data"] = uploaded_file_read(upload)
        return upload


def uploaded_file_read(upload) -> bytes:
    """Return an uploaded file's bytes (its position left at the start), or raise the form error that
    says which limit it passes: the admin imports call this before anything parses the file."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(UPLOAD_TOO_LARGE)
    data = upload.read()
    upload.seek(0)
    try:
        upload_check(data=data)
    except FileRefused as refused:
        raise forms.ValidationError(refused.problem.message) from refused
    return data


class SpreadsheetAdminMixin:
    """A ModelAdmin whose import and export pages are `spreadsheet_admin_class(self)`'s own URLs.

    The class gives `get_urls()` and the `can_import(user)` / `can_export(user)` rules; the change
    list shows the Import and Export buttons to those they allow.
    """

    spreadsheet_admin_class: type
    change_list_template = "admin/spreadsheet_change_list.html"

    def get_urls(self):
        return self.spreadsheet_admin_class(self).get_urls() + super().get_urls()

    def has_import_permission(self, request) -> bool:
        return self.spreadsheet_admin_class.can_import(request.user)

    def has_export_permission(self, request) -> bool:
        return self.spreadsheet_admin_class.can_export(request.user)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
            "has_export_permission": self.has_export_permission(request),
        }
        return super().changelist_view(request, extra_context=extra_context)
