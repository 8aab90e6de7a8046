"""Who may read and change risks: action permission names, and the row rules selectors start from.

Owners change their own risks; administrators (and holders of `risks.change_risk`, which the lead
grants per group) change any. Importing and exporting need the import/export codes named here.
"""

from __future__ import annotations

from django.db.models import QuerySet

from core.roles import SRO, AnyUser, is_administrator

ADD_RISK = "risks.add_risk"
CHANGE_ANY_RISK = "risks.change_risk"
DELETE_RISK = "risks.delete_risk"
IMPORT_RISKS = "risks.import_risk"
EXPORT_RISKS = "risks.export_risk"
SET_APPETITE = "risks.change_riskappetite"


def _may_change_any(user: AnyUser) -> bool:
    return is_administrator(user) or (user.is_authenticated and user.is_active and user.has_perm(CHANGE_ANY_RISK))


def risk_visible_to(user: AnyUser) -> QuerySet:
    """Return the risks the user may read: every risk, for any signed-in user."""
    from risks.models import Risk

    if not user.is_authenticated:
        return Risk.objects.none()
    return Risk.objects.all()


def can_edit_risk(user: AnyUser, risk) -> bool:
    """Return whether the user may change this risk (no query for owners and administrators)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return risk.owner_id == user.pk or _may_change_any(user)


def can_reassign_risk(user: AnyUser) -> bool:
    """Return whether the user may give a risk to another owner (not owners themselves)."""
    return _may_change_any(user)


def can_create_risk(user: AnyUser) -> bool:
    """Return whether the user may add risks to a register (administrators and holders of add_risk)."""
    return is_administrator(user) or (user.is_authenticated and user.is_active and user.has_perm(ADD_RISK))


def can_delete_risk(user: AnyUser) -> bool:
    """Return whether the user may delete risks (administrators and holders of delete_risk)."""
    return is_administrator(user) or (user.is_authenticated and user.is_active and user.has_perm(DELETE_RISK))


def can_set_appetite(user: AnyUser) -> bool:
    """Return whether the user may set a plan's risk appetite (administrators and the SRO)."""
    return is_administrator(user) or (user.is_authenticated and user.is_active and user.has_perm(SET_APPETITE))


# The model permissions this app grants each role (core.roles.roles_ensure gathers every app's);
# administrators hold them all, and an administrator may grant `risks.change_risk` to any group.
# The SRO runs the register: she adds risks (and owns what she adds unless she names another owner)
# and sets the plan's appetite.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {SRO: (ADD_RISK, SET_APPETITE)}
