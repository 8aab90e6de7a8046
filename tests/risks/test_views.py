"""The register page, a risk's page and the edit form: content, query counts and permissions."""

import datetime
import json
import re

import pytest
from django.urls import reverse

from risks import services
from risks.models import Risk, RiskStatus
from tests.factories import ThemeFactory
from tests.risks.factories import RiskFactory
from tests.two_factor import sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk(plan, admin_user_, sro):
    return services.risk_create(
        user=admin_user_,
        plan=plan,
        ref=1,
        description="If the service response is inadequate, then harm.",
        mitigation="Robust monitoring.",
        owner=sro,
        date_raised=datetime.date(2020, 1, 1),
        date_raised_precision="month",
        probability=4,
        impact=5,
    )


def _controls(*rows, initial=0):
    """The controls formset's fields: its management form and one dict per row."""
    data = {"controls-TOTAL_FORMS": len(rows), "controls-INITIAL_FORMS": initial}
    for n, row in enumerate(rows):
        data |= {f"controls-{n}-{name}": value for name, value in row.items()}
    return data


def _edit_data(risk, **changes):
    data = {
        "type": risk.type,
        "description": risk.description,
        "mitigation": risk.mitigation,
        "category": risk.category,
        "treatment": risk.treatment,
        "inherent_probability": risk.inherent_probability,
        "inherent_impact": risk.inherent_impact,
        "probability": risk.probability,
        "impact": risk.impact,
        "status": risk.status,
        "target_probability": "",
        "target_impact": "",
        "version": risk.version,
        **_controls({"description": "", "owner": "", "effectiveness": "not_assessed"}),
    }
    return data | changes


