"""What changed since the last board on the live report, in Chromium: at a laptop's and a phone's width the counts
come first, the short lists are open and the long one folded, and nothing is wider than the page."""

import pytest
from django.conf import settings

from core.calendar import FinancialQuarter
from tests.plans.test_rounds import open_round
from tests.plans.test_rounds import submit as save_update
from tests.report.builders import build_plan, earlier_paper
from tests.report.test_changes import _actions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

Q1 = FinancialQuarter(2021, 1)


def test_on_a_laptop_and_a_phone_the_counts_come_first_and_long_lists_are_folded(
    browser, live_server, client, sro, head_of_service
):
    plan = build_plan(slug="changes", owner=head_of_service)
    earlier_paper(plan, Q1)
    open_round(sro, plan)
    save_update(head_of_service, _actions(plan)[1], rag="red", progress="Slipped.")
    client.force_login(sro)
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    # The session's browser (tests/e2e/conftest.py), a context of its own at each width.
    for width, columns in ((1366, "2"), (390, "auto")):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{**cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/?plan=changes")
        section = page.locator("section.report-changes")
        seen = section.evaluate(
            """section => ({
                overflow: section.scrollWidth - section.clientWidth,
                pageOverflow: document.documentElement.scrollWidth - innerWidth,
                countsBottom: section.querySelector('.changes-counts').getBoundingClientRect().bottom,
                listsTop: section.querySelector('.changes-lists').getBoundingClientRect().top,
                open: [...section.querySelectorAll('details')].map(d => [d.id, d.open]),
                columns: getComputedStyle(section.querySelector('.changes-owners-long')).columnCount,
            })"""
        )
        assert seen["overflow"] <= 0, f"At {width} px the section is wider than the page."
        assert seen["pageOverflow"] <= 0, f"At {width} px the page scrolls sideways."
        assert seen["countsBottom"] <= seen["listsTop"]
        # The short lists open, the long one (62 actions) folded until asked for.
        assert seen["open"] == [["changes-rag", True], ["changes-new-red", True], ["changes-no-update", False]]
        assert seen["columns"] == columns  # two columns where there is room
        context.close()
