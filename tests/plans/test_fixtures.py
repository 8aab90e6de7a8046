"""Torbay's real plans, loaded from fixtures/plans by setup_demo's plan loader: counts and texts."""

import datetime

import pytest
from django.conf import settings

from plans import demo
from plans.models import ActionUpdate, KeyAction, Objective, Plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def torbay(db):
    demo.users_load(password=settings.DEMO_PASSWORD)
    demo.plans_load()
    return Plan.objects.get(slug="torbay-2021-highlight")


@pytest.fixture
def tracker(torbay):
    return Plan.objects.get(slug="torbay-2016-action-tracker")


def test_highlight_report_header_is_as_the_seed_writes_it(torbay):
    assert torbay.senior_responsible_officer == "Nancy Meehan"
    assert torbay.report_date == datetime.date(2021, 7, 13)
    assert torbay.overall_status == "amber"
    assert torbay.overall_narrative.startswith("<p>This next phase of our improvement journey is to designed")
    assert "<li>Edge of Care</li>" in torbay.overall_narrative


@pytest.mark.parametrize(
    ("number", "title", "objectives", "actions", "updates"),
    [
        pytest.param(1, "Leadership, Management and Governance", 7, 24, 23, id="theme 1"),
        pytest.param(2, "A robust model of social work practice", 9, 42, 39, id="theme 2"),
        pytest.param(3, "Sufficient and skilled workforce", 1, 4, 4, id="theme 3"),
        pytest.param(4, "Quality assurance and audit", 5, 5, 4, id="theme 4"),
    ],
)
def test_every_theme_objective_action_and_narrative_is_loaded(torbay, number, title, objectives, actions, updates):
    theme = torbay.themes.get(number=number)
    assert theme.title == title
    assert theme.overview_rag == "amber"
    assert Objective.objects.filter(theme=theme).count() == objectives
    assert KeyAction.objects.filter(objective__theme=theme).count() == actions
    assert ActionUpdate.objects.filter(key_action__objective__theme=theme).count() == updates


def test_objectives_keep_their_lead_officer_and_order(torbay):
    first = Objective.objects.filter(theme__plan=torbay).order_by("theme__number", "order").first()
    assert first.lead_officer == "Karen Ogle"
    assert first.description.startswith("To continue to develop systematic management oversight of practice")


def test_owners_are_linked_to_the_demo_heads_of_service(torbay):
    actions = KeyAction.objects.filter(objective__theme__plan=torbay)
    assert actions.filter(owner__username="becky.thompson").count() == 28
    assert actions.filter(owner__username="rachel.setter").count() == 8
    assert set(actions.filter(owner__isnull=True).values_list("owner_name", flat=True)) == {
        "Karen Ogle",
        "Stefan Chapleo",
        "Gwynne Rayns",
        "Nick Hollins",
    }


def test_narratives_written_as_progress_barriers_next_steps_are_split(torbay):
    action = KeyAction.objects.get(
        objective__theme__plan=torbay, description__startswith="Leaders identify the vulnerable groups"
    )
    update = action.updates.get()
    assert update.progress.startswith("leaders now have significant management grip")
    assert update.barriers.startswith("a significant barrier to the needs of cared for")
    assert update.next_steps.startswith("s75 agreement with CAMHS to be reviewed")
    assert (update.financial_year, update.quarter, update.author.username) == (2021, 1, "becky.thompson")


def test_key_priorities_and_medium_term_developments(torbay):
    priorities = list(torbay.key_priorities.values_list("ref", "owner_name"))
    assert priorities == [
        ("1", "Becky Thompson"),
        ("2", "Rachel Setter"),
        ("3", "Rachel Setter"),
        ("4", "Tracey Fields and Nancy Meehan"),
        ("5", "Becky Thompson"),
    ]
    assert torbay.key_priorities.get(ref="1").by_when == "Review November 2021"
    assert torbay.key_priorities.get(ref="1").description.startswith("Edge of Care - Edge of Care services")
    developments = list(torbay.medium_term_developments.values_list("ref", "by_when"))
    assert developments == [("1", "01.04.2022"), ("2", "01.04.2022"), ("3", "Review in November 2021")]


def test_rag_guidance_holds_both_columns(torbay):
    green = torbay.rag_guidance.get(rag="green")
    assert green.overall_rating == "Activity on track and delivering expected outcomes"
    assert green.action_rating.startswith("Improvement activity is on track or completed")
    assert torbay.rag_guidance.count() == 3


def test_the_2016_action_tracker_is_a_second_plan_with_its_columns(tracker):
    assert tracker.report_date == datetime.date(2016, 9, 20)
    assert tracker.themes.count() == 6
    assert KeyAction.objects.filter(objective__theme__plan=tracker).count() == 62
    first = (
        KeyAction.objects.filter(objective__theme__plan=tracker)
        .order_by("objective__theme__number", "objective__order", "order")
        .first()
    )
    assert first.description.startswith("Assessment timescales expected to complete with 20 days")
    assert first.owner_name.startswith("Head of Service MASH/ SA")
    for column in ("how", "success_measures", "baseline", "target"):
        assert getattr(first, column), column
    # The seed's bullets were lost in extraction ("<ul> text", no items): paragraphs, which screen readers can read.
    assert first.baseline == "<p>19% at 20 days (Oct 15) 81% within 45 days (Oct 15)</p>"


def test_ofsted_snapshot_of_march_2017(tracker):
    recommendations = tracker.ofsted_recommendations.all()
    assert recommendations.count() == 16
    assert {r.snapshot_date for r in recommendations} == {datetime.date(2017, 3, 1)}
    assert sorted(recommendations.values_list("rag", flat=True)).count("red") == 2
    assert recommendations.filter(rag="green").count() == 2
    assert recommendations.filter(rag="amber").count() == 12
    assert recommendations.get(number=13).rag == "red"


def test_seed_html_is_sanitised_on_load(torbay, tracker):
    texts = list(Plan.objects.values_list("overall_narrative", flat=True)) + list(
        KeyAction.objects.values_list("how", flat=True)
    )
    for text in texts:
        assert "style=" not in text
        assert "<script" not in text
        assert "<i>" not in text


def test_theme_4_ends_with_the_objective_on_learning_from_complaints(torbay):
    objective = Objective.objects.filter(theme__plan=torbay, theme__number=4).order_by("order").last()
    assert objective.lead_officer == "Rachel Setter"
    assert objective.description == (
        "Improve the effectiveness of learning from complaints through a process of systematic scrutiny that "
        "contributes to improved social work practice and better outcomes for children."
    )
    action = objective.key_actions.get()
    assert action.description == (
        "Weekly updates to be provided at the Heads of Service meeting with timescale slippage to be escalated "
        "to the Director or a nominated deputy."
    )
    assert (action.owner.username, action.owner_name) == ("rachel.setter", "Rachel Setter")
    assert action.updates.get().progress == (
        "Meeting booked with Ben Simpson to take this forwards and clarify process and reporting mechanisms and "
        "discuss training need to prevent escaltion up the levels."
    )
