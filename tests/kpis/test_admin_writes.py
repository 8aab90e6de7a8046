"""Edits in the KPI admin go through kpis.services: validated, saved atomically, with history naming who."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from kpis import services
from kpis.models import Benchmark, BenchmarkKind, MeasureValue, MeasureYear
from tests.kpis.import_fixtures import measures, plan  # noqa: F401
from tests.two_factor import sign_in_verified

pytestmark = pytest.mark.django_db

JUL_2020 = datetime.date(2020, 7, 1)


@pytest.fixture
def calls(monkeypatch):
    """Record the name of every service the admin calls (and still call it)."""
    called = []
    for name in (
        "measure_save",
        "measure_value_save",
        "measure_value_delete",
        "measure_year_save",
        "measure_year_delete",
        "benchmark_save",
    ):
        original = getattr(services, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            called.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, spy)
    return called


def form_data(response, **changes):
    form = response.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data = {name: ("" if value is None else getattr(value, "pk", value)) for name, value in data.items()}
    return data | changes


@pytest.fixture
def value(measures):  # noqa: F811
    measure_value, _ = services.measure_value_set(measure=measures["1.1"], month=JUL_2020, value=Decimal("9.6"))
    return measure_value


def test_a_monthly_value_edited_in_the_admin_is_saved_by_the_service_with_its_history(
    client, admin_user_, value, calls
):
    sign_in_verified(client, admin_user_)
    url = reverse("admin:kpis_measurevalue_change", args=[value.pk])
    data = form_data(client.get(url), value="10.1", month="2020-07-01")

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert calls == ["measure_value_save"]
    value.refresh_from_db()
    assert value.value == Decimal("10.1")
    latest = value.history.latest("history_date")
    assert (latest.history_type, latest.value, latest.history_user) == ("~", Decimal("10.1"), admin_user_)


def test_a_monthly_value_without_a_figure_or_a_reason_is_refused_in_the_admin(client, admin_user_, value):
    sign_in_verified(client, admin_user_)
    url = reverse("admin:kpis_measurevalue_change", args=[value.pk])
    data = form_data(client.get(url), value="", note="", month="2020-07-01")

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    value.refresh_from_db()
    assert value.value == Decimal("9.6")


def test_a_monthly_value_deleted_in_the_admin_is_deleted_by_the_service(client, admin_user_, value, calls):
    sign_in_verified(client, admin_user_)

    response = client.post(reverse("admin:kpis_measurevalue_delete", args=[value.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert calls == ["measure_value_delete"]
    assert not MeasureValue.objects.exists()
    deleted = MeasureValue.history.get(history_type="-")
    assert deleted.history_user == admin_user_


def test_a_measure_and_its_inline_years_and_benchmarks_are_saved_by_the_services(
    client,
    admin_user_,
    measures,  # noqa: F811
    calls,
):
    measure = measures["1.1"]
    sign_in_verified(client, admin_user_)
    url = reverse("admin:kpis_measure_change", args=[measure.pk])
    data = form_data(client.get(url), title="Children with 3 or more placements")
    data |= {
        "years-TOTAL_FORMS": 1,
        "years-INITIAL_FORMS": 0,
        "years-0-financial_year": 2020,
        "years-0-target_min": "10",
        "years-0-target_upper": "12",
        "benchmarks-TOTAL_FORMS": 1,
        "benchmarks-INITIAL_FORMS": 0,
        "benchmarks-0-kind": BenchmarkKind.NATIONAL,
        "benchmarks-0-value": "11.0",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert calls == ["measure_save", "measure_year_save", "benchmark_save"]
    measure.refresh_from_db()
    assert measure.title == "Children with 3 or more placements"
    year = MeasureYear.objects.get(measure=measure, financial_year=2020)
    assert (year.target_min, year.target_upper) == (Decimal(10), Decimal(12))
    assert year.history.get().history_user == admin_user_
    assert Benchmark.objects.get(measure=measure).value == Decimal(11)
