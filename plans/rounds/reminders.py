"""Who is reminded today, of what: each owner with updates due soon or overdue, each reviewer with updates awaiting
sign-off; and the reminders page's reads. The sending is plans.rounds.reminder_services'."""

from __future__ import annotations

import datetime
import html
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import strip_tags

from core.roles import IMPROVEMENT_LEAD, SRO
from plans import permissions, selectors
from plans.models import KeyAction, Plan, Rag, ReminderSent, ReportingRound, Submission
from plans.rounds.selectors import deadline_words, review_page

Kind = ReminderSent.Kind
PAGE_SIZE = 50

NOT_A_USER_MESSAGE = (
    "{name} owns {count} update{s} due in {round} but is not yet a user, so was not reminded: invite them at "
    "Owners not yet users, or give the actions an owner who is."
)
NO_EMAIL_MESSAGE = "{name} has no email address, so was not sent {what} for {round}: add one at People."
INACTIVE_MESSAGE = (
    "{name} is deactivated, so was not reminded of {count} update{s} due in {round}: give the actions another owner."
)
NO_OWNER_MESSAGE = (
    "{count} update{s} due in {round} {have} no owner, so no one was reminded: choose an owner on the plan's page."
)


def as_text(value: str) -> str:
    """Return sanitised HTML as the plain words it shows (tags dropped, entities such as &amp; read back)."""
    return " ".join(html.unescape(strip_tags(value or "")).split())


def round_name(round_: ReportingRound) -> str:
    """Return the round as a sentence names it: "the Q2 2021/22 round of Torbay plan"."""
    return f"the {round_.for_quarter.label} round of {round_.plan.title}"


@dataclass(frozen=True)
class ReminderLine:
    """One action an email lists: its words, where it stands, and the path of the page to act on it."""

    action_id: int
    description: str  # plain text
    state: str
    path: str
    unexplained: bool = False  # a Red or Amber update without barriers or next steps (digests)

    def as_record(self) -> dict:
        return {"action": self.action_id, "description": self.description, "state": self.state}


@dataclass
class Reminder:
    """One email to send: its kind, to whom, for which round, listing which actions."""

    kind: str
    recipient: User
    round: ReportingRound
    lines: list[ReminderLine]
    overdue: int = 0  # of the lines (owner reminders)

    @property
    def subject(self) -> str:
        quarter, count = self.round.for_quarter.label, len(self.lines)
        if self.kind == Kind.DIGEST:
            return f"{count} {quarter} update{'s await' if count != 1 else ' awaits'} your sign-off"
        if self.overdue:
            return f"{self.overdue} {quarter} update{'s are' if self.overdue != 1 else ' is'} overdue"
        deadline = date_format(self.round.deadline, "j F")
        return f"Your {quarter} update{'s are' if count != 1 else ' is'} due by {deadline}"

    @property
    def unexplained(self) -> int:
        return sum(1 for line in self.lines if line.unexplained)


@dataclass
class ReminderSelection:
    reminders: list[Reminder] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sentences: who was not reminded, why, and what to do


def _plural(count: int) -> dict[str, str]:
    return {"count": count, "s": "s" if count != 1 else "", "have": "have" if count != 1 else "has"}


def reminders_due(*, today: datetime.date, days_before: int, plan: Plan | None = None) -> ReminderSelection:
    """Return the reminders due today in every open round (or the plan's): one to each owner whose updates are due
    within `days_before` days or overdue (not yet submitted, or returned), and one to each reviewer while updates
    await sign-off; with a sentence for each owner or reviewer who cannot be reminded."""
    rounds = ReportingRound.objects.filter(status=ReportingRound.Status.OPEN).select_related("plan")
    if plan is not None:
        rounds = rounds.filter(plan=plan)
    rounds = list(rounds.order_by("plan__title", "plan_id"))
    selection = ReminderSelection()
    _owner_reminders(selection, [r for r in rounds if (r.deadline - today).days <= days_before], today)
    _reviewer_digests(selection, rounds)
    return selection


