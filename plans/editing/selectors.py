"""Every read the editing pages need, in a fixed number of queries whatever the size of the plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404

from core.roles import HEAD_OF_SERVICE
from plans import permissions
from plans.models import KeyAction, KeyPriority, MediumTermDevelopment, Objective, Plan, Theme
from plans.selectors import plan_get

LISTED = {"priorities": KeyPriority, "developments": MediumTermDevelopment}


@dataclass
class ObjectiveEditing:
    objective: Objective
    actions: list[KeyAction]  # current first, then retired, each in the plan's order


@dataclass
class ThemeEditing:
    theme: Theme
    objectives: list[ObjectiveEditing] = field(default_factory=list)


@dataclass
class PlanEditing:
    """The editing page of a plan: its lists, current and retired, and its themes down to key actions."""

    plan: Plan
    key_priorities: list[KeyPriority]
    retired_priorities: list[KeyPriority]
    developments: list[MediumTermDevelopment]
    retired_developments: list[MediumTermDevelopment]
    themes: list[ThemeEditing]


def _current_and_retired(rows) -> tuple[list, list]:
    rows = list(rows)
    return [r for r in rows if r.retired_at is None], [r for r in rows if r.retired_at is not None]


def plan_for_editing(*, user: User, slug: str) -> PlanEditing:
    """Return everything the plan's editing page shows (six queries), or raise Http404."""
    plan = plan_get(user=user, slug=slug)
    priorities, retired_priorities = _current_and_retired(plan.key_priorities.order_by("order", "id"))
    developments, retired_developments = _current_and_retired(plan.medium_term_developments.order_by("order", "id"))
    themes = (
        Theme.objects.filter(plan=plan)
        .order_by("number")
        .prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.order_by("order", "id")),
            Prefetch(
                "objectives__key_actions",
                queryset=KeyAction.objects.select_related("owner").order_by(
                    F("retired_at").asc(nulls_first=True), "order", "id"
                ),
            ),
        )
    )
    return PlanEditing(
        plan=plan,
        key_priorities=priorities,
        retired_priorities=retired_priorities,
        developments=developments,
        retired_developments=retired_developments,
        themes=[
            ThemeEditing(
                theme=theme,
                objectives=[
                    ObjectiveEditing(objective=objective, actions=list(objective.key_actions.all()))
                    for objective in theme.objectives.all()
                ],
            )
            for theme in themes
        ],
    )


def listed_get(*, user: User, plan: Plan, kind: str, pk: int) -> KeyPriority | MediumTermDevelopment:
    """Return one key priority ("priorities") or medium-term development ("developments") of the plan, or 404."""
    model = LISTED.get(kind)
    row = model and model.objects.filter(plan=plan, pk=pk).select_related("plan").first()
    if row is None:
        raise Http404("No such row in this plan.")
    return row


def theme_get(*, user: User, pk: int) -> Theme:
    """Return a theme of a plan the user may read, with its plan, or raise Http404."""
    theme = Theme.objects.select_related("plan").filter(plan__in=permissions.plan_visible_to(user), pk=pk).first()
    if theme is None:
        raise Http404("No such theme.")
    return theme


def objective_get(*, user: User, pk: int) -> Objective:
    """Return an objective of a plan the user may read, with its theme and plan, or raise Http404."""
    objective = (
        Objective.objects.select_related("theme__plan")
        .filter(theme__plan__in=permissions.plan_visible_to(user), pk=pk)
        .first()
    )
    if objective is None:
        raise Http404("No such objective.")
    return objective


def action_owner_choices(*, current_owner_id: int | None = None) -> QuerySet[User]:
    """Return the people who may own a key action: active heads of service (and its owner now), by name."""
    wanted = Q(groups__name=HEAD_OF_SERVICE, is_active=True)
    if current_owner_id:
        wanted |= Q(pk=current_owner_id)
    return User.objects.filter(wanted).distinct().order_by("first_name", "last_name", "username")
