"""Signing in through the real form: the lockout, a person with no role, and the pages they see."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, assert_no_serious_violations, sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def try_to_sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(url(live_server, "/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_five_wrong_passwords_lock_signing_in_and_the_page_says_for_how_long(axe_page, live_server, sro):
    for _ in range(5):
        try_to_sign_in(axe_page, live_server, "sro", "wrong password")
    try_to_sign_in(axe_page, live_server, "sro", PASSWORD)

    expect(axe_page.get_by_role("heading", name="Sign-in locked for 15 minutes")).to_be_visible()
    expect(axe_page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_no_serious_violations(axe_page)


def test_a_person_with_no_role_signs_in_and_is_told_whom_to_ask(axe_page, live_server, make_user):
    make_user("new.starter")
    sign_in(axe_page, live_server, "new.starter")

    expect(axe_page.get_by_text("Your account has no role yet.")).to_be_visible()
    assert_no_serious_violations(axe_page)
    axe_page.goto(url(live_server, "/risks/"))
    expect(axe_page.get_by_role("heading", name="Your account has no role yet")).to_be_visible()
    axe_page.get_by_role("button", name="Sign out").click()
    expect(axe_page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_missing_page_has_no_serious_accessibility_violation(axe_page, live_server, sro):
    sign_in(axe_page, live_server, "sro")
    axe_page.goto(url(live_server, "/no-such-page/"))

    expect(axe_page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert_no_serious_violations(axe_page)
