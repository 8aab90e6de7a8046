"""The Orange Book rules: inherent ≥ current ≥ target, appetite by category, review dates by score,
controls with owners and effectiveness, links kept in the history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from risks import services
from risks.models import (
    AppetiteLevel,
    ControlEffectiveness,
    Risk,
    RiskCategory,
    RiskControl,
    appetite_max_score,
    next_review_for,
    review_months_for_score,
)
from tests.factories import KeyActionFactory, ThemeFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 3)


def _at(year, month, day):
    return timezone.make_aware(datetime.datetime(year, month, day, 10, 0))


def _create(plan, user, owner, **values):
    return services.risk_create(
        user=user,
        plan=plan,
        ref=values.pop("ref", 1),
        description="If the service response is inadequate, then children may come to significant harm.",
        owner=owner,
        date_raised=datetime.date(2020, 1, 1),
        **{"probability": 4, "impact": 4, **values},
    )


@pytest.mark.parametrize(
    ("level", "highest"),
    [
        pytest.param(AppetiteLevel.AVERSE, 3, id="averse"),
        pytest.param(AppetiteLevel.MINIMAL, 4, id="minimal"),
        pytest.param(AppetiteLevel.CAUTIOUS, 8, id="cautious"),
        pytest.param(AppetiteLevel.OPEN, 12, id="open"),
        pytest.param(AppetiteLevel.EAGER, 16, id="eager"),
        pytest.param("", None, id="no appetite set"),
    ],
)
def test_each_appetite_level_accepts_scores_up_to_its_threshold(level, highest):
    assert appetite_max_score(level) == highest


@pytest.mark.parametrize(
    ("score", "months", "reviewed", "due"),
    [
        pytest.param(20, 1, datetime.date(2026, 1, 31), datetime.date(2026, 2, 28), id="high: monthly, end of month"),
        pytest.param(12, 3, datetime.date(2026, 11, 30), datetime.date(2027, 2, 28), id="medium: quarterly"),
        pytest.param(4, 6, datetime.date(2026, 8, 15), datetime.date(2027, 2, 15), id="low: every six months"),
    ],
)
def test_the_review_falls_due_by_the_band_of_the_current_score(score, months, reviewed, due):
    assert review_months_for_score(score) == months
    assert next_review_for(score, reviewed) == due


def test_a_risk_without_an_inherent_score_takes_the_current_one_and_says_so(plan, sro):
    risk = _create(plan, sro, sro, probability=4, impact=5)
    assert (risk.inherent_probability, risk.inherent_impact, risk.inherent_score) == (4, 5, 20)
    assert risk.inherent_assessed is False
    services.risk_update(user=sro, risk=risk, probability=5)
    risk.refresh_from_db()
    assert (risk.inherent_score, risk.score) == (25, 25)  # follows the current one until assessed
    services.risk_update(user=sro, risk=risk, inherent_probability=5, inherent_impact=5, probability=3)
    risk.refresh_from_db()
    assert (risk.inherent_score, risk.score, risk.inherent_assessed) == (25, 15, True)


def test_inherent_current_and_target_are_each_probability_times_impact(plan, sro):
    risk = _create(plan, sro, sro, inherent_probability=5, inherent_impact=5, target_probability=2, target_impact=4)
    assert (risk.inherent_score, risk.score, risk.target_score) == (25, 16, 8)
    assert risk.inherent_assessed is True


# Scores out of order for a risk whose current score is 4 × 4 = 16 (the add form's tests use them too).
SCORES_OUT_OF_ORDER = [
    pytest.param(
        {"inherent_probability": 2, "inherent_impact": 2},
        "The current score (16) is above the inherent score (4).",
        id="current above inherent",
    ),
    pytest.param(
        {"target_probability": 5, "target_impact": 5},
        "The target score (25) is above the current score (16).",
        id="target above current",
    ),
]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        *SCORES_OUT_OF_ORDER,
        pytest.param(
            {"inherent_probability": 6, "inherent_impact": 5}, "Value 6 is not a valid choice.", id="off the scale"
        ),
    ],
)
def test_scores_out_of_order_are_refused_with_a_sentence(plan, sro, values, message):
    with pytest.raises(ValidationError) as refused:
        _create(plan, sro, sro, **values)
    assert message in " ".join(refused.value.messages)
    assert not Risk.objects.exists()


def test_a_new_risk_is_reviewed_when_it_is_added(plan, sro):
    risk = _create(plan, sro, sro, probability=4, impact=5, recorded_at=_at(2026, 12, 3))
    assert (risk.last_reviewed_on, risk.next_review_date) == (TODAY, datetime.date(2027, 1, 3))


def test_a_score_change_is_a_review_and_a_rise_is_kept_until_the_next_one(plan, sro):
    risk = _create(plan, sro, sro, probability=2, impact=4, recorded_at=_at(2026, 11, 1))  # 8, medium: quarterly
    assert risk.next_review_date == datetime.date(2027, 2, 1)
    services.risk_update(user=sro, risk=risk, probability=4, recorded_at=_at(2026, 12, 3))  # 16, high: monthly
    risk.refresh_from_db()
    assert (risk.previous_review_score, risk.score, risk.score_rose) == (8, 16, True)
    assert risk.next_review_date == datetime.date(2027, 1, 3)
    services.risk_update(
        user=sro, risk=risk, mitigation="Same day, still risen.", reviewed=True, recorded_at=_at(2026, 12, 3)
    )
    risk.refresh_from_db()
    assert risk.score_rose is True
    services.risk_update(user=sro, risk=risk, reviewed=True, recorded_at=_at(2027, 1, 2))
    risk.refresh_from_db()
    assert (risk.previous_review_score, risk.score_rose, risk.next_review_date) == (
        16,
        False,
        datetime.date(2027, 2, 2),
    )


def test_a_review_that_changes_nothing_else_still_moves_the_review_date(plan, sro):
    risk = _create(plan, sro, sro, probability=4, impact=5, recorded_at=_at(2026, 11, 1))
    services.risk_update(user=sro, risk=risk, reviewed=True, recorded_at=_at(2026, 12, 3))
    risk.refresh_from_db()
    assert (risk.last_reviewed_on, risk.next_review_date, risk.version) == (TODAY, datetime.date(2027, 1, 3), 2)


def test_controls_have_an_owner_and_an_effectiveness_and_only_the_risks_editors_change_them(plan, sro, head_of_service):
    risk = _create(
        plan,
        sro,
        sro,
        controls=[{"description": "Weekly audit of casework.", "owner": head_of_service, "effectiveness": "partial"}],
    )
    control = risk.controls.get()
    assert (control.owner, control.get_effectiveness_display()) == (head_of_service, "Partially effective")
    with pytest.raises(PermissionDenied):
        services.risk_control_update(user=head_of_service, control=control, effectiveness="effective")
    services.risk_control_update(user=sro, control=control, effectiveness=ControlEffectiveness.EFFECTIVE)
    assert risk.controls.get().effectiveness == "effective"
    assert control.history.count() == 2
    with pytest.raises(ValidationError):
        services.risk_control_add(user=sro, risk=risk, description="  ", owner=sro)
    services.risk_control_delete(user=sro, control=control)
    assert not risk.controls.exists()
    assert RiskControl.history.filter(description="Weekly audit of casework.").first().history_type == "-"


def test_the_appetite_is_set_by_the_sro_or_an_administrator_only(plan, sro, head_of_service):
    with pytest.raises(PermissionDenied):
        services.risk_appetite_set(user=head_of_service, plan=plan, category=RiskCategory.SAFEGUARDING, level="open")
    appetite = services.risk_appetite_set(user=sro, plan=plan, category=RiskCategory.SAFEGUARDING, level="averse")
    assert (str(appetite), appetite.max_score) == ("Safeguarding: Averse", 3)
    assert services.risk_appetite_set(user=sro, plan=plan, category=RiskCategory.SAFEGUARDING, level="") is None
    assert not plan.risk_appetites.exists()


def test_links_made_and_removed_are_in_the_history(plan, sro):
    theme = ThemeFactory(plan=plan, number=2, title="Workforce")
    action = KeyActionFactory(objective__theme=theme, description="<p>Recruit permanent social workers</p>")
    risk = _create(plan, sro, sro, themes=[theme])
    services.risk_update(user=sro, risk=risk, key_actions=[action], themes=[])
    summaries = list(risk.history.order_by("history_date").values_list("links_summary", flat=True))
    assert summaries == ["Theme 2: Workforce", "Key action: Recruit permanent social workers"]
