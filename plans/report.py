"""The SRO's highlight report as panels (Wagtail's home panels): each has an order, a template and
`get_context_data(*, report_context)`; the view composes them.

Every read happens once, in ReportContext's cached properties, through the selectors of the plans,
kpis and risks apps; panels only arrange what was read. So the page runs the same number of queries
whatever the size of the plan.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.utils.html import format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from core.calendar import FinancialQuarter, end_of_day, financial_year_label
from kpis.selectors import MeasureRow, ThemeTable, ValueCell, YearFigure, measure_tables_for_plan
from plans.models import Plan, Rag
from plans.report_selectors import ReportThemes, report_themes
from plans.selectors import ActionRow, ThemeBlock
from risks.models import RiskStatus, band_for_score
from risks.selectors import risk_register_for_plan

HIGH_RISK_BAND = "high"
RAG_ORDER = (Rag.RED.value, Rag.AMBER.value, Rag.GREEN.value, "")
RAG_WORDS = {Rag.RED.value: "Red", Rag.AMBER.value: "Amber", Rag.GREEN.value: "Green", "": "Not set"}
THEME_NUMBER_WORDS = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight"}
SHORT_ACTION_WORDS = 18


# Cells the report repeats thousands of times at ten times Torbay's size are built here rather than
# by an {% include %} each, which costs more than the rest of the row. The markup is the component's.


@cache
def rag_badge_html(rag: str) -> SafeString:
    """Return components/rag_badge.html for a RAG value ("red", "amber", "green" or ""), rendered once."""
    return mark_safe(render_to_string("components/rag_badge.html", {"rag": rag}).strip())


def kpi_cell_html(cell: ValueCell | YearFigure | None) -> SafeString:
    """Return a figure with its RAG badge, or why there is none, as kpis/_cell.html and _figure.html show it."""
    if cell is None:
        return mark_safe("")
    if isinstance(cell, ValueCell) and not cell.has_figure:
        return format_html('<span class="text-muted no-figure" title="No figure">{}</span>', cell.display)
    if not cell.rag:
        return format_html('<span class="figure">{}</span>', cell.display)
    return format_html('<span class="figure">{}</span> {}', cell.display, rag_badge_html(cell.rag))


@dataclass(frozen=True)
class ReportActionRow:
    """An action row of the report: the selector's row with its RAG badges and a short description."""

    row: ActionRow
    badges: list[SafeString]

    @property
    def action(self):
        return self.row.action

    @property
    def latest_update(self):
        return self.row.latest_update

    @cached_property
    def short_description(self) -> str:
        return Truncator(strip_tags(self.row.action.description)).words(SHORT_ACTION_WORDS)


def report_action_row(row: ActionRow) -> ReportActionRow:
    """Return the selector's action row with its Q1–Q4 RAG badges rendered."""
    return ReportActionRow(row=row, badges=[rag_badge_html(rag) for rag in row.rags])


def objective_rows(
    block: ThemeBlock, *, rows_by_pk: dict[int, ReportActionRow] | None = None
) -> list[tuple[Any, list[ReportActionRow]]]:
    """Return a theme's (objective, action rows) pairs for components/theme_actions.html."""
    rows_by_pk = rows_by_pk or {}
    return [
        (
            objective_block.objective,
            [rows_by_pk.get(row.action.pk) or report_action_row(row) for row in objective_block.actions],
        )
        for objective_block in block.objectives
    ]


@dataclass(frozen=True)
class ReportMeasureRow:
    row: MeasureRow
    prior: SafeString
    cells: list[SafeString]
    final: SafeString
    year_to_date: SafeString


