"""The quarter lock: publishing a round's paper locks its quarter; the SRO or an administrator reopens it with a
reason. report.publishing calls these; plans.services refuses saves to a locked quarter through quarter_unlocked."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from core.calendar import FinancialQuarter
from plans import permissions, selectors
from plans.models import KeyAction, Plan, QuarterLock, ReportingRound

NOT_PUBLISHER_MESSAGE = (
    "Only the SRO or an administrator can publish a round's paper or reopen a published quarter. Ask them to do it."
)
QUARTER_LOCKED_MESSAGE = (
    "{quarter} is locked: its paper went to the board, so its RAGs and updates can no longer be saved. Your words "
    "are kept below; copy them, or ask the SRO to reopen the quarter, then save again."
)
QUARTER_REOPEN_REASON_MESSAGE = "Say why the quarter is reopened: the reason is shown on the published paper's page."
LOCKED_DELETE_MESSAGE = (
    "Nothing was deleted: this would delete RAGs or updates of {quarter}, which is locked because its paper went to "
    "the board. Ask the SRO to reopen the quarter first, or leave it as it is."
)
QUARTER_NOT_LOCKED_MESSAGE = "{quarter} is not locked, so there is nothing to reopen."
REOPEN_REASON_MAX = 2000
REOPEN_REASON_TOO_LONG_MESSAGE = f"Keep the reason to {REOPEN_REASON_MAX:,} characters or fewer."


def quarter_lock_get(*, plan: Plan, quarter: FinancialQuarter) -> QuarterLock | None:
    """Return the plan's lock row for the quarter (locked or reopened), or None if it was never locked."""
    return QuarterLock.objects.filter(plan=plan, financial_year=quarter.financial_year, quarter=quarter.quarter).first()


def quarter_is_locked(*, plan_id: int, financial_year: int, quarter: int) -> bool:
    """Return whether the plan's quarter is locked (one query)."""
    return QuarterLock.objects.filter(
        plan_id=plan_id, financial_year=financial_year, quarter=quarter, reopened_at__isnull=True
    ).exists()


def quarter_unlocked(*, plan_id: int, financial_year: int, quarter: int) -> None:
    """Refuse (ValidationError) a save to a locked quarter of the plan, saying what to do next (inside the save's
    transaction, as quarters_unlocked)."""
    quarters_unlocked(plan_id=plan_id, quarters=[(financial_year, quarter)])


def plans_held(plan_ids: Iterable[int]) -> None:
    """Hold the plans' rows until the transaction under way ends (SELECT … FOR UPDATE, in the order of their
    pks), so that a write to a plan's quarters and the locking of one of them, which holds the row too, happen one
    after the other: the write then sees the lock, or the paper frozen with the lock shows the write. (On SQLite,
    whose writers go one at a time from the start of their transaction, it is a plain read.)"""
    list(Plan.objects.select_for_update().filter(pk__in=set(plan_ids)).order_by("pk").values_list("pk", flat=True))


def quarters_unlocked(*, plan_id: int, quarters: Iterable[tuple[int, int]]) -> None:
    """Refuse (ValidationError) a write touching any locked quarter of the plan, given as (financial year,
    quarter) pairs, naming the earliest locked one (two queries; none when no quarter is given).

    Call it inside the write's transaction: it holds the plan until the transaction ends (plans_held), so a
    quarter locked meanwhile is seen."""
    wanted = Q()
    for financial_year, quarter in set(quarters):
        wanted |= Q(financial_year=financial_year, quarter=quarter)
    if not wanted:
        return
    plans_held([plan_id])
    locked = (
        QuarterLock.objects.filter(wanted, plan_id=plan_id, reopened_at__isnull=True)
        .order_by("financial_year", "quarter")
        .values_list("financial_year", "quarter")
        .first()
    )
    if locked is not None:
        raise ValidationError(QUARTER_LOCKED_MESSAGE.format(quarter=FinancialQuarter(*locked).label))


def quarter_lock(*, user: User, plan: Plan, quarter: FinancialQuarter) -> QuarterLock:
    """Lock the plan's quarter (again, after a reopening); return the lock. Called when its paper is published."""
    if not permissions.can_publish_round(user):
        raise PermissionDenied(NOT_PUBLISHER_MESSAGE)
    with transaction.atomic():
        # Held until the publish that locks it commits: a save to the quarter meanwhile waits, then is refused.
        plans_held([plan.pk])
        lock = QuarterLock.objects.select_for_update().filter(
            plan=plan, financial_year=quarter.financial_year, quarter=quarter.quarter
        ).first() or QuarterLock(plan=plan, financial_year=quarter.financial_year, quarter=quarter.quarter)
        lock.locked_at, lock.locked_by = timezone.now(), user
        lock.reopened_at, lock.reopened_by, lock.reopen_reason = None, None, ""
        _save(lock, user=user)
    return lock


def quarter_reopen(*, user: User, plan: Plan, quarter: FinancialQuarter, reason: str) -> QuarterLock:
    """Reopen the plan's locked quarter with a reason, so its RAGs and updates can be saved again; return the lock."""
    if not permissions.can_publish_round(user):
        raise PermissionDenied(NOT_PUBLISHER_MESSAGE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": QUARTER_REOPEN_REASON_MESSAGE})
    if len(reason) > REOPEN_REASON_MAX:
        raise ValidationError({"reason": REOPEN_REASON_TOO_LONG_MESSAGE})
    with transaction.atomic():
        lock = (
            QuarterLock.objects.select_for_update()
            .filter(plan=plan, financial_year=quarter.financial_year, quarter=quarter.quarter, reopened_at__isnull=True)
            .first()
        )
        if lock is None:
            raise ValidationError(QUARTER_NOT_LOCKED_MESSAGE.format(quarter=quarter.label))
        lock.reopened_at, lock.reopened_by, lock.reopen_reason = timezone.now(), user, reason
        _save(lock, user=user)
    return lock


def round_close(*, user: User, round_: ReportingRound) -> ReportingRound:
    """Close an open round and clear the plan's round quarter, so "this quarter" falls back to the plan's own."""
    if not permissions.can_publish_round(user):
        raise PermissionDenied(NOT_PUBLISHER_MESSAGE)
    with transaction.atomic():
        round_.status = ReportingRound.Status.CLOSED
        _save(round_, user=user)
        plan = round_.plan
        plan.round_financial_year, plan.round_quarter = None, None
        plan._history_user = user
        plan.save(update_fields=["round_financial_year", "round_quarter", "updated_at"])
    selectors.plans_open_rounds_remember([plan], {})
    return round_


def _save(instance, *, user: User) -> None:
    instance.full_clean()
    instance._history_user = user
    instance.save()


def refuse_deleting_locked(sender, instance, **kwargs) -> None:
    """Refuse (ValidationError) deleting a quarter's RAG or update of a locked quarter, however the delete comes:
    a theme, an objective or a key action deleted with everything under it (a pre_delete receiver, so the whole
    delete rolls back). The services' own checks say it first where they can, beside the form."""
    plan_of_action = KeyAction.objects.filter(pk=instance.key_action_id).values("objective__theme__plan_id")[:1]
    if QuarterLock.objects.filter(
        plan_id=Subquery(plan_of_action),
        financial_year=instance.financial_year,
        quarter=instance.quarter,
        reopened_at__isnull=True,
    ).exists():
        label = FinancialQuarter(instance.financial_year, instance.quarter).label
        raise ValidationError(LOCKED_DELETE_MESSAGE.format(quarter=label))
