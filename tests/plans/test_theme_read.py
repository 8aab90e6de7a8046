"""The report's reads written as statements give what the ORM gives: its themes (plans.theme_read), field by field,
and the quarters with news."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Exists, OuterRef, Q, Subquery

from core.calendar import QUARTERS, FinancialQuarter
from plans.models import ActionUpdate, KeyAction, Objective, QuarterRag, ReportingRound, Submission
from plans.selectors import report_quarters_with_news
from plans.theme_read import live_theme_read
from tests.factories import (
    ActionUpdateFactory,
    KeyActionFactory,
    ObjectiveFactory,
    PlanFactory,
    QuarterRagFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OPENED = datetime.datetime(2021, 7, 1, 9, tzinfo=datetime.UTC)


def _at(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2021, 6, day, hour, 30, 15, 123456, tzinfo=datetime.UTC)


def orm_read(*, plan, quarter: FinancialQuarter, theme_pks: list[int] | None, round_open: bool):
    """The same read with the ORM, as the report made it before plans.theme_read (four queries)."""
    in_plan = Q(theme__plan=plan) if theme_pks is None else Q(theme_id__in=theme_pks)
    objectives = list(Objective.objects.filter(in_plan).order_by("theme_id", "order", "id"))
    scope = Q(objective__theme__plan=plan) if theme_pks is None else Q(objective__theme_id__in=theme_pks)
    actions = KeyAction.objects.filter(scope, retired_at__isnull=True).select_related("owner")
    if round_open:
        submitted = Submission.objects.filter(
            key_action=OuterRef("pk"), status=Submission.Status.SUBMITTED, round__status=ReportingRound.Status.OPEN
        )
        actions = actions.annotate(awaiting_signoff=Exists(submitted))
    actions = list(actions.order_by("order", "id"))
    narrative = ActionUpdate.objects.filter(
        Q(financial_year__lt=quarter.financial_year)
        | Q(financial_year=quarter.financial_year, quarter__lte=quarter.quarter),
        key_action=OuterRef("key_action"),
    ).order_by("-financial_year", "-quarter", "-created_at", "-id")
    updates = {
        update.key_action_id: update
        for update in ActionUpdate.objects.filter(pk=Subquery(narrative.values("pk")[:1]), key_action__in=actions)
    }
    rags = {
        (rag.key_action_id, rag.financial_year, rag.quarter): rag.rag
        for rag in QuarterRag.objects.filter(key_action__in=actions)
    }
    previous = quarter.previous
    by_objective = {objective.pk: [] for objective in objectives}
    for action in actions:
        by_objective[action.objective_id].append(
            (
                _fields(action),
                None if action.owner is None else _owner_fields(action.owner),
                None if action.pk not in updates else _fields(updates[action.pk]),
                [rags.get((action.pk, quarter.financial_year, number), "") for number in QUARTERS],
                rags.get((action.pk, previous.financial_year, previous.quarter)),
                getattr(action, "awaiting_signoff", False),
            )
        )
    return [(_fields(objective), by_objective[objective.pk]) for objective in objectives]


def _fields(instance) -> tuple:
    # The values and their types: a date read back as text, or a naive datetime, would differ here.
    values = [getattr(instance, f.attname) for f in instance._meta.concrete_fields]
    return tuple((value, type(value).__name__) for value in values)


def _owner_fields(owner) -> tuple:
    # Of the owner the statement reads the name only; the rest, the password's hash with it, is left deferred.
    return owner.pk, owner.username, owner.first_name, owner.last_name, owner.get_full_name()


def statement_read(*, plan, quarter, theme_pks, round_open, django_assert_num_queries):
    with django_assert_num_queries(1):
        objectives, rows = live_theme_read(plan=plan, quarter=quarter, theme_pks=theme_pks, round_open=round_open)
    by_objective = {objective.pk: [] for objective in objectives}
    with django_assert_num_queries(0):  # the owner and the objective come with the row
        for row in rows:
            action = row.action
            assert action.objective is next(o for o in objectives if o.pk == action.objective_id)
            owner = None if action.owner is None else _owner_fields(action.owner)
            update = None if row.update is None else _fields(row.update)
            by_objective[action.objective_id].append(
                (_fields(action), owner, update, row.rags, row.previous_rag, row.awaiting_signoff)
            )
    return [(_fields(objective), by_objective[objective.pk]) for objective in objectives]


@pytest.fixture
def plans():
    """Two plans; the first with three themes holding every case the report's rows tell apart."""
    plan, other = PlanFactory(), PlanFactory()
    one, two, three = (ThemeFactory(plan=plan, number=n) for n in (1, 2, 3))
    first = ObjectiveFactory(theme=one, order=1)
    ObjectiveFactory(theme=one, order=0, description="<p>Listed first, no key actions</p>")
    retired_only = ObjectiveFactory(theme=one, order=2)
    owner = UserFactory(first_name="Becky", last_name="Thompson")
    later = KeyActionFactory(objective=first, order=2, owner=owner, due_date=datetime.date(2022, 3, 31))
    earlier = KeyActionFactory(objective=first, order=1, owner=None, owner_name="", by_when="Ongoing")
    same_order = KeyActionFactory(objective=first, order=1, owner=owner, owner_name="B. Thompson (as written)")
    KeyActionFactory(objective=retired_only, retired_at=_at(1), retired_reason="Done")
    # Updates: for the quarter (two written at once: the higher id shown), earlier ones, and a later quarter's.
    ActionUpdateFactory(key_action=later, financial_year=2021, quarter=1, created_at=_at(2))
    ActionUpdateFactory(key_action=later, financial_year=2021, quarter=2, created_at=_at(3), progress="<p>A</p>")
    ActionUpdateFactory(key_action=later, financial_year=2021, quarter=2, created_at=_at(3), progress="<p>B</p>")
    ActionUpdateFactory(key_action=later, financial_year=2021, quarter=3, created_at=_at(4))
    ActionUpdateFactory(key_action=earlier, financial_year=2020, quarter=3, created_at=_at(5), author=None)
    ActionUpdateFactory(key_action=same_order, financial_year=2021, quarter=4, created_at=_at(6))
    for quarter, rag in ((1, "green"), (2, "amber"), (4, "red")):
        QuarterRagFactory(key_action=later, financial_year=2021, quarter=quarter, rag=rag)
    QuarterRagFactory(key_action=later, financial_year=2020, quarter=4, rag="red")
    QuarterRagFactory(key_action=earlier, financial_year=2022, quarter=1, rag="green")
    in_two = KeyActionFactory(objective=ObjectiveFactory(theme=two))
    QuarterRagFactory(key_action=in_two, financial_year=2021, quarter=1, rag="red")
    in_three = KeyActionFactory(objective=ObjectiveFactory(theme=three))
    ActionUpdateFactory(key_action=in_three, financial_year=2021, quarter=2, created_at=_at(7))
    # The other plan's rows are never read.
    elsewhere = KeyActionFactory(objective=ObjectiveFactory(theme=ThemeFactory(plan=other)))
    QuarterRagFactory(key_action=elsewhere, financial_year=2021, quarter=2, rag="red")
    ActionUpdateFactory(key_action=elsewhere, financial_year=2021, quarter=2, created_at=_at(8))
    # A round open for the plan: one update submitted, one returned; one submitted in a closed round.
    open_round = ReportingRound.objects.create(
        plan=plan, financial_year=2021, quarter=2, deadline="2021-07-20", board_date="2021-07-27", opened_at=OPENED
    )
    closed = ReportingRound.objects.create(
        plan=plan,
        financial_year=2021,
        quarter=1,
        deadline="2021-04-20",
        board_date="2021-04-27",
        opened_at=OPENED,
        status=ReportingRound.Status.CLOSED,
    )
    Submission.objects.create(round=open_round, key_action=later, status=Submission.Status.SUBMITTED)
    Submission.objects.create(round=open_round, key_action=earlier, status=Submission.Status.RETURNED, comment="Why?")
    Submission.objects.create(round=closed, key_action=same_order, status=Submission.Status.SUBMITTED)
    return plan, (one.pk, two.pk, three.pk)


