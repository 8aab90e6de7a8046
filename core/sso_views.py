"""Single sign-on's two addresses, /oidc/authenticate/ (off to the provider) and /oidc/callback/ (back).

Both answer 404 while single sign-on is off. Whatever goes wrong on the way back (the person cancelled,
the provider refused or could not be reached, the state does not match, the account is refused) ends
on the sign-in page with a sentence saying what happened and what to do, never an error page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LogoutView, redirect_to_login
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView, get_next_url

from core.access import landing_url
from core.sso import (
    CANCELLED,
    FAILED,
    SIGNIN_METHOD_KEY,
    SIGNIN_METHOD_OIDC,
    UNREACHABLE,
    ProviderUnreachable,
    SignInRefused,
    oidc_setting,
)

logger = logging.getLogger(__name__)


def _back_to_sign_in(request, message: str, next_url: str | None = None):
    messages.error(request, message)
    return redirect_to_login(next_url) if next_url else redirect("login")


class SignInStartView(OIDCAuthenticationRequestView):
    """Send the person to the provider's sign-in, remembering where they were going (?next=)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs):
        # mozilla-django-oidc reads the endpoint here; it may need the discovery document, read in get().
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnreachable as error:
            logger.warning("Single sign-on could not start: %s", error)
            return _back_to_sign_in(request, UNREACHABLE, get_next_url(request, "next"))
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)


class SignInCallbackView(OIDCAuthenticationCallbackView):
    """Sign in the person the provider sends back, or say on the sign-in page why not."""

    get_settings = staticmethod(oidc_setting)
    failure_message = FAILED

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        if request.GET.get("error"):
            logger.info("Single sign-on came back with %r", request.GET.get("error"))
            self.failure_message = CANCELLED
        try:
            return super().get(request)
        except SignInRefused as refusal:
            logger.info("Single sign-on refused: %s", refusal.message)
            return self.back_to_sign_in(refusal.message)
        except (ProviderUnreachable, requests.ConnectionError, requests.Timeout) as error:
            logger.warning("Single sign-on could not reach the provider: %s", error)
            return self.back_to_sign_in(UNREACHABLE)
        except (SuspiciousOperation, requests.RequestException, jwt.InvalidTokenError) as error:
            # A state this browser did not start, a token the provider would not give, a bad signature.
            logger.warning("Single sign-on failed: %s", error)
            return self.back_to_sign_in(FAILED)

    def back_to_sign_in(self, message: str):
        """Return to the sign-in page with the message, still on the way to where the person was going."""
        return _back_to_sign_in(self.request, message, self.request.session.get("oidc_login_next"))

    def login_failure(self):
        if getattr(self.request, "axes_locked_out", False):
            return redirect("login")  # django-axes answers with its lockout page
        return self.back_to_sign_in(self.failure_message)

    def login_success(self):
        response = super().login_success()
        self.request.session[SIGNIN_METHOD_KEY] = SIGNIN_METHOD_OIDC
        if response.has_header("Location"):  # a board member lands on the published papers, as with a password
            response["Location"] = landing_url(self.request.user, response["Location"])
        return response


class SignOutView(LogoutView):
    """Django's sign-out; a single sign-on session then ends at the provider too, if OIDC_OP_LOGOUT_URL is set."""

    def post(self, request, *args, **kwargs):
        signed_in_by_sso = request.session.get(SIGNIN_METHOD_KEY) == SIGNIN_METHOD_OIDC
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        logout_url = getattr(settings, "OIDC_OP_LOGOUT_URL", "")
        if not (settings.OIDC_ENABLED and logout_url and signed_in_by_sso):
            return response
        # OpenID Connect RP-initiated logout: the provider ends its session and sends the person back here.
        params = {
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
        if id_token:
            params["id_token_hint"] = id_token
        return HttpResponseRedirect(f"{logout_url}{'&' if '?' in logout_url else '?'}{urlencode(params)}")


urlpatterns = [
    path("authenticate/", login_not_required(SignInStartView.as_view()), name="oidc_authentication_init"),
    path("callback/", login_not_required(SignInCallbackView.as_view()), name="oidc_authentication_callback"),
]
