"""Every write to the plans app: keyword-only, authorised, validated, atomic."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.calendar import financial_year_label
from core.html import sanitize_html
from core.locking import version_claim
from plans import permissions, selectors
from plans.models import (
    ActionUpdate,
    KeyAction,
    KeyPriority,
    MediumTermDevelopment,
    Objective,
    OfstedRecommendation,
    Plan,
    QuarterRag,
    RagGuidance,
    Submission,
    Theme,
)
from plans.rounds import locks
from plans.rounds import services as rounds

EDIT_CONFLICT_MESSAGE = (
    "Someone else saved this action while you were editing it, so your changes were not saved. "
    "Their update is shown below; check it, then save yours again."
)
NOT_YOUR_ACTION_MESSAGE = "You can update only the key actions you own."
EMPTY_UPDATE_MESSAGE = "Write what moved this quarter: fill in at least one of progress, barriers or next steps."
YEAR_OUTSIDE_PLAN_MESSAGE = (
    "Choose a financial year of the plan, from {first} to {last}: an update or RAG for another year "
    "would appear on no report of this plan."
)


def _save(instance, *, user: User | None = None) -> None:
    """Validate and save one instance, recording `user` in its history if it keeps one."""
    instance.full_clean()
    if user is not None and hasattr(instance, "history"):
        instance._history_user = user
    instance.save()


@dataclass(frozen=True)
class UpdateResult:
    update: ActionUpdate
    quarter_rag: QuarterRag
    submission: Submission | None = None  # when the update is for the quarter of the plan's open round


def year_outside_plan_message(years: range) -> str:
    """Return the sentence refusing a financial year outside `years`, the plan's (plans.selectors.plan_update_years)."""
    first, last = financial_year_label(years[0]), financial_year_label(years[-1])
    return YEAR_OUTSIDE_PLAN_MESSAGE.format(first=first, last=last)


def key_action_update_add(
    *,
    user: User,
    key_action: KeyAction,
    expected_version: int,
    financial_year: int,
    quarter: int,
    rag: str,
    progress: str = "",
    barriers: str = "",
    next_steps: str = "",
) -> UpdateResult:
    """Add a narrative update to a key action and set its RAG for the quarter; return both rows.

    Refuses (PermissionDenied) a user who may not edit the action, (ValidationError) a Red or Amber RAG without
    barriers and next steps where the plan asks for them, and (core.locking.EditConflict) a save based on a stale
    version of the action, so the first of two concurrent saves is kept. An update for the quarter of the plan's
    open reporting round is submitted for sign-off (plans.rounds.services.submission_record).
    """
    if not permissions.can_edit_key_action(user, key_action):
        raise PermissionDenied(NOT_YOUR_ACTION_MESSAGE)
    # The model sanitises the texts when it is cleaned (once: sanitising twice escapes "&" twice);
    # here only whether anything is left of them.
    if not any(sanitize_html(text) for text in (progress, barriers, next_steps)):
        raise ValidationError(EMPTY_UPDATE_MESSAGE)
    plan = key_action.objective.theme.plan
    problems = rounds.explain_red_problems(
        plan=plan, rag=rag, barriers=sanitize_html(barriers), next_steps=sanitize_html(next_steps)
    )
    if problems:
        raise ValidationError(problems)
    years = selectors.plan_update_years(plan=plan)
    if financial_year not in years:
        raise ValidationError(year_outside_plan_message(years))
    now = timezone.now()
    with transaction.atomic():
        # In the transaction, the plan held: a publish locking the quarter meanwhile is seen (plans.rounds.locks).
        locks.quarter_unlocked(plan_id=plan.pk, financial_year=financial_year, quarter=quarter)
        version_claim(
            KeyAction.objects,
            pk=key_action.pk,
            expected_version=expected_version,
            message=EDIT_CONFLICT_MESSAGE,
            updated_at=now,
        )
        update = ActionUpdate(
            key_action=key_action,
            financial_year=financial_year,
            quarter=quarter,
            progress=progress,
            barriers=barriers,
            next_steps=next_steps,
            author=user,
            author_name=user.get_full_name() or user.get_username(),
            created_at=now,
        )
        _save(update)
        quarter_rag = quarter_rag_set(
            user=user, key_action=key_action, financial_year=financial_year, quarter=quarter, rag=rag, at=now
        )
        submission = rounds.submission_record(user=user, key_action=key_action, update=update)
    key_action.version = expected_version + 1
    return UpdateResult(update=update, quarter_rag=quarter_rag, submission=submission)


def quarter_rag_set(
    *, user: User | None, key_action: KeyAction, financial_year: int, quarter: int, rag: str, at: datetime.datetime
) -> QuarterRag:
    """Set (create or change) the RAG of a key action for one quarter; return the row."""
    quarter_rag = QuarterRag.objects.filter(
        key_action=key_action, financial_year=financial_year, quarter=quarter
    ).first() or QuarterRag(key_action=key_action, financial_year=financial_year, quarter=quarter)
    if quarter_rag.pk and quarter_rag.rag == rag:
        return quarter_rag
    quarter_rag.rag = rag
    return _quarter_rag_stamp_and_save(user=user, quarter_rag=quarter_rag, at=at)


