"""Issue 10's publish and lock, end to end in Chromium: the SRO publishes the round; a board member signs in, reads
the paper and downloads its PDF and Word files; the head of service's later save to that quarter is refused with
their words kept; the SRO reopens the quarter with a reason and publishes it again as version 2."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from core import roles
from plans import services
from plans.rounds import services as rounds
from plans.selectors import plan_reporting_quarter
from tests.e2e.conftest import assert_no_serious_violations, sign_in, sign_out, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROGRESS = "Triage live in Torquay and Paignton."
LATE = "A late change the board never saw."
REASON = "Becky's figures for Paignton were a month old."


@pytest.fixture
def submitted(plan_actions, make_user):
    """The plan's round for its reporting quarter open, Becky's update submitted; a board member, Cllr Member."""
    make_user("member", roles.BOARD_MEMBER, first_name="Cllr", last_name="Member")
    plan, becky = plan_actions["plan"], plan_actions["becky_action"]
    quarter = plan_reporting_quarter(plan)
    today = timezone.localdate()
    rounds.round_open(
        user=User.objects.get(username="sro"),
        plan=plan,
        financial_year=quarter.financial_year,
        quarter=quarter.quarter,
        deadline=today,
        board_date=today + datetime.timedelta(days=7),
    )
    services.key_action_update_add(
        user=becky.owner,
        key_action=becky,
        expected_version=becky.version,
        financial_year=quarter.financial_year,
        quarter=quarter.quarter,
        rag="green",
        progress=PROGRESS,
    )
    return {"plan": plan, "quarter": quarter, "becky": becky}


def sro_publishes(page: Page, live_server, plan, label: str, version: int) -> None:
    page.get_by_role("link", name=f"Publish {label}").click()
    expect(page.get_by_role("heading", name=f"Publish {label} for the board")).to_be_visible()
    page.get_by_role("button", name=f"Publish and lock {label}").click()
    expect(page.get_by_role("heading", name=f"{plan.title}: {label}, version {version}")).to_be_visible()


def test_publish_read_by_the_board_refuse_a_late_save_reopen_and_republish(
    page: Page, live_server, submitted, tmp_path
):
    plan, label, becky = submitted["plan"], submitted["quarter"].label, submitted["becky"]
    sign_in(page, live_server, "sro", next_path=f"/plans/{plan.slug}/review/")
    sro_publishes(page, live_server, plan, label, 1)
    expect(page.get_by_role("status")).to_contain_text(f"{label} is published as version 1 and locked.")
    sign_out(page)

    sign_in(page, live_server, "member")
    assert page.url.endswith("/published/")
    page.get_by_role("link", name=label).click()
    expect(page.get_by_role("link", name="Download the PDF")).to_be_visible()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download the PDF").click()
    assert pdf.value.suggested_filename.endswith("-v1.pdf")
    pdf.value.save_as(tmp_path / "paper.pdf")
    assert (tmp_path / "paper.pdf").read_bytes().startswith(b"%PDF")
    with page.expect_download() as docx:
        page.get_by_role("link", name="Download the Word document").click()
    assert docx.value.suggested_filename.endswith("-v1.docx")
    page.get_by_role("link", name="Read it in the browser").click()
    expect(page.get_by_text(PROGRESS)).to_be_visible()
    page.goto(url(live_server, "/"))
    expect(page.get_by_role("link", name="Go to the published papers")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, "becky.thompson", next_path=f"/actions/{becky.pk}/update/")
    expect(page.locator("#quarter-locked")).to_contain_text(f"{label} is locked")  # said before typing
    page.get_by_label("Progress").fill(LATE)
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_text("its RAGs and updates can no longer be saved. Your words are kept")).to_be_visible()
    expect(page.get_by_label("Progress")).to_have_value(LATE)
    sign_out(page)

    sign_in(page, live_server, "sro", next_path="/published/")
    page.get_by_role("link", name=label).click()
    page.get_by_role("button", name="Reopen the quarter").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why the quarter is reopened")
    page.get_by_label("Why it is reopened").fill(REASON)
    page.get_by_role("button", name="Reopen the quarter").click()
    expect(page.locator("#reopened")).to_contain_text(f"by Nancy Meehan because “{REASON}”")
    page.get_by_role("link", name="Publish the quarter again").click()
    page.get_by_role("button", name=f"Publish and lock {label}").click()
    expect(page.get_by_role("heading", name=f"{plan.title}: {label}, version 2")).to_be_visible()
    page.get_by_role("link", name="Version 1").click()
    expect(page.locator("#reopened")).to_contain_text(REASON)
    page.goto(url(live_server, "/published/"))
    expect(page.get_by_role("cell", name="2", exact=True)).to_be_visible()


@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}], ids=["1366", "390"]
)
def test_the_published_pages_have_no_serious_accessibility_violation_nor_scroll_sideways(
    axe_page: Page, live_server, submitted, viewport
):
    """axe on /published/, a reopened paper's page (its reopen note and the publish-again link) and the publish
    page, as the SRO sees them; at a phone's width no page is wider than the screen."""
    from report import publishing

    plan, quarter = submitted["plan"], submitted["quarter"]
    sro = User.objects.get(username="sro")
    paper = publishing.paper_publish(user=sro, plan=plan, quarter=quarter)
    publishing.paper_reopen(user=sro, paper=paper, reason=REASON)
    axe_page.set_viewport_size(viewport)
    sign_in(axe_page, live_server, "sro")
    base = f"/published/{plan.slug}/{quarter.financial_year}-q{quarter.quarter}/"
    for path in ("/published/", f"{base}v1/", f"{base}publish/"):
        axe_page.goto(url(live_server, path))
        assert_no_serious_violations(axe_page)
        wide = axe_page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wide, f"{path} scrolls sideways at {viewport['width']} px"
