"""Single sign-on (OpenID Connect, mozilla-django-oidc) read from the environment: off unless configured.

Kept apart from base.py so that the rules (what is required, what is refused) are one pure function
the tests can call with an environment of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

OIDC_BACKEND = "core.sso.CouncilOIDCBackend"
ENDPOINTS = (
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512")
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
# Microsoft Entra ID's shared authorities: anyone with any Microsoft account could come back signed in.
ENTRA_SHARED_TENANTS = ("/common/", "/organizations/", "/consumers/")
TRUE = {"1", "true", "yes", "on"}


def _https_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _missing(values: dict[str, str], algorithm: str) -> list[str]:
    missing = [name for name in ("OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET") if not values[name]]
    if not values["OIDC_OP_DISCOVERY_URL"]:
        needed = ENDPOINTS if not algorithm.startswith("HS") else ENDPOINTS[:3]
        missing += [name for name in needed if not values[name]]
    return missing


def oidc_settings(environ: Mapping[str, str]) -> dict[str, object]:
    """Return the settings for single sign-on from the environment, or raise ImproperlyConfigured.

    On when OIDC_RP_CLIENT_ID is set (or OIDC_ENABLED=true); OIDC_ENABLED=false turns it off however
    configured. When on, the client id and secret are required, and either the provider's discovery
    URL or its endpoints.
    """
    names = ("OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET", "OIDC_OP_DISCOVERY_URL", "OIDC_OP_LOGOUT_URL", *ENDPOINTS)
    values = {name: environ.get(name, "").strip() for name in names}
    switch = environ.get("OIDC_ENABLED", "").strip().lower()
    enabled = switch in TRUE if switch else bool(values["OIDC_RP_CLIENT_ID"])
    if not enabled:
        return {"OIDC_ENABLED": False}
    algorithm = environ.get("OIDC_RP_SIGN_ALGO", "").strip() or "RS256"
    if algorithm not in SIGNING_ALGORITHMS:
        raise ImproperlyConfigured(
            f"OIDC_RP_SIGN_ALGO is {algorithm!r}: set it to one of {', '.join(SIGNING_ALGORITHMS)} (RS256 if unsure)."
        )
    missing = _missing(values, algorithm)
    if missing:
        raise ImproperlyConfigured(
            "Single sign-on is on but not complete: set "
            + ", ".join(missing)
            + " (or OIDC_OP_DISCOVERY_URL in place of the endpoints), or turn it off with OIDC_ENABLED=false."
        )
    plain = [name for name in names[2:] if values[name] and not _https_or_loopback(values[name])]
    if plain:
        raise ImproperlyConfigured(f"{', '.join(plain)} must be https:// addresses (the provider's, over TLS).")
    if any(tenant in url for tenant in ENTRA_SHARED_TENANTS for url in values.values() if "microsoftonline" in url):
        raise ImproperlyConfigured(
            "Use your council's own Entra ID tenant (https://login.microsoftonline.com/<tenant id>/v2.0/...), "
            "not /common/, /organizations/ or /consumers/, which would let any organisation's accounts in."
        )
    timeout = environ.get("OIDC_TIMEOUT", "").strip() or "10"
    settings: dict[str, object] = {
        "OIDC_ENABLED": True,
        **values,
        "OIDC_RP_SIGN_ALGO": algorithm,
        "OIDC_RP_SCOPES": environ.get("OIDC_RP_SCOPES", "").strip() or "openid email profile",
        # Seconds to wait for the provider before telling the person it could not be reached.
        "OIDC_TIMEOUT": float(timeout),
        "OIDC_USE_PKCE": True,
        "OIDC_CREATE_USER": True,
        # The ID token is kept only to end the session at the provider too (id_token_hint).
        "OIDC_STORE_ID_TOKEN": bool(values["OIDC_OP_LOGOUT_URL"]),
        # The sign-out form is answered with a redirect to the provider's logout page: CSP's form-action
        # must allow that origin, or the browser stops there.
        "OIDC_FORM_ACTION_ORIGINS": [_origin(values["OIDC_OP_LOGOUT_URL"])] if values["OIDC_OP_LOGOUT_URL"] else [],
    }
    return settings