def test_signed_out_visitors_are_sent_to_sign_in(client, risk):
    for url in (reverse("risks:risk_list"), risk.get_absolute_url(), reverse("risks:risk_edit", args=[risk.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_register_shows_score_band_word_owner_date_and_overdue_review(client, plan, sro, risk):
    RiskFactory(
        plan=plan, owner=sro, ref=2, probability=1, impact=2, score=2, next_review_date=datetime.date(2020, 1, 1)
    )
    client.force_login(sro)
    response = client.get(reverse("risks:risk_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="band band-high">High</span>' in html
    assert '<span class="band band-low">Low</span>' in html
    assert "Nancy Meehan" in html
    assert "January 2020" in html
    assert '<span class="overdue">01/01/2020 (overdue)</span>' in html
    assert "Medium</span> 5–12" in html  # the bands from settings are shown
    assert html.index("If the service response") < html.index("If thing")  # score order


def test_register_shows_the_heat_map_counts_with_links_and_a_table(client, plan, sro, risk):
    RiskFactory(plan=plan, owner=sro, probability=4, impact=5, score=20)
    RiskFactory(plan=plan, owner=sro, probability=4, impact=5, score=20, status=RiskStatus.CLOSED)
    client.force_login(sro)
    html = client.get(reverse("risks:risk_list")).content.decode()
    cell = re.search(r'data-probability="4" data-impact="5" data-count="(\d+)"', html)
    assert cell.group(1) == "2"
    assert 'data-probability="1" data-impact="1" data-count="0"' in html
    assert "?status=open&amp;probability=4&amp;impact=5" in html
    assert "2 open risks with probability 4 and impact 5, score 20, High" in html
    assert "Show the current heat map as a list" in html
    assert "Show the inherent heat map as a list" in html


def test_heat_map_link_lists_the_cells_risks(client, plan, sro, risk):
    RiskFactory(plan=plan, owner=sro, probability=1, impact=1, score=1, description="Other cell.")
    client.force_login(sro)
    html = client.get(reverse("risks:risk_list"), {"status": "open", "probability": 4, "impact": 5}).content.decode()
    assert "If the service response" in html
    assert "Other cell." not in html


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        pytest.param({"band": "high"}, {"High one"}, id="band"),
        pytest.param({"type": "issue"}, {"Issue one"}, id="type"),
        pytest.param({"status": "closed"}, {"Closed one"}, id="status"),
        pytest.param({"band": "nonsense"}, {"High one", "Issue one", "Closed one"}, id="invalid filter ignored"),
    ],
)
def test_register_filters(client, plan, sro, query, shown):
    RiskFactory(plan=plan, owner=sro, probability=5, impact=4, score=20, description="High one")
    RiskFactory(plan=plan, owner=sro, probability=1, impact=2, score=2, description="Issue one", type="issue")
    RiskFactory(plan=plan, owner=sro, probability=1, impact=3, score=3, description="Closed one", status="closed")
    client.force_login(sro)
    html = client.get(reverse("risks:risk_list"), query).content.decode()
    assert {name for name in ("High one", "Issue one", "Closed one") if name in html} == shown


def test_register_filters_by_owner(client, plan, sro, head_of_service):
    RiskFactory(plan=plan, owner=sro, description="Nancy's")
    RiskFactory(plan=plan, owner=head_of_service, description="Becky's")
    client.force_login(sro)
    html = client.get(reverse("risks:risk_list"), {"owner": head_of_service.pk}).content.decode()
    assert "Becky&#x27;s" in html
    assert "Nancy&#x27;s" not in html


@pytest.mark.parametrize("size", [pytest.param(3, id="3 risks"), pytest.param(30, id="30 risks")])
def test_register_page_query_count_does_not_grow_with_the_register(
    client, plan, sro, make_user, django_assert_num_queries, size
):
    owners = [make_user(f"owner{n}", first_name="Owner", last_name=str(n)) for n in range(3)]
    for n in range(size):
        RiskFactory(
            plan=plan,
            owner=owners[n % 3],
            probability=n % 5 + 1,
            impact=(n * 2) % 5 + 1,
            score=(n % 5 + 1) * ((n * 2) % 5 + 1),
        )
    client.force_login(sro)
    # session, user, the owner filter's choice, risks, two heat maps, groups (nav), the add button's
    # permission check (user and group permissions), owner filter options
    with django_assert_num_queries(10):
        response = client.get(reverse("risks:risk_list"), {"owner": owners[0].pk, "band": "medium"})
    assert response.status_code == 200
    with django_assert_num_queries(9):
        response = client.get(reverse("risks:risk_list"))
    assert len(response.context["risks"]) == size


def test_risk_page_shows_score_chart_and_history_table(client, risk, sro):
    services.risk_update(user=sro, risk=risk, probability=3)
    client.force_login(sro)
    response = client.get(risk.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    figure = json.loads(
        re.search(r'<script id="risk-score-figure" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert figure["data"][0]["y"][:2] == [20, 15]
    assert 'data-plotly-figure="risk-score-figure" role="img"' in html
    assert "Probability 4 → 3" in html
    assert "plotly-cartesian-4.1.1.min.js" in html
    assert "<script>" not in html  # no inline scripts (CSP)
    assert 'style="' not in html
    assert "Edit this risk" in html


def test_readers_see_no_edit_button(client, risk, head_of_service):
    client.force_login(head_of_service)
    html = client.get(risk.get_absolute_url()).content.decode()
    assert "Edit this risk" not in html


def test_owner_edits_their_risk_in_the_browser(client, risk, sro, plan):
    theme = ThemeFactory(plan=plan)
    client.force_login(sro)
    assert client.get(reverse("risks:risk_edit", args=[risk.pk])).status_code == 200
    response = client.post(
        reverse("risks:risk_edit", args=[risk.pk]),
        _edit_data(
            risk,
            probability=2,
            mitigation="Weekly audit.",
            next_review_date="2021-09-01",
            target_probability=1,
            target_impact=5,
            themes=[theme.pk],
        ),
    )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert (risk.probability, risk.score, risk.mitigation, risk.target_score) == (2, 10, "Weekly audit.", 5)
    assert list(risk.themes.all()) == [theme]
    assert risk.history.first().history_user == sro


def test_administrator_edits_any_risk(client, risk, admin_user_):
    sign_in_verified(client, admin_user_)
    response = client.post(
        reverse("risks:risk_edit", args=[risk.pk]), _edit_data(risk, status="closed", owner=risk.owner_id)
    )
    assert response.status_code == 302
    assert Risk.objects.get().status == "closed"


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("head_of_service", id="another head of service"),
        pytest.param("performance_user", id="performance team"),
    ],
)
def test_non_owner_gets_403_and_nothing_changes(request, client, risk, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("risks:risk_edit", args=[risk.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _edit_data(risk, probability=1)).status_code == 403
    risk.refresh_from_db()
    assert (risk.probability, risk.version, Risk.history.count()) == (4, 1, 1)


def test_invalid_edit_keeps_what_was_typed(client, risk, sro):
    client.force_login(sro)
    response = client.post(
        reverse("risks:risk_edit", args=[risk.pk]),
        _edit_data(risk, probability=9, mitigation="My new words.", target_probability=2),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "My new words." in html
    assert "Give both a target probability and a target impact, or neither." in html
    assert Risk.objects.get().mitigation == "Robust monitoring."


def test_stale_edit_is_refused_with_a_clear_message_and_keeps_what_was_typed(client, risk, sro, admin_user_):
    stale = _edit_data(risk, mitigation="Nancy's words.")
    services.risk_update(user=admin_user_, risk=Risk.objects.get(), impact=4)
    client.force_login(sro)
    response = client.post(reverse("risks:risk_edit", args=[risk.pk]), stale)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this risk while you were editing it" in html
    assert "Nancy&#x27;s words." in html
    risk.refresh_from_db()
    assert (risk.mitigation, risk.impact) == ("Robust monitoring.", 4)


def test_owner_cannot_reassign_through_the_form(client, risk, sro, head_of_service):
    client.force_login(sro)
    client.post(reverse("risks:risk_edit", args=[risk.pk]), _edit_data(risk, owner=head_of_service.pk))
    assert Risk.objects.get().owner == sro
