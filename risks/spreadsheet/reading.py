"""An uploaded register file (.xlsx or .csv) to its heading row and data rows, within core's limits."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from core.importing import FileRefused, Problem, ReadLimits, csv_text, is_text, upload_check
from risks.spreadsheet.messages import NOT_A_SPREADSHEET

CSV_EXTENSIONS = (".csv", ".txt")


def register_file_read(*, data: bytes, file_name: str) -> tuple[list, list[list]]:
    """Return (headings, rows) of the file's first sheet; raise FileRefused when it is no register file."""
    upload_check(data=data)
    refused = FileRefused(Problem(None, None, NOT_A_SPREADSHEET.format(name=file_name)))
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data, refused)
    elif file_name.lower().endswith(CSV_EXTENSIONS) and is_text(data):
        rows = _csv_rows(data, file_name, refused)
    else:
        raise refused
    if not rows:
        return [], []
    return list(rows[0]), [list(row) for row in rows[1:]]


def _xlsx_rows(data: bytes, refused: FileRefused) -> list:
    # openpyxl raises many kinds of error for a zip that is no workbook (a .docx, a damaged file).
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise refused from error
    try:
        # The limits refuse the first row past them, before the rest is read into memory.
        return list(ReadLimits().rows(workbook.active.iter_rows(values_only=True)))
    except FileRefused:
        raise
    except Exception as error:  # a damaged sheet inside a readable workbook
        raise refused from error
    finally:
        workbook.close()


def _csv_rows(data: bytes, file_name: str, refused: FileRefused) -> list:
    text = csv_text(data=data, file_name=file_name)
    heading = text[: text.find("\n")]
    delimiter = "\t" if "\t" in heading and "," not in heading else ","  # Excel's "Unicode Text" has tabs
    try:
        return list(ReadLimits().csv_rows(text, delimiter=delimiter))
    except csv.Error as error:
        raise refused from error
