"""The reads the highlight report needs that plans.selectors lacks: the plan as at any date.

"As at" a day means as the tracker's records stood at the end of that day (Europe/London):
plan and theme fields and key actions from their simple-history records, each quarter's RAG from
QuarterRag's history (the latest record per RAG row, deletions left out), the latest narrative
update written by then. Each function runs a fixed number of queries whatever the plan's size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from core.calendar import QUARTERS, FinancialQuarter, end_of_day, financial_year_of, quarter_of
from plans import permissions
from plans.models import ActionUpdate, KeyAction, Objective, Plan, QuarterRag, Theme
from plans.selectors import ActionRow, ObjectiveBlock, ThemeBlock


def report_plan_list(*, user: User) -> list[Plan]:
    """Return the plans the user may read, the most recent report first (for the plan chooser)."""
    return list(permissions.plan_visible_to(user).order_by(F("report_date").desc(nulls_last=True), "title", "pk"))


@dataclass(frozen=True)
class PlanAsAt:
    plan: Plan  # the plan's fields as they stood then (the live plan when there is no as_at)
    first_recorded: datetime.date | None  # the day the tracker first recorded the plan


def plan_as_at(*, plan: Plan, as_at: datetime.date | None) -> PlanAsAt:
    """Return the plan's fields as they stood at the end of `as_at`, and when it was first recorded.

    Before the plan was first recorded there is nothing to show: `plan` is then its first record.
    """
    records = list(Plan.history.filter(id=plan.pk).order_by("history_date", "history_id"))
    first = timezone.localdate(records[0].history_date) if records else None
    if as_at is None or not records:
        return PlanAsAt(plan=plan, first_recorded=first)
    end = end_of_day(as_at)
    then = [r for r in records if r.history_date <= end and r.history_type != "-"] or records[:1]
    shown = then[-1].instance
    shown.pk = plan.pk
    return PlanAsAt(plan=shown, first_recorded=first)


def _latest_update_ids(end: datetime.datetime | None) -> Subquery:
    updates = ActionUpdate.objects.filter(key_action=OuterRef("key_action"))
    if end is not None:
        updates = updates.filter(created_at__lte=end)
    return Subquery(updates.order_by("-created_at", "-id").values("pk")[:1])


def _latest_updates(*, plan: Plan, end: datetime.datetime | None) -> dict[int, ActionUpdate]:
    updates = ActionUpdate.objects.filter(
        key_action__objective__theme__plan=plan, pk=_latest_update_ids(end)
    ).select_related("author")
    return {update.key_action_id: update for update in updates}


def _quarter_rags(
    *, plan: Plan, end: datetime.datetime | None, financial_year: int, previous: FinancialQuarter
) -> QuerySet:
    wanted = Q(financial_year=financial_year) | Q(financial_year=previous.financial_year, quarter=previous.quarter)
    if end is None:
        return QuarterRag.objects.filter(wanted, key_action__objective__theme__plan=plan)
    # The history's key_action is a plain join to the live table, so RAGs of actions deleted
    # since then drop out with their actions.
    return QuarterRag.history.as_of(end).filter(wanted, key_action__objective__theme__plan=plan)


@dataclass
class ReportThemes:
    """The plan's themes → objectives → key actions for the report, and each action's RAG last quarter."""

    blocks: list[ThemeBlock]
    previous_rags: dict[int, str]  # key action pk → its RAG in the quarter before the reporting quarter

    @property
    def rows(self) -> list[ActionRow]:
        return [row for block in self.blocks for objective in block.objectives for row in objective.actions]


def report_themes(*, user: User, plan: Plan, quarter: FinancialQuarter, as_at: datetime.date | None) -> ReportThemes:
    """Return the plan's themes with objectives, key actions, the year's Q1–Q4 RAG and latest update as at `as_at`.

    Six queries whatever the size of the plan (seven as at a date: the key actions' owners).
    """
    end = end_of_day(as_at) if as_at is not None else None
    themes = list(Theme.objects.filter(plan=plan).order_by("number"))
    if end is not None:
        then = {t.pk: t for t in Theme.history.as_of(end).filter(plan_id=plan.pk)}
        themes = [then[t.pk] for t in themes if t.pk in then]
    objectives = list(Objective.objects.filter(theme__plan=plan).order_by("theme_id", "order", "id"))
    if end is None:
        actions = list(
            KeyAction.objects.filter(objective__theme__plan=plan).select_related("owner").order_by("order", "id")
        )
    else:
        actions = sorted(
            KeyAction.history.as_of(end).filter(objective__theme__plan=plan), key=lambda a: (a.order, a.pk)
        )
        owners = get_user_model().objects.in_bulk({a.owner_id for a in actions if a.owner_id})
        for action in actions:
            action.owner = owners.get(action.owner_id)
    updates = _latest_updates(plan=plan, end=end)
    year_rags: dict[int, dict[int, str]] = {}
    previous_rags: dict[int, str] = {}
    previous = quarter.previous
    for rag in _quarter_rags(plan=plan, end=end, financial_year=quarter.financial_year, previous=previous):
        if rag.financial_year == quarter.financial_year:
            year_rags.setdefault(rag.key_action_id, {})[rag.quarter] = rag.rag
        if (rag.financial_year, rag.quarter) == (previous.financial_year, previous.quarter):
            previous_rags[rag.key_action_id] = rag.rag
    editable = end is None
    rows_by_objective: dict[int, list[ActionRow]] = {}
    for action in actions:
        by_quarter = year_rags.get(action.pk, {})
        rows_by_objective.setdefault(action.objective_id, []).append(
            ActionRow(
                action=action,
                rags=[by_quarter.get(q, "") for q in QUARTERS],
                latest_update=updates.get(action.pk),
                editable=editable and permissions.can_edit_key_action(user, action),
            )
        )
    objectives_by_theme: dict[int, list[ObjectiveBlock]] = {}
    for objective in objectives:
        objectives_by_theme.setdefault(objective.theme_id, []).append(
            ObjectiveBlock(objective=objective, actions=rows_by_objective.get(objective.pk, []))
        )
    blocks = [ThemeBlock(theme=theme, objectives=objectives_by_theme.get(theme.pk, [])) for theme in themes]
    return ReportThemes(blocks=blocks, previous_rags=previous_rags)


def report_quarters_with_news(*, plan: Plan) -> list[FinancialQuarter]:
    """Return the quarters that have a RAG or a narrative update in the plan, oldest first (one query)."""
    rags = (
        QuarterRag.objects.filter(key_action__objective__theme__plan=plan)
        .order_by()
        .values_list("financial_year", "quarter")
    )
    updates = (
        ActionUpdate.objects.filter(key_action__objective__theme__plan=plan)
        .order_by()
        .values_list("financial_year", "quarter")
    )
    return sorted(FinancialQuarter(year, quarter) for year, quarter in rags.union(updates))


def report_quarter_default(*, plan: Plan, quarters_with_news: list[FinancialQuarter]) -> FinancialQuarter:
    """Return the quarter a plan's report is about: the latest quarter with a RAG or narrative by its report date.

    A report dated 13 July 2021 reports on Q1 2021/22 (April–June), whose RAGs and narratives it
    carries; the quarter of the date itself (Q2) would show an empty column. Without any RAG or
    narrative by then, the quarter of the report date (or of today, for a plan without one).
    """
    day = plan.report_date or timezone.localdate()
    by_then = FinancialQuarter(financial_year_of(day), quarter_of(day))
    return max((q for q in quarters_with_news if q <= by_then), default=by_then)
