import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.calendar import financial_year_label, financial_year_of, quarter_of
from plans.models import ActionUpdate, QuarterRag, Rag
from tests.factories import ActionUpdateFactory, KeyActionFactory, PlanFactory, QuarterRagFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "year", "quarter"),
    [
        pytest.param(datetime.date(2021, 4, 1), 2021, 1, id="first day of Q1"),
        pytest.param(datetime.date(2021, 6, 30), 2021, 1, id="last day of Q1"),
        pytest.param(datetime.date(2021, 7, 13), 2021, 2, id="report date is Q2"),
        pytest.param(datetime.date(2021, 12, 31), 2021, 3, id="December is Q3"),
        pytest.param(datetime.date(2022, 1, 1), 2021, 4, id="January belongs to the previous year's Q4"),
        pytest.param(datetime.date(2022, 3, 31), 2021, 4, id="March is Q4"),
    ],
)
def test_financial_year_and_quarter_start_in_april(day, year, quarter):
    assert financial_year_of(day) == year
    assert quarter_of(day) == quarter


def test_financial_year_label():
    assert financial_year_label(2021) == "2021/22"
    assert financial_year_label(1999) == "1999/00"


def test_one_rag_per_action_per_quarter_is_enforced_by_the_database():
    rag = QuarterRagFactory(financial_year=2021, quarter=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterRag.objects.create(
            key_action=rag.key_action, financial_year=2021, quarter=1, rag=Rag.RED, set_at=rag.set_at
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("rag", "blue", id="RAG other than red/amber/green"),
        pytest.param("quarter", 5, id="quarter 5"),
        pytest.param("quarter", 0, id="quarter 0"),
    ],
)
def test_quarter_rag_rejects_bad_values_in_the_database(field, value):
    rag = QuarterRagFactory()
    setattr(rag, field, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        rag.save()


def test_last_years_quarters_stay_beside_this_years():
    action = KeyActionFactory()
    QuarterRagFactory(key_action=action, financial_year=2020, quarter=1, rag=Rag.RED)
    QuarterRagFactory(key_action=action, financial_year=2021, quarter=1, rag=Rag.GREEN)
    assert {(r.financial_year, r.rag) for r in action.quarter_rags.all()} == {(2020, "red"), (2021, "green")}


def test_narrative_html_is_sanitised_by_full_clean():
    update = ActionUpdateFactory.build(
        key_action=KeyActionFactory(),
        progress='<p onclick="x()">Done <a href="javascript:alert(1)">link</a><script>alert(1)</script></p>',
    )
    update.full_clean()
    assert update.progress == "<p>Done link</p>"


def test_an_update_that_is_empty_after_sanitising_is_invalid():
    update = ActionUpdateFactory.build(
        key_action=KeyActionFactory(), progress="<script>alert(1)</script>", barriers="", next_steps=""
    )
    with pytest.raises(ValidationError):
        update.full_clean()


def test_an_empty_update_is_refused_by_the_database():
    action = KeyActionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionUpdate.objects.create(
            key_action=action, financial_year=2021, quarter=1, created_at=datetime.datetime.now(datetime.UTC)
        )


def test_plan_overall_status_must_be_a_rag():
    plan = PlanFactory()
    plan.overall_status = "blue"
    with pytest.raises(IntegrityError), transaction.atomic():
        plan.save()
