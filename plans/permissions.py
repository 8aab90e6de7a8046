"""Who may do what: role (group) names, and the row rules every selector and service starts from."""

from __future__ import annotations

from django.db.models import QuerySet

from core.roles import IMPROVEMENT_LEAD, SRO, AnyUser, is_administrator, is_head_of_service

# Editing the plan in the app (plans.editing): its summary, priorities, themes, objectives and actions,
# creating plans and rolling them forward. The SRO holds it; administrators hold every permission.
EDIT_PLANS = "plans.edit_plan"
# Reporting rounds (plans.rounds): the SRO opens a plan's round; the SRO and improvement leads sign off updates.
OPEN_ROUNDS = "plans.open_round"
REVIEW_UPDATES = "plans.review_update"


def plan_visible_to(user: AnyUser) -> QuerySet:
    """Return the plans the user may read: every plan, for any signed-in user."""
    from plans.models import Plan

    if not user.is_authenticated:
        return Plan.objects.none()
    return Plan.objects.all()


def can_edit_key_action(user: AnyUser, key_action) -> bool:
    """Return whether the user may change this key action's narrative and RAG (no one, once it is retired)."""
    if key_action.retired_at is not None:  # retired: readable, no longer updated
        return False
    if is_administrator(user):
        return True
    return user.is_authenticated and user.is_active and key_action.owner_id == user.pk


def can_edit_plan(user: AnyUser) -> bool:
    """Return whether the user may edit plans in the app and create them: the SRO and administrators."""
    if is_administrator(user):
        return True
    return user.is_authenticated and user.is_active and user.has_perm(EDIT_PLANS)


def can_open_round(user: AnyUser) -> bool:
    """Return whether the user may open a plan's reporting round: the SRO and administrators."""
    if is_administrator(user):
        return True
    return user.is_authenticated and user.is_active and user.has_perm(OPEN_ROUNDS)


def can_review_updates(user: AnyUser) -> bool:
    """Return whether the user may sign off or return submitted updates: the SRO, improvement leads and
    administrators; never a head of service, who would be reviewing their own or a peer's work."""
    if is_administrator(user):
        return True
    if not (user.is_authenticated and user.is_active) or is_head_of_service(user):
        return False
    return user.has_perm(REVIEW_UPDATES)


def can_read_reminders(user: AnyUser) -> bool:
    """Return whether the user may read the reminders emailed for a plan's rounds: the SRO, improvement leads and
    administrators, who open rounds or sign off their updates."""
    return can_open_round(user) or can_review_updates(user)


# The model permissions this app grants each role (core.roles.roles_ensure gathers every app's, after
# every migrate). Heads of service work through the app's own pages, which check the row rules above.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    SRO: (EDIT_PLANS, OPEN_ROUNDS, REVIEW_UPDATES),
    IMPROVEMENT_LEAD: (REVIEW_UPDATES,),
}


def can_publish_round(user: AnyUser) -> bool:
    """Return whether the user may publish a round's paper (locking its quarter) and reopen a locked quarter:
    the SRO and administrators, who open rounds."""
    return can_open_round(user)
