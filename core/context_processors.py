"""Template context every page may need: who to ask for help, and whether to show the audit link."""

from django.conf import settings

from core.access import has_attention_page
from core.roles import SRO, group_names, is_administrator, is_board_member_only


def support(request):
    """Return the support contact (SUPPORT_CONTACT), shown where a person is told to ask someone."""
    return {"support_contact": settings.SUPPORT_CONTACT}


def audit_link(request):
    """Return whether the menu shows "Audit" (the SRO and administrators), "Needs my attention" (core.access.
    has_attention_page) and only the published papers (a board member); the views enforce each themselves."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_may_audit": is_administrator(user) or SRO in group_names(user),
        "user_board_only": is_board_member_only(user),
        "user_has_attention": has_attention_page(user),
    }
