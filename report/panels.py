"""The highlight report's own panel (at a glance) and the composition of every app's panels.

The apps contribute their panels from their own panels.py (core.panels); the report adds what only
it can show, a summary across them, and puts them all in order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from core.panels import REPORT, Panel, panels_for
from plans.models import Rag
from plans.panels import ReportActionRow
from report.changes import BoardChangesPanel
from report.context import GlanceMeasure, GlanceRisk, ReportContext

RAG_ORDER = (Rag.RED.value, Rag.AMBER.value, Rag.GREEN.value, "")
RAG_WORDS = {Rag.RED.value: "Red", Rag.AMBER.value: "Amber", Rag.GREEN.value: "Green", "": "Not set"}


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

    @property
    def items_html(self) -> SafeString:
        return format_html_join(
            "",
            '<li><a href="#action-{}">{}</a> ({})</li>',
            ((row.action.pk, row.short_description, row.action.owner_name or "no owner") for row in self.rows),
        )


def _last_updated(row: ReportActionRow) -> str:
    update = row.latest_update
    if update is None:
        return "; never updated"
    return f"; last updated {date_format(timezone.localtime(update.created_at), 'j F Y')}"


@dataclass(frozen=True)
class OwnerActions:
    owner: str
    rows: list[ReportActionRow]

    @property
    def items_html(self) -> SafeString:
        return format_html_join(
            "",
            '<dd><a href="#action-{}">{}</a>{}</dd>',
            ((row.action.pk, row.short_description, _last_updated(row)) for row in self.rows),
        )


@dataclass
class AtAGlance:
    rag_counts: list[RagCount]
    measures_off_target: list[GlanceMeasure]
    measures_with_rag: int
    high_risks: list[GlanceRisk]
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
    """Return what the SRO looks for first, from what the report has already read (no queries of its own)."""
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
    stale: dict[str, list[ReportActionRow]] = {}
    for row in rows:
        update = row.latest_update
        if update is None or (update.financial_year, update.quarter) < (quarter.financial_year, quarter.quarter):
            stale.setdefault(_owner_label(row), []).append(row)
    not_updated = [OwnerActions(owner=owner, rows=stale[owner]) for owner in sorted(stale)]
    return AtAGlance(
        rag_counts=rag_counts,
        measures_off_target=report_context.glance_measures.off_target,
        measures_with_rag=report_context.glance_measures.with_rag,
        high_risks=report_context.glance_risks,
        not_updated=not_updated,
        not_updated_count=sum(len(group.rows) for group in not_updated),
    )


class AtAGlancePanel(Panel):
    # After the summary (the plan's overall status, order 20): the SRO's first screen holds both.
    order = 25
    template_name = "report/panels/at_a_glance.html"
    # data_versions None: it counts from every app, so any change rebuilds it (from the kept summaries of
    # the KPI tables and the register, report.context.SUMMARIES, unless those changed).

    def get_context_data(self, *, report_context):
        return {"glance": at_a_glance(report_context), "quarter": report_context.quarter}


def report_panels(report_context: ReportContext) -> list[Panel]:
    """Return the report's panels in order: the seed's summary, at a glance, since the last board, the seed's
    other sections, then one per theme."""
    panels = [AtAGlancePanel(), BoardChangesPanel(report_context), *panels_for(REPORT, report_context=report_context)]
    return sorted(panels, key=lambda panel: panel.order)


def report_html(report_context: ReportContext) -> list:
    """Return each panel rendered to HTML, in order."""
    return [panel.render_html(report_context=report_context) for panel in report_panels(report_context)]
