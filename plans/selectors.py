"""Every read the plans pages need, in a fixed number of queries whatever the size of the plan."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Count, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from core.calendar import financial_year_label, financial_year_of, quarter_of
from plans import permissions
from plans.models import ActionUpdate, KeyAction, Objective, Plan, QuarterRag, Theme

QUARTERS = (1, 2, 3, 4)


def current_quarter(today: datetime.date | None = None) -> tuple[int, int]:
    """Return (financial year, quarter) of today in the council's time zone."""
    today = today or timezone.localdate()
    return financial_year_of(today), quarter_of(today)


def plan_list(*, user: User) -> QuerySet[Plan]:
    """Return the plans the user may read, with their theme and key action counts."""
    return permissions.plan_visible_to(user).annotate(
        theme_count=Count("themes", distinct=True),
        action_count=Count("themes__objectives__key_actions", distinct=True),
    )


def plan_get(*, user: User, slug: str) -> Plan:
    """Return one plan the user may read, or raise Http404."""
    plan = permissions.plan_visible_to(user).filter(slug=slug).first()
    if plan is None:
        raise Http404("No such plan.")
    return plan


def _latest_update_ids() -> Subquery:
    return Subquery(
        ActionUpdate.objects.filter(key_action=OuterRef("key_action")).order_by("-created_at", "-id").values("pk")[:1]
    )


def key_actions_with_status(*, financial_year: int) -> QuerySet[KeyAction]:
    """Return key actions with their owner, the year's quarter RAGs and their latest update prefetched.

    Each action gets `year_rags` (a list of QuarterRag of that year) and `latest_updates` (zero or one
    ActionUpdate); `rag_by_quarter` and `latest_update` read them.
    """
    return KeyAction.objects.select_related("owner").prefetch_related(
        Prefetch(
            "quarter_rags",
            queryset=QuarterRag.objects.filter(financial_year=financial_year),
            to_attr="year_rags",
        ),
        Prefetch(
            "updates",
            queryset=ActionUpdate.objects.filter(pk=_latest_update_ids()).select_related("author"),
            to_attr="latest_updates",
        ),
    )


@dataclass
class ActionRow:
    action: KeyAction
    rags: list[str]  # one per quarter, "" where not set
    latest_update: ActionUpdate | None
    editable: bool


@dataclass
class ObjectiveBlock:
    objective: Objective
    actions: list[ActionRow] = field(default_factory=list)


@dataclass
class ThemeBlock:
    theme: Theme
    objectives: list[ObjectiveBlock] = field(default_factory=list)


def action_row(action: KeyAction, *, user: User) -> ActionRow:
    """Return the display row of an action fetched by key_actions_with_status()."""
    by_quarter = {rag.quarter: rag.rag for rag in action.year_rags}
    return ActionRow(
        action=action,
        rags=[by_quarter.get(q, "") for q in QUARTERS],
        latest_update=action.latest_updates[0] if action.latest_updates else None,
        editable=permissions.can_edit_key_action(user, action),
    )


def plan_themes_for_report(*, user: User, plan: Plan, financial_year: int) -> list[ThemeBlock]:
    """Return the plan's themes → objectives → key actions with that year's Q1–Q4 RAG and latest update."""
    themes = (
        Theme.objects.filter(plan=plan)
        .order_by("number")
        .prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.order_by("order", "id")),
            Prefetch(
                "objectives__key_actions",
                queryset=key_actions_with_status(financial_year=financial_year).order_by("order", "id"),
            ),
        )
    )
    return [
        ThemeBlock(
            theme=theme,
            objectives=[
                ObjectiveBlock(
                    objective=objective,
                    actions=[action_row(action, user=user) for action in objective.key_actions.all()],
                )
                for objective in theme.objectives.all()
            ],
        )
        for theme in themes
    ]


def plan_financial_years(*, plan: Plan) -> list[int]:
    """Return the financial years that have RAGs or updates in the plan, plus the plan's own year."""
    years = set(
        QuarterRag.objects.filter(key_action__objective__theme__plan=plan).values_list("financial_year", flat=True)
    ) | set(
        ActionUpdate.objects.filter(key_action__objective__theme__plan=plan).values_list("financial_year", flat=True)
    )
    if plan.report_date:
        years.add(financial_year_of(plan.report_date))
    return sorted(years)


@dataclass
class MyActionRow:
    action: KeyAction
    rag: str
    last_updated: datetime.datetime | None


def my_actions(*, user: User, financial_year: int, quarter: int) -> list[MyActionRow]:
    """Return the key actions the user owns, with that quarter's RAG and when each was last updated."""
    quarter_rag = QuarterRag.objects.filter(
        key_action=OuterRef("pk"), financial_year=financial_year, quarter=quarter
    ).values("rag")[:1]
    actions = (
        KeyAction.objects.filter(owner=user)
        .select_related("objective__theme__plan")
        .annotate(quarter_rag=Subquery(quarter_rag), last_updated=Max("updates__created_at"))
        .order_by("objective__theme__plan__title", "objective__theme__number", "objective__order", "order", "id")
    )
    return [MyActionRow(action=a, rag=a.quarter_rag or "", last_updated=a.last_updated) for a in actions]


def key_action_get(*, user: User, pk: int) -> KeyAction:
    """Return a key action the user may read, with its plan, or raise Http404."""
    action = (
        KeyAction.objects.select_related("objective__theme__plan", "owner")
        .filter(objective__theme__plan__in=permissions.plan_visible_to(user), pk=pk)
        .first()
    )
    if action is None:
        raise Http404("No such key action.")
    return action


@dataclass
class HistoryEvent:
    when: datetime.datetime
    who: str
    what: str
    detail: str = ""


def _who(user: User | None, fallback: str = "") -> str:
    if user is None:
        return fallback or "Loaded from the seed documents"
    return user.get_full_name() or user.get_username()


def key_action_history(*, key_action: KeyAction) -> list[HistoryEvent]:
    """Return every recorded change to the action, its RAGs and its narrative, newest first."""
    events: list[HistoryEvent] = []
    for update in key_action.updates.select_related("author").order_by("-created_at", "-id"):
        events.append(
            HistoryEvent(
                when=update.created_at,
                who=_who(update.author, update.author_name),
                what=f"Narrative update for Q{update.quarter} {financial_year_label(update.financial_year)}",
            )
        )
    rag_history = QuarterRag.history.filter(key_action_id=key_action.pk).select_related("history_user")
    for record in rag_history.order_by("-history_date"):
        label = {"+": "set", "~": "changed", "-": "removed"}[record.history_type]
        events.append(
            HistoryEvent(
                when=record.history_date,
                who=_who(record.history_user),
                what=f"Q{record.quarter} {financial_year_label(record.financial_year)} RAG {label}",
                detail=record.get_rag_display(),
            )
        )
    action_history = list(
        KeyAction.history.filter(id=key_action.pk).select_related("history_user").order_by("history_date")
    )
    previous = None
    for record in action_history:
        if previous is None:
            what, detail = "Key action created", ""
        else:
            delta = record.diff_against(previous)
            changed = [c.field for c in delta.changes if c.field not in {"version", "updated_at"}]
            if not changed:
                previous = record
                continue
            what, detail = "Key action edited", ", ".join(f.replace("_", " ") for f in changed)
        events.append(HistoryEvent(when=record.history_date, who=_who(record.history_user), what=what, detail=detail))
        previous = record
    events.sort(key=lambda e: e.when, reverse=True)
    return events
