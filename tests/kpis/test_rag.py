"""The one RAG rule (kpis.rag) and the better/worse trend (kpis.trend), polarity by polarity."""

import datetime
from decimal import Decimal

import pytest

from kpis.models import Polarity
from kpis.rag import targets_for_month, targets_for_year, value_rag
from kpis.trend import Trend, value_trend

HIGHER, LOWER, CLOSE, CONTEXTUAL = (
    Polarity.HIGHER_IS_BETTER,
    Polarity.LOWER_IS_BETTER,
    Polarity.CLOSE_TO_TARGET,
    Polarity.CONTEXTUAL,
)


@pytest.mark.parametrize(
    ("value", "target_min", "target_upper", "expected"),
    [
        pytest.param(96, 95, 100, "amber", id="between min and upper is amber"),
        pytest.param(100, 95, 100, "green", id="at upper is green"),
        pytest.param(95, 95, 100, "amber", id="at min is amber"),
        pytest.param(Decimal("94.9"), 95, 100, "red", id="below min is red"),
        pytest.param(85, 85, 95, "amber", id="2.15 assessments in 45 days at min"),
        pytest.param(50, None, 100, "red", id="only upper set: below it is red"),
        pytest.param(100, None, 100, "green", id="only upper set: at it is green"),
    ],
)
def test_higher_is_better(value, target_min, target_upper, expected):
    assert value_rag(value=value, target_min=target_min, target_upper=target_upper, polarity=HIGHER) == expected


@pytest.mark.parametrize(
    ("value", "target_min", "target_upper", "expected"),
    [
        pytest.param(Decimal("27.9"), 35, 28, "green", id="agency staff at or below upper 28 is green"),
        pytest.param(28, 35, 28, "green", id="agency staff exactly upper is green"),
        pytest.param(Decimal("34.3"), 35, 28, "amber", id="agency staff between upper and min is amber"),
        pytest.param(35, 35, 28, "amber", id="agency staff at min is amber"),
        pytest.param(Decimal("35.6"), 35, 28, "red", id="agency staff above min is red"),
        pytest.param(Decimal("28.3"), 20, 25, "red", id="vacancies with min below upper: above both is red"),
        pytest.param(22, 20, 25, "amber", id="vacancies with min below upper: between is amber"),
        pytest.param(19, 20, 25, "green", id="vacancies with min below upper: below both is green"),
        pytest.param(297, 180, 140, "red", id="2.31 days to match above 180 is red"),
    ],
)
def test_lower_is_better_reads_min_and_upper_as_a_band(value, target_min, target_upper, expected):
    assert value_rag(value=value, target_min=target_min, target_upper=target_upper, polarity=LOWER) == expected


@pytest.mark.parametrize(
    ("value", "target_min", "target_upper", "expected"),
    [
        pytest.param(30, 25, 50, "green", id="inside band is green"),
        pytest.param(25, 25, 50, "green", id="at band edge is green"),
        pytest.param(21, 25, 50, "amber", id="below band by less than half its width is amber"),
        pytest.param(Decimal("62.5"), 25, 50, "amber", id="above band by exactly half its width is amber"),
        pytest.param(63, 25, 50, "red", id="above band by more than half its width is red"),
        pytest.param(0, 25, 50, "red", id="far below band is red"),
        pytest.param(100, 100, 100, "green", id="single target hit is green"),
        pytest.param(91, 100, 100, "amber", id="single target missed by under 10 percent is amber"),
        pytest.param(89, 100, None, "red", id="single target missed by over 10 percent is red"),
    ],
)
def test_close_to_target(value, target_min, target_upper, expected):
    assert value_rag(value=value, target_min=target_min, target_upper=target_upper, polarity=CLOSE) == expected


@pytest.mark.parametrize(
    ("value", "target_min", "target_upper", "polarity"),
    [
        pytest.param(175, 0, 10, CONTEXTUAL, id="contextual has no RAG even with targets"),
        pytest.param(None, 90, 100, HIGHER, id="no figure has no RAG"),
        pytest.param(50, None, None, HIGHER, id="no targets (TBC) has no RAG"),
        pytest.param(50, None, None, LOWER, id="no targets lower is better has no RAG"),
        pytest.param(50, None, None, CLOSE, id="no targets close has no RAG"),
    ],
)
def test_no_rag(value, target_min, target_upper, polarity):
    assert value_rag(value=value, target_min=target_min, target_upper=target_upper, polarity=polarity) == ""


def test_float_and_decimal_give_the_same_rag():
    assert value_rag(value=34.3, target_min=Decimal("35.0000"), target_upper=28, polarity=LOWER) == "amber"


def test_a_month_is_read_against_its_own_years_targets_first():
    targets = {2020: (Decimal(80), Decimal(90)), 2021: (Decimal(90), Decimal(100))}
    assert targets_for_month(targets_by_year=targets, month=datetime.date(2021, 3, 1)) == (80, 90)
    assert targets_for_month(targets_by_year=targets, month=datetime.date(2021, 4, 1)) == (90, 100)


def test_a_year_without_targets_borrows_the_most_recent_years():
    targets = {2019: (None, None), 2020: (Decimal(1), None), 2021: (Decimal(90), Decimal(100))}
    assert targets_for_year(targets_by_year=targets, financial_year=2019) == (90, 100)
    assert targets_for_year(targets_by_year={}, financial_year=2019) == (None, None)


@pytest.mark.parametrize(
    ("current", "previous", "polarity", "targets", "expected"),
    [
        pytest.param(97, 96, HIGHER, (None, None), Trend("up", "better"), id="higher is better going up"),
        pytest.param(95, 96, HIGHER, (None, None), Trend("down", "worse"), id="higher is better going down"),
        pytest.param(26, 25, LOWER, (None, None), Trend("up", "worse"), id="repeat referrals going up is worse"),
        pytest.param(24, 25, LOWER, (None, None), Trend("down", "better"), id="lower is better going down"),
        pytest.param(30, 21, CLOSE, (25, 50), Trend("up", "better"), id="close moving into band is better"),
        pytest.param(60, 50, CLOSE, (25, 50), Trend("up", "worse"), id="close moving away from band is worse"),
        pytest.param(40, 30, CLOSE, (25, 50), Trend("up", "same"), id="close moving inside band is the same"),
        pytest.param(40, 30, CLOSE, (None, None), Trend("up", ""), id="close without targets says direction only"),
        pytest.param(175, 161, CONTEXTUAL, (None, None), Trend("up", ""), id="contextual says direction only"),
        pytest.param(97, 97, HIGHER, (None, None), Trend("same", "same"), id="unchanged is the same"),
        pytest.param(97, None, HIGHER, (None, None), Trend(), id="nothing to compare with"),
    ],
)
def test_value_trend(current, previous, polarity, targets, expected):
    trend = value_trend(
        current=current, previous=previous, polarity=polarity, target_min=targets[0], target_upper=targets[1]
    )
    assert trend == expected


def test_trend_label_says_better_or_worse_before_the_direction():
    assert Trend("down", "better").label == "Better (down)"
    assert Trend("up", "").label == "Up"
    assert Trend("same", "same").label == "Same"
    assert Trend().label == ""
