"""Issue 13: the SRO links a key action to an Ofsted recommendation; the report and the action's page show it.
End to end in Chromium on the demo's 2016 action tracker, with axe-core on the pages it passes through."""

import re

import pytest
from playwright.sync_api import Page, expect

from plans.models import KeyAction, OfstedRecommendation
from plans.recommendations import action_label
from tests.e2e.conftest import assert_no_serious_violations, sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TRACKER = "torbay-2016-action-tracker"


def _recommendation(number: int) -> OfstedRecommendation:
    return OfstedRecommendation.objects.get(plan__slug=TRACKER, number=number)


def _first_action_of_theme(number: int) -> KeyAction:
    return (
        KeyAction.objects.select_related("objective__theme")
        .filter(objective__theme__plan__slug=TRACKER, objective__theme__number=number)
        .order_by("objective__order", "order", "id")
        .first()
    )


def test_the_sro_links_an_action_to_a_recommendation_and_the_report_and_action_page_show_it(
    page: Page, live_server, demo
):
    # Recommendation 13 (independent reviewing officers) is theme 3's; the SRO adds theme 5's first action
    # (care leavers), which the demo does not link to it.
    action = _first_action_of_theme(5)
    label = action_label(action)
    recommendation = _recommendation(13)
    assert action not in recommendation.key_actions.all()

    sign_in(page, live_server, "sro")
    page.goto(url(live_server, f"/plans/{TRACKER}/"))
    page.get_by_role("link", name=re.compile("^Edit recommendation 13")).click()
    expect(page.get_by_role("heading", name="Edit Ofsted recommendation 13")).to_be_visible()
    page.get_by_label(label).check()
    page.get_by_label("Red", exact=True).check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Ofsted recommendation 13 was saved.")
    expect(page.locator("#recommendation-13")).to_contain_text(label)

    page.goto(url(live_server, f"/?plan={TRACKER}&year=2016&quarter=2"))
    panel = page.locator(".report-panel").filter(has=page.get_by_role("heading", name="Ofsted recommendations"))
    expect(panel).to_contain_text("Progress snapshot: 1 March 2017")
    row = panel.locator("#recommendation-13")
    expect(row).to_contain_text("Red")
    row.get_by_role("link", name=label).click()

    expect(page.get_by_role("heading", name="Key action")).to_be_visible()
    answers = page.get_by_role("region", name=re.compile("^Ofsted recommendations? it answers"))
    expect(answers).to_contain_text("Recommendation 13")
    expect(answers).to_contain_text("Strengthen the quality assurance role")


def test_the_recommendation_pages_have_no_serious_accessibility_violation(axe_page: Page, live_server, demo):
    recommendation = _recommendation(6)
    sign_in(axe_page, live_server, "sro", next_path=f"/recommendations/{recommendation.pk}/edit/")
    expect(axe_page.get_by_role("heading", name="Edit Ofsted recommendation 6")).to_be_visible()
    assert_no_serious_violations(axe_page)

    # The form refusing comments over the limit.
    axe_page.get_by_label("Comments").fill("x" * 20_001)
    axe_page.get_by_role("button", name="Save changes").click()
    expect(axe_page.get_by_text("Shorten it and save again.")).to_be_visible()
    assert_no_serious_violations(axe_page)

    axe_page.goto(url(live_server, f"/?plan={TRACKER}&year=2016&quarter=2"))
    expect(axe_page.get_by_role("heading", name="Ofsted recommendations")).to_be_visible()
    assert_no_serious_violations(axe_page)

    axe_page.goto(url(live_server, _first_action_of_theme(1).get_absolute_url()))
    expect(axe_page.get_by_role("heading", name="Ofsted recommendation it answers")).to_be_visible()
    assert_no_serious_violations(axe_page)


PHONE_PAGES = [f"/?plan={TRACKER}&year=2016&quarter=2", f"/plans/{TRACKER}/"]


@pytest.mark.parametrize("path", PHONE_PAGES, ids=["report", "plan"])
def test_at_a_phones_width_the_recommendations_stack_and_nothing_scrolls_sideways(page: Page, live_server, demo, path):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "sro", next_path=path)
    row = page.locator("#recommendation-13")
    expect(row.locator("td[data-label='RAG']")).to_be_visible()
    assert row.evaluate("(row) => getComputedStyle(row).display") == "block"  # one block per recommendation
    header = row.locator("th").evaluate("(th) => getComputedStyle(th, '::before').content")
    assert header == '"Recommendation "'  # "Recommendation 13", not a bare number
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
