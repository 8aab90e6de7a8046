"""Issue 13's people journeys, end to end in Chromium against the live server on Torbay's demo data."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from playwright.sync_api import Page, expect

from core import people
from core.calendar import FinancialQuarter
from plans.models import KeyAction
from tests.e2e.conftest import assert_no_serious_violations, sign_in, sign_out, url
from tests.e2e.test_journeys import write_update

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KAREN_PASSWORD = "front-door-triage-2021"


def invitation_link(email_body: str) -> str:
    return re.search(r"(http://\S+/people/invitation/\S+/)", email_body).group(1)


def test_an_administrator_invites_karen_ogle_who_updates_the_action_she_is_given(page: Page, live_server, demo):
    """Invite → the email → Karen sets her password → the administrator grants Head of service and assigns her
    one of the actions kept under her name → she signs in and updates it."""
    action = KeyAction.objects.filter(owner_name="Karen Ogle", owner=None, retired_at=None).order_by("pk").first()
    sign_in(page, live_server, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Invite a person").click()
    page.get_by_label("First name").fill("Karen")
    page.get_by_label("Last name").fill("Ogle")
    page.get_by_label("Email address").fill("karen.ogle@torbay.gov.uk")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Karen Ogle was invited: an email to karen.ogle@torbay.gov.uk")
    sign_out(page)

    (email,) = mail.outbox
    assert email.to == ["karen.ogle@torbay.gov.uk"]
    page.goto(invitation_link(email.body))
    expect(page.get_by_role("heading", name="Welcome to Improvement Tracker")).to_be_visible()
    # Crispy ends a required field's label with an asterisk ("New password*").
    page.locator("#id_new_password1").fill(KAREN_PASSWORD)
    page.locator("#id_new_password2").fill(KAREN_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set.")

    sign_in(page, live_server, "admin")
    page.goto(url(live_server, "/people/?role=none"))
    page.get_by_role("link", name="Karen Ogle").click()
    page.get_by_role("checkbox", name=re.compile("^Head of service")).check()
    page.get_by_role("button", name="Save roles").click()
    expect(page.get_by_role("status")).to_have_text("Karen Ogle's roles were saved.")
    expect(page.get_by_role("cell", name="Role granted: Head of service")).to_be_visible()

    page.goto(url(live_server, f"/actions/{action.pk}/edit/"))
    page.get_by_role("combobox", name=re.compile("^Owner")).select_option(label="Karen Ogle")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    sign_out(page)

    sign_in(page, live_server, "karen.ogle@torbay.gov.uk", KAREN_PASSWORD)
    page.goto(url(live_server, "/my-actions/"))
    mine = page.locator("tbody tr").filter(has=page.get_by_role("link", name=re.compile("^Add update")))
    expect(mine).to_have_count(1)
    mine.get_by_role("link", name=re.compile("^Add update")).click()
    write_update(page, rag="Green", default=FinancialQuarter(2021, 2))
    expect(page.get_by_role("status").first).to_have_text("Your update was saved.")
    assert action.updates.filter(author__email="karen.ogle@torbay.gov.uk").count() == 1


def test_one_click_invites_stefan_chapleo_from_the_owners_page_and_his_actions_become_his(
    page: Page, live_server, demo
):
    sign_in(page, live_server, "admin")
    page.goto(url(live_server, "/plans/owners/"))
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Stefan Chapleo"))
    expect(row.get_by_text("Not yet a user")).to_be_visible()
    for name in ("Karen Ogle", "Gwynne Rayns", "Nick Hollins"):
        expect(page.get_by_role("rowheader", name=name)).to_be_visible()
    row.get_by_role("link", name="Invite Stefan Chapleo").click()
    expect(page.get_by_label("First name")).to_have_value("Stefan")
    expect(page.get_by_label("Last name")).to_have_value("Chapleo")
    expect(page.get_by_role("checkbox", name=re.compile("^Head of service"))).to_be_checked()
    page.get_by_label("Email address").fill("stefan.chapleo@torbay.gov.uk")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Stefan Chapleo was invited")
    assert not KeyAction.objects.filter(owner_name="Stefan Chapleo", owner=None, retired_at=None).exists()
    page.goto(url(live_server, "/plans/owners/"))
    expect(page.get_by_role("rowheader", name="Stefan Chapleo")).to_have_count(0)


@pytest.mark.parametrize(
    "path",
    ["/people/", "/people/invite/", "/people/1/", "/plans/owners/"],
)
def test_the_people_pages_pass_axe(axe_page: Page, live_server, demo, path):
    sign_in(axe_page, live_server, "admin")
    axe_page.goto(url(live_server, path))
    assert_no_serious_violations(axe_page)


def test_the_invitation_page_passes_axe(axe_page: Page, live_server, demo):
    axe_page.goto(url(live_server, "/people/invitation/MQ/bad-token/"))
    expect(axe_page.get_by_role("heading", name="This invitation link no longer works")).to_be_visible()
    assert_no_serious_violations(axe_page)


def test_an_email_address_stays_on_one_line_on_a_phone(page: Page, live_server, demo):
    """At 390 px the table scrolls in its own region; an address broken across five lines was unreadable."""
    people.person_invite(
        by=User.objects.get(username="admin"),
        email="karen.ogle@torbay.gov.uk",
        first_name="Karen",
        last_name="Ogle",
        base_url=live_server.url,
    )
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(page, live_server, "admin")
    page.goto(url(live_server, "/people/"))
    cell = page.get_by_role("cell", name="karen.ogle@torbay.gov.uk")
    # A short address (the demo's SRO) takes one line: the long one must take no more.
    line = page.get_by_role("cell", name="sro@example.gov.uk", exact=True).bounding_box()["height"]
    assert cell.bounding_box()["height"] <= line
