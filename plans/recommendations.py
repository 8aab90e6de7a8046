"""Reads of the Ofsted recommendations (seed 003) and the key actions answering them: the plan page, the
report, the action's page and the recommendation's editing page (plans.editing.recommendations)."""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.models import User
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.html import strip_tags
from django.utils.text import Truncator

from plans import permissions
from plans.models import KeyAction, OfstedRecommendation, Plan

ACTION_LABEL_WORDS = 16
ACTION_HOW_WORDS = 10


def recommendation_get(*, user: User, pk: int) -> OfstedRecommendation:
    """Return an Ofsted recommendation of a plan the user may read, with its plan, or raise Http404."""
    recommendation = (
        OfstedRecommendation.objects.select_related("plan")
        .filter(plan__in=permissions.plan_visible_to(user), pk=pk)
        .first()
    )
    if recommendation is None:
        raise Http404("No such Ofsted recommendation.")
    return recommendation


def _in_plan_order(queryset: QuerySet[KeyAction]) -> QuerySet[KeyAction]:
    return queryset.select_related("objective__theme").order_by(
        "objective__theme__number", "objective__order", "objective_id", "order", "id"
    )


def recommendation_action_choices(*, recommendation: OfstedRecommendation) -> QuerySet[KeyAction]:
    """Return the key actions that may answer the recommendation: its plan's current ones, and any linked now."""
    linked = Q(ofsted_recommendations=recommendation) if recommendation.pk else Q(pk__in=[])
    return _in_plan_order(
        KeyAction.objects.filter(objective__theme__plan_id=recommendation.plan_id).filter(
            Q(retired_at__isnull=True) | linked
        )
    ).distinct()


class RecommendationRow(NamedTuple):
    """A recommendation as the report shows it: its fields and the current key actions answering it.

    A named tuple, not a dataclass: the plan page's dataclasses.asdict() keeps it whole, properties and all."""

    recommendation: OfstedRecommendation
    actions: list[KeyAction]

    @property
    def labelled_actions(self) -> list[tuple[KeyAction, str]]:
        return [(action, action_label(action)) for action in self.actions]


@dataclass(frozen=True)
class RecommendationsReport:
    rows: list[RecommendationRow]

    @property
    def snapshot_dates(self) -> list[datetime.date]:
        """The distinct snapshot dates, earliest first: one is said once, above the table."""
        return sorted({row.recommendation.snapshot_date for row in self.rows if row.recommendation.snapshot_date})


def recommendations_for_report(*, plan: Plan) -> RecommendationsReport:
    """Return the plan's recommendations by number with their current answering actions (two queries)."""
    answering = _in_plan_order(KeyAction.objects.filter(retired_at__isnull=True))
    recommendations = plan.ofsted_recommendations.order_by("number").prefetch_related(
        Prefetch("key_actions", queryset=answering, to_attr="answering_actions")
    )
    return RecommendationsReport(
        rows=[RecommendationRow(recommendation=r, actions=r.answering_actions) for r in recommendations]
    )


def recommendations_for_action(*, key_action: KeyAction) -> list[OfstedRecommendation]:
    """Return the Ofsted recommendations a key action answers, by number (one query)."""
    return list(key_action.ofsted_recommendations.order_by("number"))


def _plain(stored_html: str) -> str:
    """Return stored narrative HTML as one line of text (the template escapes it again)."""
    return " ".join(html.unescape(strip_tags(stored_html or "")).split())


def action_label(action: KeyAction) -> str:
    """Return a key action as a checkbox or a link names it: its theme, the start of its description and, when
    the 2016 tracker's "How?" is filled in, the start of that (its actions often share a "What?")."""
    text = Truncator(_plain(action.description)).words(ACTION_LABEL_WORDS)
    how = _plain(action.how).lstrip("•·-– ").replace(" • ", "; ")
    if how:
        text = f"{text} – {Truncator(how).words(ACTION_HOW_WORDS)}"
    return f"Theme {action.objective.theme.number}: {text}"


class LinkedActions(list):
    """Linked key actions as a form's initial value; as text (the conflict panel's), their labels."""

    def __str__(self) -> str:
        return "; ".join(action_label(action) for action in self) or "None"
