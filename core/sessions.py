"""Sessions end after SESSION_IDLE_TIMEOUT seconds unused and SESSION_COOKIE_AGE after signing in.

Django alone renews a session's expiry each time the session is saved, so a session kept in use
would never end; this middleware keeps both clocks in the session itself.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

LAST_ACTIVITY_KEY = "_last_activity"
SIGNED_IN_AT_KEY = "_signed_in_at"
# The last-activity time is written at most this often, so most requests do not save the session.
ACTIVITY_RESOLUTION_SECONDS = 60

IDLE_MESSAGE = "You were signed out after {minutes} minutes without activity. Sign in again."
LIFETIME_MESSAGE = "You were signed out {hours} hours after signing in. Sign in again."


def session_clocks_start(sender, request, user, **kwargs) -> None:
    """Start both clocks when someone signs in (a user_logged_in receiver, connected in core.apps)."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT_KEY] = now
        request.session[LAST_ACTIVITY_KEY] = now


def _whole(seconds: int, unit: int) -> int:
    return max(1, round(seconds / unit))


class SessionTimeoutMiddleware:
    """Sign out a person whose session has been idle too long or has lived too long, and say why.

    Placed after the message middleware and before the views: the signed-out request goes on as a
    signed-out one, so a page that needs sign-in sends the person to it with the message shown.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request, int(time.time()))
        return self.get_response(request)

    def _check(self, request, now: int) -> None:
        session = request.session
        idle_limit = settings.SESSION_IDLE_TIMEOUT
        lifetime = settings.SESSION_COOKIE_AGE
        last = session.get(LAST_ACTIVITY_KEY)
        signed_in_at = session.get(SIGNED_IN_AT_KEY)
        if last is not None and now - last > idle_limit:
            self._sign_out(request, IDLE_MESSAGE.format(minutes=_whole(idle_limit, 60)))
        elif signed_in_at is not None and now - signed_in_at > lifetime:
            self._sign_out(request, LIFETIME_MESSAGE.format(hours=_whole(lifetime, 3600)))
        else:
            if signed_in_at is None:
                session[SIGNED_IN_AT_KEY] = now
            if last is None or now - last >= ACTIVITY_RESOLUTION_SECONDS:
                session[LAST_ACTIVITY_KEY] = now

    @staticmethod
    def _sign_out(request, message: str) -> None:
        logout(request)
        messages.info(request, message)
