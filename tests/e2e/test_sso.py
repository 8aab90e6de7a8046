"""Single sign-on in a real browser, round the real OpenID provider the suite runs on localhost: the sign-in
page's council-account button, the provider's own sign-in form, and back to the app signed in."""

import pytest
from playwright.sync_api import Page, expect

from core.sso import UNVERIFIED_EMAIL
from tests.e2e.conftest import assert_no_serious_violations, url
from tests.oidc_provider.fixture import sso_on

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUTTON = "Sign in with your council account"


@pytest.fixture
def sso(settings, oidc_provider):
    """Single sign-on on, with the provider's discovery URL and its logout URL, as a council would set them."""
    sso_on(settings, oidc_provider.environment(OIDC_OP_LOGOUT_URL=oidc_provider.logout_url))
    return oidc_provider


def sign_in_at_the_council(page: Page, live_server, provider, username: str) -> None:
    """From the app's sign-in page, through the provider's own form, and back."""
    page.goto(url(live_server, "/accounts/login/"))
    page.get_by_role("link", name=BUTTON).click()
    expect(page.get_by_role("heading", name="Council sign-in")).to_be_visible()
    assert page.url.startswith(provider.url)
    page.get_by_label("Council username").fill(username)
    page.get_by_label("Council password").fill(provider.password)
    page.get_by_role("button", name="Sign in to the council").click()
    page.wait_for_url(lambda address: address.startswith(live_server.url) and "/oidc/" not in address)


def test_becky_signs_in_with_her_council_account_in_her_role_and_signs_out(page, live_server, sso, head_of_service):
    head_of_service.email = "becky.thompson@torbay.gov.uk"
    head_of_service.save()
    sign_in_at_the_council(page, live_server, sso, "becky")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(url(live_server, "/my-actions/"))
    expect(page.get_by_role("heading", name="My actions")).to_be_visible()
    # Signing out ends the app's session and the provider's, and comes back to the app's sign-in page.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("link", name=BUTTON)).to_be_visible()
    page.get_by_role("link", name=BUTTON).click()
    expect(page.get_by_role("heading", name="Council sign-in")).to_be_visible()


def test_someone_new_lands_on_the_page_saying_their_account_has_no_role(page, live_server, sso):
    sign_in_at_the_council(page, live_server, sso, "sam.newman")
    expect(page.get_by_role("heading", name="Your account has no role yet")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_a_refused_sign_in_comes_back_to_the_sign_in_page_saying_why(page, live_server, sso):
    sign_in_at_the_council(page, live_server, sso, "pat.unverified")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("alert")).to_have_text(UNVERIFIED_EMAIL.format(email="pat.unverified@torbay.gov.uk"))
    expect(page.get_by_label("Username")).to_be_visible()


@pytest.mark.parametrize("width", [1366, 390])
def test_the_sign_in_page_with_the_council_button_is_accessible_and_fits_a_phone(axe_page, live_server, sso, width):
    axe_page.set_viewport_size({"width": width, "height": 900})
    axe_page.goto(url(live_server, "/accounts/login/"))
    button = axe_page.get_by_role("link", name=BUTTON)
    expect(button).to_be_visible()
    # Above the password form, and nothing scrolls sideways.
    assert button.bounding_box()["y"] < axe_page.get_by_label("Username").bounding_box()["y"]
    assert axe_page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_serious_violations(axe_page)
