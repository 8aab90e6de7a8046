"""A plan's register in the seeds' nine columns, as .xlsx or .csv, text that starts a formula escaped."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from core.importing import escape_formula
from risks.models import Risk
from risks.spreadsheet.columns import COLUMNS


def register_export_rows(*, plan) -> list[list]:
    """Return the heading row and one row per risk, by ref, as the import reads them back."""
    rows: list[list] = [list(COLUMNS)]
    for risk in Risk.objects.filter(plan=plan).select_related("owner").order_by("ref"):
        owner = (risk.owner.get_full_name() or risk.owner.username) if risk.owner_id else ""
        cells = [
            risk.ref,
            risk.get_type_display() if risk.type else "",
            risk.description,
            risk.mitigation,
            risk.date_raised_display,
            owner,
            risk.probability,
            risk.impact,
            risk.score,
        ]
        rows.append([escape_formula(cell) for cell in cells])
    return rows


def register_export_csv(*, plan) -> bytes:
    """Return the register as CSV (UTF-8 with a byte-order mark, for Excel)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(register_export_rows(plan=plan))
    return buffer.getvalue().encode("utf-8-sig")


def register_export_xlsx(*, plan) -> bytes:
    """Return the register as an .xlsx workbook; escaped cells are stored as text, numbers as numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Risk register")
    for row in register_export_rows(plan=plan):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
