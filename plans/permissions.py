"""Who may do what: role (group) names, and the row rules every selector and service starts from."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

SRO = "SRO"
HEAD_OF_SERVICE = "Head of service"
PERFORMANCE_TEAM = "Performance team"
ADMINISTRATOR = "Administrator"
ROLES = (SRO, HEAD_OF_SERVICE, PERFORMANCE_TEAM, ADMINISTRATOR)

AnyUser = User | AnonymousUser


def group_names(user: AnyUser) -> set[str]:
    """Return the names of the user's groups, cached on the user object for the request."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_group_names_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._group_names_cache = cached
    return cached


def is_administrator(user: AnyUser) -> bool:
    """Return whether the user administers the application (superuser or Administrator group)."""
    return user.is_authenticated and (user.is_superuser or ADMINISTRATOR in group_names(user))


def is_head_of_service(user: AnyUser) -> bool:
    """Return whether the user is in the head of service group."""
    return HEAD_OF_SERVICE in group_names(user)


def is_performance_team(user: AnyUser) -> bool:
    """Return whether the user is in the performance team group."""
    return PERFORMANCE_TEAM in group_names(user)


def plan_visible_to(user: AnyUser) -> QuerySet:
    """Return the plans the user may read: every plan, for any signed-in user."""
    from plans.models import Plan

    if not user.is_authenticated:
        return Plan.objects.none()
    return Plan.objects.all()


def key_action_editable_by(user: AnyUser) -> QuerySet:
    """Return the key actions whose narrative and RAG the user may change."""
    from plans.models import KeyAction

    if is_administrator(user):
        return KeyAction.objects.all()
    if not user.is_authenticated or not user.is_active:
        return KeyAction.objects.none()
    return KeyAction.objects.filter(owner=user)


def can_edit_key_action(user: AnyUser, key_action) -> bool:
    """Return whether the user may change this key action's narrative and RAG."""
    if is_administrator(user):
        return True
    return user.is_authenticated and user.is_active and key_action.owner_id == user.pk


# Model permissions each role holds (the Administrator group holds every permission of these apps).
ADMINISTERED_APPS = ("plans", "kpis", "risks", "auth")
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    SRO: (),
    HEAD_OF_SERVICE: (),
    PERFORMANCE_TEAM: (
        "kpis.view_measure",
        "kpis.import_measure",
        "kpis.export_measure",
        "kpis.view_measurevalue",
        "kpis.view_measureyear",
        "kpis.view_benchmark",
        "kpis.view_kpiimport",
    ),
    ADMINISTRATOR: (),
}
