"""Every write of a reporting round: opening it, submitting an update into it, signing off or returning one."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from core.calendar import FinancialQuarter, financial_year_label
from plans import permissions, selectors
from plans.models import REPORTING_ROUND_DATES_MESSAGE, ActionUpdate, KeyAction, Plan, Rag, ReportingRound, Submission

NOT_ROUND_OPENER_MESSAGE = "Only the SRO or an administrator can open a reporting round. Ask them to open it."
ROUND_ALREADY_OPEN_MESSAGE = (
    "{plan} already has a round open, for {quarter}. Publish or close that round before opening another."
)
ROUND_EXISTS_MESSAGE = "{plan} has had a round for {quarter} already. Choose another quarter."
QUARTER_OUTSIDE_PLAN_MESSAGE = (
    "Choose a quarter of the plan's years, from {first} to {last}: a round for another year would report on "
    "nothing in this plan."
)
NOT_A_REVIEWER_MESSAGE = (
    "Only the SRO or an improvement lead can sign off or return updates. Ask them to review this update."
)
NOT_SUBMITTED_MESSAGE = (
    "This update is no longer waiting for sign-off: it is {status}. Reload the page to see where each update stands."
)
OWN_UPDATE_MESSAGE = (
    "You wrote this update, so another reviewer must sign it off or return it: ask the SRO, an improvement lead "
    "or an administrator to decide."
)
ROUND_CLOSED_MESSAGE = "This round is closed, so its updates can no longer be signed off or returned."
RETURN_NEEDS_COMMENT_MESSAGE = (
    "Write a comment saying what the head of service should change, then return the update again."
)
EXPLAIN_RED_MESSAGE = "{rag} needs an explanation: write the {field} here, so the board sees why and what happens next."
EXPLAINED_BY = {"barriers": "barriers holding the action back", "next_steps": "next steps that will bring it back"}


def quarter_outside_plan_message(years: range) -> str:
    """Return the sentence refusing a round in a year outside `years`, the plan's (selectors.plan_update_years)."""
    return QUARTER_OUTSIDE_PLAN_MESSAGE.format(
        first=financial_year_label(years[0]), last=financial_year_label(years[-1])
    )


def explain_red_problems(*, plan: Plan, rag: str, barriers: str, next_steps: str) -> dict[str, str]:
    """Return field → message for each explanation a Red or Amber RAG lacks (none when the plan turns it off)."""
    if not plan.explain_red or rag not in (Rag.RED, Rag.AMBER):
        return {}
    texts = {"barriers": barriers, "next_steps": next_steps}
    return {
        name: EXPLAIN_RED_MESSAGE.format(
            rag=f"{'An' if rag == Rag.AMBER else 'A'} {Rag(rag).label} RAG", field=EXPLAINED_BY[name]
        )
        for name, text in texts.items()
        if not strip_tags(text or "").strip()
    }


