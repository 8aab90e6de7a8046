"""Issue 13: the SRO creates a plan from a tracker spreadsheet (seed 001's rows): upload, check, create; axe-core
on the upload form, the preview and the preview listing problems."""

import pytest
from playwright.sync_api import Page, expect

from plans.models import KeyAction, Plan
from tests.e2e.conftest import assert_no_serious_violations, sign_in, url
from tests.plans.test_tracker_import import HEADER, _row, workbook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _upload(page: Page, path, title: str) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("Tracker spreadsheet").set_input_files(str(path))
    page.get_by_role("button", name="Check the spreadsheet").click()


def test_the_sro_creates_a_plan_from_the_trackers_spreadsheet(axe_page: Page, live_server, demo, tmp_path):
    page = axe_page
    good, bad = tmp_path / "tracker.xlsx", tmp_path / "broken.xlsx"
    good.write_bytes(workbook())
    bad.write_bytes(workbook([HEADER, _row("Objective without a theme"), _row("Act", how="Do")]))
    sign_in(page, live_server, "sro")
    page.goto(url(live_server, "/plans/"))
    page.get_by_role("link", name="Create a plan from a spreadsheet").click()
    assert_no_serious_violations(page)

    _upload(page, bad, "Broken tracker")
    expect(page.get_by_role("alert")).to_contain_text("Row 6, column “What?”: This objective has no theme above it.")
    assert_no_serious_violations(page)

    page.get_by_role("link", name="Upload the spreadsheet again").click()
    _upload(page, good, "Improvement Action Tracker 2026")
    expect(page.get_by_role("heading", name="Check the plan before it is created")).to_be_visible()
    expect(page.get_by_role("heading", name="Theme 2: Partnership working (row 14)")).to_be_visible()
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Create the plan").click()

    expect(page.get_by_role("status")).to_contain_text("was created with 2 themes, 3 objectives and 6 key actions")
    plan = Plan.objects.get(title="Improvement Action Tracker 2026")
    assert KeyAction.objects.filter(objective__theme__plan=plan).count() == 6
