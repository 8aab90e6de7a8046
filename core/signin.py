"""What a person sees when django-axes has locked their sign-in (AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render

LOCKOUT_TEMPLATE = "registration/locked_out.html"


def lockout_minutes(request=None) -> int:
    """Return the cool-off in whole minutes (rounded up), as the lockout page states it."""
    cool_off = get_cool_off(request)
    return math.ceil(cool_off.total_seconds() / 60) if cool_off else 0


def lockout_response(request, original_response=None, credentials=None):
    """Return the lockout page in the site's layout, with HTTP 429 (Too Many Requests)."""
    context = {"minutes": lockout_minutes(request), "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
