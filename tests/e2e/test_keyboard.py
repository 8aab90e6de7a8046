"""The pages work by keyboard alone: skip link, visible focus, and the update form from sign-in to save."""

import re

import pytest
from playwright.sync_api import Page, expect

from core.calendar import current_quarter
from tests.e2e.conftest import sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_TABS = 60

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
    return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        name: el.getAttribute("name") || "",
        type: el.getAttribute("type") || "",
        text: (el.innerText || el.value || "").trim(),
        label: label.trim(),
        ariaLabel: el.getAttribute("aria-label") || "",
        checked: !!el.checked,
    };
}"""

FOCUS_STYLE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {
        outline: style.outlineStyle !== "none" ? parseFloat(style.outlineWidth) : 0,
        shadow: style.boxShadow !== "none",
        focusVisible: el.matches(":focus-visible"),
        visible: box.width > 0 && box.height > 0,
        atBody: el === document.body,
        describe: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + (el.innerText || "").slice(0, 40),
    };
}"""


def focused(page: Page) -> dict | None:
    """Return what has the keyboard focus: tag, id, name, type, text, label, ariaLabel, checked."""
    return page.evaluate(FOCUSED)


def tab_to(page: Page, matches, *, key: str = "Tab") -> dict:
    """Press Tab until the focused element satisfies `matches(focused)`; fail after MAX_TABS presses."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        element = focused(page)
        if element and matches(element):
            return element
        seen.append(element and f"{element['tag']} {element['text'][:30] or element['name']}")
    raise AssertionError(f"Never reached the element by {key}; focus went through: {seen}")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(page, live_server, plan_actions):
    sign_in(page, live_server, "becky.thompson")
    page.goto(url(live_server, plan_actions["plan"].get_absolute_url()))

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside the main content, not back in the navbar.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def assert_every_tab_stop_shows_focus(page: Page) -> None:
    """Tab through the page (up to MAX_TABS stops) and fail on any stop with no visible focus indicator."""
    invisible, stops = [], 0
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        style = page.evaluate(FOCUS_STYLE)
        if style["atBody"]:  # past the last tab stop, focus leaves the document
            break
        stops += 1
        # The house focus ring (static/css/app.css) is a 3px outline; Bootstrap's own faint blue box-shadow
        # alone is not enough to see on the blue navbar.
        if not style["visible"] or style["outline"] < 2:
            invisible.append(style)
    assert stops >= 5, f"{page.url} should have links and controls to tab through"
    assert not invisible, f"Focused elements on {page.url} with no visible focus indicator: {invisible}"


def test_every_tab_stop_on_the_plan_page_shows_where_the_focus_is(page, live_server, plan_actions):
    sign_in(page, live_server, "becky.thompson", next_path=plan_actions["plan"].get_absolute_url())

    assert_every_tab_stop_shows_focus(page)


@pytest.mark.parametrize("path", ["/", "/kpis/", "/risks/"], ids=["report", "kpi tables", "risk register"])
def test_every_tab_stop_on_the_report_kpi_and_risk_pages_shows_where_the_focus_is(page, live_server, demo, path):
    sign_in(page, live_server, "sro", next_path=path)

    assert_every_tab_stop_shows_focus(page)


def test_risk_heat_map_and_register_work_by_keyboard(page, live_server, demo):
    sign_in(page, live_server, "sro", next_path="/risks/")

    cell = tab_to(page, lambda el: el["tag"] == "a" and " open risk" in el["ariaLabel"])
    count = int(cell["text"])
    page.keyboard.press("Enter")

    # The first heat map is the inherent one (issue 13): its cells filter by the inherent scores.
    expect(page).to_have_url(re.compile(r"/risks/\?status=open&(inherent_)?probability=\d&(inherent_)?impact=\d"))
    expect(page.get_by_role("status")).to_contain_text(f"{count} risk")
    expect(page.get_by_role("status")).to_contain_text("match the filters")
    rows = page.locator("table.table-risks tbody tr")
    expect(rows).to_have_count(count)
    tab_to(
        page, lambda el: el["tag"] == "a" and page.evaluate("() => !!document.activeElement.closest('.table-risks')")
    )
    href = page.evaluate("() => document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")

    expect(page).to_have_url(url(live_server, href))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Risk")


def test_head_of_service_signs_in_and_saves_an_update_by_keyboard_alone(page, live_server, plan_actions):
    year, quarter = current_quarter().financial_year, current_quarter().quarter
    page.goto(url(live_server, "/accounts/login/?next=/my-actions/"))
    tab_to(page, lambda el: el["name"] == "username")
    page.keyboard.type("becky.thompson")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "password"
    page.keyboard.type("improve-2021")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My actions")).to_be_visible()

    tab_to(page, lambda el: el["tag"] == "a" and el["text"].startswith("Add update"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Update key action")).to_be_visible()

    tab_to(page, lambda el: el["name"] == "financial_year")
    assert focused(page)["label"].startswith("Financial year")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "quarter"
    # Into the RAG radio group: Space chooses the focused option, the arrow keys move the choice.
    tab_to(page, lambda el: el["name"] == "rag")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="Amber")).to_be_checked()
    expect(page.get_by_role("radio", name="Amber")).to_be_focused()

    tab_to(page, lambda el: el["name"] == "progress")
    page.keyboard.type("Keyboard-only update: triage pilot extended.")
    tab_to(page, lambda el: el["name"] == "barriers")  # Amber needs barriers and next steps
    page.keyboard.type("Two localities still to train.")
    tab_to(page, lambda el: el["name"] == "next_steps")
    page.keyboard.type("Review in the next quarter.")
    tab_to(page, lambda el: el["tag"] in ("button", "input") and el["text"] == "Save update")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_have_text("Your update was saved.")
    rag_row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=f"Q{quarter}"))
    expect(rag_row.locator(".rag")).to_have_text("Amber")
    expect(page.get_by_text("Keyboard-only update: triage pilot extended.")).to_be_visible()
    action = plan_actions["becky_action"]
    assert action.quarter_rags.get(financial_year=year, quarter=quarter).rag == "amber"


def test_update_form_errors_are_announced_and_reachable_by_keyboard(page, live_server, plan_actions):
    sign_in(page, live_server, "becky.thompson")
    page.goto(url(live_server, f"/actions/{plan_actions['becky_action'].pk}/update/"))

    tab_to(page, lambda el: el["text"] == "Save update")
    page.keyboard.press("Space")

    expect(page.get_by_text("Choose the quarter's RAG status: Red, Amber or Green.")).to_be_visible()
    # The form keeps working by keyboard after the error: choose Green and save.
    page.keyboard.press("Tab")
    tab_to(page, lambda el: el["name"] == "rag")
    page.keyboard.press("Space")  # Red, the first choice; the arrows move on to Green
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="Green")).to_be_checked()
    tab_to(page, lambda el: el["name"] == "progress")
    page.keyboard.type("Recovered after an error.")
    tab_to(page, lambda el: el["text"] == "Save update")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Your update was saved.")


def test_sro_chooses_the_reporting_quarter_and_opens_a_glance_list_by_keyboard(page, live_server, demo):
    # The report: Q2 2021/22 of Torbay's plan, the quarter of the round the demo opens. (The SRO lands on
    # Needs my attention; the report is a link away.)
    sign_in(page, live_server, "sro")
    page.goto(url(live_server, "/"))
    expect(page.get_by_role("heading", name="At a glance: Q2 2021/22")).to_be_visible()

    tab_to(page, lambda el: el["id"] == "report-quarter")
    page.keyboard.press("ArrowUp")  # Q2 -> Q1 on a closed select: the seed's July 2021 report
    expect(page.get_by_label("Reporting quarter")).to_have_value("1")
    tab_to(page, lambda el: el["text"] == "Show the report")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="At a glance: Q1 2021/22")).to_be_visible()
    summary = tab_to(page, lambda el: el["tag"] == "summary" and el["text"].startswith("Key actions not updated"))
    page.keyboard.press("Enter")
    details = page.locator("details").filter(has=page.locator("summary", has_text=summary["text"]))
    expect(details).to_have_attribute("open", "")
    link = tab_to(page, lambda el: el["tag"] == "a")
    target = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert target.startswith("#action-"), link
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(f"{target}$"))
    expect(page.locator(target)).to_be_in_viewport()
    # The next Tab continues from the action's row: its own link.
    page.keyboard.press("Tab")
    assert page.evaluate(f"() => document.querySelector('{target}').contains(document.activeElement)")
