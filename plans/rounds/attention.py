"""The reads "Needs my attention" takes from the open reporting rounds: the reviewer's updates awaiting sign-off,
and the SRO's progress by plan and by owner, in five queries whatever the number of plans, actions or owners.

Every live key action in an open round is in exactly one of five states, so the figures add up to the actions:
submitted (awaiting sign-off), signed off, returned to its owner, due (nothing submitted, deadline not passed),
overdue (nothing submitted, deadline passed).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import strip_tags

from plans import permissions, selectors
from plans.models import KeyAction, Plan, QuarterRag, Rag, ReportingRound, Submission
from plans.rounds import services

Status = Submission.Status

NO_OWNER = "No owner named"


@dataclass
class Progress:
    """How far one owner's actions (or a whole plan's) have got in the round."""

    name: str = ""
    actions: int = 0
    submitted: int = 0  # awaiting sign-off
    signed_off: int = 0
    returned: int = 0
    due: int = 0
    overdue: int = 0

    def count(self, state: str) -> None:
        self.actions += 1
        setattr(self, state, getattr(self, state) + 1)


@dataclass
class PlanProgress:
    """One plan the SRO reads: its open round (None when no round is open), its totals and its owners."""

    plan: Plan
    round: ReportingRound | None
    today: datetime.date
    totals: Progress = field(default_factory=Progress)
    owners: list[Progress] = field(default_factory=list)

    @property
    def deadline_passed(self) -> bool:
        return self.round is not None and self.round.deadline < self.today

    @property
    def deadline_words(self) -> str:
        """When the deadline falls, from today: "in 5 days", "today", "passed 3 days ago"."""
        if self.round is None:
            return ""
        days = (self.round.deadline - self.today).days
        if days > 0:
            return f"in {days} day{'s' if days != 1 else ''}"
        if days == 0:
            return "today"
        return f"passed {-days} day{'s' if days != -1 else ''} ago"

    @property
    def deadline_label(self) -> str:
        return date_format(self.round.deadline, "j F Y") if self.round else ""


@dataclass
class AwaitingUpdate:
    """An update submitted in an open round and waiting for the SRO or an improvement lead to sign it off."""

    plan: Plan
    submission: Submission
    rag: str  # the round quarter's RAG

    @property
    def action(self) -> KeyAction:
        return self.submission.key_action

    @property
    def missing(self) -> str:
        """What a Red or Amber update lacks: "barriers", "next steps", "barriers and next steps", or ""."""
        update = self.submission.update
        if self.rag not in (Rag.RED, Rag.AMBER) or update is None:
            return ""
        lacking = [
            name
            for name, text in (("barriers", update.barriers), ("next steps", update.next_steps))
            if not strip_tags(text or "").strip()
        ]
        return " and ".join(lacking)


@dataclass
class RoundsAttention:
    plans: list[PlanProgress]  # the plans with an open round first, then the rest
    awaiting: list[AwaitingUpdate]

    @property
    def unexplained(self) -> list[AwaitingUpdate]:
        """Red or Amber updates awaiting sign-off without barriers or next steps (a plan may turn the rule off)."""
        return [item for item in self.awaiting if item.missing]

    @property
    def open_plans(self) -> list[PlanProgress]:
        return [progress for progress in self.plans if progress.round is not None]


def _owner_key(action: dict) -> tuple:
    if action["owner_id"] is not None:
        return (0, action["owner_id"])
    return (1, (action["owner_name"] or "").strip())


def _owner_label(action: dict) -> str:
    if action["owner_id"] is not None:
        full = f"{action['owner__first_name']} {action['owner__last_name']}".strip()
        return full or action["owner__username"]
    return (action["owner_name"] or "").strip() or NO_OWNER


def _state(submission: Submission | None, *, deadline_passed: bool) -> str:
    if submission is None:
        return "overdue" if deadline_passed else "due"
    return {Status.SUBMITTED: "submitted", Status.SIGNED_OFF: "signed_off", Status.RETURNED: "returned"}[
        submission.status
    ]


def rounds_attention(*, user: User, today: datetime.date | None = None) -> RoundsAttention:
    """Return every plan the user may read with its open round's progress by owner, and the updates awaiting
    sign-off (five queries: plans, open rounds, actions, submissions, RAGs; fewer when no round is open)."""
    today = today or timezone.localdate()
    plans = list(permissions.plan_visible_to(user).order_by("title", "pk"))
    with_round = [plan for plan in plans if plan.open_round_quarter is not None]
    rounds: dict[int, ReportingRound] = {}
    if with_round:
        found = ReportingRound.objects.filter(
            plan_id__in=[p.pk for p in with_round], status=ReportingRound.Status.OPEN
        ).order_by()  # the model's ordering would join the plans again
        rounds = {round_.plan_id: round_ for round_ in found}
        selectors.plans_open_rounds_remember(with_round, rounds)
    progress = {plan.pk: PlanProgress(plan=plan, round=rounds.get(plan.pk), today=today) for plan in plans}
    if not rounds:
        return RoundsAttention(plans=list(progress.values()), awaiting=[])

    actions = list(
        KeyAction.objects.filter(objective__theme__plan_id__in=list(rounds), retired_at__isnull=True)
        .order_by()
        .values(
            "pk",
            "owner_id",
            "owner_name",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
            "objective__theme__plan_id",
        )
    )
    submissions = list(
        Submission.objects.filter(round__in=list(rounds.values()))
        .select_related("update", "key_action__owner", "key_action__objective__theme")
        .order_by("key_action__objective__theme__number", "key_action__objective__order", "key_action__order", "pk")
    )
    by_action = {submission.key_action_id: submission for submission in submissions}

    owners: dict[int, dict[tuple, Progress]] = {plan_id: {} for plan_id in rounds}
    for action in actions:
        plan_id = action["objective__theme__plan_id"]
        state = _state(by_action.get(action["pk"]), deadline_passed=progress[plan_id].deadline_passed)
        progress[plan_id].totals.count(state)
        key = _owner_key(action)
        owners[plan_id].setdefault(key, Progress(name=_owner_label(action))).count(state)
    for plan_id, found in owners.items():
        progress[plan_id].owners = sorted(found.values(), key=lambda owner: (owner.name == NO_OWNER, owner.name))

    # Not the reviewer's own updates: another reviewer must decide those (four eyes), so they do not await this one.
    waiting = [
        submission
        for submission in submissions
        if submission.status == Status.SUBMITTED
        and not services.submission_written_by(user=user, submission=submission)
    ]
    rags: dict[tuple[int, int, int], str] = {}
    if waiting:
        quarters = Q()
        for round_ in rounds.values():
            quarters |= Q(financial_year=round_.financial_year, quarter=round_.quarter)
        for rag in QuarterRag.objects.filter(quarters, key_action_id__in=[s.key_action_id for s in waiting]).order_by():
            rags[(rag.key_action_id, rag.financial_year, rag.quarter)] = rag.rag
    plan_of_round = {round_.pk: progress[plan_id].plan for plan_id, round_ in rounds.items()}
    round_of = {round_.pk: round_ for round_ in rounds.values()}
    awaiting = []
    for submission in waiting:
        round_ = round_of[submission.round_id]
        rag = rags.get((submission.key_action_id, round_.financial_year, round_.quarter), "")
        awaiting.append(AwaitingUpdate(plan=plan_of_round[submission.round_id], submission=submission, rag=rag))
    awaiting.sort(key=lambda item: item.plan.title)  # stable: each plan's updates stay in the plan's order
    ordered = sorted(progress.values(), key=lambda p: p.round is None)
    return RoundsAttention(plans=ordered, awaiting=awaiting)
