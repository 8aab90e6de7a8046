"""Issue 10's quarterly round, end to end in Chromium: the SRO opens a round; the head of service sees the action
due, is refused a Red without barriers (what they typed kept), submits; the improvement lead returns it with a
comment; the head of service revises and resubmits; the improvement lead signs it off."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from core import roles
from plans import services
from plans.models import Submission
from plans.rounds import services as rounds
from plans.selectors import plan_reporting_quarter
from tests.e2e.conftest import assert_no_serious_violations, sign_in, sign_out, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ACTION = "Embed the multi-agency safeguarding hub triage"
PROGRESS = "Triage paused in Paignton while the team is rebuilt."


def next_quarter_label(plan) -> str:
    current = plan_reporting_quarter(plan)
    year, quarter = (
        (current.financial_year + 1, 1) if current.quarter == 4 else (current.financial_year, current.quarter + 1)
    )
    return f"Q{quarter} {year}/{str(year + 1)[-2:]}"


def task_row(page: Page):
    return page.get_by_role("row").filter(has_text=ACTION)


def sro_opens_the_round(page: Page, live_server, plan, quarter: str, today: datetime.date) -> None:
    sign_in(page, live_server, "sro", next_path=f"/plans/{plan.slug}/")
    page.get_by_role("link", name="Open a reporting round").click()
    expect(page.get_by_role("heading", name="Open a reporting round")).to_be_visible()
    page.get_by_label("Deadline for updates").fill((today + datetime.timedelta(days=7)).isoformat())
    page.get_by_label("Board date").fill((today + datetime.timedelta(days=21)).isoformat())
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_role("heading", name=f"Review updates: {quarter}")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"The {quarter} round is open.")
    sign_out(page)


def head_of_service_is_refused_red_without_barriers_then_submits(page: Page, live_server, quarter: str) -> None:
    sign_in(page, live_server, "becky.thompson", next_path="/my-actions/")
    expect(task_row(page)).to_contain_text("Due in 7 days")
    task_row(page).get_by_role("link", name=re.compile(r"^Add update")).click()
    expect(page.get_by_text(f"{quarter} round: Due")).to_be_visible()
    page.get_by_label("Red", exact=True).check()
    page.get_by_label("Progress").fill(PROGRESS)
    page.get_by_label("Next steps").fill("Recruit two practitioners by January.")
    page.get_by_role("button", name="Save update").click()
    refused = "A Red RAG needs an explanation: write the barriers holding the action back here"
    expect(page.get_by_text(refused)).to_be_visible()
    expect(page.get_by_label("Progress")).to_have_value(PROGRESS)
    expect(page.get_by_label("Red", exact=True)).to_be_checked()
    page.get_by_label("Barriers").fill("Two practitioners left in October.")
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_role("status")).to_have_text("Your update was saved.")
    page.goto(url(live_server, "/my-actions/"))
    expect(task_row(page)).to_contain_text("Submitted, awaiting sign-off")
    sign_out(page)


def lead_returns_it_with_a_comment(page: Page, live_server, plan) -> None:
    sign_in(page, live_server, "improvement.lead", next_path=f"/plans/{plan.slug}/review/")
    expect(page.get_by_text("Triage paused in Paignton")).to_be_visible()
    page.get_by_role("button", name="Return with comment this update").click()
    expect(page.get_by_role("alert")).to_contain_text("Write a comment saying what the head of service should change")
    page.get_by_label("Comment for the head of service").fill("Say when Paignton restarts.")
    page.get_by_role("button", name="Return with comment this update").click()
    expect(page.get_by_role("status")).to_contain_text("to Becky Thompson with your comment.")
    sign_out(page)


def head_of_service_revises_and_resubmits(page: Page, live_server) -> None:
    sign_in(page, live_server, "becky.thompson", next_path="/my-actions/")
    expect(task_row(page)).to_contain_text("Returned")
    expect(task_row(page)).to_contain_text("Say when Paignton restarts.")
    task_row(page).get_by_role("link", name=re.compile(r"^Revise update")).click()
    expect(page.get_by_text("Say when Paignton restarts.")).to_be_visible()
    page.get_by_label("Red", exact=True).check()
    page.get_by_label("Progress").fill("Triage restarts in Paignton on 10 January.")
    page.get_by_label("Barriers").fill("Two practitioners left in October.")
    page.get_by_label("Next steps").fill("Recruit two practitioners by January.")
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_role("status")).to_have_text("Your update was saved.")
    sign_out(page)


def lead_signs_it_off(page: Page, live_server, plan) -> None:
    sign_in(page, live_server, "improvement.lead", next_path=f"/plans/{plan.slug}/review/")
    expect(page.get_by_text("Triage restarts in Paignton on 10 January.")).to_be_visible()
    page.get_by_role("button", name="Sign off this update").click()
    expect(page.get_by_role("status")).to_contain_text("You signed off the update")
    expect(page.get_by_text("No updates are waiting for sign-off.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Signed off by Imogen Lead")).to_be_visible()


def test_a_round_from_opening_to_sign_off(page: Page, live_server, plan_actions, make_user):
    make_user("improvement.lead", roles.IMPROVEMENT_LEAD, first_name="Imogen", last_name="Lead")
    plan = plan_actions["plan"]
    quarter = next_quarter_label(plan)
    sro_opens_the_round(page, live_server, plan, quarter, timezone.localdate())
    head_of_service_is_refused_red_without_barriers_then_submits(page, live_server, quarter)
    lead_returns_it_with_a_comment(page, live_server, plan)
    head_of_service_revises_and_resubmits(page, live_server)
    lead_signs_it_off(page, live_server, plan)
    submission = Submission.objects.get(key_action=plan_actions["becky_action"])
    history = [r.status for r in submission.history.order_by("history_date")]
    assert history == ["submitted", "returned", "submitted", "signed_off"]


@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}], ids=["1366", "390"]
)
def test_the_round_pages_with_updates_have_no_serious_accessibility_violation(
    axe_page: Page, live_server, plan_actions, make_user, viewport
):
    """axe on the pages as they look mid-round: My actions with a returned update, the review page with an update
    awaiting sign-off and a refused return, and the update form showing the reviewer's comment."""
    make_user("improvement.lead", roles.IMPROVEMENT_LEAD)
    plan, becky, rachel = plan_actions["plan"], plan_actions["becky_action"], plan_actions["rachel_action"]
    today = timezone.localdate()
    opener = User.objects.get(username="sro")
    quarter = plan_reporting_quarter(plan)
    round_ = rounds.round_open(
        user=opener,
        plan=plan,
        financial_year=quarter.financial_year,
        quarter=quarter.quarter,
        deadline=today - datetime.timedelta(days=2),
        board_date=today + datetime.timedelta(days=5),
    )
    for action, rag in ((becky, "red"), (rachel, "amber")):
        services.key_action_update_add(
            user=action.owner,
            key_action=action,
            expected_version=action.version,
            financial_year=round_.financial_year,
            quarter=round_.quarter,
            rag=rag,
            progress="Triage paused in Paignton.",
            barriers="Two practitioners left.",
            next_steps="Recruit by January.",
        )
    rounds.submission_return(user=opener, submission=becky.submissions.get(), comment="Say when it restarts.")
    axe_page.set_viewport_size(viewport)

    sign_in(axe_page, live_server, "becky.thompson", next_path="/my-actions/")
    expect(axe_page.get_by_text("Reviewer’s comment: “Say when it restarts.”")).to_be_visible()
    assert_no_serious_violations(axe_page)
    axe_page.goto(url(live_server, f"/actions/{becky.pk}/update/"))
    expect(axe_page.get_by_text("“Say when it restarts.”")).to_be_visible()
    assert_no_serious_violations(axe_page)
    axe_page.context.clear_cookies()  # signed out (at a phone's width the button is in the folded menu)

    sign_in(axe_page, live_server, "improvement.lead", next_path=f"/plans/{plan.slug}/review/")
    axe_page.get_by_role("button", name="Return with comment this update").click()
    expect(axe_page.get_by_role("alert")).to_contain_text("Write a comment")
    assert_no_serious_violations(axe_page)
    # Nothing scrolls sideways at a phone's width but a table in its own labelled region.
    width = axe_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
