"""Step 1: read an .xlsx or .csv file into rows of cell values, within the import limits."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import load_workbook

from core.importing import FileRefused, Problem, ReadLimits, csv_text, is_text, unescape_formula
from kpis.spreadsheet.messages import NOT_A_SPREADSHEET, OLD_EXCEL_FORMAT

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
ZIP_MAGIC = b"PK\x03\x04"
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


@dataclass
class Sheet:
    """The cells of the file: rows[i] is spreadsheet row i + 1; percent_cells holds (row, column) of numbers
    shown as percentages (so 0.84 means 84)."""

    rows: list[tuple]
    percent_cells: set[tuple[int, int]]


def kpi_file_read(*, data: bytes, file_name: str, wanted: Callable[[Sheet], bool] | None = None) -> Sheet:
    """Return the cells of an .xlsx or .csv file; raise FileRefused when it is not a spreadsheet.

    Of a workbook's sheets, the active one is tried first, then the others: the first that is
    `wanted` (holds a KPI table) is returned, or else the first sheet.
    """
    if data[:4] == OLD_EXCEL_MAGIC:
        raise _refused(OLD_EXCEL_FORMAT, file_name)
    if data[:4] == ZIP_MAGIC:
        return _read_xlsx(data, file_name, wanted or (lambda sheet: True))
    if not file_name.lower().endswith(CSV_EXTENSIONS) or not is_text(data) or not data.strip():
        raise _refused(NOT_A_SPREADSHEET, file_name)
    return _read_csv(data, file_name)


def _refused(message: str, file_name: str) -> FileRefused:
    return FileRefused(Problem(None, "", message.format(name=file_name)))


def _read_xlsx(data: bytes, file_name: str, wanted: Callable[[Sheet], bool]) -> Sheet:
    # openpyxl raises many kinds of error for a zip that is no workbook (a .docx, a damaged file).
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _first_wanted_sheet(workbook, wanted)
        finally:
            workbook.close()
    except FileRefused:
        raise
    except Exception as exc:
        raise _refused(NOT_A_SPREADSHEET, file_name) from exc


def _first_wanted_sheet(workbook, wanted: Callable[[Sheet], bool]) -> Sheet:
    worksheets = [workbook.active] + [ws for ws in workbook.worksheets if ws is not workbook.active]
    first = None
    limits = ReadLimits()  # the cells of every sheet read count towards the one limit
    for worksheet in worksheets:
        sheet = _read_worksheet(worksheet, limits)
        first = first or sheet
        if wanted(sheet):
            return sheet
    return first or Sheet(rows=[], percent_cells=set())


def _read_worksheet(worksheet, limits: ReadLimits) -> Sheet:
    # Some writers record a wrong sheet size; reading to the real end avoids losing rows.
    worksheet.reset_dimensions()
    rows: list[tuple] = []
    percent_cells: set[tuple[int, int]] = set()
    for row_index, cells in enumerate(limits.rows(worksheet.iter_rows()), start=1):
        rows.append(_read_cells(cells, row_index, percent_cells))
    return Sheet(rows=rows, percent_cells=percent_cells)


def _read_cells(cells, row_index: int, percent_cells: set[tuple[int, int]]) -> tuple:
    values = []
    for col_index, cell in enumerate(cells):
        value = cell.value
        if value.__class__ is float or value.__class__ is int:
            if _is_percent_format(cell.number_format):
                percent_cells.add((row_index, col_index))
        elif value.__class__ is str:
            value = unescape_formula(value)
        values.append(value)
    return tuple(values)


def _is_percent_format(number_format: str | None) -> bool:
    if not number_format or "%" not in number_format:
        return False
    return "%" in _QUOTED.sub("", number_format)


def _read_csv(data: bytes, file_name: str) -> Sheet:
    text = csv_text(data=data, file_name=file_name)
    sample = text[:20000]
    delimiter = max(",\t;", key=sample.count)
    try:
        rows = [
            tuple(unescape_formula(value) for value in row) for row in ReadLimits().csv_rows(text, delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise _refused(NOT_A_SPREADSHEET, file_name) from exc
    return Sheet(rows=rows, percent_cells=set())
