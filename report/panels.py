"""The highlight report's own panel (at a glance) and the composition of every app's panels.

The apps contribute their panels from their own panels.py (core.panels); the report adds what only
it can show, a summary across them, and puts them all in order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.panels import REPORT, Panel, panels_for
from plans.models import Rag
from plans.panels import ReportActionRow, theme_actions_versions
from report.changes import BoardChangesPanel
from report.context import (
    GLANCE_MEASURES_VERSIONS,
    GLANCE_RISKS_VERSIONS,
    GlanceMeasure,
    GlanceRisk,
    ReportContext,
)

RAG_ORDER = (Rag.RED.value, Rag.AMBER.value, Rag.GREEN.value, "")
RAG_WORDS = {Rag.RED.value: "Red", Rag.AMBER.value: "Amber", Rag.GREEN.value: "Green", "": "Not set"}


# At a glance ----------------------------------------------------------------------------------
# Counted theme by theme: each theme's share (ThemeGlance, plain data with its list items rendered) is kept
# beside the report's parts under that theme's data versions, so an action update reads and counts its own
# theme's actions only, and at a glance adds up the themes' shares.


@dataclass(frozen=True)
class RagCount:
    rag: str
    word: str
    count: int
    previous: int
    rows: list[str]  # each key action's list item, rendered

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def anchor(self) -> str:
        return f"glance-rag-{self.rag or 'none'}"

    @property
    def items_html(self) -> SafeString:
        return mark_safe("".join(self.rows))


def _last_updated(row: ReportActionRow) -> str:
    update = row.latest_update
    if update is None:
        return "; never updated"
    return f"; last updated {date_format(timezone.localtime(update.created_at), 'j F Y')}"


@dataclass(frozen=True)
class OwnerActions:
    owner: str
    rows: list[str]  # each key action's item, rendered

    @property
    def items_html(self) -> SafeString:
        return mark_safe("".join(self.rows))


@dataclass
class AtAGlance:
    rag_counts: list[RagCount]
    measures_off_target: list[GlanceMeasure]
    measures_with_rag: int
    high_risks: list[GlanceRisk]
    not_updated: list[OwnerActions]
    not_updated_count: int = field(default=0)


@dataclass(frozen=True)
class ThemeGlance:
    """One theme's share of at a glance: its key actions' list items by RAG now, its count of RAGs last quarter,
    and the items of those not updated this quarter by owner (plain data, kept in the cache)."""

    now: dict[str, list[str]]
    before: dict[str, int]
    not_updated: dict[str, list[str]]


def _owner_label(row: ReportActionRow) -> str:
    action = row.action
    if action.owner_name:
        return action.owner_name
    if action.owner is not None:
        return action.owner.get_full_name() or action.owner.get_username()
    return "No owner"


def _theme_glance(report_context: ReportContext, block) -> ThemeGlance:
    quarter = report_context.quarter
    now: dict[str, list[str]] = {rag: [] for rag in RAG_ORDER}
    before = Counter()
    not_updated: dict[str, list[str]] = {}
    # Plain strings (f-strings of escaped parts): they are pickled into the cache, where SafeStrings cost more.
    for row in report_context.theme_action_rows(block).values():
        pk, description = row.action.pk, escape(row.short_description)
        owner = escape(row.action.owner_name or "no owner")
        now[row.row.rags[quarter.quarter - 1]].append(f'<li><a href="#action-{pk}">{description}</a> ({owner})</li>')
        before[report_context.previous_rag(pk)] += 1
        update = row.latest_update
        if update is None or (update.financial_year, update.quarter) < (quarter.financial_year, quarter.quarter):
            not_updated.setdefault(_owner_label(row), []).append(
                f'<dd><a href="#action-{pk}">{description}</a>{escape(_last_updated(row))}</dd>'
            )
    return ThemeGlance(now=now, before=dict(before), not_updated=not_updated)


def _glance_name(block) -> str:
    return f"glance:theme:{block.theme.pk}"


def theme_glance(report_context: ReportContext, block) -> ThemeGlance:
    """Return one theme's share of at a glance, kept under its actions' data versions (no queries when kept)."""
    return report_context.summary(
        _glance_name(block), theme_actions_versions(block.theme.pk), lambda: _theme_glance(report_context, block)
    )


def at_a_glance(report_context: ReportContext) -> AtAGlance:
    """Return what the SRO looks for first, from what the report has already read (no queries of its own)."""
    glances = [theme_glance(report_context, block) for block in report_context.theme_blocks]
    rag_counts = []
    for rag in RAG_ORDER:
        rows = [item for glance in glances for item in glance.now[rag]]
        previous = sum(glance.before.get(rag, 0) for glance in glances)
        rag_counts.append(RagCount(rag=rag, word=RAG_WORDS[rag], count=len(rows), previous=previous, rows=rows))
    owners = sorted({owner for glance in glances for owner in glance.not_updated})
    not_updated = [
        OwnerActions(owner=owner, rows=[item for glance in glances for item in glance.not_updated.get(owner, [])])
        for owner in owners
    ]
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
    # data_versions None: it counts from every app, so any change rebuilds it, from the kept summaries (each
    # theme's share, the KPI tables' and the register's: ReportContext.summary) of what did not change.

    def prepare(self, *, report_context):
        # The themes whose share must be counted again are read with the themes rebuilt, in one go.
        report_context.themes_wanted(
            block.theme.pk
            for block in report_context.theme_blocks
            if not report_context.summary_is_current(_glance_name(block), theme_actions_versions(block.theme.pk))
        )

    def get_context_data(self, *, report_context):
        return {"glance": at_a_glance(report_context), "quarter": report_context.quarter}

    def render_html(self, *, report_context) -> SafeString:
        """Return at a glance, its lists of measures and risks as rendered when their data last changed.

        Those lists are the template's longest loops (hundreds of measures at ten times Torbay's size) and
        change only with the KPI tables or the register, not with the action updates that rebuild at a glance
        most often: while their data versions are unchanged the template is given a stand-in of the same
        length (its counts stay right, its loop renders nothing), and the items kept beside the report's parts
        go back between the list's tags.
        """
        context = {
            "report": report_context,
            "pdf": report_context.pdf,
            **self.get_context_data(report_context=report_context),
        }
        glance = context["glance"]
        kept = {}
        for attribute, list_id, versions in GLANCE_LISTS:
            if report_context.summary_is_current(f"glance:{list_id}", versions):
                kept[list_id] = report_context.summary(f"glance:{list_id}", versions, str)
                setattr(glance, attribute, _RenderedList(len(getattr(glance, attribute))))
        html = render_to_string(self.template_name, context)
        for _attribute, list_id, versions in GLANCE_LISTS:
            opening = f'<ul id="{list_id}">'
            if list_id in kept:
                html = html.replace(f"{opening}</ul>", f"{opening}{kept[list_id]}</ul>", 1)
            else:
                found = re.search(f"{re.escape(opening)}(.*?)</ul>", html, re.DOTALL)
                report_context.summary(f"glance:{list_id}", versions, lambda found=found: found[1] if found else "")
        return mark_safe(html)


# At a glance's lists that change with other apps' data only: (AtAGlance attribute, the list's id, the versions).
GLANCE_LISTS = (
    ("measures_off_target", "glance-measures", GLANCE_MEASURES_VERSIONS),
    ("high_risks", "glance-risks", GLANCE_RISKS_VERSIONS),
)


class _RenderedList(Sequence):
    """Stands in the template for a list whose items were rendered before: its length, no items."""

    def __init__(self, length: int):
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index):
        raise IndexError(index)


def report_panels(report_context: ReportContext, *, shown_only: bool = True) -> list[Panel]:
    """Return the report's panels in order: the seed's summary, at a glance, since the last board, the seed's
    other sections, then one per theme. Without `shown_only`, those not shown too (the report's cache asks a panel
    whether it is shown only when it renders it, so that a panel kept is not asked again)."""
    others = panels_for(REPORT, report_context=report_context, shown_only=shown_only)
    panels = [AtAGlancePanel(), BoardChangesPanel(report_context), *others]
    return sorted(panels, key=lambda panel: panel.order)


def report_html(report_context: ReportContext) -> list:
    """Return each panel rendered to HTML, in order."""
    return [panel.render_html(report_context=report_context) for panel in report_panels(report_context)]
