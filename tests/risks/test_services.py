"""Writes: who may change a risk, the history of every change, optimistic locking."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.locking import EditConflict
from risks import services
from risks.models import Risk, RiskStatus
from tests.factories import PlanFactory, ThemeFactory
from tests.risks.factories import RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk(plan, admin_user_, sro):
    return services.risk_create(
        user=admin_user_,
        plan=plan,
        ref=1,
        description="If x, then y.",
        mitigation="Oversight.",
        owner=sro,
        date_raised=datetime.date(2020, 1, 1),
        probability=4,
        impact=5,
    )


def test_owner_can_update_their_risk_and_the_score_follows(risk, sro):
    services.risk_update(user=sro, risk=risk, probability=2)
    risk.refresh_from_db()
    assert (risk.probability, risk.score, risk.band.key) == (2, 10, "medium")
    assert risk.version == 2


def test_administrator_can_update_anyones_risk(risk, admin_user_):
    services.risk_update(user=admin_user_, risk=risk, status=RiskStatus.CLOSED)
    assert Risk.objects.get().status == RiskStatus.CLOSED


@pytest.mark.parametrize(
    "who",
    [pytest.param("head_of_service", id="another owner"), pytest.param("performance_user", id="performance team")],
)
def test_non_owner_cannot_update_a_risk(request, risk, who):
    with pytest.raises(PermissionDenied):
        services.risk_update(user=request.getfixturevalue(who), risk=risk, probability=1)
    assert Risk.objects.get().probability == 4
    assert Risk.history.count() == 1


def test_only_administrators_and_the_sro_create_risks(plan, head_of_service, performance_user):
    for person in (head_of_service, performance_user):
        with pytest.raises(PermissionDenied):
            services.risk_create(
                user=person,
                plan=plan,
                ref=1,
                description="If x, then y.",
                owner=person,
                date_raised=datetime.date(2020, 1, 1),
                probability=1,
                impact=1,
            )
    assert not Risk.objects.exists()


def test_the_sro_adds_a_risk(plan, sro):
    services.risk_create(
        user=sro,
        plan=plan,
        ref=1,
        description="If x, then y.",
        owner=sro,
        date_raised=datetime.date(2020, 1, 1),
        probability=1,
        impact=1,
    )
    assert Risk.objects.get().history.first().history_user == sro


def test_owner_cannot_give_their_risk_to_someone_else(risk, sro, head_of_service, admin_user_):
    with pytest.raises(PermissionDenied):
        services.risk_update(user=sro, risk=risk, owner=head_of_service)
    services.risk_update(user=admin_user_, risk=Risk.objects.get(), owner=head_of_service)
    assert Risk.objects.get().owner == head_of_service


def test_every_change_is_kept_with_who_and_when(risk, sro, admin_user_):
    services.risk_update(user=sro, risk=risk, probability=3)
    services.risk_update(user=sro, risk=risk, mitigation="Oversight and audit.")
    services.risk_update(user=admin_user_, risk=risk, status=RiskStatus.CLOSED)
    records = list(Risk.history.filter(id=risk.pk).order_by("history_date", "history_id"))
    assert [(r.history_type, r.history_user, r.probability, r.score, r.status) for r in records] == [
        ("+", admin_user_, 4, 20, "open"),
        ("~", sro, 3, 15, "open"),
        ("~", sro, 3, 15, "open"),
        ("~", admin_user_, 3, 15, "closed"),
    ]
    assert records[2].mitigation == "Oversight and audit."
    assert all(r.history_date is not None for r in records)


def test_an_update_that_changes_nothing_writes_no_history(risk, sro):
    services.risk_update(user=sro, risk=risk, probability=4, impact=5)
    assert Risk.history.count() == 1
    assert Risk.objects.get().version == 1


def test_a_stale_version_is_refused_and_nothing_changes(risk, sro, admin_user_):
    read_version = risk.version
    services.risk_update(user=admin_user_, risk=Risk.objects.get(), impact=4)
    with pytest.raises(EditConflict):
        services.risk_update(user=sro, risk=Risk.objects.get(), version=read_version, probability=1)
    risk.refresh_from_db()
    assert (risk.probability, risk.impact, risk.version) == (4, 4, 2)


def test_links_must_belong_to_the_risks_plan(risk, sro, plan):
    own_theme = ThemeFactory(plan=plan)
    other_theme = ThemeFactory(plan=PlanFactory())
    with pytest.raises(ValidationError):
        services.risk_update(user=sro, risk=risk, themes=[other_theme])
    services.risk_update(user=sro, risk=risk, themes=[own_theme])
    assert list(Risk.objects.get().themes.all()) == [own_theme]


def test_duplicate_ref_in_a_plan_is_refused(risk, admin_user_, sro, plan):
    with pytest.raises(ValidationError):
        services.risk_create(
            user=admin_user_,
            plan=plan,
            ref=1,
            description="Again.",
            owner=sro,
            date_raised=datetime.date(2020, 1, 1),
            probability=1,
            impact=1,
        )


def test_delete_is_recorded_and_needs_an_administrator(risk, sro, admin_user_):
    with pytest.raises(PermissionDenied):
        services.risk_delete(user=sro, risk=risk)
    services.risk_delete(user=admin_user_, risk=risk)
    assert not Risk.objects.exists()
    assert Risk.history.filter(history_type="-", history_user=admin_user_).count() == 1


def test_factory_risk_can_be_updated_by_its_owner(plan):
    risk = RiskFactory(plan=plan)
    services.risk_update(user=risk.owner, risk=risk, impact=1)
    assert Risk.objects.get().score == 3
