"""KPI test data: the real seed loaded through kpis.demo, and measures of any size built through the services."""

import contextlib
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kpis import demo, services
from kpis.models import BenchmarkKind, MeasureValue, MeasureYear, Polarity, Unit
from plans.models import Plan, Theme
from tests.factories import PlanFactory, ThemeFactory

SEED_THEMES = (
    (1, "Leadership, Management and Governance"),
    (2, "A robust model of social work practice"),
    (3, "Sufficient and skilled workforce"),
    (4, "Quality assurance and audit"),
)


def _load_seed_plan() -> Plan:
    plan = PlanFactory(
        slug="torbay-2021-highlight",
        title="Children's Services Improvement Plan highlight report",
        report_date=datetime.date(2021, 7, 13),
    )
    for number, title in SEED_THEMES:
        ThemeFactory(plan=plan, number=number, title=title)
    demo.load_demo(plan_slug=plan.slug)
    return plan


@pytest.fixture
def seed_plan(db):
    """Return the July 2021 highlight plan with its four themes and the seed's KPIs loaded (for this test only)."""
    return _load_seed_plan()


@contextlib.contextmanager
def _seed_plan_loaded_once(django_db_blocker):
    """Load the seed outside any test's transaction (about 2 s a load), and remove it, history and all, after.

    Each test still runs in its own rolled-back transaction, so none can change the seed for the next.
    """
    with django_db_blocker.unblock():
        started = timezone.now()
        plan = _load_seed_plan()
    try:
        yield plan.pk
    finally:
        with django_db_blocker.unblock():
            Plan.objects.filter(pk=plan.pk).delete()
            for model in (Plan, Theme, MeasureValue, MeasureYear):
                model.history.filter(history_date__gte=started).delete()


@pytest.fixture(scope="module")
def _seed_plan_for_module(django_db_setup, django_db_blocker):
    with _seed_plan_loaded_once(django_db_blocker) as pk:
        yield pk


@pytest.fixture(scope="class")
def _seed_plan_for_class(django_db_setup, django_db_blocker):
    with _seed_plan_loaded_once(django_db_blocker) as pk:
        yield pk


@pytest.fixture
def shared_seed_plan(_seed_plan_for_module, db):
    """Return the seed plan, loaded once for the test module."""
    return Plan.objects.get(pk=_seed_plan_for_module)


@pytest.fixture
def class_seed_plan(_seed_plan_for_class, db):
    """Return the seed plan, loaded once for the test class and gone after it."""
    return Plan.objects.get(pk=_seed_plan_for_class)


def month_n(start: datetime.date, n: int) -> datetime.date:
    index = start.year * 12 + start.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def make_measures(db):
    """Return a function building `count` measures per theme, each with `months` values, years and a benchmark."""

    def make(*, plan=None, themes=2, count=2, months=3, start=datetime.date(2020, 7, 1)):
        plan = plan or PlanFactory(report_date=datetime.date(2021, 7, 13))
        measures = []
        for theme_number in range(1, themes + 1):
            theme = ThemeFactory(plan=plan, number=theme_number)
            for index in range(count):
                measure, _ = services.measure_update_or_create(
                    plan=plan,
                    theme=theme,
                    ref=f"{theme_number}.{index + 1}",
                    title=f"Measure {theme_number}.{index + 1}",
                    order=index,
                    unit=Unit.PERCENTAGE,
                    decimals=1,
                    polarity=Polarity.HIGHER_IS_BETTER,
                )
                for n in range(months):
                    services.measure_value_set(measure=measure, month=month_n(start, n), value=Decimal(50 + n))
                services.measure_value_set(measure=measure, month=month_n(start, months), value=None, note="TBC")
                services.measure_year_set(measure=measure, financial_year=2019, outturn=Decimal("45.5"))
                services.measure_year_set(
                    measure=measure, financial_year=2021, target_min=Decimal(50), target_upper=Decimal(60)
                )
                services.benchmark_set(measure=measure, kind=BenchmarkKind.NATIONAL, value=Decimal("55.0"))
                measures.append(measure)
        return plan, measures

    return make
