"""Issue 13's audit page, end to end: the SRO changes a key priority and finds the change, from and to."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_no_serious_violations, sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PRIORITY = "Hold initial child protection conferences within 15 days for 90% of children."


@pytest.mark.parametrize("width", [1366, 390])
def test_the_sro_changes_a_key_priority_and_finds_it_on_the_audit_page(axe_page: Page, live_server, demo, width):
    page = axe_page
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "sro")
    page.goto(url(live_server, "/plans/torbay-2021-highlight/edit/"))
    priorities = page.get_by_role("region", name="Key priority areas")
    priorities.get_by_role("link", name="Edit key priority 2").click()
    page.get_by_label("Description of immediate improvement").fill(PRIORITY)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("The key priority 2 was saved.")

    page.goto(url(live_server, "/audit/"))
    page.get_by_label("Person").select_option(label="Nancy Meehan")
    page.get_by_label("From").fill("1/1/2020")
    page.get_by_role("button", name="Apply filters").click()

    # The SRO's changes, newest first: this one on top of what setup_demo did in her name (the Q2 round it
    # opens, the Q1 paper it publishes), which the count includes.
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"^\d+ changes\."))
    row = page.get_by_role("region", name="Changes, newest first").locator("tbody tr").first
    expect(row).to_contain_text("Nancy Meehan")
    expect(row).to_contain_text(re.compile(r"Key priority: 2\. "))
    expect(row.locator(".audit-after")).to_have_text(PRIORITY)
    expect(row.locator(".audit-before")).not_to_have_text(PRIORITY)
    if os.environ.get("AUDIT_SCREENSHOTS"):
        page.screenshot(path=f"/tmp/audit-{width}.png", full_page=True)
    # At a phone's width the change keeps a readable column (it was once squeezed to a sliver), and
    # nothing scrolls sideways but the table, in its own region.
    assert row.locator(".audit-change").bounding_box()["width"] >= 300
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_no_serious_violations(page)

    row.get_by_role("link").click()
    expect(page.get_by_label("Description of immediate improvement")).to_have_value(PRIORITY)


def test_a_bad_date_on_the_audit_page_is_explained_and_kept(axe_page: Page, live_server, demo):
    page = axe_page
    sign_in(page, live_server, "sro")
    page.goto(url(live_server, "/audit/"))
    page.get_by_label("From").fill("31/02/2026")
    page.get_by_role("button", name="Apply filters").click()

    expect(page.get_by_text("Enter the date as day/month/year")).to_be_visible()
    expect(page.get_by_label("From")).to_have_value("31/02/2026")
    assert_no_serious_violations(page)
