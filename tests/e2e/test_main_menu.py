"""The main menu in Chromium: with the most items anyone has (an administrator's, with items needing them), no
item breaks inside its words on a laptop, the page never scrolls sideways, and on a phone the menu folds away
behind its button and opens to every item."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MENU = ["Needs my attention", "Report", "Plans", "My actions", "KPIs", "Risks", "Published papers", "Audit", "People"]


def one_line_each(page: Page) -> list[str]:
    """Return the menu items (and the Sign out button) whose text takes more than one line."""
    return page.evaluate(
        """() => [...document.querySelectorAll('nav[aria-label="Main"] .nav-link, nav[aria-label="Main"] button')]
            .filter(item => item.offsetParent !== null)
            .filter(item => {
                const style = getComputedStyle(item);
                const lines = item.getClientRects().length;
                const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
                const inner = item.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
                return lines > 1 || inner > line * 1.5;
            })
            .map(item => item.innerText.trim())"""
    )


@pytest.mark.parametrize("width", [1366, 1200])
def test_an_administrators_full_menu_keeps_each_item_on_one_line_without_sideways_scroll(
    page: Page, live_server, demo, width
):
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "admin")
    page.goto(url(live_server, "/attention/"))
    menu = page.get_by_role("navigation", name="Main")
    for name in MENU:
        expect(menu.get_by_role("link", name=re.compile(f"^{re.escape(name)}\\b")).first).to_be_visible()
    assert one_line_each(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_on_a_phone_the_menu_folds_behind_its_button_and_opens_to_every_item(page: Page, live_server, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "admin")
    page.goto(url(live_server, "/attention/"))
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Plans", exact=True)).to_be_hidden()
    menu.get_by_role("button", name="Show menu").click()
    for name in MENU:
        expect(menu.get_by_role("link", name=re.compile(f"^{re.escape(name)}\\b")).first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
