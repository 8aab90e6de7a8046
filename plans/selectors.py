"""Every read the plans pages and the highlight report need, in a fixed number of queries whatever the size of the plan.

"As at" a day means as the tracker's records stood at the end of that day (Europe/London):
plan and theme fields and key actions from their simple-history records, each quarter's RAG from
QuarterRag's history (the latest record per RAG row, deletions left out), the latest narrative
update written by then.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from core.calendar import QUARTERS, FinancialQuarter, current_quarter, end_of_day, financial_year_label
from plans import permissions
from plans.models import ActionUpdate, KeyAction, Objective, Plan, QuarterRag, ReportingRound, Submission, Theme
from plans.recommendations import recommendations_for_action, recommendations_for_report
from plans.theme_read import live_theme_read, quarters_with_news_read

_OPEN_ROUND = "_open_round_cache"


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


def plan_open_round(plan: Plan) -> ReportingRound | None:
    """Return the plan's open reporting round, or None (no query without one; else one, then kept on the plan)."""
    if plan.open_round_quarter is None:
        return None
    if _OPEN_ROUND not in plan.__dict__:
        found = ReportingRound.objects.filter(plan_id=plan.pk, status=ReportingRound.Status.OPEN).first()
        plans_open_rounds_remember([plan], {plan.pk: found} if found else {})
    return plan.__dict__[_OPEN_ROUND]


def plans_open_rounds_remember(plans: list[Plan], rounds: dict[int, ReportingRound]) -> None:
    """Keep each plan's open round (from `rounds`, plan pk → round) on the plan object, so reading it is free."""
    for plan in plans:
        plan.__dict__[_OPEN_ROUND] = rounds.get(plan.pk)


def plan_reporting_quarter(plan: Plan, *, today: datetime.date | None = None) -> FinancialQuarter:
    """Return the quarter "this quarter" means for the plan, everywhere: the report, My actions, the update form.

    The open reporting round's quarter (kept on the plan: no query); else the quarter set on the plan; else
    the quarter being reported on at its report date, the one before the quarter holding it (a report dated
    13 July 2021 reports on Q1 2021/22, April to June); else the one before today's. Reads no query.
    """
    if plan.open_round_quarter is not None:
        return plan.open_round_quarter
    if plan.reporting_quarter_set is not None:
        return plan.reporting_quarter_set
    if plan.report_date is not None:
        return FinancialQuarter.of(plan.report_date).previous
    return current_quarter(today).previous


