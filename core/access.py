"""Least privilege: a signed-in person in no role reads nothing until someone gives them one."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.shortcuts import render

from core.roles import ADMINISTRATOR, HEAD_OF_SERVICE, IMPROVEMENT_LEAD, ROLES, SRO, group_names, is_board_member_only

NO_ROLE_TEMPLATE = "registration/no_role.html"
BOARD_ONLY_TEMPLATE = "registration/board_only.html"
# Where a board member lands after signing in, and the pages they read (the views marked board_readable).
BOARD_HOME_URL = "/published/"
# "Needs my attention" (report.attention_views): where heads of service, reviewers, the SRO and administrators land.
ATTENTION_URL = "/attention/"
ATTENTION_ROLES = frozenset({HEAD_OF_SERVICE, SRO, IMPROVEMENT_LEAD, ADMINISTRATOR})
# Pages a person without a role may still open: signing out, this page, and changing a password.
OPEN_TO_ANYONE_SIGNED_IN = {"logout", "no_role", "password_change", "password_change_done"}


def has_role(user) -> bool:
    """Return whether the signed-in user holds a role (a role group, or superuser)."""
    return user.is_superuser or bool(group_names(user) & set(ROLES))


def no_role_response(request, status: int = 403):
    """Return the page telling a person without a role whom to ask for one."""
    return render(request, NO_ROLE_TEMPLATE, status=status)


def no_role(request):
    """The "no access" page itself (a person with no role is shown it everywhere else too)."""
    return no_role_response(request, status=403 if not has_role(request.user) else 200)


def board_readable(view):
    """Mark a view as one a board member may open (the published papers); every other page refuses them."""
    view.board_readable = True
    return view


def has_attention_page(user) -> bool:
    """Return whether "Needs my attention" has a section for the user: a head of service, a reviewer, the SRO or an
    administrator (no query beyond the user's groups, which every page reads)."""
    return user.is_authenticated and (user.is_superuser or bool(group_names(user) & ATTENTION_ROLES))


def home_url(user) -> str:
    """Return the person's first page: the published papers for a board member, "Needs my attention" for whoever
    it has a section for, else the highlight report."""
    if is_board_member_only(user):
        return BOARD_HOME_URL
    if has_attention_page(user):
        return ATTENTION_URL
    return "/"


def _is_front_page(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query and not parts.fragment


def landing_url(user, url: str) -> str:
    """Return where a person goes after signing in: `url`, the page they asked for; else their home (home_url).

    The site's front page counts as no particular page: signing in without a `next` goes there
    (LOGIN_REDIRECT_URL), and so does everyone who typed the site's address (the sign-in asks with ?next=/).
    A board member goes to the papers whatever they asked for.
    """
    if _is_front_page(url):
        return home_url(user)
    if is_board_member_only(user) and not url.startswith(BOARD_HOME_URL):
        return BOARD_HOME_URL
    return url


def board_only_response(request):
    """Return the page telling a board member what they can read here (HTTP 403)."""
    return render(request, BOARD_ONLY_TEMPLATE, {"board_home_url": BOARD_HOME_URL}, status=403)


class RoleRequiredMiddleware:
    """Answer every page with the no-role page (403) for a signed-in user who holds no role.

    Pages that need no sign-in (the sign-in page, /healthz: marked `login_not_required`) and the
    few in OPEN_TO_ANYONE_SIGNED_IN stay open. One place, so no view can forget it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        if not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        if match and match.url_name in OPEN_TO_ANYONE_SIGNED_IN:
            return None
        if not has_role(user):
            return no_role_response(request)
        if is_board_member_only(user) and not getattr(view_func, "board_readable", False):
            # Two-step verification stays theirs to set up; everything else but the papers is refused.
            if match and match.namespace == "mfa":
                return None
            return board_only_response(request)
        return None
