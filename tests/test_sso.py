"""Single sign-on against the real OpenID provider the suite runs on localhost (tests/oidc_provider).

The test client plays the app's side; a `requests` session plays the person's browser at the provider,
whose answer (a redirect to http://testserver/oidc/callback/) the test client then follows. The app
talks to the provider itself, over HTTP on localhost: nothing is mocked.
"""

import html
import time
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.urls import reverse

from core.sessions import LAST_ACTIVITY_KEY
from core.sso import CANCELLED, FAILED, NO_EMAIL, SIGNIN_METHOD_KEY, UNREACHABLE, UNVERIFIED_EMAIL
from tests.oidc_provider.fixture import sso_on

pytestmark = pytest.mark.django_db

BUTTON = "Sign in with your council account"
BECKY = "Becky.Thompson@Torbay.gov.uk"  # as the provider has it (tests/oidc_provider/people.py)


@pytest.fixture
def sso(settings, oidc_provider):
    """Single sign-on on, configured as a council would: client id, secret and the discovery URL."""
    sso_on(settings, oidc_provider.environment())
    return oidc_provider


@pytest.fixture
def becky(head_of_service):
    head_of_service.email = "becky.thompson@torbay.gov.uk"
    head_of_service.save()
    return head_of_service


def at_the_provider(authorize_url: str, username: str, password: str) -> str:
    """Sign in at the provider's own form as a person would; return the address it sends the browser back to."""
    browser = requests.Session()
    form = browser.get(authorize_url, timeout=10)
    assert "Council sign-in" in form.text, form.text
    signed_in = browser.post(
        form.url,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["provider_csrftoken"],
            "next": parse_qs(urlsplit(form.url).query)["next"][0],
        },
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text
    authorized = browser.get(urljoin(form.url, signed_in.headers["Location"]), allow_redirects=False, timeout=10)
    assert authorized.status_code == 302, authorized.text
    return authorized.headers["Location"]


def start(client, next_path: str = ""):
    response = client.get(
        reverse("oidc_authentication_init") + (f"?{urlencode({'next': next_path})}" if next_path else "")
    )
    assert response.status_code == 302
    return response["Location"]


def sign_in_with_sso(client, provider, username: str, *, next_path: str = ""):
    """Go the whole way round: the app, the provider's sign-in, the app's callback; return the callback's answer."""
    back = at_the_provider(start(client, next_path), username, provider.password)
    assert back.startswith("http://testserver/oidc/callback/?"), back
    return client.get(back.removeprefix("http://testserver"))


def messages_on_the_sign_in_page(client, response) -> str:
    """Follow the answer to the sign-in page; return the page's text as a person reads it (unescaped)."""
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    return html.unescape(client.get(response["Location"]).content.decode())


class TestOff:
    def test_the_sign_in_page_has_no_sso_button_and_the_sso_addresses_are_not_found(self, client):
        assert BUTTON not in client.get(reverse("login")).content.decode()
        assert client.get("/oidc/authenticate/").status_code == 404
        assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


