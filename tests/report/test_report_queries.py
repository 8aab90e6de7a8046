"""The report runs the same number of queries at Torbay's size and at ten times it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.report.builders import build_plan, earlier_paper

pytestmark = pytest.mark.django_db

# Session, user and the user's groups (3), the plan chooser (1), the quarters with news (1), the themes (1), their
# objectives with the key actions, owners, latest updates and RAGs in one statement (1: plans.theme_read), key
# priorities, medium-term developments and RAG guidance (3), Ofsted recommendations (1; their answering actions +1
# when there are some: tests/plans/test_recommendations.py), the KPI tables (4), the risk register (1), the
# published paper "since the last board" compares with (1; none here: with one, four more: its data, and the live
# measures, their targets and the risks, tests/report/test_changes.py).
# The first report also reads and writes the database cache (core.cache: one statement a write): its bundle of
# parts with the data version ANY (1), the build's lock (1), the parts' data versions (1), and keeping the bundle
# with the blobs of its parts and summaries, freeing the lock in the same statement (1).
REPORT_QUERIES = 17 + 4
# As at a date: the plan's history (+1), themes from their history (+1), the objectives, key actions, latest updates
# and RAGs read with the ORM, from their history (+3: four queries, not one), the key actions' and the risks' owners
# read apart (+2), the plan's risk appetite (+1; the live register reads it in the risks' own query).
REPORT_AS_AT_QUERIES = 25 + 4
# Opened again with no change to the data: session, user, groups, plan chooser, quarters with news, the
# bundle of parts with the data version ANY in one read of the cache, and the blobs of its parts in another.
REPORT_CACHED_QUERIES = 7


@pytest.mark.parametrize("scale", [pytest.param(1, id="Torbay size"), pytest.param(10, id="ten times Torbay")])
def test_report_runs_a_fixed_number_of_queries(client, sro, scale, django_assert_num_queries):
    build_plan(slug="sized", scale=scale)
    client.force_login(sro)
    with django_assert_num_queries(REPORT_QUERIES):
        response = client.get(reverse("report"))
    assert response.status_code == 200
    assert response.content.count(b'id="action-') == 64 * scale


@pytest.mark.parametrize("scale", [pytest.param(1, id="Torbay size"), pytest.param(10, id="ten times Torbay")])
def test_report_as_at_a_date_runs_a_fixed_number_of_queries(client, sro, scale, django_assert_num_queries):
    build_plan(slug="sized", scale=scale)
    client.force_login(sro)
    with django_assert_num_queries(REPORT_AS_AT_QUERIES):
        response = client.get(reverse("report"), {"as_at": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert response.content.count(b'id="action-') == 64 * scale
    assert response.content.count(b'id="risk-') == 10 * scale


@pytest.mark.parametrize("scale", [pytest.param(1, id="Torbay size"), pytest.param(10, id="ten times Torbay")])
def test_report_opened_again_comes_from_the_cache(client, sro, scale, django_assert_num_queries):
    build_plan(slug="sized", scale=scale)
    client.force_login(sro)
    first = client.get(reverse("report"))
    with django_assert_num_queries(REPORT_CACHED_QUERIES):
        again = client.get(reverse("report"))
    # The same page, but for the per-request CSRF token of the sign-out form.
    assert without_csrf(again.content) == without_csrf(first.content)


def without_csrf(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


# The first view after an action update: the view's own reads (5), the bundle with ANY (1), the blobs of its
# parts and summaries with the data versions they were built from (1), the rebuild's lock (1), the theme list (1),
# that theme's objectives with its key actions, their owners, latest updates and RAGs (1), and keeping the bundle
# with the blobs it made, freeing the lock in the same statement (1); the same whatever the number of themes and
# actions, and whether or not there is a paper to compare with: since the last board compares that theme's part
# from the rows just read, with the paper's data as read once by the process. (Panels that are kept are not asked
# whether they are shown: the Ofsted recommendations are not read.)
REPORT_AFTER_UPDATE_QUERIES = 11


@pytest.mark.parametrize("with_paper", [pytest.param(False, id="no earlier paper"), pytest.param(True, id="a paper")])
@pytest.mark.parametrize("scale", [pytest.param(1, id="Torbay size"), pytest.param(10, id="ten times Torbay")])
def test_report_after_an_action_update_reads_that_theme_only(client, sro, scale, with_paper, django_assert_num_queries):
    from core.data_versions import data_versions_bump
    from plans import services
    from plans.models import KeyAction

    plan = build_plan(slug="sized", scale=scale)
    if with_paper:
        earlier_paper(plan)
    client.force_login(sro)
    client.get(reverse("report"))
    data_versions_bump("warm-up")  # the first change after the cache was emptied keeps every data version
    client.get(reverse("report"))
    action = KeyAction.objects.filter(objective__theme__plan=plan).order_by("pk").first()
    services.key_action_update_add(
        user=action.owner,
        key_action=action,
        expected_version=action.version,
        financial_year=2021,
        quarter=1,
        rag="red",
        progress="Read that theme only.",
        barriers="<p>Two posts vacant.</p>",
        next_steps="<p>Recruit.</p>",
    )
    with django_assert_num_queries(REPORT_AFTER_UPDATE_QUERIES):
        response = client.get(reverse("report"))
    assert b"Read that theme only." in response.content
    assert response.content.count(b'id="action-') == 64 * scale
    if with_paper:  # the section shows the update's change, compared in its theme's part
        section = response.content.decode().split('id="changes-new-red"', 1)[1].split("</details>", 1)[0]
        assert f"#action-{action.pk}" in section
