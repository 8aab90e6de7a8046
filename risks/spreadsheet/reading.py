"""An uploaded register file (.xlsx or .csv) to its heading row and data rows, within core's limits."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from core.importing import FileRefused, Problem, rows_check, upload_check
from risks.spreadsheet.messages import NOT_A_SPREADSHEET

CSV_EXTENSIONS = (".csv", ".txt")


def register_file_read(*, data: bytes, file_name: str) -> tuple[list, list[list]]:
    """Return (headings, rows) of the file's first sheet; raise FileRefused when it is no register file."""
    upload_check(data=data)
    refused = FileRefused(Problem(None, None, NOT_A_SPREADSHEET.format(name=file_name)))
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data, refused)
    elif file_name.lower().endswith(CSV_EXTENSIONS) and b"\x00" not in data[:4096]:
        rows = _csv_rows(data, refused)
    else:
        raise refused
    if not rows:
        return [], []
    rows_check(len(rows) - 1)
    return list(rows[0]), [list(row) for row in rows[1:]]


def _xlsx_rows(data: bytes, refused: FileRefused) -> list:
    # openpyxl raises many kinds of error for a zip that is no workbook (a .docx, a damaged file).
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise refused from error
    try:
        rows = []
        for row in workbook.active.iter_rows(values_only=True):
            rows.append(row)
            if len(rows) > 1 and len(rows) % 1000 == 0:
                rows_check(len(rows) - 1)  # refuse before reading the rest into memory
        return rows
    finally:
        workbook.close()


def _csv_rows(data: bytes, refused: FileRefused) -> list:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise refused
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise refused from error
