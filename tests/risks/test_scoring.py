"""Scoring and banding: score = probability × impact, bands from settings.RISK_BANDS."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from risks import services
from risks.models import Risk, band_for_score, risk_bands, score_of
from tests.risks.factories import RiskFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("probability", "impact", "score", "band"),
    [
        pytest.param(1, 1, 1, "low", id="1x1 lowest is low"),
        pytest.param(2, 2, 4, "low", id="4 top of low"),
        pytest.param(1, 5, 5, "medium", id="5 bottom of medium"),
        pytest.param(3, 4, 12, "medium", id="12 top of medium (seed risks 6, 8, 9, 10)"),
        pytest.param(3, 5, 15, "high", id="15 bottom of high (seed risk 4)"),
        pytest.param(4, 4, 16, "high", id="16 high (seed risks 2, 3)"),
        pytest.param(4, 5, 20, "high", id="20 high (seed risk 1)"),
        pytest.param(5, 5, 25, "high", id="25 highest (seed risk 5)"),
    ],
)
def test_score_is_probability_times_impact_and_banded(probability, impact, score, band):
    assert score_of(probability, impact) == score
    assert band_for_score(score).key == band


def test_every_possible_score_has_a_band_under_the_configured_bands():
    scores = {p * i for p in range(1, 6) for i in range(1, 6)}
    assert 13 not in scores
    assert 14 not in scores
    assert all(band_for_score(score) is not None for score in scores)


def test_bands_come_from_settings(settings):
    settings.RISK_BANDS = (("low", "Low", 1, 6), ("high", "High", 8, 25))
    assert [band.key for band in risk_bands()] == ["low", "high"]
    assert band_for_score(6).key == "low"
    assert band_for_score(12).key == "high"


def test_service_computes_the_score_never_the_caller(plan, admin_user_, sro):
    risk = services.risk_create(
        user=admin_user_,
        plan=plan,
        ref=1,
        description="If x, then y.",
        owner=sro,
        date_raised="2020-01-01",
        probability=4,
        impact=5,
    )
    risk.refresh_from_db()
    assert risk.score == 20
    assert risk.band.label == "High"
    with pytest.raises(TypeError):
        services.risk_update(user=admin_user_, risk=risk, score=3)


def test_database_refuses_a_score_that_is_not_probability_times_impact(plan, sro):
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskFactory(plan=plan, owner=sro, probability=4, impact=5, score=21)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("probability", 0, id="probability 0"),
        pytest.param("probability", 6, id="probability 6"),
        pytest.param("impact", 0, id="impact 0"),
        pytest.param("impact", 6, id="impact 6"),
    ],
)
def test_probability_and_impact_outside_1_to_5_are_refused(plan, admin_user_, sro, field, value):
    values = {"probability": 3, "impact": 3} | {field: value}
    with pytest.raises(ValidationError) as error:
        services.risk_create(
            user=admin_user_,
            plan=plan,
            ref=1,
            description="If x, then y.",
            owner=sro,
            date_raised="2020-01-01",
            **values,
        )
    assert field in error.value.message_dict
    assert not Risk.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [pytest.param("probability", 9, id="probability 9"), pytest.param("impact", -1, id="impact -1")],
)
def test_database_refuses_probability_or_impact_outside_1_to_5(plan, sro, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskFactory(plan=plan, owner=sro, **{field: value}, score=value * 3)


def test_target_score_needs_both_probability_and_impact(plan, admin_user_, sro):
    with pytest.raises(ValidationError):
        services.risk_create(
            user=admin_user_,
            plan=plan,
            ref=1,
            description="If x, then y.",
            owner=sro,
            date_raised="2020-01-01",
            probability=3,
            impact=3,
            target_probability=2,
        )
    risk = services.risk_create(
        user=admin_user_,
        plan=plan,
        ref=2,
        description="If x, then y.",
        owner=sro,
        date_raised="2020-01-01",
        probability=3,
        impact=3,
        target_probability=2,
        target_impact=2,
    )
    assert risk.target_score == 4
    assert risk.target_band.key == "low"