def key_actions_with_status(*, financial_year: int) -> QuerySet[KeyAction]:
    """Return key actions with their owner, the year's quarter RAGs and their latest update prefetched.

    Each action gets `year_rags` (a list of QuarterRag of that year) and `latest_updates` (zero or one
    ActionUpdate); `rag_by_quarter` and `latest_update` read them.
    """
    return (
        KeyAction.objects.select_related("owner")
        .annotate(awaiting_signoff=_awaiting_signoff())
        .prefetch_related(
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
    )


def _awaiting_signoff() -> Exists:
    """Whether the key action's update waits for sign-off in its plan's open round (a subquery: no extra query)."""
    return Exists(
        Submission.objects.filter(
            key_action=OuterRef("pk"), status=Submission.Status.SUBMITTED, round__status=ReportingRound.Status.OPEN
        )
    )


@dataclass
class ActionRow:
    action: KeyAction
    rags: list[str]  # one per quarter, "" where not set
    latest_update: ActionUpdate | None  # in the report: for its quarter, or else the latest earlier one
    editable: bool
    awaiting_signoff: bool = False  # submitted in the plan's open round, not yet signed off or returned


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
        awaiting_signoff=getattr(action, "awaiting_signoff", False),
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
                queryset=key_actions_with_status(financial_year=financial_year)
                .filter(retired_at__isnull=True)
                .order_by("order", "id"),
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
    """Return the financial years that have RAGs or updates in the plan, plus its reporting quarter's year."""
    years = set(
        QuarterRag.objects.filter(key_action__objective__theme__plan=plan).values_list("financial_year", flat=True)
    ) | set(
        ActionUpdate.objects.filter(key_action__objective__theme__plan=plan).values_list("financial_year", flat=True)
    )
    years.add(plan_reporting_quarter(plan).financial_year)
    return sorted(years)


def plan_update_years(*, plan: Plan) -> range:
    """Return the financial years a RAG or update may be for: from the plan's first (its earliest RAG or
    update) or the year before its reporting quarter's, whichever is earlier (a quarter of last year may be
    caught up on), to the year after its reporting quarter's (two queries)."""
    years = plan_financial_years(plan=plan)
    reporting = plan_reporting_quarter(plan).financial_year
    return range(min(years[0], reporting - 1), max(years[-1], reporting + 1) + 1)


@dataclass
class MyActionRow:
    action: KeyAction
    quarter: FinancialQuarter  # the reporting quarter of the action's plan
    rag: str
    last_updated: datetime.datetime | None


def my_actions(*, user: User) -> list[MyActionRow]:
    """Return the key actions the user owns, each with its RAG in its plan's reporting quarter and when it was
    last updated (two queries; three when a plan has an open round)."""
    actions = list(
        KeyAction.objects.filter(owner=user, retired_at__isnull=True)
        .select_related("objective__theme__plan")
        .annotate(last_updated=Max("updates__created_at"))
        .order_by("objective__theme__plan__title", "objective__theme__number", "objective__order", "order", "id")
    )
    plans = [action.objective.theme.plan for action in actions if action.objective.theme.plan.open_round_quarter]
    if plans:  # their open rounds, in one query
        rounds = ReportingRound.objects.filter(plan_id__in={p.pk for p in plans}, status=ReportingRound.Status.OPEN)
        plans_open_rounds_remember(plans, {r.plan_id: r for r in rounds})
    quarters = {action.pk: plan_reporting_quarter(action.objective.theme.plan) for action in actions}
    wanted = Q()
    for quarter in set(quarters.values()):
        wanted |= Q(financial_year=quarter.financial_year, quarter=quarter.quarter)
    rags = {}
    for rag in QuarterRag.objects.filter(wanted, key_action__owner=user).order_by():
        if quarters.get(rag.key_action_id) == FinancialQuarter(rag.financial_year, rag.quarter):
            rags[rag.key_action_id] = rag.rag
    return [
        MyActionRow(action=a, quarter=quarters[a.pk], rag=rags.get(a.pk, ""), last_updated=a.last_updated)
        for a in actions
    ]


def key_action_get(*, user: User, pk: int) -> KeyAction:
    """Return a key action the user may read, with its plan, or raise Http404."""
    action = (
        KeyAction.objects.select_related("objective__theme__plan", "owner", "retired_by")
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


@dataclass(frozen=True)
class PlanPage:
    """The plan's own lists, for its page."""

    key_priorities: list
    medium_term_developments: list
    rag_guidance: list
    ofsted_recommendations: list


def plan_page_lists(*, plan: Plan) -> PlanPage:
    """Return the plan's key priorities, medium-term developments, RAG guidance and Ofsted recommendations."""
    return PlanPage(
        key_priorities=list(plan.key_priorities.filter(retired_at__isnull=True)),
        medium_term_developments=list(plan.medium_term_developments.filter(retired_at__isnull=True)),
        rag_guidance=list(plan.rag_guidance.all()),
        ofsted_recommendations=recommendations_for_report(plan=plan).rows,
    )


@dataclass(frozen=True)
class KeyActionPage:
    """A key action's page: its RAGs, every narrative update and its history, and whether the user may edit."""

    action: KeyAction
    rags: list[QuarterRag]
    updates: list[ActionUpdate]
    history: list
    can_edit: bool
    ofsted_recommendations: list = field(default_factory=list)  # the ones it answers


def key_action_page(*, user: User, pk: int) -> KeyActionPage:
    """Return what a key action's page shows, in a fixed number of queries, or raise Http404."""
    action = key_action_get(user=user, pk=pk)
    return KeyActionPage(
        action=action,
        rags=list(action.quarter_rags.order_by("-financial_year", "quarter")),
        updates=list(action.updates.select_related("author").order_by("-created_at", "-id")),
        history=key_action_history(key_action=action),
        can_edit=permissions.can_edit_key_action(user, action),
        ofsted_recommendations=recommendations_for_action(key_action=action),
    )


@dataclass(frozen=True)
class KeyActionEditing:
    """What the update form needs: the action's RAG this quarter and its latest update."""

    current_rag: str | None
    latest_update: ActionUpdate | None


def key_action_editing(*, key_action: KeyAction, quarter: FinancialQuarter) -> KeyActionEditing:
    """Return the action's RAG in `quarter` (None when unset) and its latest narrative update."""
    current = key_action.quarter_rags.filter(financial_year=quarter.financial_year, quarter=quarter.quarter).first()
    latest = key_action.updates.select_related("author").order_by("-created_at", "-id").first()
    return KeyActionEditing(current_rag=current.rag if current else None, latest_update=latest)


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


# --- The report: the plan as at any date ---------------------------------------------------------


def report_plan_list(*, user: User) -> list[Plan]:
    """Return the plans the user may read, the most recent report first (for the plan chooser)."""
    return list(permissions.plan_visible_to(user).order_by(F("report_date").desc(nulls_last=True), "title", "pk"))


@dataclass(frozen=True)
class PlanAsAt:
    plan: Plan  # the plan's fields as they stood then (the live plan when there is no as_at)
    # The day the tracker first recorded the plan (None when there is no as_at: nothing is compared with it).
    first_recorded: datetime.date | None


def plan_as_at(*, plan: Plan, as_at: datetime.date | None) -> PlanAsAt:
    """Return the plan's fields as they stood at the end of `as_at`, and when it was first recorded; the live
    plan when there is no `as_at`, without reading its history (every view of the report now).

    Before the plan was first recorded there is nothing to show: `plan` is then its first record.
    """
    if as_at is None:
        return PlanAsAt(plan=plan, first_recorded=None)
    records = list(Plan.history.filter(id=plan.pk).order_by("history_date", "history_id"))
    first = timezone.localdate(records[0].history_date) if records else None
    if not records:
        return PlanAsAt(plan=plan, first_recorded=first)
    end = end_of_day(as_at)
    then = [r for r in records if r.history_date <= end and r.history_type != "-"] or records[:1]
    shown = then[-1].instance
    shown.pk = plan.pk
    return PlanAsAt(plan=shown, first_recorded=first)


def _latest_update_ids(end: datetime.datetime | None = None) -> Subquery:
    """Return the pk of each key action's latest update (written by `end`, when given)."""
    updates = ActionUpdate.objects.filter(key_action=OuterRef("key_action"))
    if end is not None:
        updates = updates.filter(created_at__lte=end)
    return Subquery(updates.order_by("-created_at", "-id").values("pk")[:1])


def _narrative_update_ids(*, quarter: FinancialQuarter, end: datetime.datetime) -> Subquery:
    """Return the pk of the update each key action's row shows for `quarter`, of those written by `end` (the live
    report reads the same in its statement: plans.theme_read).

    The latest update for the quarter itself; without one, the latest for an earlier quarter, which the
    row marks as such. An update for a later quarter is never shown, however recent.
    """
    updates = ActionUpdate.objects.filter(
        Q(financial_year__lt=quarter.financial_year)
        | Q(financial_year=quarter.financial_year, quarter__lte=quarter.quarter),
        key_action=OuterRef("key_action"),
        created_at__lte=end,
    )
    return Subquery(updates.order_by("-financial_year", "-quarter", "-created_at", "-id").values("pk")[:1])


def _narrative_updates(*, scope: Q, quarter: FinancialQuarter, end: datetime.datetime) -> dict[int, ActionUpdate]:
    # Unordered: one update per key action, into a dict (the model's ordering joins up to the plan to sort).
    # Its author is shown by the name written with it (author_name), so the user row is not read.
    updates = ActionUpdate.objects.filter(scope, pk=_narrative_update_ids(quarter=quarter, end=end)).order_by()
    return {update.key_action_id: update for update in updates}


def _quarter_rags(*, scope: Q, end: datetime.datetime, financial_year: int, previous: FinancialQuarter) -> QuerySet:
    """Return (key action pk, financial year, quarter, RAG) rows of the year's and the previous quarter's RAGs as
    they stood at `end`."""
    wanted = Q(financial_year=financial_year) | Q(financial_year=previous.financial_year, quarter=previous.quarter)
    # The history's key_action is a plain join to the live table, so RAGs of actions deleted
    # since then drop out with their actions.
    rags = QuarterRag.history.as_of(end)
    # Unordered, as values: one per key action and quarter, into dicts.
    return rags.filter(wanted, scope).order_by().values_list("key_action_id", "financial_year", "quarter", "rag")


@dataclass
class ReportThemes:
    """The plan's themes → objectives → key actions for the report, and each action's RAG last quarter."""

    blocks: list[ThemeBlock]
    previous_rags: dict[int, str]  # key action pk → its RAG in the quarter before the reporting quarter

    @property
    def rows(self) -> list[ActionRow]:
        return [row for block in self.blocks for objective in block.objectives for row in objective.actions]


class LazyThemeBlock(ThemeBlock):
    """A theme whose objectives and action rows are read when first used, by `load(theme_pk)`."""

    def __init__(self, theme: Theme, load: Callable[[int], list[ObjectiveBlock]]):
        self.theme, self._load, self._objectives = theme, load, None

    @property
    def objectives(self) -> list[ObjectiveBlock]:
        if self._objectives is None:
            self._objectives = self._load(self.theme.pk)
        return self._objectives

    @objectives.setter
    def objectives(self, value: list[ObjectiveBlock]) -> None:
        self._objectives = value


@dataclass
class ThemeContents:
    """Some themes' objectives with their action rows, and those actions' RAGs last quarter."""

    objectives: dict[int, list[ObjectiveBlock]]  # theme pk → its objectives, in order
    previous_rags: dict[int, str]  # key action pk → its RAG in the quarter before the reporting quarter


def report_theme_list(*, plan: Plan, as_at: datetime.date | None) -> list[Theme]:
    """Return the plan's themes in order, with their fields as they stood at `as_at` (one query; two as at)."""
    themes = list(Theme.objects.filter(plan=plan).order_by("number"))
    if as_at is not None:
        then = {t.pk: t for t in Theme.history.as_of(end_of_day(as_at)).filter(plan_id=plan.pk)}
        themes = [then[t.pk] for t in themes if t.pk in then]
    return themes


def report_theme_contents(
    *,
    user: User,
    plan: Plan,
    quarter: FinancialQuarter,
    as_at: datetime.date | None,
    theme_pks: Collection[int] | None = None,
) -> ThemeContents:
    """Return the objectives, key actions, the year's Q1–Q4 RAG and narrative as at `as_at` of the plan's themes
    in `theme_pks` (every theme when None), so that an update to one theme reads that theme only.

    Each row's `latest_update` is the latest update for `quarter` or, without one, for an earlier quarter
    (never a later one); its `for_quarter` tells which.

    Live: one query (plans.theme_read). As at a date: five, from the history tables with the ORM (the key actions'
    owners read on their own).
    """
    if as_at is None:
        return _live_theme_contents(user=user, plan=plan, quarter=quarter, theme_pks=theme_pks)
    end = end_of_day(as_at)

    def only(theme: str) -> Q:
        """Rows whose theme (reached by the path `theme`) is one of those asked for, or the plan's."""
        return Q(**{f"{theme}__plan": plan}) if theme_pks is None else Q(**{f"{theme}_id__in": list(theme_pks)})

    objectives = list(Objective.objects.filter(only("theme")).order_by("theme_id", "order", "id"))
    actions = sorted(
        KeyAction.history.as_of(end).filter(only("objective__theme"), retired_at__isnull=True),
        key=lambda a: (a.order, a.pk),
    )
    owners = get_user_model().objects.in_bulk({a.owner_id for a in actions if a.owner_id})
    for action in actions:
        action.owner = owners.get(action.owner_id)
    in_themes = only("key_action__objective__theme")
    updates = _narrative_updates(scope=in_themes, quarter=quarter, end=end)
    year_rags: dict[int, dict[int, str]] = {}
    previous_rags: dict[int, str] = {}
    previous = quarter.previous
    rags = _quarter_rags(scope=in_themes, end=end, financial_year=quarter.financial_year, previous=previous)
    for key_action_id, financial_year, quarter_number, rag in rags:
        if financial_year == quarter.financial_year:
            year_rags.setdefault(key_action_id, {})[quarter_number] = rag
        if (financial_year, quarter_number) == (previous.financial_year, previous.quarter):
            previous_rags[key_action_id] = rag
    rows_by_objective: dict[int, list[ActionRow]] = {}
    for action in actions:
        by_quarter = year_rags.get(action.pk, {})
        rows_by_objective.setdefault(action.objective_id, []).append(
            ActionRow(
                action=action,
                rags=[by_quarter.get(q, "") for q in QUARTERS],
                latest_update=updates.get(action.pk),
                editable=False,  # the report as at a date is read, never updated
            )
        )
    return _theme_contents(objectives, rows_by_objective, previous_rags)


def _live_theme_contents(
    *, user: User, plan: Plan, quarter: FinancialQuarter, theme_pks: Collection[int] | None
) -> ThemeContents:
    # No update awaits sign-off outside a round (as plan_open_round): the statement then leaves that out.
    objectives, read = live_theme_read(
        plan=plan,
        quarter=quarter,
        theme_pks=None if theme_pks is None else list(theme_pks),
        round_open=plan.open_round_quarter is not None,
    )
    rows_by_objective: dict[int, list[ActionRow]] = {}
    previous_rags: dict[int, str] = {}
    for found in read:
        action = found.action
        if found.previous_rag is not None:
            previous_rags[action.pk] = found.previous_rag
        rows_by_objective.setdefault(action.objective_id, []).append(
            ActionRow(
                action=action,
                rags=found.rags,
                latest_update=found.update,
                editable=permissions.can_edit_key_action(user, action),
                awaiting_signoff=found.awaiting_signoff,
            )
        )
    return _theme_contents(objectives, rows_by_objective, previous_rags)


def _theme_contents(
    objectives: list[Objective], rows_by_objective: dict[int, list[ActionRow]], previous_rags: dict[int, str]
) -> ThemeContents:
    objectives_by_theme: dict[int, list[ObjectiveBlock]] = {}
    for objective in objectives:
        objectives_by_theme.setdefault(objective.theme_id, []).append(
            ObjectiveBlock(objective=objective, actions=rows_by_objective.get(objective.pk, []))
        )
    return ThemeContents(objectives=objectives_by_theme, previous_rags=previous_rags)


def report_quarters_with_news(*, plan: Plan) -> list[FinancialQuarter]:
    """Return the quarters that have a RAG or a narrative update in the plan, oldest first (one query: read on every
    view of the report, it is written as a statement, plans.theme_read)."""
    return sorted(FinancialQuarter(year, quarter) for year, quarter in quarters_with_news_read(plan.pk))
