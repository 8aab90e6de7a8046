"""The base every spreadsheet import stands on (Data Hub's admin CSV import): where a problem is,
formula escaping both ways, the duplicate-key check, and the limits checked before a file is parsed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass

from django import forms

# Spreadsheets run text starting with these as formulae (OWASP CSV injection); the exports escape
# them with a leading apostrophe, and the imports take the apostrophe off again.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# What a workbook's members (every sheet, the shared strings) may unpack to, from the zip's directory:
# openpyxl inflates whatever the zip holds (NOTES.md), and opening a sheet without a <dimension> record
# parses all its XML (about 6 MB a second) before the first row is read. A million cells (MAX_CELLS) is
# about 40 MB of sheet XML (the KPI benchmark's 60,000 values unpack to 2.3 MB).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 20_000
# Rows x columns read from a file in all; counted as the rows are read, so a wide sheet stops early too.
MAX_CELLS = 1_000_000
# A refused file's problems listed on the page (or printed); the rest are only counted.
MAX_LISTED_PROBLEMS = 200
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

UPLOAD_TOO_LARGE = "The file is larger than 20 MB. Remove other sheets or old years and upload it again."
UNPACKED_TOO_LARGE = (
    f"The workbook unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB, more than any KPI or risk sheet needs. "
    "Copy the sheet you want into a new workbook and upload that."
)
TOO_MANY_ROWS = "The file has more than {limit:,} rows. Split it, or remove rows that are not measures or risks."
TOO_MANY_CELLS = (
    "The file has more than {limit:,} cells (rows × columns). Remove the columns and rows that are not "
    "measures or risks, or split the file, and upload it again."
)
PROBLEMS_NOT_LISTED = "…and {count:,} more problem{s} not listed. Fix these and upload again."
CSV_ENCODING_UNREADABLE = (
    "“{name}” is a text file in an encoding we cannot read. In Excel choose Save As, then "
    "“CSV UTF-8 (Comma delimited)”, and upload that."
)


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


class Problems(list):
    """A file's problems in the order found: the first MAX_LISTED_PROBLEMS kept to be listed, the rest
    only counted (`not_listed`), so that a file with a million bad cells answers with a short page."""

    not_listed = 0  # a class default, so that a pickled or copied list needs no __init__

    def __init__(self, problems: Iterable[Problem] = ()):
        super().__init__()
        self.extend(problems)

    def append(self, problem: Problem) -> None:
        if len(self) < MAX_LISTED_PROBLEMS:
            super().append(problem)
        else:
            self.not_listed += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        if isinstance(problems, Problems):
            self.not_listed += problems.not_listed
        for problem in problems:
            self.append(problem)

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def total(self) -> int:
        """Return how many problems were found, listed or not."""
        return len(self) + self.not_listed

    @property
    def not_listed_sentence(self) -> str:
        """Return the sentence counting the problems not listed, or "" when every one is."""
        if not self.not_listed:
            return ""
        return PROBLEMS_NOT_LISTED.format(count=self.not_listed, s="" if self.not_listed == 1 else "s")


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


class ReadLimits:
    """The row limit (per sheet) and the cell limit (per file), counted while a file's rows are read.

    `rows(...)` passes rows on and raises FileRefused at the first row past a limit, before the caller
    builds anything from it, so a hostile file costs no more than the limit + 1 rows.
    """

    def __init__(self, *, max_rows: int | None = None, max_cells: int | None = None):
        self.max_rows = MAX_ROWS if max_rows is None else max_rows
        self.max_cells = MAX_CELLS if max_cells is None else max_cells
        self.cells = 0

    def rows(self, rows: Iterable) -> Iterator:
        for count, row in enumerate(rows, start=1):
            if count > self.max_rows:
                raise FileRefused(Problem(None, None, TOO_MANY_ROWS.format(limit=self.max_rows)))
            self.cells += len(row)
            if self.cells > self.max_cells:
                raise self.too_many_cells()
            yield row

    def too_many_cells(self) -> FileRefused:
        return FileRefused(Problem(None, None, TOO_MANY_CELLS.format(limit=self.max_cells)))

    def csv_rows(self, text: str, *, delimiter: str = ",") -> Iterator[list[str]]:
        """Return the rows of CSV text, read one at a time within the limits (csv.Error passes through)."""
        return self.rows(csv.reader(self._lines(text, delimiter), delimiter=delimiter))

    def _lines(self, text: str, delimiter: str) -> Iterator[str]:
        # One line of a million delimiters would be a million cells before the row could be counted.
        for line in io.StringIO(text, newline=""):
            if line.count(delimiter) >= self.max_cells - self.cells:
                raise self.too_many_cells()
            yield line


def _utf16_without_bom(data: bytes) -> str | None:
    """Return "utf-16-le" or "-be" when every other byte of the start is NUL (Latin text saved as UTF-16)."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) == len(odd) and not even.count(0):
        return "utf-16-le"
    if even.count(0) == len(even) and not odd.count(0):
        return "utf-16-be"
    return None


def is_text(data: bytes) -> bool:
    """Return whether the bytes may be a CSV: UTF-16 (Excel's "Unicode Text"), or text with no NUL byte."""
    return data.startswith(UTF16_BOMS) or b"\x00" not in data[:4096] or _utf16_without_bom(data) is not None


def csv_text(*, data: bytes, file_name: str) -> str:
    """Return a CSV file's text: UTF-16 (with its byte order mark or plainly so), UTF-8, else Windows-1252.

    Raise FileRefused with what to do when it is none of them."""
    if data.startswith(UTF16_BOMS):
        encodings: tuple[str, ...] = ("utf-16",)
    elif utf16 := _utf16_without_bom(data):
        encodings = (utf16,)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(Problem(None, None, CSV_ENCODING_UNREADABLE.format(name=file_name)))


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


def path_read(path) -> bytes:
    """Return a file's bytes for the import commands, or raise FileRefused when it passes the size cap (before
    anything is read into memory)."""
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        raise FileRefused(Problem(None, None, UPLOAD_TOO_LARGE))
    return path.read_bytes()


def uploaded_file_read(upload) -> bytes:
    """Return an uploaded file's bytes (its position left at the start), or raise the form error that
    says which limit it passes: the admin imports call this before anything parses the file."""
    # too_large: the web tier stopped reading it past the cap (core.uploads.RefusedUpload).
    if getattr(upload, "too_large", False) or upload.size > MAX_UPLOAD_BYTES:
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