def _quarter_rag_stamp_and_save(*, user: User | None, quarter_rag: QuarterRag, at: datetime.datetime) -> QuarterRag:
    quarter_rag.set_by = user
    quarter_rag.set_at = at
    _save(quarter_rag, user=user)
    return quarter_rag


def _key_action_version_bump(key_action_id: int) -> None:
    """Move the action's version on, so a head of service's form opened before this change is stale."""
    KeyAction.objects.filter(pk=key_action_id).update(version=F("version") + 1, updated_at=timezone.now())


def plan_save(*, user: User, plan: Plan) -> Plan:
    """Validate and save a plan edited as a whole (the admin), its history recording `user`; return it, its
    version moved on (so a summary form opened before this save is stale)."""
    with transaction.atomic():
        if plan.pk:
            current = Plan.objects.select_for_update().filter(pk=plan.pk).values_list("version", flat=True)
            plan.version = (current.first() or 0) + 1
        _save(plan, user=user)
    return plan


def plan_delete(*, user: User, plan: Plan) -> None:
    """Delete a plan with everything in it; its history records who did it."""
    with transaction.atomic():
        plan._history_user = user
        plan.delete()


def key_action_save(*, user: User, key_action: KeyAction) -> KeyAction:
    """Validate and save a key action edited as a whole (the admin); return it, its version moved on."""
    with transaction.atomic():
        if key_action.pk:
            current = KeyAction.objects.select_for_update().filter(pk=key_action.pk).values_list("version", flat=True)
            key_action.version = (current.first() or 0) + 1
        _save(key_action, user=user)
    return key_action


def key_action_delete(*, user: User, key_action: KeyAction) -> None:
    """Delete a key action with its RAGs and updates; its history records who did it. Refuses an action with a
    RAG or an update in a locked quarter, which would take them off the record the board was given."""
    quarters = [
        *QuarterRag.objects.filter(key_action=key_action).values_list("financial_year", "quarter"),
        *ActionUpdate.objects.filter(key_action=key_action).values_list("financial_year", "quarter"),
    ]
    with transaction.atomic():
        locks.quarters_unlocked(plan_id=key_action.objective.theme.plan_id, quarters=quarters)
        key_action._history_user = user
        key_action.delete()


def quarter_rag_save(*, user: User, quarter_rag: QuarterRag) -> QuarterRag:
    """Validate and save a quarter's RAG edited as a whole (the admin): stamped with who and when, and the
    action's version moved on; return it. Refuses a RAG for a locked quarter, or moved out of one, as the update
    form does."""
    with transaction.atomic():
        _unlocked_before_and_after(quarter_rag)
        _quarter_rag_stamp_and_save(user=user, quarter_rag=quarter_rag, at=timezone.now())
        _key_action_version_bump(quarter_rag.key_action_id)
    return quarter_rag


def quarter_rag_delete(*, user: User, quarter_rag: QuarterRag) -> None:
    """Delete a quarter's RAG; its history records who did it, and the action's version moves on. Refuses a RAG
    of a locked quarter."""
    with transaction.atomic():
        _unlocked_before_and_after(quarter_rag)
        quarter_rag._history_user = user
        quarter_rag.delete()
        _key_action_version_bump(quarter_rag.key_action_id)


def action_update_save(*, user: User, action_update: ActionUpdate) -> ActionUpdate:
    """Validate and save an update edited as a whole (the admin), its history recording `user`; return it.
    Refuses an update for a locked quarter, or moved out of one, as the update form does."""
    with transaction.atomic():
        _unlocked_before_and_after(action_update)
        _save(action_update, user=user)
    return action_update


def action_update_delete(*, user: User, action_update: ActionUpdate) -> None:
    """Delete an update; its history records who did it. Refuses an update of a locked quarter."""
    with transaction.atomic():
        _unlocked_before_and_after(action_update)
        action_update._history_user = user
        action_update.delete()


def _unlocked_before_and_after(row: QuarterRag | ActionUpdate) -> None:
    """Refuse (ValidationError) a write to a quarter's RAG or update when the quarter it is for, or the one it was
    for before this edit, is locked: the quarter lock's rule, whoever writes (plans.rounds.locks). Inside the
    write's transaction: each plan is held until it ends."""
    quarters, actions = {(row.financial_year, row.quarter)}, {row.key_action_id}
    stored = type(row).objects.filter(pk=row.pk).values_list("key_action_id", "financial_year", "quarter").first()
    if stored is not None:
        actions.add(stored[0])
        quarters.add(stored[1:])
    plan_ids = KeyAction.objects.filter(pk__in=actions).values_list("objective__theme__plan_id", flat=True)
    for plan_id in sorted(set(plan_ids)):  # held in the order of their pks, as every writer holds them
        locks.quarters_unlocked(plan_id=plan_id, quarters=quarters)


