"""Who may read the audit page: the permission named once, granted to the SRO here (administrators hold
every permission of the apps that grant roles anything, core.roles.roles_ensure)."""

from __future__ import annotations

from core.roles import SRO, AnyUser, is_administrator

VIEW_AUDIT = "core.view_audit"


def can_view_audit(user: AnyUser) -> bool:
    """Return whether the user may read the audit page and export it: the SRO and administrators."""
    if is_administrator(user):
        return True
    return user.is_authenticated and user.is_active and user.has_perm(VIEW_AUDIT)


ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {SRO: (VIEW_AUDIT,)}
