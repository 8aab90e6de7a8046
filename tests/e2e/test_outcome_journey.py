"""Issue 13: the owner of a 2016 tracker action updates its outcome column in the browser; axe-core on the form."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from plans.models import KeyAction
from tests.e2e.conftest import assert_no_serious_violations, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_owner_of_a_tracker_action_updates_its_outcome(axe_page: Page, live_server, demo):
    page = axe_page
    action = (
        KeyAction.objects.filter(objective__theme__plan__slug="torbay-2016-action-tracker")
        .order_by("objective__theme__number", "objective__order", "order")
        .first()
    )
    action.owner = User.objects.get(username="becky.thompson")
    action.save()
    sign_in(page, live_server, "becky.thompson", next_path=action.get_absolute_url())
    page.get_by_role("link", name="Update the outcome").click()
    expect(page.get_by_role("heading", name="Update the outcome")).to_be_visible()
    assert_no_serious_violations(page)
    page.get_by_label("Outcome – (report for Q1, Q2, Q3, Q4)").fill("Q3: 38% of assessments within 20 days.")
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.get_by_role("status")).to_have_text("The outcome was saved. It shows on the action's page.")
    expect(page.locator("dd.narrative").filter(has_text="Q3: 38% of assessments within 20 days.")).to_be_visible()
