"""Two-step verification in a browser: an administrator sets up an authenticator at first sign-in by the
key the page shows, signs out, and signs in again with a code; the pages pass axe's checks."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, assert_no_serious_violations, sign_out, url
from tests.two_factor import code_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def enter_password(page, live_server, username: str, next_path: str) -> None:
    page.goto(url(live_server, f"/accounts/login/?next={next_path}"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_administrator_sets_up_an_authenticator_then_signs_in_with_a_code(page, live_server, admin_user_):
    enter_password(page, live_server, "admin", "/admin/")

    # Sent to set it up before anything else, the admin included.
    expect(page).to_have_url(re.compile(r"/accounts/two-step/set-up/\?next=%2Fadmin%2F$"))
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    page.goto(url(live_server, "/risks/"))
    expect(page).to_have_url(re.compile(r"/accounts/two-step/set-up/"))

    # The key as a person would type it into their app by hand.
    secret = b32decode(page.locator("#mfa-secret").inner_text().replace(" ", ""))
    page.get_by_label("6-digit code from your app").fill(f"{totp(secret):06d}")
    page.get_by_role("button", name="Turn on two-step verification").click()

    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    expect(page.get_by_text("These codes are shown once only.")).to_be_visible()
    expect(page.locator(".mfa-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have kept my codes: continue").click()
    expect(page).to_have_url(url(live_server, "/risks/"))

    page.get_by_role("link", name="Two-step verification").click()
    expect(page.get_by_text("On.", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Turn off")).to_have_count(0)  # required for administrators
    sign_out(page)

    enter_password(page, live_server, "admin", "/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/two-step/verify/\?next=%2Fadmin%2F$"))
    expect(page.get_by_text("Enter the 6-digit code from your authenticator app, or a recovery code.")).to_be_visible()
    page.get_by_label("Code").fill(code_for(TOTPDevice.objects.get(user=admin_user_), key=secret))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(url(live_server, "/admin/"))
    expect(page.get_by_role("heading", name="Plans, KPIs and risks")).to_be_visible()


def test_a_wrong_code_is_refused_with_a_sentence_and_the_page_keeps_what_was_typed(page, live_server, admin_user_):
    TOTPDevice.objects.create(user=admin_user_, name="Authenticator app", confirmed=True)
    enter_password(page, live_server, "admin", "/")
    field = page.get_by_label("Code")
    field.fill("12345")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    expect(page.get_by_label("Code")).to_have_value("12345")
    expect(page).to_have_url(re.compile(r"/accounts/two-step/verify/"))


@pytest.mark.parametrize("path", ["/accounts/two-step/set-up/", "/accounts/two-step/verify/", "/accounts/two-step/"])
def test_two_step_pages_have_no_serious_accessibility_violation(axe_page, live_server, admin_user_, sro, path):
    if path.endswith("verify/"):
        TOTPDevice.objects.create(user=admin_user_, name="Authenticator app", confirmed=True)
    enter_password(axe_page, live_server, "admin" if path != "/accounts/two-step/" else "sro", path)
    expect(axe_page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_serious_violations(axe_page)
