"""A plan's register as .xlsx or .csv: the seeds' nine columns first, then the Orange Book's (category,
treatment, inherent and target scores, which the import reads back), then what is set in the app
(status, appetite, reviews, controls, links), for the reader. Text that starts a formula is escaped."""

from __future__ import annotations

import csv
import io

from django.db.models import Prefetch
from openpyxl import Workbook

from core.importing import escape_formula
from plans.models import KeyAction
from risks.models import Risk, RiskAppetite, RiskControl, appetite_max_score
from risks.spreadsheet.columns import EXPORT_COLUMNS


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _date(day) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _orange_book_cells(risk: Risk, appetites: dict[str, str]) -> list:
    level = appetites.get(risk.category)
    appetite = f"{level.capitalize()} (up to {appetite_max_score(level)})" if level else ""
    if level and risk.score > appetite_max_score(level):
        appetite += ": above appetite"
    assessed = risk.inherent_assessed  # an inherent score copied from the current one is left empty
    controls = "\n".join(
        f"{c.description} ({_person(c.owner)}; {c.get_effectiveness_display()})" for c in risk.controls.all()
    )
    return [
        risk.get_category_display() if risk.category else "",
        risk.get_treatment_display(),
        risk.inherent_probability if assessed else "",
        risk.inherent_impact if assessed else "",
        risk.inherent_score if assessed else "",
        risk.target_probability if risk.target_probability is not None else "",
        risk.target_impact if risk.target_impact is not None else "",
        risk.target_score if risk.target_score is not None else "",
        risk.get_status_display(),
        appetite,
        _date(risk.last_reviewed_on),
        _date(risk.next_review_date),
        controls,
        "\n".join(str(theme) for theme in risk.themes.all()),
        "\n".join(str(action) for action in risk.key_actions.all()),
    ]


def register_export_rows(*, plan) -> list[list]:
    """Return the heading row and one row per risk, by ref, as the import reads them back."""
    rows: list[list] = [list(EXPORT_COLUMNS)]
    appetites = dict(RiskAppetite.objects.filter(plan=plan).values_list("category", "level"))
    risks = (
        Risk.objects.filter(plan=plan)
        .select_related("owner")
        .prefetch_related(
            "themes",
            Prefetch(
                "key_actions",
                queryset=KeyAction.objects.order_by("objective__theme__number", "objective__order", "order"),
            ),
            Prefetch("controls", queryset=RiskControl.objects.select_related("owner")),
        )
        .order_by("ref")
    )
    for risk in risks:
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
            *_orange_book_cells(risk, appetites),
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
