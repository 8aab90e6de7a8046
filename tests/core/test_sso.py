"""Single sign-on's rules without a provider: the settings read from the environment, and how a person
the provider vouches for is matched to an account here (the Django test database, no network)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core import roles
from core.sso import (
    DEACTIVATED,
    NO_EMAIL,
    SHARED_EMAIL,
    UNVERIFIED_EMAIL,
    CouncilOIDCBackend,
    SignInRefused,
    user_for_claims,
)
from torbay_improvement.settings.oidc import oidc_settings

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.example/token",
    "OIDC_OP_USER_ENDPOINT": "https://login.example/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.example/keys",
}
CLIENT = {"OIDC_RP_CLIENT_ID": "tracker", "OIDC_RP_CLIENT_SECRET": "secret"}
DISCOVERY = {"OIDC_OP_DISCOVERY_URL": "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration"}


class TestSettings:
    def test_single_sign_on_is_off_by_default(self):
        assert oidc_settings({}) == {"OIDC_ENABLED": False}

    def test_it_can_be_turned_off_however_configured(self):
        assert oidc_settings({**CLIENT, **DISCOVERY, "OIDC_ENABLED": "false"}) == {"OIDC_ENABLED": False}

    def test_a_client_id_and_a_discovery_url_are_enough(self):
        found = oidc_settings({**CLIENT, **DISCOVERY})
        assert found["OIDC_ENABLED"] is True
        assert found["OIDC_RP_SIGN_ALGO"] == "RS256"
        assert found["OIDC_RP_SCOPES"] == "openid email profile"
        assert found["OIDC_USE_PKCE"] is True
        assert found["OIDC_OP_AUTHORIZATION_ENDPOINT"] == ""  # read from the discovery document when needed

    def test_the_endpoints_one_by_one_do_instead_of_discovery(self):
        found = oidc_settings({**CLIENT, **ENDPOINTS})
        assert found["OIDC_OP_TOKEN_ENDPOINT"] == "https://login.example/token"

    @pytest.mark.parametrize(
        ("environment", "named"),
        [
            pytest.param(
                {"OIDC_ENABLED": "true"}, "OIDC_RP_CLIENT_ID, OIDC_RP_CLIENT_SECRET", id="switched on, nothing set"
            ),
            pytest.param({"OIDC_RP_CLIENT_ID": "tracker", **DISCOVERY}, "OIDC_RP_CLIENT_SECRET", id="no secret"),
            pytest.param(CLIENT, "OIDC_OP_AUTHORIZATION_ENDPOINT", id="no provider"),
            pytest.param(
                {**CLIENT, **ENDPOINTS, "OIDC_OP_JWKS_ENDPOINT": ""}, "set OIDC_OP_JWKS_ENDPOINT", id="RS256, no keys"
            ),
        ],
    )
    def test_incomplete_settings_refuse_to_start_naming_what_is_missing(self, environment, named):
        with pytest.raises(ImproperlyConfigured, match="Single sign-on is on but not complete") as refused:
            oidc_settings(environment)
        assert named in str(refused.value)

    def test_a_provider_over_plain_http_is_refused(self):
        with pytest.raises(ImproperlyConfigured, match="must be https://"):
            oidc_settings({**CLIENT, "OIDC_OP_DISCOVERY_URL": "http://login.example/.well-known/openid-configuration"})

    @pytest.mark.parametrize("tenant", ["common", "organizations", "consumers"])
    def test_entras_shared_tenants_are_refused(self, tenant):
        url = f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
        with pytest.raises(ImproperlyConfigured, match="Use your council's own Entra ID tenant"):
            oidc_settings({**CLIENT, "OIDC_OP_DISCOVERY_URL": url})

    def test_an_unknown_signing_algorithm_is_refused(self):
        with pytest.raises(ImproperlyConfigured, match="OIDC_RP_SIGN_ALGO is 'none'"):
            oidc_settings({**CLIENT, **DISCOVERY, "OIDC_RP_SIGN_ALGO": "none"})

    def test_a_logout_url_lets_the_sign_out_form_go_to_the_provider(self):
        found = oidc_settings({**CLIENT, **DISCOVERY, "OIDC_OP_LOGOUT_URL": "https://login.example/tenant/logout"})
        assert found["OIDC_FORM_ACTION_ORIGINS"] == ["https://login.example"]
        assert found["OIDC_STORE_ID_TOKEN"] is True


def claims(email="becky.thompson@torbay.gov.uk", **extra):
    return {"sub": "1", "email": email, "given_name": "Becky", "family_name": "Thompson", **extra}


@pytest.mark.django_db
class TestMatching:
    def test_an_account_is_matched_by_email_whatever_its_case_and_keeps_its_role(self, head_of_service):
        head_of_service.email = "becky.thompson@torbay.gov.uk"
        head_of_service.save()
        user = user_for_claims(claims(email="Becky.Thompson@TORBAY.gov.uk"))
        assert user == head_of_service
        assert set(user.groups.values_list("name", flat=True)) == {roles.HEAD_OF_SERVICE}
        assert User.objects.count() == 1

    def test_someone_new_gets_an_account_with_no_role_and_no_password(self, db):
        user = user_for_claims(claims(email="Sam.Newman@torbay.gov.uk", given_name="Sam", family_name="Newman"))
        assert (user.username, user.email, user.first_name, user.last_name) == (
            "sam.newman@torbay.gov.uk",
            "Sam.Newman@torbay.gov.uk",
            "Sam",
            "Newman",
        )
        assert not user.groups.exists()
        assert not user.is_staff
        assert not user.is_superuser
        assert not user.has_usable_password()

    def test_the_second_sign_in_finds_the_account_the_first_made(self, db):
        first = user_for_claims(claims(email="sam.newman@torbay.gov.uk"))
        assert user_for_claims(claims(email="SAM.NEWMAN@torbay.gov.uk")) == first
        assert User.objects.count() == 1

    def test_a_new_person_whose_email_is_someones_username_gets_another_username(self, make_user):
        make_user("sam.newman@torbay.gov.uk", email="someone.else@torbay.gov.uk")
        user = user_for_claims(claims(email="sam.newman@torbay.gov.uk"))
        assert user.username != "sam.newman@torbay.gov.uk"
        assert user.email == "sam.newman@torbay.gov.uk"

    def test_the_name_is_kept_in_step_with_the_provider(self, head_of_service):
        head_of_service.email = "becky.thompson@torbay.gov.uk"
        head_of_service.save()
        user_for_claims(claims(given_name="Rebecca", family_name="Thompson-Hall"))
        head_of_service.refresh_from_db()
        assert (head_of_service.first_name, head_of_service.last_name) == ("Rebecca", "Thompson-Hall")

    def test_a_name_the_provider_does_not_give_is_left_as_it_is(self, head_of_service):
        head_of_service.email = "becky.thompson@torbay.gov.uk"
        head_of_service.save()
        user_for_claims({"sub": "1", "email": "becky.thompson@torbay.gov.uk"})
        head_of_service.refresh_from_db()
        assert (head_of_service.first_name, head_of_service.last_name) == ("Becky", "Thompson")

    def test_roles_are_never_given_or_taken_from_what_the_provider_says(self, head_of_service, db):
        head_of_service.email = "becky.thompson@torbay.gov.uk"
        head_of_service.save()
        said = {"groups": [roles.ADMINISTRATOR], "roles": ["Administrator"], "is_staff": True, "is_superuser": True}
        becky = user_for_claims(claims(**said))
        newcomer = user_for_claims(claims(email="sam.newman@torbay.gov.uk", **said))
        assert set(becky.groups.values_list("name", flat=True)) == {roles.HEAD_OF_SERVICE}
        assert not newcomer.groups.exists()
        assert not any(u.is_staff or u.is_superuser for u in User.objects.all())

    @pytest.mark.parametrize(
        "given",
        [
            pytest.param({"sub": "1"}, id="no email claim"),
            pytest.param({"sub": "1", "email": ""}, id="an empty email"),
            pytest.param({"sub": "1", "email": "not an address"}, id="not an email address"),
        ],
    )
    def test_no_email_is_refused_saying_whom_to_ask(self, db, given):
        with pytest.raises(SignInRefused) as refused:
            user_for_claims(given)
        assert refused.value.message == NO_EMAIL
        assert not User.objects.exists()

    @pytest.mark.parametrize("verified", [False, "false"])
    def test_an_unverified_email_is_refused(self, head_of_service, verified):
        head_of_service.email = "becky.thompson@torbay.gov.uk"
        head_of_service.save()
        with pytest.raises(SignInRefused) as refused:
            user_for_claims(claims(email_verified=verified))
        assert refused.value.message == UNVERIFIED_EMAIL.format(email="becky.thompson@torbay.gov.uk")

    def test_a_verified_email_signs_in(self, db):
        assert user_for_claims(claims(email_verified=True)).email == "becky.thompson@torbay.gov.uk"

    def test_two_accounts_with_the_email_are_refused_and_neither_is_chosen(self, make_user, settings):
        settings.SUPPORT_CONTACT = "servicedesk@torbay.gov.uk"
        make_user("becky.thompson", email="becky.thompson@torbay.gov.uk")
        make_user("bthompson", email="BECKY.THOMPSON@torbay.gov.uk")
        with pytest.raises(SignInRefused) as refused:
            user_for_claims(claims())
        assert refused.value.message == SHARED_EMAIL.format(
            email="becky.thompson@torbay.gov.uk",
            ask="your improvement lead or administrator (servicedesk@torbay.gov.uk)",
        )
        assert User.objects.count() == 2

    def test_a_deactivated_account_is_refused_not_replaced(self, make_user):
        make_user("becky.thompson", email="becky.thompson@torbay.gov.uk", is_active=False)
        with pytest.raises(SignInRefused) as refused:
            user_for_claims(claims())
        assert refused.value.message == DEACTIVATED.format(
            email="becky.thompson@torbay.gov.uk", ask="your improvement lead or administrator"
        )
        assert User.objects.count() == 1


class TestBackend:
    def test_a_password_sign_in_never_asks_the_provider(self, rf):
        # No OIDC settings at all: the backend would fail if it tried to reach a provider.
        assert CouncilOIDCBackend().authenticate(rf.get("/?code=x&state=y"), username="sro", password="x") is None

    def test_an_id_token_for_another_application_is_refused(self, settings, rf):
        secret = "a-client-secret-of-at-least-32-bytes"
        environment = {**CLIENT, **ENDPOINTS, "OIDC_RP_CLIENT_SECRET": secret, "OIDC_RP_SIGN_ALGO": "HS256"}
        for name, value in oidc_settings(environment).items():
            setattr(settings, name, value)
        backend = CouncilOIDCBackend()
        OIDCAuthenticationBackend.__init__(backend)  # as authenticate() does once someone comes back
        ours = jwt.encode({"aud": "tracker", "nonce": "n"}, secret, algorithm="HS256")
        theirs = jwt.encode({"aud": "another-app", "nonce": "n"}, secret, algorithm="HS256")
        assert backend.verify_token(ours, nonce="n")["aud"] == "tracker"
        with pytest.raises(SuspiciousOperation, match="issued to another application"):
            backend.verify_token(theirs, nonce="n")


def test_the_settings_modules_turn_it_on_from_the_environment():
    """base.py as a council's deployment reads it: the backend after django-axes, and CSP letting sign-out
    reach the provider's logout page."""
    script = (
        "import json; from django.conf import settings as s; "
        "csp = s.CONTENT_SECURITY_POLICY['DIRECTIVES']; "
        "print(json.dumps([s.OIDC_ENABLED, s.AUTHENTICATION_BACKENDS, csp['form-action']]))"
    )
    environment = {
        **os.environ,
        **CLIENT,
        **DISCOVERY,
        "OIDC_OP_LOGOUT_URL": "https://login.microsoftonline.com/tenant/oauth2/v2.0/logout",
        "DJANGO_SETTINGS_MODULE": "torbay_improvement.settings.test",
    }
    found = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True, cwd=ROOT
    )
    enabled, backends, form_action = json.loads(found.stdout)
    assert enabled is True
    assert backends == [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
        "core.sso.CouncilOIDCBackend",
    ]
    assert form_action == ["'self'", "https://login.microsoftonline.com"]
