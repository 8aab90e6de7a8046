"""Needs my attention (issue 10) in Chromium, on the demo's open Q2 2021/22 round: the SRO signs in, lands on the
page, reads progress by owner and follows the link to review; a head of service signs in, lands on it and sees her
returned update with the reviewer's comment. Each page has no serious axe violation and no sideways scroll on a
laptop or a phone."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from plans import services
from plans.models import KeyAction, Submission
from plans.rounds import services as rounds
from tests.e2e.conftest import assert_no_serious_violations, sign_in, sign_out, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAIN_PLAN = "torbay-2021-highlight"
COMMENT = "Say when the Paignton hub reopens."
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def becky_submits_two_and_one_comes_back(becky: User) -> tuple[KeyAction, KeyAction]:
    """Becky submits updates on two of her actions; the improvement lead returns the first with a comment."""
    returned, waiting = KeyAction.objects.filter(owner=becky, objective__theme__plan__slug=MAIN_PLAN).order_by("pk")[:2]
    for action in (returned, waiting):
        services.key_action_update_add(
            user=becky,
            key_action=action,
            expected_version=action.version,
            financial_year=2021,
            quarter=2,
            rag="amber",
            progress="<p>Triage paused in Paignton.</p>",
            barriers="<p>Two posts vacant.</p>",
            next_steps="<p>Recruit by November.</p>",
        )
    lead = User.objects.get(username="improvement.lead")
    rounds.submission_return(user=lead, submission=Submission.objects.get(key_action=returned), comment=COMMENT)
    return returned, waiting


def fits_and_passes_axe(page: Page, shots, name: str) -> None:
    """At a laptop's and a phone's width: no sideways scroll, no serious axe violation; a screenshot of each."""
    for viewport in (LAPTOP, PHONE):
        page.set_viewport_size(viewport)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} is {overflow} px too wide at {viewport['width']} px"
        assert_no_serious_violations(page)
        page.screenshot(path=str(shots / f"{name}-{viewport['width']}.png"), full_page=True)


def test_the_sro_and_a_head_of_service_land_on_what_needs_them(axe_page, live_server, demo, tmp_path):
    page = axe_page
    becky = User.objects.get(username="becky.thompson")
    returned, _waiting = becky_submits_two_and_one_comes_back(becky)
    becky_actions = KeyAction.objects.filter(
        owner=becky, objective__theme__plan__slug=MAIN_PLAN, retired_at__isnull=True
    ).count()

    # The SRO lands on the page and reads the round's progress by owner.
    sign_in(page, live_server, "sro")
    expect(page).to_have_url(url(live_server, "/attention/"))
    expect(page.get_by_role("heading", name="Needs my attention", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Needs my attention"))).to_have_attribute("aria-current", "page")
    progress = page.get_by_role("region", name=re.compile(": progress by owner$"))
    becky_row = progress.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Becky Thompson"))
    # Actions, submitted (awaiting sign-off), signed off, returned, due, overdue.
    expect(becky_row.get_by_role("cell")).to_have_text([str(becky_actions), "1", "0", "1", str(becky_actions - 2), "0"])
    expect(page.get_by_role("region", name=re.compile("Awaiting sign-off"))).to_contain_text("Becky Thompson")
    fits_and_passes_axe(page, tmp_path, "sro")
    page.set_viewport_size(LAPTOP)
    page.get_by_role("link", name="Review the Q2 2021/22 updates").click()
    expect(page.get_by_role("heading", name="Review updates: Q2 2021/22")).to_be_visible()
    sign_out(page)

    # Becky lands on the page and sees the update returned to her, with the comment, linked to its form.
    sign_in(page, live_server, "becky.thompson")
    expect(page).to_have_url(url(live_server, "/attention/"))
    row = page.locator(f"#returned-{returned.pk}")
    expect(row).to_contain_text(COMMENT)
    expect(row).to_contain_text("Returned")
    fits_and_passes_axe(page, tmp_path, "becky")
    # On a phone the row stacks: the comment and the link to the form are on screen, not beyond a sideways scroll.
    for needed in (row.get_by_text(COMMENT), row.get_by_role("link", name=re.compile(r"^Revise update"))):
        box = needed.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], f"{needed} is off the side of a phone's screen"
    page.set_viewport_size(LAPTOP)
    row.get_by_role("link", name=re.compile(r"^Revise update")).click()
    expect(page).to_have_url(url(live_server, f"/actions/{returned.pk}/update/"))
