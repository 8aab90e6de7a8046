"""Ofsted recommendations in the app (issue 13): the SRO links the key actions answering each and sets its RAG,
comments and snapshot date; the report (page, PDF's HTML and Word), the plan page and the action's page
show the links; bad input is refused and kept; every page runs a fixed number of queries."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.locking import EditConflict
from plans.editing.recommendations import ofsted_recommendation_update
from plans.models import OfstedRecommendation, Plan
from plans.recommendations import action_label
from tests.factories import KeyActionFactory, ObjectiveFactory, PlanFactory, ThemeFactory
from tests.report.helpers import element_by_id, text_of
from tests.report.test_report_queries import REPORT_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return PlanFactory(title="Torbay tracker", slug="tracker", report_date=datetime.date(2016, 9, 20))


@pytest.fixture
def actions(plan, head_of_service):
    theme = ThemeFactory(plan=plan, number=1, title="Help and protection")
    objective = ObjectiveFactory(theme=theme)
    return [
        KeyActionFactory(objective=objective, owner=head_of_service, description="<p>Assessments within 20 days</p>"),
        KeyActionFactory(objective=objective, owner=head_of_service, description="<p>S47 within 15 working days</p>"),
    ]


@pytest.fixture
def recommendation(plan):
    return OfstedRecommendation.objects.create(
        plan=plan,
        number=6,
        recommendation="Ensure that assessments are timely and proportionate",
        rag="amber",
        comments="<p>Assessment timeliness has improved.</p>",
        snapshot_date=datetime.date(2017, 3, 1),
    )


def update(user, recommendation, **overrides):
    fields = {
        "expected_version": recommendation.version,
        "rag": "green",
        "comments": "Sustained.",
        "snapshot_date": datetime.date(2017, 6, 1),
        "key_actions": [],
    } | overrides
    return ofsted_recommendation_update(user=user, recommendation=recommendation, **fields)


# --- The service ----------------------------------------------------------------------------------


def test_the_sro_links_actions_and_the_link_keeps_its_history(sro, recommendation, actions):
    update(sro, recommendation, key_actions=actions, comments="<script>alert(1)</script><p>Sustained.</p>")
    recommendation.refresh_from_db()
    assert set(recommendation.key_actions.all()) == set(actions)
    assert (recommendation.rag, recommendation.version) == ("green", 2)
    assert recommendation.comments == "<p>Sustained.</p>"  # sanitised once, on the way in
    latest = recommendation.history.latest()
    assert {row.keyaction_id for row in latest.key_actions.all()} == {a.pk for a in actions}
    assert latest.history_user == sro
    # Unlinked later: the history still says what was linked before.
    update(sro, recommendation, key_actions=[actions[0]])
    assert list(recommendation.key_actions.all()) == [actions[0]]
    assert [row.keyaction_id for row in recommendation.history.latest().key_actions.all()] == [actions[0].pk]
    assert any(len(h.key_actions.all()) == 2 for h in recommendation.history.all())


def test_a_head_of_service_cannot_change_a_recommendation(head_of_service, recommendation, actions):
    with pytest.raises(PermissionDenied, match="Only the Senior Responsible Officer and administrators"):
        update(head_of_service, recommendation, key_actions=actions)
    assert not recommendation.key_actions.exists()


def test_an_action_of_another_plan_cannot_answer_the_recommendation(sro, recommendation, actions):
    elsewhere = KeyActionFactory()
    with pytest.raises(ValidationError, match="Only key actions of Torbay tracker can answer"):
        update(sro, recommendation, key_actions=[actions[0], elsewhere])
    recommendation.refresh_from_db()
    assert (recommendation.version, recommendation.rag) == (1, "amber")


def test_a_save_from_a_stale_form_is_refused(sro, admin_user_, recommendation, actions):
    update(admin_user_, recommendation, expected_version=1, key_actions=actions)
    with pytest.raises(EditConflict):
        update(sro, recommendation, expected_version=1, rag="red")
    recommendation.refresh_from_db()
    assert recommendation.rag == "green"
    assert recommendation.key_actions.count() == 2


# --- The editing page ------------------------------------------------------------------------------


def form_data(recommendation, **overrides):
    return {
        "version": recommendation.version,
        "rag": "green",
        "comments": "Typed comments",
        "snapshot_date": "01/06/2017",
    } | overrides


def test_the_sro_saves_the_form_and_goes_back_to_the_recommendation_on_the_plan(client, sro, recommendation, actions):
    client.force_login(sro)
    url = reverse("plans:recommendation_edit", args=[recommendation.pk])
    page = client.get(url).content.decode()
    assert "Theme 1: Assessments within 20 days" in page
    assert recommendation.recommendation in page
    response = client.post(url, form_data(recommendation, key_actions=[actions[1].pk]))
    assert response.status_code == 302
    assert response["Location"] == "/plans/tracker/#recommendation-6"
    recommendation.refresh_from_db()
    assert list(recommendation.key_actions.all()) == [actions[1]]
    assert recommendation.snapshot_date == datetime.date(2017, 6, 1)
    plan_page = client.get(response["Location"]).content.decode()
    assert "Ofsted recommendation 6 was saved." in plan_page
    row = element_by_id(plan_page, "recommendation-6")
    assert "Theme 1: S47 within 15 working days" in row
    assert "Assessments within 20 days" not in row


BAD = [
    pytest.param({"snapshot_date": "1 Marche 2017"}, "Give the snapshot date as a date", "1 Marche 2017", id="date"),
    pytest.param({"rag": "purple"}, "Choose Red, Amber, Green or Not set", "Typed comments", id="rag"),
    pytest.param(
        {"comments": "x" * 20_001}, "the limit is 20,000. Shorten it and save again.", "xxxx", id="comments too long"
    ),
    pytest.param({"version": ""}, "open the page again", "Typed comments", id="no version"),
    pytest.param({"key_actions": ["999999"]}, "no longer in this plan: untick it", "Typed comments", id="no action"),
]


@pytest.mark.parametrize(("overrides", "message", "kept"), BAD)
def test_the_form_refuses_bad_input_and_keeps_what_was_typed(
    client, sro, recommendation, actions, overrides, message, kept
):
    client.force_login(sro)
    response = client.post(
        reverse("plans:recommendation_edit", args=[recommendation.pk]), form_data(recommendation, **overrides)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert kept in html
    recommendation.refresh_from_db()
    assert (recommendation.version, recommendation.rag) == (1, "amber")


def test_an_action_of_another_plan_is_refused_by_the_form(client, sro, recommendation, actions):
    client.force_login(sro)
    elsewhere = KeyActionFactory()
    data = form_data(recommendation, key_actions=[actions[0].pk, elsewhere.pk])
    html = client.post(reverse("plans:recommendation_edit", args=[recommendation.pk]), data).content.decode()
    assert "no longer in this plan: untick it and save again." in html
    assert not recommendation.key_actions.exists()


def test_a_stale_form_keeps_what_was_typed_and_shows_what_was_saved(client, sro, admin_user_, recommendation, actions):
    update(admin_user_, recommendation, key_actions=[actions[0]], comments="Saved first")
    client.force_login(sro)
    data = form_data(recommendation, version=1, comments="Mine, typed late", key_actions=[actions[1].pk])
    html = client.post(reverse("plans:recommendation_edit", args=[recommendation.pk]), data).content.decode()
    assert "Someone else saved this while you were editing it" in html
    assert "Mine, typed late" in html
    saved = html.split('id="saved-heading"')[1].split("</section>")[0]
    assert "Saved first" in saved
    assert "Theme 1: Assessments within 20 days" in saved
    assert list(recommendation.key_actions.all()) == [actions[0]]


def test_the_plan_page_offers_editing_to_editors_only(client, sro, head_of_service, recommendation):
    url = reverse("plans:plan_detail", args=["tracker"])
    edit = reverse("plans:recommendation_edit", args=[recommendation.pk])
    client.force_login(head_of_service)
    assert edit not in client.get(url).content.decode()
    client.force_login(sro)
    assert edit in client.get(url).content.decode()


@pytest.mark.parametrize("size", [2, 12])
def test_the_editing_page_runs_a_fixed_number_of_queries(client, sro, django_assert_num_queries, size):
    recommendation = OfstedRecommendation.objects.create(plan=PlanFactory(), number=1, recommendation="Lead well")
    for n in range(size):
        action = KeyActionFactory(objective=ObjectiveFactory(theme=ThemeFactory(plan=recommendation.plan, number=n)))
        if n % 2:
            recommendation.key_actions.add(action)
    client.force_login(sro)
    # session, user, groups, the recommendation with its plan, permissions (2), the linked actions (the
    # form's initial), whether there are actions to choose from, and the actions.
    with django_assert_num_queries(9):
        response = client.get(reverse("plans:recommendation_edit", args=[recommendation.pk]))
    assert response.content.decode().count('type="checkbox"') == size
    assert response.content.decode().count("checked") == size // 2 + 1  # and the RAG's "Not set"


# --- What readers see -------------------------------------------------------------------------------


def test_the_action_page_shows_the_recommendations_it_answers(client, head_of_service, sro, recommendation, actions):
    update(sro, recommendation, key_actions=[actions[0]])
    client.force_login(head_of_service)
    html = client.get(actions[0].get_absolute_url()).content.decode()
    section = text_of(html.split('id="answers-heading"')[1].split("</section>")[0])
    assert "Ofsted recommendation it answers" in section
    assert "Recommendation 6 : Ensure that assessments are timely and proportionate Green at 1 June 2017" in section
    assert "/plans/tracker/#recommendation-6" in html
    assert 'id="answers-heading"' not in client.get(actions[1].get_absolute_url()).content.decode()


def test_the_report_lists_the_recommendations_with_rag_snapshot_and_answering_actions(
    client, sro, recommendation, actions
):
    update(sro, recommendation, rag="red", snapshot_date=datetime.date(2017, 3, 1), key_actions=[actions[1]])
    OfstedRecommendation.objects.create(plan=recommendation.plan, number=7, recommendation="Homeless 16 and 17")
    client.force_login(sro)
    html = client.get(reverse("report") + "?plan=tracker").content.decode()
    assert "Progress snapshot: 1 March 2017" in html
    six = element_by_id(html, "recommendation-6")
    assert '<span class="rag rag-red">Red</span>' in six
    assert f'<a href="{actions[1].get_absolute_url()}">Theme 1: S47 within 15 working days</a>' in six
    seven = element_by_id(html, "recommendation-7")
    assert "Not set" in seven
    assert "None linked yet." in seven


def test_a_plan_without_recommendations_has_no_such_panel(client, sro, actions):
    client.force_login(sro)
    assert 'id="recommendations-heading"' not in client.get(reverse("report") + "?plan=tracker").content.decode()


def test_the_papers_show_the_recommendations(client, sro, recommendation, actions):
    update(sro, recommendation, rag="amber", snapshot_date=datetime.date(2017, 3, 1), key_actions=[actions[0]])
    client.force_login(sro)
    word = docx.Document(io.BytesIO(client.get(reverse("report_docx") + "?plan=tracker").getvalue()))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings.index("Ofsted recommendations") == headings.index("Guidance for RAG status") + 1
    assert "Progress snapshot: 1 March 2017" in [p.text for p in word.paragraphs]
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    assert "Amber" in cells
    assert "Theme 1: Assessments within 20 days" in cells


def test_the_pdf_links_each_answering_action_to_its_row_in_the_paper(sro, recommendation, actions):
    from report.context import ReportContext
    from report.panels import report_html

    update(sro, recommendation, key_actions=[actions[0]])
    plan = Plan.objects.get(slug="tracker")
    context = ReportContext(user=sro, plan=plan, plan_then=plan, quarter=_quarter(), pdf=True)
    html = "".join(report_html(context))
    assert f'<a href="#action-{actions[0].pk}">Theme 1: Assessments within 20 days</a>' in html
    assert f'id="action-{actions[0].pk}"' in html


def _quarter():
    from core.calendar import FinancialQuarter

    return FinancialQuarter(2016, 2)


@pytest.mark.parametrize("size", [1, 4])
def test_pages_showing_recommendations_run_a_fixed_number_of_queries(
    client, sro, head_of_service, django_assert_num_queries, size
):
    plan = PlanFactory(slug="sized")
    theme = ThemeFactory(plan=plan, number=1)
    linked = []
    for n in range(size):
        recommendation = OfstedRecommendation.objects.create(plan=plan, number=n + 1, recommendation=f"Rec {n}")
        for _ in range(size):
            action = KeyActionFactory(objective=ObjectiveFactory(theme=theme), owner=head_of_service)
            recommendation.key_actions.add(action)
            linked.append(action)
    client.force_login(sro)
    # The plan page: as tests/plans/test_views.py pins it (18, the recommendations' query among them),
    # and their answering actions (+1).
    with django_assert_num_queries(19):
        response = client.get(reverse("plans:plan_detail", args=["sized"]))
    assert response.content.decode().count("Rec ") == size
    client.force_login(head_of_service)
    linked[0].ofsted_recommendations.add(OfstedRecommendation.objects.get(plan=plan, number=size))
    # The action page: as tests/plans/test_views.py pins it (13, the recommendations it answers among them).
    with django_assert_num_queries(13):
        response = client.get(linked[0].get_absolute_url())
    assert response.content.decode().count("Recommendation ") == min(size, 2)


@pytest.mark.parametrize("size", [1, 4])
def test_the_report_with_recommendations_runs_a_fixed_number_of_queries(client, sro, django_assert_num_queries, size):
    plan = PlanFactory(slug="sized")
    theme = ThemeFactory(plan=plan, number=1)
    for n in range(size):
        recommendation = OfstedRecommendation.objects.create(plan=plan, number=n + 1, recommendation=f"Rec {n}")
        for _ in range(size):
            recommendation.key_actions.add(KeyActionFactory(objective=ObjectiveFactory(theme=theme)))
    client.force_login(sro)
    # tests/report/test_report_queries.py lists the report's queries; this plan has no KPIs (-3: no measures,
    # so no figures, targets or benchmarks are read) and the recommendations' answering actions add one.
    with django_assert_num_queries(REPORT_QUERIES - 3 + 1):
        response = client.get(reverse("report") + "?plan=sized")
    assert response.content.decode().count('id="recommendation-') == size


def test_a_head_of_service_posting_the_form_is_refused_and_nothing_changes(
    client, head_of_service, recommendation, actions
):
    client.force_login(head_of_service)
    data = form_data(recommendation, rag="red", key_actions=[actions[0].pk])
    response = client.post(reverse("plans:recommendation_edit", args=[recommendation.pk]), data)
    assert response.status_code == 403
    assert "Only the Senior Responsible Officer and administrators can change the plan." in response.content.decode()
    recommendation.refresh_from_db()
    assert (recommendation.rag, recommendation.version) == ("amber", 1)
    assert not recommendation.key_actions.exists()


def test_the_demo_links_each_recommendation_to_the_2016_tracker_objective_written_from_it(demo):
    tracker = Plan.objects.get(slug="torbay-2016-action-tracker")
    recommendations = {r.number: r for r in tracker.ofsted_recommendations.prefetch_related("key_actions__objective")}
    assert all(r.key_actions.all() for r in recommendations.values())
    # Recommendation 6 (assessments) is the first objective of theme 1, whose six actions answer it.
    six = recommendations[6].key_actions.all()
    assert len(six) == 6
    assert {a.objective.description for a in six} == {
        "Ensure that assessments are timely, proportionate and effectively identify the risks, and needs and "
        "protective factors, leading to appropriate and measurable plans"
    }
    assert sum(len(r.key_actions.all()) for r in recommendations.values()) == tracker_action_count(tracker)


def test_the_actions_answering_a_recommendation_are_told_apart_by_their_how(demo):
    # Three of the tracker's actions under recommendation 1 share their "What?": their links would read alike.
    recommendation = OfstedRecommendation.objects.get(plan__slug="torbay-2016-action-tracker", number=1)
    labels = [action_label(a) for a in recommendation.key_actions.select_related("objective__theme")]
    assert len(set(labels)) == len(labels) == 4
    assert (
        "Theme 6: Increase corporate oversight and understanding of CS performance, resource and outcomes – "
        "Introduce weekly keep in touch meeting/teleconference between DCS & CX" in labels
    )
    parenting = (
        "Theme 6: Corporate Parenting board – CPB meets regularly; CP strategy, Plan, Pledge written; Key Partners…"
    )
    assert parenting in labels


def tracker_action_count(plan) -> int:
    from plans.models import KeyAction

    return KeyAction.objects.filter(objective__theme__plan=plan).count()


def test_an_admin_save_makes_a_form_opened_before_it_stale(client, sro, admin_client, recommendation):
    from plans.editing.recommendations import ofsted_recommendation_save

    recommendation.comments = "Corrected in the admin"
    ofsted_recommendation_save(user=sro, recommendation=recommendation)
    assert OfstedRecommendation.objects.get(pk=recommendation.pk).version == 2
    response = admin_client.post(
        reverse("admin:plans_ofstedrecommendation_change", args=[recommendation.pk]),
        {
            "plan": recommendation.plan_id,
            "number": 6,
            "recommendation": recommendation.recommendation,
            "rag": "red",
            "comments": "Again",
            "snapshot_date": "2017-03-01",
        },
    )
    assert response.status_code == 302
    assert OfstedRecommendation.objects.get(pk=recommendation.pk).version == 3
    with pytest.raises(EditConflict):
        update(sro, recommendation, expected_version=2)
