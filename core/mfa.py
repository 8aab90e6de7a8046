"""Two-step verification (django-otp): who must use it, every write to a person's devices, and the
middleware that sends a person to set it up, or to enter a code, before any other page.

A person's second factor is one confirmed TOTP device (an authenticator app) and one static device
holding their recovery codes, each of which works once. django-otp keeps the device that verified a
session in the session (DEVICE_ID_SESSION_KEY); `request.user.is_verified()` reads it.
"""

from __future__ import annotations

import math
import secrets
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.roles import is_administrator

# A single sign-on (OpenID Connect) sign-in sets this session key to "oidc": the council's identity
# provider enforces its own second factor, so such a session counts as verified here.
SIGNIN_METHOD_KEY = "signin_method"
SSO_SIGNIN_METHOD = "oidc"
# Set at a password sign-in by a person who has an authenticator, until they enter a code.
PENDING_KEY = "_mfa_pending"
RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# The URL namespace of the two-step pages; these three stay open to a person the middleware stops.
NAMESPACE = "mfa"
OPEN_WHILE_UNVERIFIED = {"verify", "setup", "recovery_codes"}
OPEN_TO_EVERYONE = {"logout"}

CODE_MISSING = "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
WRONG_CODE = (
    "That code is not right. Enter the 6-digit code your authenticator app shows now, or one of your recovery codes."
)
REUSED_CODE = "That code has already been used. Wait for your authenticator app to show a new code, then enter it."
THROTTLED = "Too many wrong codes. Wait {wait}, then enter the code your authenticator app shows."
SETUP_CODE_FORMAT = "Enter the 6 digits your authenticator app shows for Improvement Tracker, with no letters."
SETUP_WRONG_CODE = (
    "That code is not right. Check that your phone sets its clock automatically, then enter the 6-digit code "
    "your authenticator app shows now."
)
NO_AUTHENTICATOR = "Set up an authenticator app first: recovery codes go with it."
TURN_OFF_REFUSED = (
    "Two-step verification is required for {whom}, so it cannot be turned off. To move it to a new phone, "
    "set it up again."
)
RESET_REFUSED = "Only an administrator may reset someone's two-step verification."
RESET_LOG_MESSAGE = "Reset two-step verification (authenticator app and recovery codes removed) {via}."


def two_factor_required(user) -> bool:
    """Return whether the user must use two-step verification (administrators, or everyone if so set)."""
    return user.is_authenticated and (settings.MFA_REQUIRED_FOR_ALL or is_administrator(user))


def required_for_whom() -> str:
    """Return who must use two-step verification, as a sentence fragment."""
    return "everyone" if settings.MFA_REQUIRED_FOR_ALL else "administrators"


def signed_in_with_sso(request) -> bool:
    """Return whether this session was signed in through single sign-on (whose provider checks a second factor)."""
    return request.session.get(SIGNIN_METHOD_KEY) == SSO_SIGNIN_METHOD


def session_verified(request) -> bool:
    """Return whether this session has passed a second factor: a code entered here, or single sign-on."""
    return request.user.is_verified() or signed_in_with_sso(request)


def authenticator_for(user) -> TOTPDevice | None:
    """Return the user's confirmed authenticator app (TOTP device), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_authenticator(user) -> bool:
    """Return whether the user has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@dataclass(frozen=True)
class TwoFactorStatus:
    on: bool
    required: bool
    set_up_at: datetime | None
    last_used_at: datetime | None
    recovery_codes_left: int


def two_factor_status_for(user) -> TwoFactorStatus:
    """Return what the status page shows about the user's second factor (two queries)."""
    device = authenticator_for(user)
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count() if device else 0
    return TwoFactorStatus(
        on=device is not None,
        required=two_factor_required(user),
        set_up_at=device.created_at if device else None,
        last_used_at=device.last_used_at if device else None,
        recovery_codes_left=left,
    )


def authenticator_start(*, user) -> TOTPDevice:
    """Return the user's authenticator being set up (unconfirmed), made with a new secret if there is none.

    The same secret is shown until a code confirms it, so a wrong code or a reload loses nothing.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
            device.full_clean()
            device.save()
    return device


def authenticator_confirm(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Return the user's authenticator, confirmed by a code from it, and their 10 new recovery codes.

    Any authenticator the user had before is removed: one person, one app. Raises ValidationError
    with a sentence saying what to do when the code is not one the new secret makes now.
    """
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        raise ValidationError(SETUP_CODE_FORMAT, code="format")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        problem = _token_problem(device, code, wrong=SETUP_WRONG_CODE)
        if problem is None:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.full_clean()
            device.save()
            codes = _recovery_codes_replace(user)
    # Raised outside the transaction, so that django-otp's count of failures (its throttling) is kept.
    if problem is not None:
        raise ValidationError(problem, code="wrong")
    return device, codes