def round_open(
    *,
    user: User,
    plan: Plan,
    financial_year: int,
    quarter: int,
    deadline: datetime.date,
    board_date: datetime.date,
) -> ReportingRound:
    """Open the plan's reporting round for a quarter; return it. Refuses a second open round, a quarter outside
    the plan's years, a quarter that had a round, and a deadline after the board date (ValidationError)."""
    if not permissions.can_open_round(user):
        raise PermissionDenied(NOT_ROUND_OPENER_MESSAGE)
    chosen = FinancialQuarter(financial_year, quarter)
    years = selectors.plan_update_years(plan=plan)
    if financial_year not in years:
        raise ValidationError({"financial_year": quarter_outside_plan_message(years)})
    if deadline > board_date:
        raise ValidationError({"deadline": REPORTING_ROUND_DATES_MESSAGE})
    round_ = ReportingRound(
        plan=plan,
        financial_year=financial_year,
        quarter=quarter,
        deadline=deadline,
        board_date=board_date,
        opened_by=user,
        opened_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            _refuse_clashing_round(plan=plan, chosen=chosen)
            round_.full_clean(validate_constraints=False)
            round_._history_user = user
            round_.save()
            plan.round_financial_year, plan.round_quarter = financial_year, quarter
            plan._history_user = user
            plan.save(update_fields=["round_financial_year", "round_quarter", "updated_at"])
    except IntegrityError:  # two people opening at once: the other was first, so say which round is open
        with transaction.atomic():
            _refuse_clashing_round(plan=plan, chosen=chosen)
        raise
    selectors.plans_open_rounds_remember([plan], {plan.pk: round_})
    return round_


def _refuse_clashing_round(*, plan: Plan, chosen: FinancialQuarter) -> None:
    rounds = list(ReportingRound.objects.select_for_update().filter(plan=plan))
    for existing in rounds:
        if existing.status == ReportingRound.Status.OPEN:
            message = ROUND_ALREADY_OPEN_MESSAGE.format(plan=plan.title, quarter=existing.for_quarter.label)
            raise ValidationError(message)
    if any(existing.for_quarter == chosen for existing in rounds):
        raise ValidationError(ROUND_EXISTS_MESSAGE.format(plan=plan.title, quarter=chosen.label))


def submission_record(*, user: User, key_action: KeyAction, update: ActionUpdate) -> Submission | None:
    """Submit `update` into the plan's open round when it is for the round's quarter; return the submission.

    Called by plans.services.key_action_update_add inside its transaction, which has authorised the author.
    A returned or signed-off update saved again waits for sign-off again.
    """
    round_ = selectors.plan_open_round(key_action.objective.theme.plan)
    if round_ is None or update.for_quarter != round_.for_quarter:
        return None
    submission = Submission.objects.filter(round=round_, key_action=key_action).first() or Submission(
        round=round_, key_action=key_action
    )
    submission.status = Submission.Status.SUBMITTED
    submission.update = update
    submission.submitted_at = update.created_at
    _save(submission, user=user)
    return submission


def submission_approve(*, user: User, submission: Submission) -> Submission:
    """Sign off a submitted update; return the submission."""
    return _review(user=user, submission=submission, status=Submission.Status.SIGNED_OFF, comment=None)


def submission_return(*, user: User, submission: Submission, comment: str) -> Submission:
    """Return a submitted update to its owner with a comment saying what to change; return the submission."""
    if not (comment or "").strip():
        raise ValidationError({"comment": RETURN_NEEDS_COMMENT_MESSAGE})
    return _review(user=user, submission=submission, status=Submission.Status.RETURNED, comment=comment.strip())


def submission_written_by(*, user: User, submission: Submission) -> bool:
    """Return whether the user wrote the submitted update, so that another reviewer must decide it (four eyes)."""
    author_id = submission.update.author_id if submission.update_id else None
    return author_id is not None and author_id == user.pk


def _review(*, user: User, submission: Submission, status: str, comment: str | None) -> Submission:
    if not permissions.can_review_updates(user):
        raise PermissionDenied(NOT_A_REVIEWER_MESSAGE)
    with transaction.atomic():
        current = (
            Submission.objects.select_for_update(of=("self",)).select_related("round", "update").get(pk=submission.pk)
        )
        if submission_written_by(user=user, submission=current):
            raise PermissionDenied(OWN_UPDATE_MESSAGE)
        if current.round.status != ReportingRound.Status.OPEN:
            raise ValidationError(ROUND_CLOSED_MESSAGE)
        if current.status != Submission.Status.SUBMITTED:
            raise ValidationError(NOT_SUBMITTED_MESSAGE.format(status=current.get_status_display().lower()))
        current.status = status
        if comment is not None:
            current.comment = comment
        current.reviewed_by = user
        current.reviewed_at = timezone.now()
        _save(current, user=user)
    return current


def _save(submission: Submission, *, user: User) -> None:
    submission.full_clean()
    submission._history_user = user
    submission.save()
