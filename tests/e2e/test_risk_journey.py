"""Issue 13's risk journey: the SRO adds a risk with inherent, current and target scores and a control,
and it shows on both heat maps, on its key action's page, and on the register filtered to a heat map cell."""

import re

import pytest
from playwright.sync_api import expect

from risks.models import Risk
from tests.e2e.conftest import sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "If agency social workers leave at short notice, then children lose their allocated worker."


def heat_map_cell(page, kind: str, probability: int, impact: int):
    return page.locator(
        f'table.risk-heatmap[data-kind="{kind}"] td[data-probability="{probability}"][data-impact="{impact}"]'
    )


def test_the_sro_adds_a_risk_with_three_scores_and_a_control_and_it_shows_on_both_heat_maps(
    page, live_server, plan_actions
):
    sign_in(page, live_server, "sro")
    page.goto(url(live_server, "/risks/"))
    page.get_by_role("link", name="Add a risk or issue").click()
    page.get_by_role("link", name=plan_actions["plan"].title).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Add a risk or issue"))).to_be_visible()

    page.locator("#id_description").fill(DESCRIPTION)
    page.locator("#id_mitigation").fill("Retention payments; a permanent recruitment campaign.")
    page.locator("#id_category").select_option(label="Workforce")
    page.locator("#id_inherent_probability").select_option("5")
    page.locator("#id_inherent_impact").select_option("4")
    page.locator("#id_probability").select_option("4")
    page.locator("#id_impact").select_option("4")
    page.locator("#id_target_probability").select_option("2")
    page.locator("#id_target_impact").select_option("4")
    page.locator("#id_key_actions").select_option(label="Embed the multi-agency safeguarding hub triage.")
    page.locator("#id_controls-0-description").fill("Monthly workforce board reviews agency leavers.")
    page.locator("#id_controls-0-owner").select_option(label="Becky Thompson")
    page.locator("#id_controls-0-effectiveness").select_option(label="Partially effective")
    page.get_by_role("button", name="Add to the register").click()

    expect(page.get_by_text(re.compile("has been added to the register. Its first review is due by"))).to_be_visible()
    risk = Risk.objects.get(description=DESCRIPTION)
    expect(page).to_have_url(url(live_server, risk.get_absolute_url()))
    expect(page.get_by_text("20 (probability 5 × impact 4)")).to_be_visible()
    expect(page.get_by_text("16 (probability 4 × impact 4)")).to_be_visible()
    expect(page.get_by_text("8 (probability 2 × impact 4)")).to_be_visible()
    controls = page.get_by_role("table", name=re.compile("What holds"))
    expect(controls.get_by_role("row").filter(has_text="Monthly workforce board")).to_contain_text("Becky Thompson")
    expect(controls).to_contain_text("Partially effective")

    # Both heat maps, side by side: 5 × 4 before any control, 4 × 4 with them.
    page.goto(url(live_server, "/risks/"))
    expect(heat_map_cell(page, "inherent", 5, 4)).to_have_attribute("data-count", "1")
    expect(heat_map_cell(page, "current", 4, 4)).to_have_attribute("data-count", "1")
    expect(heat_map_cell(page, "current", 5, 4)).to_have_attribute("data-count", "0")
    inherent_box = page.locator('table.risk-heatmap[data-kind="inherent"]').bounding_box()
    current_box = page.locator('table.risk-heatmap[data-kind="current"]').bounding_box()
    assert abs(inherent_box["y"] - current_box["y"]) < 5
    assert current_box["x"] > inherent_box["x"]

    heat_map_cell(page, "inherent", 5, 4).get_by_role("link").click()
    expect(page.get_by_role("status")).to_contain_text("1 risk and issue match the filters")
    expect(page.get_by_role("link", name=re.compile("If agency social workers"))).to_be_visible()

    # Shown on the key action's page too, with a way back to the register.
    page.goto(url(live_server, plan_actions["becky_action"].get_absolute_url()))
    expect(page.get_by_role("link", name=f"Risk {risk.ref}")).to_be_visible()


def test_the_heat_maps_stack_on_a_phone(page, live_server, plan_actions):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "sro")
    page.goto(url(live_server, "/risks/"))
    inherent_box = page.locator('table.risk-heatmap[data-kind="inherent"]').bounding_box()
    current_box = page.locator('table.risk-heatmap[data-kind="current"]').bounding_box()
    assert current_box["y"] > inherent_box["y"] + inherent_box["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
