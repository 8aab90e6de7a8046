"""Every read the round's pages need: the head of service's task list and the reviewer's page, in fixed queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import strip_tags

from plans import selectors
from plans.models import ActionUpdate, KeyAction, Plan, QuarterRag, Rag, ReportingRound, Submission

Status = Submission.Status


def deadline_words(deadline: datetime.date, today: datetime.date) -> str:
    """Return how the deadline stands in words: "Due in 5 days, by 15 October 2021", "Due today", "3 days overdue"."""
    when = date_format(deadline, "j F Y")
    days = (deadline - today).days
    if days > 1:
        return f"Due in {days} days, by {when}"
    if days == 1:
        return f"Due tomorrow, {when}"
    if days == 0:
        return f"Due today, {when}"
    late = -days
    return f"{late} day{'s' if late != 1 else ''} overdue: the deadline was {when}"


@dataclass
class TaskRow:
    """One of the head of service's actions in the open round: where its update stands and what to do."""

    row: selectors.MyActionRow
    round: ReportingRound | None
    status: str  # a Submission.Status value; "" when the action's plan has no open round
    comment: str  # the reviewer's comment, when returned
    today: datetime.date

    @property
    def status_label(self) -> str:
        return Status(self.status).label if self.status else "No round open"

    @property
    def needs_update(self) -> bool:
        return self.status in (Status.DUE, Status.RETURNED)

    @property
    def overdue(self) -> bool:
        return self.needs_update and self.round is not None and self.round.deadline < self.today

    @property
    def deadline_words(self) -> str:
        if self.round is None:
            return ""
        if not self.needs_update:
            return f"Deadline {date_format(self.round.deadline, 'j F Y')}"
        return deadline_words(self.round.deadline, self.today)


@dataclass
class MyTasks:
    rows: list[TaskRow]

    def _count(self, test) -> int:
        return sum(1 for row in self.rows if test(row))

    @property
    def due(self) -> int:
        return self._count(lambda r: r.status == Status.DUE and not r.overdue)

    @property
    def overdue(self) -> int:
        return self._count(lambda r: r.overdue)

    @property
    def returned(self) -> int:
        return self._count(lambda r: r.status == Status.RETURNED)

    @property
    def any_round(self) -> bool:
        return any(row.round is not None for row in self.rows)


def my_tasks(*, user: User, today: datetime.date | None = None) -> MyTasks:
    """Return the user's key actions as the round's task list: due, submitted, returned or signed off (four
    queries: selectors.my_actions' three and the submissions)."""
    today = today or timezone.localdate()
    rows = selectors.my_actions(user=user)
    rounds = {row.action.pk: selectors.plan_open_round(row.action.objective.theme.plan) for row in rows}
    wanted = Q()
    for round_ in {r.pk: r for r in rounds.values() if r is not None}.values():
        wanted |= Q(round=round_)
    submissions = {}
    if wanted:
        found = Submission.objects.filter(wanted, key_action__owner=user).only("key_action_id", "status", "comment")
        submissions = {s.key_action_id: s for s in found}
    tasks = []
    for row in rows:
        round_ = rounds[row.action.pk]
        submission = submissions.get(row.action.pk)
        status = "" if round_ is None else (submission.status if submission else Status.DUE)
        comment = submission.comment if submission and status == Status.RETURNED else ""
        tasks.append(TaskRow(row=row, round=round_, status=status, comment=comment, today=today))
    return MyTasks(rows=tasks)


@dataclass
class ReviewRow:
    submission: Submission
    rag: str  # this quarter's
    previous_rag: str
    previous_update: ActionUpdate | None

    @property
    def action(self) -> KeyAction:
        return self.submission.key_action

    @property
    def unexplained(self) -> bool:
        """A Red or Amber RAG submitted without barriers or next steps (the plan may allow it)."""
        update = self.submission.update
        if self.rag not in (Rag.RED, Rag.AMBER) or update is None:
            return False
        return not (strip_tags(update.barriers).strip() and strip_tags(update.next_steps).strip())


@dataclass
class ReviewPage:
    plan: Plan
    round: ReportingRound | None
    awaiting: list[ReviewRow] = field(default_factory=list)
    returned: list[ReviewRow] = field(default_factory=list)
    signed_off: list[ReviewRow] = field(default_factory=list)
    due: int = 0  # actions with nothing submitted yet

    @property
    def unexplained(self) -> list[ReviewRow]:
        return [row for row in self.awaiting if row.unexplained]


def review_page(*, plan: Plan) -> ReviewPage:
    """Return the plan's open round with every submitted update beside the previous quarter's RAG and narrative
    (five queries whatever the number of updates; one when no round is open)."""
    round_ = selectors.plan_open_round(plan)
    if round_ is None:
        return ReviewPage(plan=plan, round=None)
    quarter, previous = round_.for_quarter, round_.for_quarter.previous
    submissions = list(
        Submission.objects.filter(round=round_)
        .select_related("key_action__owner", "key_action__objective__theme", "update__author", "reviewed_by")
        .order_by("key_action__objective__theme__number", "key_action__objective__order", "key_action__order", "pk")
    )
    ids = [s.key_action_id for s in submissions]
    rags: dict[tuple[int, int, int], str] = {}
    for rag in QuarterRag.objects.filter(
        Q(financial_year=quarter.financial_year, quarter=quarter.quarter)
        | Q(financial_year=previous.financial_year, quarter=previous.quarter),
        key_action_id__in=ids,
    ).order_by():
        rags[(rag.key_action_id, rag.financial_year, rag.quarter)] = rag.rag
    latest_previous = Subquery(
        ActionUpdate.objects.filter(
            key_action=OuterRef("key_action"), financial_year=previous.financial_year, quarter=previous.quarter
        )
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    previous_updates = {
        u.key_action_id: u for u in ActionUpdate.objects.filter(key_action_id__in=ids, pk=latest_previous)
    }
    page = ReviewPage(
        plan=plan,
        round=round_,
        due=KeyAction.objects.filter(objective__theme__plan=plan, retired_at__isnull=True).exclude(pk__in=ids).count(),
    )
    lists = {Status.SUBMITTED: page.awaiting, Status.RETURNED: page.returned, Status.SIGNED_OFF: page.signed_off}
    for submission in submissions:
        pk = submission.key_action_id
        lists[submission.status].append(
            ReviewRow(
                submission=submission,
                rag=rags.get((pk, quarter.financial_year, quarter.quarter), ""),
                previous_rag=rags.get((pk, previous.financial_year, previous.quarter), ""),
                previous_update=previous_updates.get(pk),
            )
        )
    return page


@dataclass(frozen=True)
class ActionTask:
    """Where one action's update stands in its plan's open round, for the update form (None without a round)."""

    round: ReportingRound
    submission: Submission | None
    today: datetime.date

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else Status.DUE

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def deadline_words(self) -> str:
        return deadline_words(self.round.deadline, self.today)


def action_task(*, key_action: KeyAction) -> ActionTask | None:
    """Return the action's place in its plan's open round, or None when no round is open (one or two queries)."""
    round_ = selectors.plan_open_round(key_action.objective.theme.plan)
    if round_ is None:
        return None
    submission = Submission.objects.filter(round=round_, key_action=key_action).first()
    return ActionTask(round=round_, submission=submission, today=timezone.localdate())
