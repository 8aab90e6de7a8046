"""Reminders by email (issue 10) in Chromium: send_reminders runs on the demo; the SRO follows "Reminders sent" from
the review page, sees who was emailed about what, opens the list of actions; the page passes axe and, on a phone,
stacks each reminder into one block instead of scrolling sideways."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from plans.demo import MAIN_PLAN_SLUG
from plans.models import ReportingRound
from tests.e2e.conftest import assert_no_serious_violations, sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reminded(demo, live_server, settings):
    """The demo's round a day past its deadline, with send_reminders run once."""
    settings.SITE_URL = live_server.url
    round_ = ReportingRound.objects.get(plan__slug=MAIN_PLAN_SLUG, status=ReportingRound.Status.OPEN)
    day_after = (round_.deadline + datetime.timedelta(days=1)).isoformat()
    call_command("send_reminders", "--today", day_after, stdout=io.StringIO())
    return round_


def test_the_sro_reads_who_was_reminded_of_what(page, live_server, reminded):
    assert sorted(m.to[0] for m in mail.outbox) == ["becky.thompson@example.gov.uk", "rachel.setter@example.gov.uk"]
    sign_in(page, live_server, "sro", next_path=f"/plans/{MAIN_PLAN_SLUG}/review/")
    page.get_by_role("link", name="Reminders sent").click()
    expect(page.get_by_role("heading", name="Reminders sent")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="becky.thompson@example.gov.uk")
    expect(row).to_contain_text("Q2 2021/22 updates are overdue")
    expect(row).to_contain_text("Sent")
    row.get_by_text("actions it listed").click()
    expect(row.get_by_role("link").first).to_be_visible()
    expect(row).to_contain_text("1 day overdue: the deadline was")


@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}], ids=["1366", "390"]
)
def test_the_reminders_page_is_accessible_and_fits_a_phone(axe_page, live_server, reminded, viewport):
    axe_page.set_viewport_size(viewport)
    sign_in(axe_page, live_server, "sro")
    axe_page.goto(url(live_server, f"/plans/{MAIN_PLAN_SLUG}/reminders/"))
    expect(axe_page.get_by_role("heading", name="Reminders sent")).to_be_visible()
    assert axe_page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert_no_serious_violations(axe_page)