class TestRoundTrip:
    def test_the_sign_in_page_offers_the_council_account_first_keeping_next(self, client, sso):
        body = client.get(reverse("login"), {"next": "/risks/"}).content.decode()
        assert f'href="/oidc/authenticate/?next=/risks/">{BUTTON}</a>' in body
        assert body.index(BUTTON) < body.index('name="password"')

    def test_the_app_asks_the_provider_with_state_nonce_and_pkce(self, client, sso):
        address = start(client)
        query = parse_qs(urlsplit(address).query)
        assert address.startswith(f"{sso.url}/o/authorize/?")
        assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]
        assert query["scope"] == ["openid email profile"]
        assert query["code_challenge_method"] == ["S256"]
        assert {"state", "nonce", "code_challenge"} <= set(query)

    def test_a_person_whose_email_matches_signs_in_with_their_role(self, client, sso, becky):
        response = sign_in_with_sso(client, sso, "becky", next_path=reverse("plans:my_actions"))
        assert response.status_code == 302
        assert response["Location"] == reverse("plans:my_actions")
        assert client.session["_auth_user_id"] == str(becky.pk)
        assert client.session[SIGNIN_METHOD_KEY] == "oidc"
        assert client.get(reverse("plans:my_actions")).status_code == 200
        assert User.objects.count() == 1

    def test_a_board_member_lands_on_the_published_papers(self, client, sso, becky):
        from django.contrib.auth.models import Group

        from core import roles

        roles.roles_ensure()
        becky.groups.set([Group.objects.get(name=roles.BOARD_MEMBER)])
        response = sign_in_with_sso(client, sso, "becky", next_path=reverse("plans:my_actions"))
        assert response["Location"] == "/published/"
        assert client.get("/published/").status_code == 200

    def test_someone_new_gets_an_account_with_no_role_and_sees_whom_to_ask(self, client, sso):
        response = sign_in_with_sso(client, sso, "sam.newman")
        assert response["Location"] == "/"
        sam = User.objects.get(email="sam.newman@torbay.gov.uk")
        assert (sam.first_name, sam.last_name, sam.groups.exists()) == ("Sam", "Newman", False)
        page = client.get("/")
        assert page.status_code == 403
        assert "Your account has no role yet." in page.content.decode()

    def test_a_sso_session_ends_after_the_idle_timeout(self, client, sso, becky, settings):
        sign_in_with_sso(client, sso, "becky")
        session = client.session
        session[LAST_ACTIVITY_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 1
        session.save()
        response = client.get(reverse("plans:my_actions"), follow=True)
        assert "You were signed out after 30 minutes without activity." in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_signing_out_ends_the_sso_session(self, client, sso, becky):
        sign_in_with_sso(client, sso, "becky")
        assert client.post(reverse("logout")).status_code == 302
        assert "_auth_user_id" not in client.session
        assert client.get(reverse("plans:my_actions")).status_code == 302

    def test_with_a_logout_url_signing_out_ends_the_session_at_the_provider_too(self, client, settings, sso, becky):
        sso_on(settings, sso.environment(OIDC_OP_LOGOUT_URL=sso.logout_url))
        sign_in_with_sso(client, sso, "becky")
        response = client.post(reverse("logout"))
        assert "_auth_user_id" not in client.session
        assert response["Location"].startswith(f"{sso.logout_url}?")
        query = parse_qs(urlsplit(response["Location"]).query)
        assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
        assert "id_token_hint" in query
        # The provider accepts it and sends the person back to the app's sign-in page.
        ended = requests.get(response["Location"], allow_redirects=False, timeout=10)
        assert ended.headers["Location"] == "http://testserver/accounts/login/"

    def test_a_password_session_signs_out_here_only(self, client, settings, sso, becky):
        sso_on(settings, sso.environment(OIDC_OP_LOGOUT_URL=sso.logout_url))
        client.post(reverse("login"), {"username": "becky.thompson", "password": "improve-2021"})
        assert client.post(reverse("logout"))["Location"] == reverse("login")

    def test_a_password_sign_in_is_not_marked_as_sso(self, client, sso, becky):
        client.post(reverse("login"), {"username": "becky.thompson", "password": "improve-2021"})
        assert client.session["_auth_user_id"] == str(becky.pk)
        assert SIGNIN_METHOD_KEY not in client.session


class TestRefused:
    def test_an_unverified_email_is_told_on_the_sign_in_page_keeping_where_they_were_going(self, client, sso):
        response = sign_in_with_sso(client, sso, "pat.unverified", next_path="/risks/")
        assert response["Location"] == f"{reverse('login')}?next=/risks/"
        body = messages_on_the_sign_in_page(client, response)
        assert UNVERIFIED_EMAIL.format(email="pat.unverified@torbay.gov.uk") in body
        assert not User.objects.exists()

    def test_no_email_is_told_on_the_sign_in_page(self, client, sso):
        body = messages_on_the_sign_in_page(client, sign_in_with_sso(client, sso, "no.email"))
        assert NO_EMAIL in body
        assert "_auth_user_id" not in client.session

    def test_cancelling_at_the_provider_comes_back_to_the_sign_in_page(self, client, sso):
        state = parse_qs(urlsplit(start(client)).query)["state"][0]
        response = client.get("/oidc/callback/", {"error": "access_denied", "state": state})
        assert CANCELLED in messages_on_the_sign_in_page(client, response)

    def test_a_state_this_browser_did_not_start_is_refused(self, client, sso):
        start(client)
        response = client.get("/oidc/callback/", {"code": "stolen", "state": "someone-elses"})
        assert FAILED in messages_on_the_sign_in_page(client, response)

    def test_a_callback_without_any_sign_in_started_is_refused(self, client, sso):
        response = client.get("/oidc/callback/", {"code": "x", "state": "y"})
        assert FAILED in messages_on_the_sign_in_page(client, response)

    def test_a_code_the_provider_did_not_give_is_refused(self, client, sso):
        state = parse_qs(urlsplit(start(client)).query)["state"][0]
        response = client.get("/oidc/callback/", {"code": "made-up", "state": state})
        assert FAILED in messages_on_the_sign_in_page(client, response)
        assert "_auth_user_id" not in client.session

    def test_a_provider_that_cannot_be_reached_is_said_so(self, client, settings, sso):
        sso_on(settings, sso.environment(OIDC_OP_DISCOVERY_URL="http://127.0.0.1:9/.well-known/openid-configuration"))
        response = client.get(reverse("oidc_authentication_init"))
        assert UNREACHABLE in messages_on_the_sign_in_page(client, response)

    def test_an_address_locked_out_by_axes_cannot_sign_in_with_sso_either(self, client, sso, becky, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("login"), {"username": "someone", "password": "wrong"})
        assert AccessAttempt.objects.exists()
        response = sign_in_with_sso(client, sso, "becky")
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