def recovery_codes_regenerate(*, user) -> list[str]:
    """Return 10 new recovery codes for the user, the old ones no longer working."""
    if not has_authenticator(user):
        raise ValidationError(NO_AUTHENTICATOR, code="no_authenticator")
    with transaction.atomic():
        return _recovery_codes_replace(user)


def _recovery_codes_replace(user) -> list[str]:
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        device.full_clean()
        device.save()
    device.token_set.all().delete()
    codes = sorted({StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT * 2)})[:RECOVERY_CODE_COUNT]
    secrets.SystemRandom().shuffle(codes)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def code_verify(*, request, code: str):
    """Return the device that accepts the code (an authenticator's 6 digits or a recovery code), and mark
    the session verified; a recovery code is used up.

    Raises ValidationError with a sentence for a missing, wrong, reused or throttled code.
    """
    code = "".join(code.split()).replace("-", "").lower()
    if not code:
        raise ValidationError(CODE_MISSING, code="missing")
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=request.user, confirmed=True).order_by("pk").first()
        problem = _token_problem(device, code, wrong=WRONG_CODE)
    if problem is not None:
        raise ValidationError(problem, code="wrong")
    request.session.cycle_key()
    otp_login(request, device)
    request.session.pop(PENDING_KEY, None)
    return device


def _token_problem(device, code: str, *, wrong: str) -> str | None:
    """Return why the device refuses the code (None if it accepts it), using django-otp's throttling."""
    if device is None:
        return wrong
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = (details["locked_until"] - timezone.now()).total_seconds() if details.get("locked_until") else 1
        seconds = max(1, math.ceil(wait))
        return THROTTLED.format(wait="1 second" if seconds == 1 else f"{seconds} seconds")
    if device.verify_token(code):
        return None
    if isinstance(device, TOTPDevice) and _used_before(device, code):
        return REUSED_CODE
    return wrong


def _used_before(device: TOTPDevice, code: str) -> bool:
    """Return whether the code is one the authenticator made for a time step already used here."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return totp.verify(int(code), device.tolerance) and totp.t() <= device.last_t


def two_factor_turn_off(*, user) -> None:
    """Remove the user's authenticator and recovery codes; refused (PermissionDenied) for whom it is required."""
    if two_factor_required(user):
        raise PermissionDenied(TURN_OFF_REFUSED.format(whom=required_for_whom()))
    with transaction.atomic():
        _devices_delete(user)


def two_factor_reset(*, person, by, via: str) -> LogEntry:
    """Remove another person's authenticator and recovery codes (a lost phone) and record it in the admin log.

    `by` is the administrator doing it, or None from the command line (the entry is then the person's own,
    saying so). The person sets it up again at their next sign-in if it is required for them.
    """
    if by is not None and not is_administrator(by):
        raise PermissionDenied(RESET_REFUSED)
    with transaction.atomic():
        _devices_delete(person)
        return LogEntry.objects.log_actions(
            user_id=(by or person).pk,
            queryset=[person],
            action_flag=CHANGE,
            change_message=RESET_LOG_MESSAGE.format(via=via),
            single_object=True,
        )


def _devices_delete(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def secret_text(device: TOTPDevice) -> str:
    """Return the device's secret as an authenticator app asks for it by hand: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """Return the device's otpauth:// address as a QR code, an inline SVG drawn here (no script, no network)."""
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=5, border=4, title="QR code for your authenticator app", svgclass="mfa-qr")
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1))


def pending_after_sign_in(sender, request, user, **kwargs) -> None:
    """At a sign-in, mark the session as waiting for a code if the person has an authenticator
    (a user_logged_in receiver, connected in core.apps)."""
    if request is not None and hasattr(request, "session") and has_authenticator(user):
        request.session[PENDING_KEY] = True


def _to(name: str, request):
    return redirect(f"{reverse(f'{NAMESPACE}:{name}')}?{urlencode({'next': request.get_full_path()})}")


class TwoFactorRequiredMiddleware:
    """Send a signed-in person who needs a second factor to it before any other page, the admin's included.

    An administrator (or, with MFA_REQUIRED_FOR_ALL, anyone) with no authenticator goes to set one up;
    anyone with one whose session has not entered a code goes to enter one. Open regardless: pages that
    need no sign-in (sign-in, password reset, /healthz), signing out, and the set-up and code pages.
    A session signed in through single sign-on passes. Static files never reach here (WhiteNoise).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        if match.url_name in OPEN_TO_EVERYONE or (
            match.namespace == NAMESPACE and match.url_name in OPEN_WHILE_UNVERIFIED
        ):
            return None
        if session_verified(request):
            return None
        if two_factor_required(request.user):
            return _to("verify" if has_authenticator(request.user) else "setup", request)
        if request.session.get(PENDING_KEY):
            return _to("verify", request)
        return None