def user_ensure(
    *,
    username: str,
    first_name: str,
    last_name: str,
    roles: tuple[str, ...],
    password: str,
    staff: bool = False,
    superuser: bool = False,
    email: str = "",
) -> tuple[User, bool]:
    """Create the user in the given roles unless the username exists; return (user, created).

    An existing user without an email address is given `email`; nothing else of theirs changes."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "is_staff": staff or superuser,
            "is_superuser": superuser,
            "email": email,
        },
    )
    if not created and email and not user.email:
        user.email = email
        user.save(update_fields=["email"])
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
        user.groups.add(*Group.objects.filter(name__in=roles))
    return user, created


# --- Loading a plan from fixture data -------------------------------------------------------------


def _owner_for(name: str, users_by_name: dict[str, User]) -> User | None:
    return users_by_name.get(name.strip().casefold())


def plan_load(*, data: dict[str, Any]) -> tuple[Plan, bool]:
    """Create the plan described by fixture data unless a plan with its slug exists; return (plan, created).

    Owners are matched to users by full name; narrative HTML is sanitised on the way in.
    """
    existing = Plan.objects.filter(slug=data["slug"]).first()
    if existing is not None:
        return existing, False
    users_by_name = {u.get_full_name().casefold(): u for u in User.objects.all() if u.get_full_name()}
    with transaction.atomic():
        plan = Plan(
            slug=data["slug"],
            title=data["title"],
            council=data.get("council") or "Torbay Council",
            senior_responsible_officer=data.get("senior_responsible_officer", ""),
            report_date=_date(data.get("report_date")),
            overall_status=data.get("overall_status", ""),
            overall_narrative=data.get("overall_narrative", ""),
            source=data.get("source", ""),
        )
        _save(plan)
        for order, row in enumerate(data.get("key_priorities", [])):
            _save(KeyPriority(plan=plan, order=order, **_pick(row, "ref", "description", "owner_name", "by_when")))
        for order, row in enumerate(data.get("medium_term_developments", [])):
            _save(MediumTermDevelopment(plan=plan, order=order, **_pick(row, "ref", "description", "by_when")))
        for row in data.get("rag_guidance", []):
            _save(RagGuidance(plan=plan, **_pick(row, "rag", "overall_rating", "action_rating")))
        recommendations = {}
        for row in data.get("ofsted_recommendations", []):
            fields = _pick(row, "number", "recommendation", "rag", "comments")
            recommendation = OfstedRecommendation(plan=plan, snapshot_date=_date(row.get("snapshot_date")), **fields)
            _save(recommendation)
            recommendations[recommendation.number] = recommendation
        for theme_row in data.get("themes", []):
            theme = Theme(
                plan=plan,
                **_pick(theme_row, "number", "title", "overview_narrative", "overview_rag"),
            )
            _save(theme)
            for objective_order, objective_row in enumerate(theme_row.get("objectives", [])):
                objective = Objective(
                    theme=theme, order=objective_order, **_pick(objective_row, "lead_officer", "description")
                )
                _save(objective)
                actions = [
                    _action_load(objective, action_order, action_row, users_by_name)
                    for action_order, action_row in enumerate(objective_row.get("key_actions", []))
                ]
                # The 2016 tracker's objectives are Ofsted's recommendations (seeds 001, 003): its actions answer it.
                if objective_row.get("answers_recommendation") in recommendations:
                    recommendations[objective_row["answers_recommendation"]].key_actions.add(*actions)
    return plan, True


def _action_load(objective: Objective, order: int, row: dict[str, Any], users_by_name: dict[str, User]) -> KeyAction:
    owner_name = row.get("owner_name") or objective.lead_officer
    fields = _pick(
        row, "description", "by_when", "how", "success_measures", "baseline", "target", "outcome", "current_status"
    )
    action = KeyAction(
        objective=objective, order=order, owner_name=owner_name, owner=_owner_for(owner_name, users_by_name), **fields
    )
    _save(action)
    for update_row in row.get("updates", []):
        author = _owner_for(update_row.get("author_name", ""), users_by_name)
        created_at = timezone.make_aware(datetime.datetime.combine(_date(update_row["date"]), datetime.time(12)))
        update = ActionUpdate(
            key_action=action,
            author=author,
            created_at=created_at,
            **_pick(update_row, "financial_year", "quarter", "progress", "barriers", "next_steps", "author_name"),
        )
        _save(update)
    for rag_row in row.get("quarter_rags", []):
        at = timezone.make_aware(datetime.datetime.combine(objective.theme.plan.report_date, datetime.time(12)))
        quarter_rag_set(
            user=None,
            key_action=action,
            financial_year=rag_row["financial_year"],
            quarter=rag_row["quarter"],
            rag=rag_row["rag"],
            at=at,
        )
    return action


def _pick(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: row[name] for name in names if name in row and row[name] is not None}


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None
