"""Who may do what: role (group) names, and the row rules every selector and service starts from."""

from __future__ import annotations

from django.db.models import QuerySet

from core.roles import AnyUser, is_administrator


def plan_visible_to(user: AnyUser) -> QuerySet:
    """Return the plans the user may read: every plan, for any signed-in user."""
    from plans.models import Plan

    if not user.is_authenticated:
        return Plan.objects.none()
    return Plan.objects.all()


def can_edit_key_action(user: AnyUser, key_action) -> bool:
    """Return whether the user may change this key action's narrative and RAG."""
    if is_administrator(user):
        return True
    return user.is_authenticated and user.is_active and key_action.owner_id == user.pk


# The model permissions this app grants each role (core.roles.roles_ensure gathers every app's).
# Heads of service and the SRO work through the app's own pages, which check the row rules above.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {}
