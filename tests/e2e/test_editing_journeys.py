"""Issue 13's editing journeys, end to end in Chromium against the live server on Torbay's demo data."""

import re

import pytest
from playwright.sync_api import Page, expect

from plans.models import KeyAction, Plan
from tests.e2e.conftest import assert_no_serious_violations, sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NARRATIVE = "Ofsted's March 2021 focused visit found progress continued; R&D spend < budget & rising."
PRIORITY = "Improve the timeliness of initial child protection conferences to 90% within 15 days."


def test_the_sro_corrects_the_overall_narrative_and_a_key_priority_and_sees_both_on_the_report(
    page: Page, live_server, demo
):
    sign_in(page, live_server, "sro")
    page.goto(url(live_server, "/plans/torbay-2021-highlight/"))
    page.get_by_role("link", name="Edit the plan").click()
    expect(page.get_by_role("heading", name=re.compile("^Edit the plan"))).to_be_visible()

    page.get_by_role("link", name="Edit the summary").click()
    page.get_by_label("Overall progress narrative").fill(NARRATIVE)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("The plan's summary was saved.")

    priorities = page.get_by_role("region", name="Key priority areas")
    priorities.get_by_role("link", name="Edit key priority 2").click()
    page.get_by_label("Description of immediate improvement").fill(PRIORITY)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("The key priority 2 was saved.")

    # Priority 2 moved above 1 with the keyboard: focus the button, press Enter.
    priorities.get_by_role("button", name=re.compile("move key priority 2 up")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("The key priority 2 moved up.")
    expect(page.get_by_role("region", name="Key priority areas").locator("tbody th").first).to_have_text("2")

    page.goto(url(live_server, "/?plan=torbay-2021-highlight"))
    expect(page.locator(".report-panel").filter(has_text="Overall progress narrative")).to_contain_text(NARRATIVE)
    report_priorities = page.locator(".report-panel").filter(has_text="Key priority areas")
    expect(report_priorities.locator("tbody tr").first).to_contain_text(PRIORITY)


def test_an_administrator_rolls_the_2021_plan_forward_to_2022_23(page: Page, live_server, demo):
    sign_in(page, live_server, "admin")
    page.goto(url(live_server, "/plans/torbay-2021-highlight/edit/"))
    page.get_by_role("link", name="Roll this plan forward to a new year").click()
    expect(page.get_by_role("combobox", name=re.compile("^Financial year"))).to_have_value("2022")
    page.get_by_role("button", name="Roll the plan forward").click()

    expect(page.get_by_role("status")).to_contain_text("was created from")
    expect(page.get_by_role("heading", name=re.compile(r"2022.23"))).to_be_visible()
    new = Plan.objects.get(previous_plan__slug="torbay-2021-highlight")
    assert KeyAction.objects.filter(objective__theme__plan=new).count() == 75

    page.goto(url(live_server, f"/?plan={new.slug}"))
    expect(page.get_by_role("heading", name="At a glance: Q1 2022/23")).to_be_visible()
    expect(page.locator(".report-theme")).to_have_count(4)

    # Asking again for the same year is refused with a sentence, and nothing is made.
    page.goto(url(live_server, "/plans/torbay-2021-highlight/roll-forward/"))
    page.get_by_role("button", name="Roll the plan forward").click()
    expect(page.get_by_text("Torbay Council already has a plan for 2022/23")).to_be_visible()
    assert Plan.objects.filter(previous_plan__slug="torbay-2021-highlight").count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/plans/torbay-2021-highlight/edit/",
        "/plans/torbay-2021-highlight/edit/summary/",
        "/actions/1/edit/",
        "/plans/torbay-2021-highlight/roll-forward/",
    ],
)
def test_the_editing_pages_pass_axe(axe_page: Page, live_server, demo, path):
    sign_in(axe_page, live_server, "sro")
    axe_page.goto(url(live_server, path))
    assert_no_serious_violations(axe_page)
