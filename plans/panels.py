"""The report panels the plans app contributes: the seed's opening sections, and one section per theme
(its overview, then the parts other apps add to it, then its objectives and key actions)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from core.calendar import financial_year_label
from core.panels import REPORT, THEME, Panel, panels_register, panels_render
from plans.narrative import narrative_mentions_other_rag
from plans.selectors import ActionRow, ThemeBlock

THEME_NUMBER_WORDS = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight"}
SHORT_ACTION_WORDS = 18


@cache
def rag_badge_html(rag: str) -> SafeString:
    """Return components/rag_badge.html for a RAG value ("red", "amber", "green" or ""), rendered once.

    The report shows four badges per action, thousands at ten times Torbay's size: rendering the
    component once per value keeps one piece of markup without an {% include %} per badge.
    """
    return mark_safe(render_to_string("components/rag_badge.html", {"rag": rag}).strip())


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


class RagGuidancePanel(Panel):
    order = 70
    template_name = "report/panels/rag_guidance.html"

    def get_context_data(self, *, report_context):
        return {"guidance": report_context.rag_guidance}


class OfstedRecommendationsPanel(Panel):
    """Ofsted's recommendations with their RAG at the snapshot date and the key actions answering each."""

    order = 80
    template_name = "report/panels/ofsted_recommendations.html"

    def is_shown(self, *, report_context) -> bool:
        return bool(report_context.ofsted_recommendations.rows)

    def get_context_data(self, *, report_context):
        recommendations = report_context.ofsted_recommendations
        dates = recommendations.snapshot_dates
        return {
            "rows": [(row, rag_badge_html(row.recommendation.rag)) for row in recommendations.rows],
            # One snapshot date (the usual case) is said once above the table; several get a column.
            "snapshot_date": dates[0] if len(dates) == 1 else None,
            "dates_column": len(dates) > 1,
        }


class ThemePanel(Panel):
    """One theme: its overview narrative and RAG, then every part the apps add to a theme, in order."""

    template_name = "report/panels/theme.html"

    def __init__(self, block: ThemeBlock):
        self.block = block
        self.order = 100 + block.theme.number

    def get_context_data(self, *, report_context):
        theme = self.block.theme
        return {
            "theme": theme,
            "theme_word": THEME_NUMBER_WORDS.get(theme.number, str(theme.number)),
            "parts": panels_render(THEME, self.block, report_context=report_context),
            "narrative_rag": narrative_mentions_other_rag(theme.overview_narrative, theme.overview_rag),
        }


class ThemeActionsPanel(Panel):
    """A theme's objectives and key actions with the year's Q1–Q4 RAG and latest narrative."""

    order = 30
    template_name = "report/panels/theme_actions.html"

    def __init__(self, block: ThemeBlock):
        self.block = block

    def get_context_data(self, *, report_context):
        return {
            "theme": self.block.theme,
            "objectives": objective_rows(self.block, rows_by_pk=report_context.action_rows_by_pk),
            "quarter": report_context.quarter,
            "year_label": financial_year_label(report_context.quarter.financial_year),
        }


def report_panels(*, report_context) -> list[Panel]:
    """Return the plan's sections of the report: the opening sections and one per theme."""
    fixed = [
        HeaderPanel(),
        OverallNarrativePanel(),
        KeyPrioritiesPanel(),
        MediumTermPanel(),
        RagGuidancePanel(),
        OfstedRecommendationsPanel(),
    ]
    return fixed + [ThemePanel(block) for block in report_context.themes.blocks]


def theme_panels(block: ThemeBlock, *, report_context) -> list[Panel]:
    """Return the plan's part of a theme's section: its objectives and key actions."""
    return [ThemeActionsPanel(block)]


def register() -> None:
    """Contribute the plan's panels to the report (called from PlansConfig.ready)."""
    panels_register(REPORT, "plans", report_panels)
    panels_register(THEME, "plans", theme_panels)