@pytest.mark.parametrize("quarter", [FinancialQuarter(2021, 2), FinancialQuarter(2021, 1), FinancialQuarter(2020, 3)])
@pytest.mark.parametrize("round_open", [True, False])
@pytest.mark.parametrize("themes", [None, (0,), (0, 2), (1,)], ids=["every theme", "one", "two", "the second"])
def test_the_statement_reads_what_the_orm_reads(plans, quarter, round_open, themes, django_assert_num_queries):
    plan, theme_pks = plans
    wanted = None if themes is None else [theme_pks[index] for index in themes]
    expected = orm_read(plan=plan, quarter=quarter, theme_pks=wanted, round_open=round_open)
    found = statement_read(
        plan=plan,
        quarter=quarter,
        theme_pks=wanted,
        round_open=round_open,
        django_assert_num_queries=django_assert_num_queries,
    )
    assert found == expected


def test_what_the_fixture_holds_is_told_apart(plans, django_assert_num_queries):
    # The comparison above is worth something only if the cases differ: each is seen in the statement's answer.
    plan, theme_pks = plans
    objectives, rows = live_theme_read(plan=plan, quarter=FinancialQuarter(2021, 2), theme_pks=None, round_open=True)
    assert [o.description for o in objectives][:1] == ["<p>Listed first, no key actions</p>"]
    assert len(objectives) == 5  # three in the first theme (one with a retired action only), one each in the others
    first = [row for row in rows if row.action.objective.theme_id == theme_pks[0]]
    assert [row.action.order for row in first] == [1, 1, 2]
    assert first[0].action.pk < first[1].action.pk
    later = first[2]
    assert later.rags == ["green", "amber", "", "red"]
    assert later.previous_rag == "green"
    assert later.update.progress == "<p>B</p>"
    assert later.update.for_quarter == FinancialQuarter(2021, 2)
    assert later.awaiting_signoff
    assert later.action.due_date == datetime.date(2022, 3, 31)
    assert later.action.owner.get_deferred_fields() >= {"password", "email", "is_superuser"}
    assert later.update.created_at == _at(3)
    assert first[0].action.owner is None
    assert first[0].update.for_quarter == FinancialQuarter(2020, 3)
    assert first[0].awaiting_signoff is False  # returned, not submitted
    assert first[1].update is None  # its update is a later quarter's
    assert first[1].awaiting_signoff is False  # submitted in a round now closed
    assert live_theme_read(plan=plan, quarter=FinancialQuarter(2021, 2), theme_pks=[], round_open=True) == ([], [])


def test_the_quarters_with_news_are_the_plans_own_oldest_first(plans, django_assert_num_queries):
    plan, theme_pks = plans
    retired = KeyActionFactory(objective=ObjectiveFactory(theme_id=theme_pks[1]), retired_at=_at(1))
    QuarterRagFactory(key_action=retired, financial_year=2019, quarter=2)  # a retired action's RAG still counts
    ActionUpdateFactory(financial_year=2018, quarter=1, created_at=_at(9))  # another plan's news is its own
    with django_assert_num_queries(1):
        found = report_quarters_with_news(plan=plan)
    rags = QuarterRag.objects.filter(key_action__objective__theme__plan=plan).order_by()
    updates = ActionUpdate.objects.filter(key_action__objective__theme__plan=plan).order_by()
    fields = ("financial_year", "quarter")
    expected = {FinancialQuarter(*row) for row in rags.values_list(*fields).union(updates.values_list(*fields))}
    assert found == sorted(expected)
    assert found[0] == FinancialQuarter(2019, 2)
    assert FinancialQuarter(2018, 1) not in found
    assert len(found) == len(expected) == 8