@dataclass
class ReportContext:
    """What the report is about (plan, quarter, as at) and everything read for it, read once."""

    user: User
    plan: Plan  # the live plan (its slug and pk)
    plan_then: Plan  # its fields as they stood at as_at (the live plan when as_at is None)
    quarter: FinancialQuarter
    as_at: datetime.date | None = None
    pdf: bool = False

    @cached_property
    def themes(self) -> ReportThemes:
        return report_themes(user=self.user, plan=self.plan, quarter=self.quarter, as_at=self.as_at)

    @cached_property
    def action_rows(self) -> list[ReportActionRow]:
        """Every key action row, in the plan's order, with its badges ready."""
        return [report_action_row(row) for row in self.themes.rows]

    @cached_property
    def action_rows_by_pk(self) -> dict[int, ReportActionRow]:
        return {row.action.pk: row for row in self.action_rows}

    @cached_property
    def key_priorities(self) -> list:
        return list(self.plan.key_priorities.order_by("order", "id"))

    @cached_property
    def medium_term_developments(self) -> list:
        return list(self.plan.medium_term_developments.order_by("order", "id"))

    @cached_property
    def rag_guidance(self) -> list:
        return list(self.plan.rag_guidance.order_by("id"))

    @cached_property
    def measure_tables(self) -> dict[int, ThemeTable]:
        """The KPI tables by theme pk."""
        as_at = end_of_day(self.as_at) if self.as_at else None
        return {table.theme.pk: table for table in measure_tables_for_plan(plan=self.plan, as_at=as_at)}

    @cached_property
    def risks(self) -> list:
        """The register in the seed's order (by ref), with scores as they stood at as_at."""
        return sorted(risk_register_for_plan(plan=self.plan, as_at=self.as_at), key=lambda r: r.ref)


class Panel:
    """One part of the report. Subclasses set `order` and `template_name` and fill the context."""

    order: int = 0
    template_name: str = ""

    def get_context_data(self, *, report_context: ReportContext) -> dict[str, Any]:
        return {}

    def is_shown(self, *, report_context: ReportContext) -> bool:
        return True

    def render_html(self, *, report_context: ReportContext) -> SafeString:
        context = {"report": report_context, "pdf": report_context.pdf}
        context.update(self.get_context_data(report_context=report_context))
        return render_to_string(self.template_name, context)


# At a glance ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RagCount:
    rag: str
    word: str
    count: int
    previous: int
    rows: list[ReportActionRow]

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def anchor(self) -> str:
        return f"glance-rag-{self.rag or 'none'}"


@dataclass(frozen=True)
class OwnerActions:
    owner: str
    rows: list[ReportActionRow]


@dataclass
class AtAGlance:
    rag_counts: list[RagCount]
    measures_off_target: list[MeasureRow]
    measures_with_rag: int
    high_risks: list
    not_updated: list[OwnerActions]
    not_updated_count: int = field(default=0)


def _owner_label(row: ReportActionRow) -> str:
    action = row.action
    if action.owner_name:
        return action.owner_name
    if action.owner is not None:
        return action.owner.get_full_name() or action.owner.get_username()
    return "No owner"


def at_a_glance(report_context: ReportContext) -> AtAGlance:
    """Return what the SRO looks for first, from what the report has already read (no queries)."""
    quarter = report_context.quarter
    rows = report_context.action_rows
    previous = report_context.themes.previous_rags
    now_counts: dict[str, list[ReportActionRow]] = {rag: [] for rag in RAG_ORDER}
    before = Counter()
    for row in rows:
        now_counts[row.row.rags[quarter.quarter - 1]].append(row)
        before[previous.get(row.action.pk, "")] += 1
    rag_counts = [
        RagCount(rag=rag, word=RAG_WORDS[rag], count=len(now_counts[rag]), previous=before[rag], rows=now_counts[rag])
        for rag in RAG_ORDER
    ]
    measures = [row for table in report_context.measure_tables.values() for row in table.rows]
    with_rag = [row for row in measures if row.latest is not None and row.latest.rag]
    off_target = [row for row in with_rag if row.latest.rag == Rag.RED]
    high_risks = [
        risk
        for risk in report_context.risks
        if risk.status == RiskStatus.OPEN and (band := band_for_score(risk.score)) and band.key == HIGH_RISK_BAND
    ]
    high_risks.sort(key=lambda r: (-r.score, r.ref))
    stale: dict[str, list[ReportActionRow]] = {}
    for row in rows:
        update = row.latest_update
        if update is None or (update.financial_year, update.quarter) < (quarter.financial_year, quarter.quarter):
            stale.setdefault(_owner_label(row), []).append(row)
    not_updated = [OwnerActions(owner=owner, rows=stale[owner]) for owner in sorted(stale)]
    return AtAGlance(
        rag_counts=rag_counts,
        measures_off_target=off_target,
        measures_with_rag=len(with_rag),
        high_risks=high_risks,
        not_updated=not_updated,
        not_updated_count=sum(len(group.rows) for group in not_updated),
    )


