"""Single sign-on: the council's own accounts (OpenID Connect; Microsoft Entra ID and others) sign people in.

A person is matched to an account here by email, case-insensitively. Someone new gets an account with
no role, so they see only the page saying whom to ask (core.access) until an administrator gives them
one. Roles are never granted or changed from what the provider says; only the name is kept in step.
"""

from __future__ import annotations

import logging
import threading

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend, default_username_algo
from mozilla_django_oidc.utils import import_from_settings

logger = logging.getLogger(__name__)

# The session says how its person signed in: "oidc" for single sign-on (the second factor is the
# council's to ask for, so the app's own TOTP check treats such a session as verified).
SIGNIN_METHOD_KEY = "signin_method"
SIGNIN_METHOD_OIDC = "oidc"

# The discovery document's names for the endpoints mozilla-django-oidc reads from settings.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
NAME_CLAIMS = (("first_name", "given_name"), ("last_name", "family_name"))

ASK = "your improvement lead or administrator"
NO_EMAIL = (
    "Your council account did not give this app an email address, so it cannot tell who you are. "
    "Ask your IT service desk to add one to your council account, or sign in with your username and password."
)
UNVERIFIED_EMAIL = (
    "Your council account's email address {email} is not verified, so this app cannot sign you in with it. "
    "Ask your IT service desk to verify it, or sign in with your username and password."
)
SHARED_EMAIL = (
    "More than one account here has the email address {email}, so this app cannot tell which one is yours. "
    "Ask {ask} to keep the address on one account only, then sign in again."
)
DEACTIVATED = "Your account here ({email}) has been deactivated, so you cannot sign in. Ask {ask} if you need it again."
FAILED = "Signing in with your council account did not work. Try again, or sign in with your username and password."
CANCELLED = (
    "Signing in with your council account was cancelled or refused by your council's sign-in service. "
    "Try again, or sign in with your username and password."
)
UNREACHABLE = (
    "Your council's sign-in service could not be reached. "
    "Try again in a few minutes, or sign in with your username and password."
)


def _ask() -> str:
    contact = settings.SUPPORT_CONTACT
    return f"{ASK} ({contact})" if contact else ASK


class SignInRefused(Exception):
    """The provider vouched for the person, but this app will not sign them in: `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ProviderUnreachable(Exception):
    """The provider's discovery document could not be read."""


_documents: dict[str, dict] = {}
_documents_lock = threading.Lock()


def provider_document(url: str) -> dict:
    """Return the provider's discovery document (/.well-known/openid-configuration), read once per process."""
    with _documents_lock:
        if url not in _documents:
            try:
                response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
                response.raise_for_status()
                document = response.json()
            except (requests.RequestException, ValueError) as error:
                raise ProviderUnreachable(f"Could not read {url}: {error}") from error
            missing = [key for key in DISCOVERED.values() if not document.get(key)]
            if missing:
                raise ProviderUnreachable(f"{url} names no {', '.join(missing)}.")
            _documents[url] = document
        return _documents[url]


def provider_documents_forget() -> None:
    """Forget the discovery documents read so far (the next sign-in reads them again)."""
    with _documents_lock:
        _documents.clear()


def oidc_setting(attr: str, *default):
    """Return a mozilla-django-oidc setting; an endpoint not set explicitly comes from the discovery document."""
    if attr in DISCOVERED and not getattr(settings, attr, "") and getattr(settings, "OIDC_OP_DISCOVERY_URL", ""):
        return provider_document(settings.OIDC_OP_DISCOVERY_URL)[DISCOVERED[attr]]
    return import_from_settings(attr, *default)


def _names(claims: dict) -> dict[str, str]:
    """Return the first and last name the provider gives (only those it gives), cut to the field's length."""
    return {field: str(claims[claim]).strip()[:150] for field, claim in NAME_CLAIMS if claims.get(claim)}


def sso_user_create(*, email: str, first_name: str = "", last_name: str = ""):
    """Return a new account for the email, with no role and no usable password (it signs in only by SSO)."""
    User = get_user_model()
    username = email.lower()
    if len(username) > 150 or User.objects.filter(username=username).exists():
        username = default_username_algo(email)
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.full_clean()
    with transaction.atomic():
        user.save()
    return user


def sso_user_names_update(*, user, first_name: str | None = None, last_name: str | None = None):
    """Return the user with their first and last name set as given (None: left as it is); saved if changed."""
    changed = {
        field: value
        for field, value in (("first_name", first_name), ("last_name", last_name))
        if value is not None and getattr(user, field) != value
    }
    if changed:
        for field, value in changed.items():
            setattr(user, field, value)
        user.full_clean()
        with transaction.atomic():
            user.save(update_fields=list(changed))
    return user


def user_for_claims(claims: dict):
    """Return the active account whose email the claims give (matched case-insensitively), or a new one
    with no role if none has it; raise SignInRefused when there is no email, it is not verified, two
    accounts share it, or its account is deactivated."""
    email = str(claims.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise SignInRefused(NO_EMAIL) from None
    # Entra ID and others may leave the claim out; where it is given it must say yes.
    if "email_verified" in claims and claims["email_verified"] not in (True, "true", "True"):
        raise SignInRefused(UNVERIFIED_EMAIL.format(email=email))
    names = _names(claims)
    matches = list(get_user_model().objects.filter(email__iexact=email).order_by("pk")[:2])
    if len(matches) > 1:
        raise SignInRefused(SHARED_EMAIL.format(email=email, ask=_ask()))
    if not matches:
        try:
            return sso_user_create(email=email, **names)
        except IntegrityError:
            # The same person's first sign-in in another tab won the race: theirs is the account.
            matches = list(get_user_model().objects.filter(email__iexact=email)[:2])
            if len(matches) != 1:
                raise
    user = matches[0]
    if not user.is_active:
        raise SignInRefused(DEACTIVATED.format(email=email, ask=_ask()))
    return sso_user_names_update(user=user, first_name=names.get("first_name"), last_name=names.get("last_name"))


class CouncilOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, matching people by email (user_for_claims) and reading the
    provider's endpoints from its discovery document when they are not set one by one."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # Django makes every backend for every sign-in, password ones too: nothing here may need the
        # provider, which is asked only when someone comes back from it (authenticate).
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce: a password sign-in never reaches the provider.
        if request is None or "nonce" not in kwargs:
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        # The ID token (the one with a nonce) must be for this app: mozilla-django-oidc does not check.
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if "nonce" in kwargs and self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was issued to another application.")
        return payload

    def verify_claims(self, claims):
        return True  # user_for_claims refuses, with a reason the person can act on

    def get_user(self, user_id):
        # mozilla-django-oidc's own returns a deactivated person too: a session they had would go on working.
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_or_create_user(self, access_token, id_token, payload):
        return user_for_claims(self.get_userinfo(access_token, id_token, payload))
