"""Test helpers for two-step verification: an authenticator for a user, its codes, and a verified sign-in."""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.mfa import PENDING_KEY


def authenticator(user) -> TOTPDevice:
    """Return the user's confirmed authenticator app, made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_for(device: TOTPDevice, *, key: bytes | None = None) -> str:
    """Return the 6-digit code the app shows now, or the next one if this time step's code was used already.

    The server accepts a code one step either side of now, so the next step's code is good at once.
    """
    device.refresh_from_db()
    now_step = (int(time.time()) - device.t0) // device.step
    step = max(now_step, device.last_t + 1)
    token = totp(key or device.bin_key, device.step, device.t0, device.digits, drift=step - now_step)
    return f"{token:0{device.digits}d}"


def sign_in_verified(client, user) -> TOTPDevice:
    """Sign the test client in as the user with a verified second factor (as django_otp.login would);
    return the device."""
    device = authenticator(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop(PENDING_KEY, None)
    session.save()
    return device


def sign_in(client, user) -> None:
    """Sign the test client in as the user as far as their pages: administrators (who must use two-step
    verification) with a verified second factor, anyone else with their password alone."""
    from core.mfa import two_factor_required

    if two_factor_required(user):
        sign_in_verified(client, user)
    else:
        client.force_login(user)
