"""Reads: the register's filters, the heat map's counts, the score history, the register as at a date."""

import datetime

import pytest
from django.utils import timezone

from risks import selectors, services
from risks.models import RiskStatus, RiskType
from tests.factories import PlanFactory
from tests.risks.factories import RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(plan, sro, head_of_service):
    return {
        "high": RiskFactory(plan=plan, owner=sro, probability=5, impact=5, score=25),
        "medium": RiskFactory(plan=plan, owner=head_of_service, probability=3, impact=4, score=12),
        "low": RiskFactory(plan=plan, owner=sro, probability=2, impact=2, score=4, type=RiskType.ISSUE),
        "closed": RiskFactory(plan=plan, owner=sro, probability=5, impact=5, score=25, status=RiskStatus.CLOSED),
    }


def test_register_is_sorted_by_score(register, sro):
    scores = [risk.score for risk in selectors.risk_list(user=sro)]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param({"band": "high"}, {"high", "closed"}, id="band high"),
        pytest.param({"band": "medium"}, {"medium"}, id="band medium"),
        pytest.param({"band": "low"}, {"low"}, id="band low"),
        pytest.param({"type": "issue"}, {"low"}, id="issues only"),
        pytest.param({"status": "closed"}, {"closed"}, id="closed only"),
        pytest.param({"status": "open", "probability": 5, "impact": 5}, {"high"}, id="heat map cell"),
    ],
)
def test_register_filters(register, sro, filters, expected):
    names = {name for name, risk in register.items() if risk in set(selectors.risk_list(user=sro, **filters))}
    assert names == expected


def test_register_filters_by_owner(register, sro, head_of_service):
    assert list(selectors.risk_list(user=sro, owner=head_of_service)) == [register["medium"]]


def test_overdue_review_is_flagged_only_for_open_risks(plan, sro):
    today = datetime.date(2021, 7, 13)
    overdue = RiskFactory(plan=plan, owner=sro, next_review_date=datetime.date(2021, 7, 12))
    RiskFactory(plan=plan, owner=sro, next_review_date=datetime.date(2021, 7, 13))
    RiskFactory(plan=plan, owner=sro, next_review_date=datetime.date(2021, 1, 1), status=RiskStatus.CLOSED)
    RiskFactory(plan=plan, owner=sro, next_review_date=None)
    flagged = [risk for risk in selectors.risk_list(user=sro, today=today) if risk.review_overdue]
    assert flagged == [overdue]


def test_heat_map_counts_open_risks_per_cell_in_one_query(register, plan, sro, django_assert_num_queries):
    RiskFactory(plan=plan, owner=sro, probability=5, impact=5, score=25)
    with django_assert_num_queries(1):
        heatmap = selectors.risk_heatmap(user=sro)
    counts = {(cell.probability, cell.impact): cell.count for _, row in heatmap.rows for cell in row}
    assert len(counts) == 25
    assert counts[(5, 5)] == 2  # the closed 25 is not counted
    assert counts[(3, 4)] == 1
    assert counts[(2, 2)] == 1
    assert sum(counts.values()) == heatmap.total == 4
    assert [row[0] for row in heatmap.rows] == [5, 4, 3, 2, 1]
    assert [(c.probability, c.impact, c.count) for c in heatmap.occupied] == [(5, 5, 2), (3, 4, 1), (2, 2, 1)]


def test_heat_map_is_limited_to_a_plan(register, sro):
    RiskFactory(plan=PlanFactory(), owner=sro, probability=1, impact=1, score=1)
    assert selectors.risk_heatmap(user=sro, plan=register["high"].plan).total == 3
    assert selectors.risk_heatmap(user=sro).total == 4


def test_score_history_lists_each_change_with_who(plan, admin_user_, sro):
    risk = services.risk_create(
        user=admin_user_,
        plan=plan,
        ref=1,
        description="If x, then y.",
        owner=sro,
        date_raised=datetime.date(2020, 1, 1),
        probability=4,
        impact=5,
    )
    services.risk_update(user=sro, risk=risk, probability=3, mitigation="More.")
    services.risk_update(user=sro, risk=risk, status=RiskStatus.CLOSED)
    points = selectors.risk_score_history(risk=risk)
    assert [(p.score, p.by) for p in points] == [
        (20, admin_user_.get_full_name()),
        (15, "Nancy Meehan"),
        (15, "Nancy Meehan"),
    ]
    assert points[1].changes == ("Probability 4 → 3", "Mitigation changed")
    assert points[2].changes == ("Status Open → Closed",)


def test_register_for_plan_as_at_a_date_uses_the_scores_of_that_date(plan, admin_user_, sro):
    july = timezone.make_aware(datetime.datetime(2021, 7, 13, 12))
    risk = services.risk_create(
        user=admin_user_,
        plan=plan,
        ref=1,
        description="If x, then y.",
        owner=sro,
        date_raised=datetime.date(2020, 1, 1),
        probability=4,
        impact=5,
        recorded_at=july,
    )
    services.risk_update(
        user=sro, risk=risk, probability=2, recorded_at=timezone.make_aware(datetime.datetime(2021, 9, 1, 9))
    )
    services.risk_create(
        user=admin_user_,
        plan=plan,
        ref=2,
        description="Later.",
        owner=sro,
        date_raised=datetime.date(2021, 8, 1),
        probability=1,
        impact=1,
        recorded_at=timezone.make_aware(datetime.datetime(2021, 8, 2, 9)),
    )
    as_at_july = selectors.risk_register_for_plan(plan=plan, as_at=datetime.date(2021, 7, 13))
    assert [(r.ref, r.score, r.owner) for r in as_at_july] == [(1, 20, sro)]
    as_at_october = selectors.risk_register_for_plan(plan=plan, as_at=datetime.date(2021, 10, 1))
    assert [(r.ref, r.score) for r in as_at_october] == [(1, 10), (2, 1)]
    assert [(r.ref, r.score) for r in selectors.risk_register_for_plan(plan=plan)] == [(1, 10), (2, 1)]


def test_owner_lookup_matches_full_name_and_username_ignoring_case(sro, make_user):
    lookup = selectors.owner_lookup()
    assert lookup["nancy meehan"] == [sro]
    assert lookup["sro"] == [sro]
    make_user("nancy2", first_name="Nancy", last_name="Meehan")
    assert len(selectors.owner_lookup()["nancy meehan"]) == 2
