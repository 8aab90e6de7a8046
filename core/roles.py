"""Role names (groups) and who holds them. Each app grants its roles' permissions itself, from the
ROLE_PERMISSIONS of its own permissions.py; `roles_ensure` gathers them after every migrate."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group, Permission, User

SRO = "SRO"
HEAD_OF_SERVICE = "Head of service"
PERFORMANCE_TEAM = "Performance team"
ADMINISTRATOR = "Administrator"
# Reviews the quarter's updates beside the SRO: signs them off or returns them with a comment.
IMPROVEMENT_LEAD = "Improvement lead"
# Elected members, improvement board members, the DfE adviser: read the published papers, nothing else.
BOARD_MEMBER = "Board member"
ROLES = (SRO, HEAD_OF_SERVICE, PERFORMANCE_TEAM, ADMINISTRATOR, IMPROVEMENT_LEAD, BOARD_MEMBER)

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


def is_board_member_only(user: AnyUser) -> bool:
    """Return whether the user's only role is Board member: they read the published papers and nothing else."""
    return user.is_authenticated and not user.is_superuser and group_names(user) & set(ROLES) == {BOARD_MEMBER}


def is_performance_team(user: AnyUser) -> bool:
    """Return whether the user is in the performance team group."""
    return PERFORMANCE_TEAM in group_names(user)


def _app_permissions() -> list[tuple[str, dict[str, tuple[str, ...]]]]:
    """Return (app label, role → permission codes) for each installed app whose permissions.py grants any."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.permissions"
        try:
            module = import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        role_permissions = getattr(module, "ROLE_PERMISSIONS", None)
        if role_permissions is not None:
            found.append((config.label, role_permissions))
    return found


def roles_ensure() -> dict[str, Group]:
    """Return the role groups, created if missing, each holding what every app grants it.

    The Administrator group holds every permission of the apps that grant roles anything (and of auth).
    """
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    administered = {"auth"}
    wanted: dict[str, set[str]] = {name: set() for name in ROLES}
    for label, role_permissions in _app_permissions():
        administered.add(label)
        for role, codes in role_permissions.items():
            wanted[role].update(codes)
    for role, codes in wanted.items():
        if not codes:
            continue
        pairs = [code.split(".", 1) for code in codes]
        found = Permission.objects.filter(
            content_type__app_label__in={app for app, _ in pairs}, codename__in={c for _, c in pairs}
        ).select_related("content_type")
        groups[role].permissions.add(*[p for p in found if f"{p.content_type.app_label}.{p.codename}" in codes])
    groups[ADMINISTRATOR].permissions.add(*Permission.objects.filter(content_type__app_label__in=administered))
    return groups