class AtAGlancePanel(Panel):
    order = 10
    template_name = "report/panels/at_a_glance.html"

    def get_context_data(self, *, report_context):
        return {"glance": at_a_glance(report_context), "quarter": report_context.quarter}


# The seed's sections, in its order ----------------------------------------------------------------


class HeaderPanel(Panel):
    order = 20
    template_name = "report/panels/header.html"

    def get_context_data(self, *, report_context):
        return {"plan": report_context.plan_then}


class OverallNarrativePanel(Panel):
    order = 30
    template_name = "report/panels/overall_narrative.html"

    def get_context_data(self, *, report_context):
        return {"plan": report_context.plan_then}


class KeyPrioritiesPanel(Panel):
    order = 40
    template_name = "report/panels/key_priorities.html"

    def get_context_data(self, *, report_context):
        return {"key_priorities": report_context.key_priorities}


class MediumTermPanel(Panel):
    order = 50
    template_name = "report/panels/medium_term.html"

    def get_context_data(self, *, report_context):
        return {"developments": report_context.medium_term_developments}


class RiskRegisterPanel(Panel):
    order = 60
    template_name = "report/panels/risk_register.html"

    def get_context_data(self, *, report_context):
        return {"risks": report_context.risks}


class RagGuidancePanel(Panel):
    order = 70
    template_name = "report/panels/rag_guidance.html"

    def get_context_data(self, *, report_context):
        return {"guidance": report_context.rag_guidance}


class ThemePanel(Panel):
    """One theme: its overview narrative and RAG, its KPI tables, its objectives and key actions."""

    template_name = "report/panels/theme.html"

    def __init__(self, block: ThemeBlock):
        self.block = block
        self.order = 100 + block.theme.number

    def get_context_data(self, *, report_context):
        theme = self.block.theme
        table = report_context.measure_tables.get(theme.pk)
        notes = [row.measure for row in table.rows if row.measure.data_notes] if table else []
        objectives = objective_rows(self.block, rows_by_pk=report_context.action_rows_by_pk)
        measure_rows = [
            ReportMeasureRow(
                row=row,
                prior=kpi_cell_html(row.prior),
                cells=[kpi_cell_html(cell) for cell in row.cells],
                final=kpi_cell_html(row.final),
                year_to_date=kpi_cell_html(row.year_to_date),
            )
            for row in (table.rows if table else [])
        ]
        return {
            "block": self.block,
            "objectives": objectives,
            "measure_rows": measure_rows,
            "theme": theme,
            "theme_word": THEME_NUMBER_WORDS.get(theme.number, str(theme.number)),
            "table": table,
            "data_notes": notes,
            "quarter": report_context.quarter,
            "year_label": financial_year_label(report_context.quarter.financial_year),
        }


FIXED_PANELS: tuple[type[Panel], ...] = (
    AtAGlancePanel,
    HeaderPanel,
    OverallNarrativePanel,
    KeyPrioritiesPanel,
    MediumTermPanel,
    RiskRegisterPanel,
    RagGuidancePanel,
)


def report_panels(report_context: ReportContext) -> list[Panel]:
    """Return the report's panels in order: at a glance, then the seed's sections, then one per theme."""
    panels: list[Panel] = [panel_class() for panel_class in FIXED_PANELS]
    panels += [ThemePanel(block) for block in report_context.themes.blocks]
    return sorted((panel for panel in panels if panel.is_shown(report_context=report_context)), key=lambda p: p.order)


def report_html(report_context: ReportContext) -> list[SafeString]:
    """Return each panel rendered to HTML, in order."""
    return [mark_safe(panel.render_html(report_context=report_context)) for panel in report_panels(report_context)]