def _owner_reminders(selection: ReminderSelection, rounds: list[ReportingRound], today: datetime.date) -> None:
    if not rounds:
        return
    by_plan = {round_.plan_id: round_ for round_ in rounds}
    actions = (
        KeyAction.objects.filter(objective__theme__plan_id__in=by_plan, retired_at__isnull=True)
        .select_related("owner", "objective__theme")
        .order_by("objective__theme__plan_id", "objective__theme__number", "objective__order", "order", "id")
    )
    submissions = {(s.round_id, s.key_action_id): s for s in Submission.objects.filter(round__in=rounds)}
    reminders: dict[tuple[int, int], Reminder] = {}
    skipped: Counter[tuple[str, ReportingRound, str]] = Counter()
    for action in actions:
        round_ = by_plan[action.objective.theme.plan_id]
        submission = submissions.get((round_.pk, action.pk))
        if submission is not None and submission.status != Submission.Status.RETURNED:
            continue
        owner = action.owner
        reason = _owner_unreachable(action)
        if reason:
            skipped[(reason, round_, action.owner_name or (owner.get_full_name() if owner else ""))] += 1
            continue
        state = deadline_words(round_.deadline, today)
        if submission is not None:
            state = f"Returned with the comment “{submission.comment}”. {state}"
        reminder = reminders.setdefault(
            (round_.pk, owner.pk), Reminder(kind=Kind.OWNER, recipient=owner, round=round_, lines=[])
        )
        reminder.lines.append(
            ReminderLine(
                action_id=action.pk,
                description=as_text(action.description),
                state=state,
                path=reverse("plans:action_update", kwargs={"pk": action.pk}),
            )
        )
        reminder.overdue += round_.deadline < today
    selection.reminders.extend(reminders.values())
    for (reason, round_, name), count in skipped.items():
        words = {"name": name, "round": round_name(round_), "what": "a reminder", **_plural(count)}
        selection.skipped.append(reason.format(**words))


def _owner_unreachable(action: KeyAction) -> str:
    """Return the message template saying why the action's owner cannot be reminded, or "" when they can."""
    owner = action.owner
    if owner is None:
        return NOT_A_USER_MESSAGE if action.owner_name else NO_OWNER_MESSAGE
    if not owner.is_active:
        return INACTIVE_MESSAGE
    if not owner.email:
        return NO_EMAIL_MESSAGE
    return ""


def _reviewer_digests(selection: ReminderSelection, rounds: list[ReportingRound]) -> None:
    reviewers = None
    for round_ in rounds:
        review = reverse("plans:round_review", kwargs={"slug": round_.plan.slug})
        selectors.plans_open_rounds_remember([round_.plan], {round_.plan_id: round_})
        awaiting = review_page(plan=round_.plan).awaiting
        if not awaiting:
            continue
        if reviewers is None:
            reviewers = _reviewers()
        lines = [
            ReminderLine(
                action_id=row.action.pk,
                description=as_text(row.action.description),
                state=_awaiting_state(row),
                path=f"{review}#submission-{row.submission.pk}",
                unexplained=row.unexplained,
            )
            for row in awaiting
        ]
        for reviewer in reviewers:
            if not reviewer.email:
                words = {"name": reviewer.get_full_name() or reviewer.get_username(), "round": round_name(round_)}
                selection.skipped.append(NO_EMAIL_MESSAGE.format(what="the sign-off digest", **words))
                continue
            selection.reminders.append(Reminder(kind=Kind.DIGEST, recipient=reviewer, round=round_, lines=lines))


def _awaiting_state(row) -> str:
    owner = row.action.owner
    who = (owner.get_full_name() or owner.get_username()) if owner else (row.action.owner_name or "its owner")
    rag = f"{Rag(row.rag).label}, submitted" if row.rag else "Submitted"
    state = f"{rag} by {who} on {date_format(timezone.localtime(row.submission.submitted_at), 'j F Y')}"
    if row.unexplained:
        state += f". This {Rag(row.rag).label} update has no barriers or next steps"
    return state


def _reviewers() -> list[User]:
    """Return the active SROs and improvement leads who may sign off updates (two queries a reviewer at most)."""
    people = User.objects.filter(is_active=True, groups__name__in=[SRO, IMPROVEMENT_LEAD]).distinct().order_by("pk")
    return [person for person in people if permissions.can_review_updates(person)]


def reminders_sent_for_plan(*, plan: Plan, page: str | int | None) -> Page:
    """Return one page of the reminders sent for the plan's rounds, newest first (two queries: count and rows)."""
    found = ReminderSent.objects.filter(round__plan=plan).select_related("round").order_by("-sent_at", "-id")
    result = Paginator(found, PAGE_SIZE).get_page(page)
    result.object_list = list(result.object_list)
    return result
