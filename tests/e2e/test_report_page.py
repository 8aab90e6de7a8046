"""The report as its readers see it: the first screen at 1366 px, sticky KPI columns, every page at 390 px
without sideways scrolling of the page itself, and no axe-core violation of any impact on the report."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import axe_violations, format_violations, sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAIN_PLAN = "torbay-2021-highlight"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def ids():
    from kpis.models import Measure
    from plans.models import KeyAction
    from risks.models import Risk

    action = KeyAction.objects.filter(owner__username="becky.thompson", objective__theme__plan__slug=MAIN_PLAN).first()
    return {
        "action": action.pk,
        "measure": Measure.objects.get(plan__slug=MAIN_PLAN, ref="1.1").pk,
        "risk": Risk.objects.order_by("pk").first().pk,
    }


# Every page a person can reach, by who reaches it.
PAGES_BY_USER = {
    "sro": [
        "/",
        "/?months=all",
        "/?year=2020&quarter=4&as_at=2021-07-13",
        "/plans/",
        f"/plans/{MAIN_PLAN}/",
        "/kpis/",
        "/kpis/{measure}/",
        "/risks/",
        "/risks/{risk}/",
    ],
    "becky.thompson": ["/my-actions/", "/actions/{action}/", "/actions/{action}/update/"],
    "admin": ["/risks/{risk}/edit/"],
}


def page_overflow(page: Page) -> int:
    """Return how many CSS pixels the page itself is wider than its viewport (0 when it fits)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("username", list(PAGES_BY_USER))
def test_every_page_fits_the_width_of_a_phone_and_a_laptop(page, live_server, demo, username):
    known = ids()
    sign_in(page, live_server, username)
    too_wide = []
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        for path in PAGES_BY_USER[username]:
            address = path.format(**known)
            response = page.goto(url(live_server, address))
            assert response.status == 200, f"{address} answered {response.status}"
            if (overflow := page_overflow(page)) > 0:
                too_wide.append(f"{address} at {viewport['width']} px is {overflow} px too wide")
    assert not too_wide, "\n".join(too_wide)


def test_the_first_screen_holds_the_overall_status_and_the_at_a_glance_counts(page, live_server, demo):
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server, "sro")  # lands on Needs my attention
    page.goto(url(live_server, "/"))

    chooser = page.get_by_role("form", name="Choose the report")
    fields = ("Plan", "Financial year", "Reporting quarter")
    boxes = [chooser.get_by_label(name, exact=True).bounding_box() for name in fields]
    assert len({round(box["y"]) for box in boxes}) == 1, "the plan, year and quarter are chosen in one row"
    status = page.locator(".report-overall-status .rag")
    expect(status).to_have_text("Amber")
    figures = page.locator(".report-glance .glance-card")
    expect(figures).to_have_count(4)
    for element in [status, *(figures.nth(i) for i in range(4))]:
        box = element.bounding_box()
        assert box["y"] + box["height"] <= LAPTOP["height"], f"{element} is below the first screen"


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366 px", "390 px"])
def test_kpi_table_keeps_ref_measure_and_header_in_view_when_scrolled(page, live_server, demo, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, live_server, "sro", next_path="/?months=all")
    region = page.get_by_role("region", name="Theme 1 performance measures")
    region.scroll_into_view_if_needed()
    ref_header = region.get_by_role("columnheader", name="Ref")
    first_ref = region.get_by_role("rowheader").first
    before = ref_header.bounding_box(), first_ref.bounding_box()

    region.evaluate("element => element.scrollBy(2000, 300)")
    page.wait_for_function("element => element.scrollLeft > 0 && element.scrollTop > 0", arg=region.element_handle())

    region_box = region.bounding_box()
    header_after = ref_header.bounding_box()
    assert abs(header_after["x"] - before[0]["x"]) < 2, "the Ref column stays at the left"
    assert abs(header_after["y"] - region_box["y"]) < 3, "the header row stays at the top of the table"
    assert abs(first_ref.bounding_box()["x"] - before[1]["x"]) < 2
    measure_header = region.get_by_role("columnheader", name="Performance measure")
    assert measure_header.bounding_box()["x"] < header_after["x"] + header_after["width"] + 2


def test_kpi_tables_open_on_the_reporting_year_with_earlier_months_one_click_away(page, live_server, demo):
    sign_in(page, live_server, "sro")  # lands on Needs my attention
    page.goto(url(live_server, "/"))
    region = page.get_by_role("region", name="Theme 1 performance measures")
    expect(region.get_by_role("columnheader", name="Apr 21")).to_be_visible()
    expect(region.get_by_role("columnheader", name="Jul 20")).to_have_count(0)

    page.get_by_role("link", name="Show the 9 earlier months of theme 1's measures").click()

    expect(region.get_by_role("columnheader", name="Jul 20")).to_be_attached()
    expect(page.get_by_role("link", name="Show only 2021/22 in theme 1's measures")).to_be_visible()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366 px", "390 px"])
def test_report_has_no_accessibility_violation_of_any_impact(axe_page, live_server, demo, viewport):
    axe_page.set_viewport_size(viewport)
    sign_in(axe_page, live_server, "sro")
    axe_page.goto(url(live_server, "/"))  # she lands on Needs my attention
    expect(axe_page.get_by_role("heading", name="At a glance: Q2 2021/22")).to_be_visible()  # the demo's round

    violations = axe_violations(axe_page, impacts=("minor", "moderate", "serious", "critical"))

    assert not violations, format_violations(violations)


def test_rag_radios_and_their_labels_are_large_enough_to_tap_on_a_phone(page, live_server, demo):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "becky.thompson", next_path=f"/actions/{ids()['action']}/update/")

    for word in ("Red", "Amber", "Green"):
        radio = page.get_by_role("radio", name=word)
        box = radio.bounding_box()
        assert min(box["width"], box["height"]) >= 24, f"the {word} radio is {box['width']}x{box['height']} px"
        label = page.locator(f"label[for='{radio.get_attribute('id')}']").bounding_box()
        assert label["height"] >= 24, f"the {word} label is {label['height']} px tall"
