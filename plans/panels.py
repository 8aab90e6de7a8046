"""The report panels the plans app contributes: the seed's opening sections, and one section per theme
(its overview, then the parts other apps add to it, then its objectives and key actions)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from core.calendar import financial_year_label
from core.data_versions import data_versions_watch
from core.panels import REPORT, THEME, Panel, panels_for, panels_personaliser_register, panels_register, panels_render
from plans import models
from plans.narrative import narrative_mentions_other_rag
from plans.permissions import can_edit_key_action
from plans.rounds.reminder_models import ReminderSent
from plans.selectors import ActionRow, ThemeBlock

# The plans app's data versions (core.data_versions): one per section of the report it fills, one per
# theme for its actions, and PLANS for every other row of the app (and rows whose theme is not known).
PLANS = "plans"
PLAN = "plans:plan"
KEY_PRIORITIES = "plans:key-priorities"
MEDIUM_TERM = "plans:medium-term"
RAG_GUIDANCE = "plans:rag-guidance"
THEMES = "plans:themes"
NAMED_MODELS = {
    models.Plan: PLAN,
    models.KeyPriority: KEY_PRIORITIES,
    models.MediumTermDevelopment: MEDIUM_TERM,
    models.RagGuidance: RAG_GUIDANCE,
    models.Theme: THEMES,
}
# A head of service's update, RAG and its sign-off: only their action's theme re-renders.
THEME_ACTION_MODELS = (models.ActionUpdate, models.QuarterRag, models.Submission)


def theme_actions_version(theme_pk: int) -> str:
    """Return the data version of one theme's key actions (their updates and RAGs)."""
    return f"plans:theme:{theme_pk}:actions"


def theme_actions_versions(theme_pk: int) -> tuple[str, ...]:
    """Return every data version a theme's key actions as the report shows them are read from (their rows and
    their theme's, plus the theme's own version: what an update, a RAG or a sign-off changes)."""
    return (PLANS, THEMES, theme_actions_version(theme_pk))


def data_version_names(model: type, instance) -> tuple[str, ...]:
    """Return the data versions a saved or deleted row of the plans app belongs to (none for a reminder sent,
    which no report or paper shows)."""
    if model is ReminderSent:
        return ()
    if model in NAMED_MODELS:
        return (NAMED_MODELS[model],)
    if model in THEME_ACTION_MODELS and instance is not None:
        theme_pk = (
            models.KeyAction.objects.filter(pk=instance.key_action_id)
            .values_list("objective__theme_id", flat=True)
            .first()
        )
        if theme_pk is not None:
            return (theme_actions_version(theme_pk),)
    return (PLANS,)


THEME_NUMBER_WORDS = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight"}
SHORT_ACTION_WORDS = 18
TAG = re.compile(r"<[^>]*>")


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
        # A regular expression, not strip_tags (three times slower; at a glance needs one per action on every
        # change): the description is sanitised HTML (core.html), so every "<" in it opens a tag.
        return Truncator(TAG.sub("", self.row.action.description)).words(SHORT_ACTION_WORDS)


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


ROW_TEMPLATE = "components/theme_action_row.html"


def _row_key(row: ReportActionRow, *, objective, rowspan: int, quarter, pdf: bool, update_markers: bool) -> bytes:
    """Return a digest of everything components/theme_action_row.html shows of a row, so that a row rendered
    before can be shown again while none of it has changed."""
    action, update = row.action, row.latest_update
    shown = (
        action.pk,
        action.description,
        action.owner_name,
        action.owner_id,
        action.due_display,
        row.row.awaiting_signoff,
        None if update_markers else row.row.editable,  # with markers, the reader's own buttons go in later
        row.row.rags,
        None
        if update is None
        else (
            update.pk,
            update.financial_year,
            update.quarter,
            update.progress,
            update.barriers,
            update.next_steps,
            update.author_name,
            update.created_at,
        ),
        (objective.lead_officer, objective.description, rowspan) if rowspan else None,
        None if quarter is None else (quarter.financial_year, quarter.quarter),
        pdf,
        update_markers,
    )
    return hashlib.blake2b(repr(shown).encode(), digest_size=16).digest()


def objective_rows_html(
    block: ThemeBlock,
    *,
    rows_by_pk: dict[int, ReportActionRow] | None = None,
    quarter=None,
    pdf: bool = False,
    update_markers: bool = False,
    memo=None,
) -> list[tuple[Any, list[SafeString]]]:
    """Return a theme's (objective, rendered rows) pairs for components/theme_actions.html.

    Each row is components/theme_action_row.html; with a `memo` (the report's: report.context.ReportContext.memo)
    a row whose every shown value is as it was when last rendered is taken from it, not rendered again.
    """
    pairs = []
    for objective, rows in objective_rows(block, rows_by_pk=rows_by_pk):
        rendered = []
        for index, row in enumerate(rows):
            shown = {
                "objective": objective,
                "rowspan": len(rows) if index == 0 else 0,
                "quarter": quarter,
                "pdf": pdf,
                "update_markers": update_markers,
            }

            def render(row=row, shown=shown) -> SafeString:
                return mark_safe(render_to_string(ROW_TEMPLATE, {"row": row, **shown}))

            rendered.append(render() if memo is None else memo.get(_row_key(row, **shown), render))
        pairs.append((objective, rendered))
    return pairs


