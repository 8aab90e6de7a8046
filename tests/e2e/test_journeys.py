"""The issue's journeys, end to end in Chromium against the live server."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from core.calendar import FinancialQuarter, current_quarter, financial_year_label
from plans.models import QuarterRag
from tests.e2e.conftest import kpi_workbook, sign_in, sign_out, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROGRESS = "Triage pilot live in two localities; 92% of contacts screened within 24 hours."
BARRIERS = "Two localities still to train."
NEXT_STEPS = "Extend the triage to Paignton and Brixham by January."


def action_row(page: Page, description: str):
    """Return the plan table row of the key action whose description contains the text."""
    return page.locator("table.table-plan tbody tr").filter(has_text=description)


def write_update(page: Page, *, rag: str, default: FinancialQuarter, chosen: FinancialQuarter | None = None) -> None:
    """Fill and save the update form open on the page: it opens on `default` (the plan's reporting quarter);
    the update is for `chosen` when given."""
    expect(page.get_by_role("heading", name="Update key action")).to_be_visible()
    # Required fields' labels end with crispy's asterisk ("Quarter*").
    year_box = page.get_by_role("combobox", name=re.compile(r"^Financial year"))
    quarter_box = page.get_by_role("combobox", name=re.compile(r"^Quarter"))
    expect(year_box).to_have_value(str(default.financial_year))
    expect(quarter_box).to_have_value(str(default.quarter))
    expect(page.get_by_text(f"The current report is for {default.label}.")).to_be_visible()
    if chosen is not None:
        year_box.select_option(str(chosen.financial_year))
        quarter_box.select_option(str(chosen.quarter))
    page.get_by_label(rag, exact=True).check()
    page.get_by_label("Progress").fill(PROGRESS)
    page.get_by_label("Barriers").fill(BARRIERS)  # a Red or Amber RAG needs barriers and next steps
    page.get_by_label("Next steps").fill(NEXT_STEPS)
    page.get_by_role("button", name="Save update").click()


def test_head_of_service_update_and_rag_show_on_their_action_and_the_plan_for_the_sro(page, live_server, plan_actions):
    year, quarter = current_quarter().financial_year, current_quarter().quarter
    sign_in(page, live_server, "becky.thompson")

    page.goto(url(live_server, "/my-actions/"))
    expect(page.get_by_role("heading", name="My actions")).to_be_visible()
    mine = page.get_by_role("row").filter(has_text="Embed the multi-agency safeguarding hub triage")
    expect(mine.get_by_text("Not set")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Recruit permanent social work")).to_have_count(0)
    mine.get_by_role("link", name=re.compile(r"^Add update")).click()

    write_update(page, rag="Amber", default=current_quarter())

    expect(page).to_have_url(url(live_server, plan_actions["becky_action"].get_absolute_url()))
    expect(page.get_by_role("status")).to_have_text("Your update was saved.")
    rag_row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=f"Q{quarter}"))
    expect(rag_row.locator(".rag")).to_have_text("Amber")
    expect(page.locator("article").first).to_contain_text(PROGRESS)
    assert QuarterRag.objects.get(
        key_action=plan_actions["becky_action"], financial_year=year, quarter=quarter
    ).rag == ("amber")
    sign_out(page)

    # The SRO lands on Needs my attention; the highlight report is about the plan's reporting quarter.
    sign_in(page, live_server, "sro")
    expect(page).to_have_url(url(live_server, "/attention/"))
    page.get_by_role("link", name="highlight report").click()
    expect(page).to_have_url(url(live_server, "/"))
    expect(page.get_by_role("heading", name=f"At a glance: Q{quarter} {financial_year_label(year)}")).to_be_visible()
    row = page.locator(f"#action-{plan_actions['becky_action'].pk}")
    # Cells of a row: key action, Q1, Q2, Q3, Q4, narrative (the objective is a row header).
    expect(row.locator("td").nth(quarter).locator(".rag")).to_have_text("Amber")
    expect(row.locator("td").last).to_contain_text(PROGRESS)
    expect(row.locator("td").last).to_contain_text(NEXT_STEPS)
    expect(page.locator(f"#action-{plan_actions['rachel_action'].pk}").locator("td").nth(quarter)).to_have_text(
        "Not set"
    )
    # The SRO reads; only owners get an Update button.
    expect(page.get_by_role("link", name="Update this action")).to_have_count(0)

    page.goto(url(live_server, plan_actions["plan"].get_absolute_url()))
    row = action_row(page, "Embed the multi-agency safeguarding hub triage")
    expect(row.locator("td").nth(quarter).locator(".rag")).to_have_text("Amber")
    expect(row.locator("td").last).to_contain_text(PROGRESS)


def test_update_on_torbays_plan_shows_on_the_report_for_the_quarter_the_sro_chooses(page, live_server, demo):
    """On the real 2021 plan: the form and the report open on Q2 2021/22 (the quarter of the round the demo
    opens); the head of service writes for Q3 2021/22 instead (a quarter of the plan's years; Q1 2021/22 is
    locked, its paper published by the demo), is told which report it appears on, and the SRO picks it."""
    chosen = FinancialQuarter(2021, 3)
    year, quarter = chosen.financial_year, chosen.quarter
    sign_in(page, live_server, "becky.thompson")
    page.goto(url(live_server, "/my-actions/"))
    first = page.locator("tbody tr").filter(has=page.get_by_role("link", name=re.compile("^Add update"))).first
    action_link = first.get_by_role("rowheader").get_by_role("link")
    action_pk = int(re.search(r"/actions/(\d+)/", action_link.get_attribute("href")).group(1))
    first.get_by_role("link", name=re.compile("^Add update")).click()
    write_update(page, rag="Red", default=FinancialQuarter(2021, 2), chosen=chosen)
    expect(page.get_by_role("status").first).to_have_text("Your update was saved.")
    label = chosen.label
    expect(page.get_by_role("status").last).to_have_text(
        f"This update is for {label}; it will appear on the {label} report, not the current Q2 2021/22 report. "
        f"If you meant it for Q2 2021/22, add an update for Q2 2021/22 as well."
    )
    sign_out(page)

    sign_in(page, live_server, "sro")  # lands on Needs my attention
    page.goto(url(live_server, "/"))
    expect(page.get_by_role("heading", name="At a glance: Q2 2021/22")).to_be_visible()
    page.get_by_label("Financial year").select_option(str(year))
    page.get_by_label("Reporting quarter").select_option(str(quarter))
    page.get_by_role("button", name="Show the report").click()

    expect(page.get_by_role("heading", name=f"At a glance: Q{quarter} {financial_year_label(year)}")).to_be_visible()
    row = page.locator(f"#action-{action_pk}")
    expect(row.locator("td").nth(quarter).locator(".rag")).to_have_text("Red")
    expect(row.locator("td").last).to_contain_text(PROGRESS)
    glance = page.get_by_role("table", name=re.compile("^Key actions by RAG"))
    expect(glance.get_by_role("row").filter(has_text="Red").locator("td").first).to_have_text(re.compile(r"^1\b"))


def test_head_of_service_cannot_reach_the_edit_form_of_another_owners_action(page, live_server, plan_actions):
    rachels = plan_actions["rachel_action"]
    sign_in(page, live_server, "becky.thompson")

    page.goto(url(live_server, plan_actions["plan"].get_absolute_url()))
    expect(action_row(page, "Embed the multi-agency").get_by_role("link", name="Update this action")).to_be_visible()
    expect(
        action_row(page, "Recruit permanent social work").get_by_role("link", name=re.compile("^Update"))
    ).to_have_count(0)

    page.goto(url(live_server, rachels.get_absolute_url()))
    expect(page.get_by_role("heading", name="Key action")).to_be_visible()
    expect(page.get_by_role("link", name="Add an update and set the RAG")).to_have_count(0)

    response = page.goto(url(live_server, f"/actions/{rachels.pk}/update/"))
    assert response.status == 403
    expect(page.get_by_role("button", name="Save update")).to_have_count(0)

    # Posting the form anyway (with the page's own CSRF cookie) changes nothing.
    page.goto(url(live_server, plan_actions["becky_action"].get_absolute_url()))
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        url(live_server, f"/actions/{rachels.pk}/update/"),
        form={"version": "1", "financial_year": "2026", "quarter": "3", "rag": "green", "progress": "Not mine"},
        headers={"X-CSRFToken": token, "Referer": url(live_server, "/")},
    )
    assert response.status == 403
    assert not rachels.updates.exists()
    assert not rachels.quarter_rags.exists()


SIGNED_OUT_PAGES = [
    pytest.param("/", id="report"),
    pytest.param("/report/pdf/", id="report pdf"),
    pytest.param("/plans/", id="plan list"),
    pytest.param("/plans/e2e-plan/", id="plan"),
    pytest.param("/plans/e2e-plan/?year=2021", id="plan by year"),
    pytest.param("/my-actions/", id="my actions"),
    pytest.param("/actions/1/", id="action"),
    pytest.param("/actions/1/update/", id="action update form"),
    pytest.param("/kpis/", id="kpi list"),
    pytest.param("/kpis/1/", id="kpi"),
    pytest.param("/risks/", id="risk register"),
    pytest.param("/risks/1/", id="risk"),
    pytest.param("/risks/1/edit/", id="risk edit form"),
]


@pytest.mark.parametrize("path", SIGNED_OUT_PAGES)
def test_signed_out_visitor_is_sent_to_the_login_page(page, live_server, path):
    page.goto(url(live_server, path))

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert page.evaluate("() => new URLSearchParams(location.search).get('next')") == path
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_signed_out_visitor_opening_the_admin_signs_in_on_the_apps_page_and_reaches_the_admin(
    page, live_server, performance_user
):
    page.goto(url(live_server, "/admin/"))

    expect(page).to_have_url(url(live_server, "/accounts/login/?next=/admin/"))
    page.get_by_label("Username").fill("performance")
    page.get_by_label("Password").fill("improve-2021")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(url(live_server, "/admin/"))


def test_signing_in_from_the_login_redirect_returns_to_the_page_asked_for(page, live_server, plan_actions):
    page.goto(url(live_server, "/my-actions/"))
    page.get_by_label("Username").fill("becky.thompson")
    page.get_by_label("Password").fill("improve-2021")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(url(live_server, "/my-actions/"))
    expect(page.get_by_role("heading", name="My actions")).to_be_visible()


def test_performance_team_imports_a_new_month_and_it_is_on_the_report(page, live_server, demo, tmp_path):
    from kpis.models import Measure, MeasureValue

    placements = Measure.objects.get(plan__slug="torbay-2021-highlight", ref="1.1")
    missing = Measure.objects.get(plan__slug="torbay-2021-highlight", ref="1.4")
    assert not MeasureValue.objects.filter(measure__in=[placements, missing], month="2021-06-01").exists()
    workbook = tmp_path / "June 2021 KPIs.xlsx"
    kpi_workbook(
        workbook,
        [
            ["Torbay Children's Services: performance report"],
            ["Data to end of June 2021"],
            [],
            ["Ref", "Performance Measure", "Jun 21"],
            ["Placement Stability"],
            ["1.1", placements.title, 0.122],  # 12.2% in a percentage-formatted cell
            ["1.4", missing.title, 17],
        ],
        percent_cells={(6, 3)},
    )

    page.goto(url(live_server, "/admin/"))  # to the app's sign-in, and back
    page.get_by_label("Username").fill("performance")
    page.get_by_label("Password").fill("improve-2021")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Plans, KPIs and risks")).to_be_visible()

    page.get_by_role("link", name="Measures", exact=True).click()
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("Plan").select_option(str(placements.plan_id))
    page.get_by_label("KPI spreadsheet").set_input_files(workbook)
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name=re.compile("^Preview of “June 2021 KPIs.xlsx”"))).to_be_visible()
    expect(page.locator("#import-summary")).to_contain_text("2 measures read: 2 new monthly values, 0 changed")
    preview = page.get_by_role("table", name="Changes per measure")
    expect(preview.get_by_role("row").filter(has_text="% with 3 or more placements")).to_contain_text("Jun 2021: 12.2%")
    expect(preview.get_by_role("row").filter(has_text=missing.title)).to_contain_text("Jun 2021: 17")
    assert not MeasureValue.objects.filter(month="2021-06-01").exists()  # the preview writes nothing

    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist")).to_contain_text("June 2021 KPIs.xlsx")
    assert MeasureValue.objects.get(measure=placements, month="2021-06-01").value == Decimal("12.2")

    page.goto(url(live_server, "/"))
    expect(page.get_by_role("heading", name="At a glance: Q2 2021/22")).to_be_visible()  # the demo's open round
    table = page.locator("#theme-1 table.report-kpi")
    headers = table.locator("thead tr").nth(1).locator("th")
    expect(headers.filter(has_text="Jun 21")).to_have_count(1)
    june = headers.all_inner_texts().index("Jun 21")
    # A measure's cells: title, prior year, period, then one per month (its Ref is the row header).
    expect(page.locator(f"#measure-{placements.pk} td").nth(3 + june)).to_contain_text("12.2%")
    expect(page.locator(f"#measure-{missing.pk} td").nth(3 + june)).to_contain_text("17")


def test_pages_draw_under_the_content_security_policy_without_errors(page, live_server, demo):
    """The real CSP is on (only the axe checks bypass it): no blocked script or style, no script error, no 404."""
    from kpis.models import Measure
    from risks.models import Risk

    problems = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")  # reported with its URL below
            and problems.append(f"{page.url} console: {message.text}")
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "response",
        lambda response: response.status >= 400 and problems.append(f"{response.status} {response.url}"),
    )
    measure = Measure.objects.get(plan__slug="torbay-2021-highlight", ref="1.1")
    risk = Risk.objects.order_by("pk").first()
    sign_in(page, live_server, "sro")  # lands on Needs my attention
    page.goto(url(live_server, "/"))
    expect(page.get_by_role("heading", name="At a glance: Q2 2021/22")).to_be_visible()  # the demo's open round
    for path in ("/plans/torbay-2021-highlight/", "/kpis/", f"/kpis/{measure.pk}/", "/risks/", f"/risks/{risk.pk}/"):
        page.goto(url(live_server, path))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state("load")
    expect(page.locator("[data-plotly-figure] .main-svg").first).to_be_attached()  # the chart was drawn

    assert not problems, "\n".join(problems)
