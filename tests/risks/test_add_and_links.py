"""Adding a risk or issue in the app, the review form's controls, links shown on both sides, and the
report's register escalating in words."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from risks import services
from risks.models import Risk
from tests.factories import KeyActionFactory, ObjectiveFactory, PlanFactory, ThemeFactory
from tests.risks.factories import added_risk
from tests.risks.test_orange_book import SCORES_OUT_OF_ORDER
from tests.risks.test_views import _controls, _edit_data

pytestmark = pytest.mark.django_db


def _add_data(**changes):
    data = {
        "ref": 3,
        "date_raised": "2026-12-01",
        "type": "risk",
        "description": "If agency social workers leave at short notice, then children lose their worker.",
        "mitigation": "Retention payments; a permanent recruitment campaign.",
        "category": "workforce",
        "treatment": "treat",
        "inherent_probability": 5,
        "inherent_impact": 4,
        "probability": 4,
        "impact": 4,
        "target_probability": 2,
        "target_impact": 4,
        **_controls(
            {"description": "Monthly workforce board.", "owner": "", "effectiveness": "partial"},
            {"description": "", "owner": "", "effectiveness": "not_assessed"},
        ),
    }
    return data | changes


@pytest.fixture
def add_url(plan):
    return reverse("risks:risk_add", kwargs={"plan": plan.slug})


def test_the_sro_adds_a_risk_with_three_scores_and_a_control(client, plan, sro, head_of_service, add_url):
    client.force_login(sro)
    page = client.get(add_url).content.decode()
    assert 'value="1"' in page  # the next free reference is offered
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page  # today, as a date field reads it
    response = client.post(add_url, _add_data(owner=sro.pk, **{"controls-0-owner": head_of_service.pk}))
    assert response.status_code == 302
    risk = Risk.objects.get()
    assert response["Location"] == risk.get_absolute_url()
    assert (risk.inherent_score, risk.score, risk.target_score, risk.inherent_assessed) == (20, 16, 8, True)
    assert (risk.category, risk.owner, risk.history.first().history_user) == ("workforce", sro, sro)
    control = risk.controls.get()
    assert (control.description, control.owner, control.effectiveness) == (
        "Monthly workforce board.",
        head_of_service,
        "partial",
    )
    detail = client.get(risk.get_absolute_url()).content.decode()
    assert "Monthly workforce board." in detail
    assert "Partially effective" in detail
    assert "has been added to the register. Its first review is due by" in detail


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            {"probability": 9}, "Select a valid choice. 9 is not one of the available choices.", id="off the scale"
        ),
        pytest.param({"inherent_probability": ""}, "This field is required.", id="no inherent score"),
        *SCORES_OUT_OF_ORDER,
        pytest.param(
            {"target_impact": ""}, "Give both a target probability and a target impact, or neither.", id="half a target"
        ),
        pytest.param(
            {}, "Choose who owns this control, or clear its description to leave it out.", id="control without owner"
        ),
    ],
)
def test_the_add_form_refuses_bad_input_with_a_sentence_and_keeps_what_was_typed(
    client, plan, sro, add_url, changes, message
):
    client.force_login(sro)
    response = client.post(add_url, _add_data(owner=sro.pk, **changes))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html.replace("&#x27;", "'")
    assert "Nothing has been saved yet. Correct what is marked below, then save again." in html
    assert "If agency social workers leave at short notice" in html
    assert "Monthly workforce board." in html
    assert not Risk.objects.exists()


def test_a_reference_already_in_the_register_is_refused(client, plan, sro, add_url):
    added_risk(plan, sro, ref=3, description="If x, then y.", probability=1, impact=1)
    client.force_login(sro)
    html = client.post(add_url, _add_data(owner=sro.pk, **{"controls-0-description": ""})).content.decode()
    assert "The register already has a risk or issue 3. Use another number" in html
    assert Risk.objects.count() == 1


def test_heads_of_service_cannot_add_risks(client, plan, head_of_service, add_url):
    client.force_login(head_of_service)
    assert client.get(add_url).status_code == 403
    assert client.post(add_url, _add_data(owner=head_of_service.pk)).status_code == 403
    assert not Risk.objects.exists()


def test_the_chooser_lists_each_plans_add_page(client, plan, sro):
    other = PlanFactory(slug="torbay-2016", title="Action tracker 2016")
    client.force_login(sro)
    html = client.get(reverse("risks:risk_add_choose")).content.decode()
    assert reverse("risks:risk_add", kwargs={"plan": plan.slug}) in html
    assert reverse("risks:risk_add", kwargs={"plan": other.slug}) in html


def test_the_review_form_changes_and_removes_controls(client, plan, sro, head_of_service):
    risk = added_risk(
        plan,
        sro,
        ref=1,
        description="If x, then y.",
        probability=4,
        impact=5,
        controls=[{"description": "Audit.", "owner": sro}, {"description": "Panel.", "owner": sro}],
    )
    first, second = risk.controls.order_by("pk")
    client.force_login(sro)
    data = _edit_data(
        risk,
        **_controls(
            {"id": first.pk, "description": "Weekly audit.", "owner": head_of_service.pk, "effectiveness": "effective"},
            {
                "id": second.pk,
                "description": "Panel.",
                "owner": sro.pk,
                "effectiveness": "not_assessed",
                "DELETE": "on",
            },
            {"description": "", "owner": "", "effectiveness": "not_assessed"},
            initial=2,
        ),
    )
    response = client.post(reverse("risks:risk_edit", args=[risk.pk]), data)
    assert response.status_code == 302
    assert list(risk.controls.values_list("description", "owner", "effectiveness")) == [
        ("Weekly audit.", head_of_service.pk, "effective")
    ]


@pytest.fixture
def linked(plan, sro):
    theme = ThemeFactory(plan=plan, number=2, title="Workforce")
    other_theme = ThemeFactory(plan=plan, number=3, title="Partnerships")
    action = KeyActionFactory(objective=ObjectiveFactory(theme=theme), description="<p>Recruit permanent staff</p>")
    direct = added_risk(
        plan, sro, ref=2, description="If staff leave, then capacity.", probability=4, impact=4, themes=[theme]
    )
    through_action = added_risk(
        plan, sro, ref=3, description="If we cannot recruit, then gaps.", probability=3, impact=4, key_actions=[action]
    )
    added_risk(
        plan,
        sro,
        ref=8,
        description="If partners disengage, then delay.",
        probability=2,
        impact=2,
        themes=[other_theme],
    )
    return {"theme": theme, "action": action, "direct": direct, "through_action": through_action}


def test_the_action_page_shows_its_risks_and_links_to_the_register_filtered(client, linked, head_of_service):
    client.force_login(head_of_service)
    html = client.get(reverse("plans:action_detail", args=[linked["action"].pk])).content.decode()
    assert f'<a href="{linked["through_action"].get_absolute_url()}">Risk 3</a>: If we cannot recruit' in html
    assert "If staff leave" not in html
    assert f'href="{reverse("risks:risk_list")}?key_action={linked["action"].pk}"' in html
    register = client.get(reverse("risks:risk_list"), {"key_action": linked["action"].pk}).content.decode()
    assert "If we cannot recruit" in register
    assert "If staff leave" not in register
    assert "linked to the key action “Recruit permanent staff”" in register


def test_the_plan_page_shows_each_themes_risks_direct_and_through_its_actions(client, plan, linked, sro):
    client.force_login(sro)
    html = client.get(plan.get_absolute_url()).content.decode()
    section = html[html.index('id="theme-2"') : html.index('id="theme-3"')]
    assert "Risk 2</a>: If staff leave" in section
    assert "Risk 3</a>: If we cannot recruit" in section
    assert "(linked through key action)" in section
    assert "If partners disengage" not in section
    register = client.get(reverse("risks:risk_list"), {"theme": linked["theme"].pk}).content.decode()
    assert "If staff leave" in register
    assert "If we cannot recruit" in register
    assert "If partners disengage" not in register


def test_the_risk_page_links_back_to_its_theme_and_action(client, linked, sro):
    client.force_login(sro)
    html = client.get(linked["through_action"].get_absolute_url()).content.decode()
    assert f'href="{linked["action"].get_absolute_url()}">Recruit permanent staff</a>' in html
    html = client.get(linked["direct"].get_absolute_url()).content.decode()
    assert "#theme-2" in html


def test_the_report_escalates_a_risen_score_and_one_above_appetite_in_words(client, plan, sro):
    services.risk_appetite_set(user=None, plan=plan, category="safeguarding", level="cautious")
    above = added_risk(
        plan,
        sro,
        ref=1,
        description="If harm, then harm.",
        probability=3,
        impact=4,
        category="safeguarding",
        recorded_at=datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.UTC),
    )
    risen = added_risk(
        plan,
        sro,
        ref=2,
        description="If staff leave, then gaps.",
        probability=2,
        impact=2,
        recorded_at=datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.UTC),
    )
    services.risk_update(user=None, risk=risen, probability=3)
    added_risk(plan, sro, ref=3, description="If calm, then calm.", probability=1, impact=1)
    client.force_login(sro)
    html = client.get(reverse("report"), {"plan": plan.slug}).content.decode()
    assert "Escalated: 2 risks whose score rose since the last review or is above the plan's appetite" in html
    assert (
        f"{above}</a>: Above appetite: 12 is over 8, the most a cautious appetite for safeguarding risks accepts."
        in html
    )
    assert f"{risen}</a>: Score rose from 4 to 6 since the last review." in html
    assert html.count('<span class="risk-escalated">Escalated</span>') == 2


@pytest.mark.parametrize("size", [pytest.param(1, id="1 risk"), pytest.param(12, id="12 risks")])
def test_linked_risks_cost_one_query_on_the_action_and_plan_pages(
    client, plan, sro, head_of_service, django_assert_num_queries, size
):
    theme = ThemeFactory(plan=plan, number=1)
    action = KeyActionFactory(objective=ObjectiveFactory(theme=theme), owner=head_of_service)
    for ref in range(1, size + 1):
        services.risk_create(
            user=None,
            plan=plan,
            ref=ref,
            description=f"If thing {ref}, then harm.",
            owner=sro,
            date_raised=datetime.date(2020, 1, 1),
            probability=3,
            impact=4,
            themes=[theme] if ref % 2 else [],
            key_actions=[action],
        )
    client.force_login(head_of_service)
    # As tests/plans/test_views.py pins them (13 and 18), whatever the number of risks.
    with django_assert_num_queries(13):
        html = client.get(reverse("plans:action_detail", args=[action.pk])).content.decode()
    assert html.count("then harm.") == size
    with django_assert_num_queries(18):
        html = client.get(plan.get_absolute_url() + "?year=2021").content.decode()
    assert html.count("then harm.") == size


def test_the_sro_sets_the_plans_appetite_and_the_register_flags_scores_above_it(client, plan, sro):
    added_risk(plan, sro, ref=1, description="If harm, then harm.", category="safeguarding")
    url = reverse("risks:risk_appetite", kwargs={"plan": plan.slug})
    client.force_login(sro)
    assert client.get(url).status_code == 200
    response = client.post(url, {"safeguarding": "averse", "workforce": "open"}, follow=True)
    assert dict(plan.risk_appetites.values_list("category", "level")) == {"safeguarding": "averse", "workforce": "open"}
    html = response.content.decode()
    assert "The risk appetite of Children&#x27;s Services Improvement Highlight Report has been saved." in html
    assert '<span class="appetite-above">Above appetite</span> <span class="small">(Averse: up to 3)</span>' in html
    client.post(url, {"safeguarding": "", "workforce": "open"})
    assert list(plan.risk_appetites.values_list("category", flat=True)) == ["workforce"]


def test_an_unknown_appetite_level_is_refused_and_nothing_changes(client, plan, sro):
    client.force_login(sro)
    response = client.post(reverse("risks:risk_appetite", kwargs={"plan": plan.slug}), {"safeguarding": "reckless"})
    assert "Select a valid choice. reckless is not one of the available choices." in response.content.decode()
    assert not plan.risk_appetites.exists()


def test_heads_of_service_cannot_set_the_appetite(client, plan, head_of_service):
    client.force_login(head_of_service)
    response = client.post(reverse("risks:risk_appetite", kwargs={"plan": plan.slug}), {"safeguarding": "eager"})
    assert response.status_code == 403
    assert not plan.risk_appetites.exists()