class HeaderPanel(Panel):
    order = 20
    template_name = "report/panels/header.html"
    data_versions = (PLAN,)

    def get_context_data(self, *, report_context):
        return {"plan": report_context.plan_then}


class OverallNarrativePanel(Panel):
    order = 30
    template_name = "report/panels/overall_narrative.html"
    data_versions = (PLAN,)

    def get_context_data(self, *, report_context):
        return {"plan": report_context.plan_then}


class KeyPrioritiesPanel(Panel):
    order = 40
    template_name = "report/panels/key_priorities.html"
    data_versions = (KEY_PRIORITIES,)

    def get_context_data(self, *, report_context):
        return {"key_priorities": report_context.key_priorities}


class MediumTermPanel(Panel):
    order = 50
    template_name = "report/panels/medium_term.html"
    data_versions = (MEDIUM_TERM,)

    def get_context_data(self, *, report_context):
        return {"developments": report_context.medium_term_developments}


class RagGuidancePanel(Panel):
    order = 70
    template_name = "report/panels/rag_guidance.html"
    data_versions = (RAG_GUIDANCE,)

    def get_context_data(self, *, report_context):
        return {"guidance": report_context.rag_guidance}


class OfstedRecommendationsPanel(Panel):
    """Ofsted's recommendations with their RAG at the snapshot date and the key actions answering each."""

    order = 80
    template_name = "report/panels/ofsted_recommendations.html"
    # The recommendations and the key actions answering each (their words, their theme's number): not their updates
    # or RAGs, so an update does not render it again.
    data_versions = (PLANS, THEMES)

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
    data_versions = (PLANS, THEMES)

    def __init__(self, block: ThemeBlock):
        self.block = block
        self.order = 100 + block.theme.number

    def cache_name(self) -> str:
        return f"theme-{self.block.theme.pk}"

    def child_panels(self, *, report_context) -> list[Panel]:
        return panels_for(THEME, self.block, report_context=report_context, shown_only=False)

    def get_context_data(self, *, report_context):
        theme = self.block.theme
        parts = self.child_html
        if parts is None:
            parts = panels_render(THEME, self.block, report_context=report_context)
        return {
            "theme": theme,
            "theme_word": THEME_NUMBER_WORDS.get(theme.number, str(theme.number)),
            "parts": parts,
            "narrative_rag": narrative_mentions_other_rag(theme.overview_narrative, theme.overview_rag),
        }


class ThemeActionsPanel(Panel):
    """A theme's objectives and key actions with the year's Q1–Q4 RAG and latest narrative."""

    order = 30
    template_name = "report/panels/theme_actions.html"

    def __init__(self, block: ThemeBlock):
        self.block = block
        self.data_versions = theme_actions_versions(block.theme.pk)

    def cache_name(self) -> str:
        return "actions"

    def prepare(self, *, report_context) -> None:
        report_context.themes_wanted([self.block.theme.pk])

    def get_context_data(self, *, report_context):
        return {
            "theme": self.block.theme,
            "objectives": objective_rows_html(
                self.block,
                rows_by_pk=report_context.theme_action_rows(self.block),
                quarter=report_context.quarter,
                pdf=report_context.pdf,
                update_markers=True,
                memo=report_context.memo(f"rows:theme:{self.block.theme.pk}"),
            ),
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
    return fixed + [ThemePanel(block) for block in report_context.theme_blocks]


def theme_panels(block: ThemeBlock, *, report_context) -> list[Panel]:
    """Return the plan's part of a theme's section: its objectives and key actions."""
    return [ThemeActionsPanel(block)]


# Where the report's shared HTML says an action's "Update" button may go: its pk and its owner's.
UPDATE_MARKER = re.compile(r"<!--action-update:(\d+):(\d*)-->")
NO_ACTION_PK = 2**62  # the button is rendered once for this pk, then given each action's


@dataclass(frozen=True)
class _OwnedAction:
    owner_id: int | None
    retired_at: None = None  # retired actions are not on the report


@cache
def _update_button_html() -> str:
    return render_to_string("components/action_update_button.html", {"pk": NO_ACTION_PK}).strip()


def update_buttons(html: str, *, report_context) -> str:
    """Return the report's HTML with an "Update" button on each action the reader may update, no other."""
    user = report_context.user
    live = report_context.as_at is None and not report_context.pdf
    # The rule (can_edit_key_action) turns on whether the reader owns the action: asked once each way,
    # not once per action (thousands at ten times Torbay's size).
    own = live and can_edit_key_action(user, _OwnedAction(owner_id=user.pk))
    others = live and can_edit_key_action(user, _OwnedAction(owner_id=None))
    if not (own or others):
        return UPDATE_MARKER.sub("", html)
    button = _update_button_html()
    reader = str(user.pk)  # read once: the user is a lazy object, and there is a marker for every action

    def fill(match: re.Match) -> str:
        return button.replace(str(NO_ACTION_PK), match[1]) if (own if match[2] == reader else others) else ""

    return UPDATE_MARKER.sub(fill, html)


def register() -> None:
    """Contribute the plan's panels to the report and watch its data (called from PlansConfig.ready)."""
    panels_register(REPORT, "plans", report_panels)
    panels_register(THEME, "plans", theme_panels)
    panels_personaliser_register("plans:update-buttons", update_buttons)
    data_versions_watch("plans", data_version_names)
