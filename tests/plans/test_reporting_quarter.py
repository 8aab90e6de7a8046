""" "This quarter" means one thing everywhere: the plan's reporting quarter, set on it or from its report date."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.calendar import FinancialQuarter
from plans import selectors, services
from plans.models import ActionUpdate, Plan, QuarterRag
from plans.views import UPDATE_FOR_OTHER_QUARTER_MESSAGE
from tests.factories import KeyActionFactory, ObjectiveFactory, PlanFactory, QuarterRagFactory, ThemeFactory

pytestmark = pytest.mark.django_db

Q1_2021 = FinancialQuarter(2021, 1)
Q4_2020 = FinancialQuarter(2020, 4)


@pytest.mark.parametrize(
    ("report_date", "expected"),
    [
        pytest.param(datetime.date(2021, 7, 13), Q1_2021, id="July reports on April to June"),
        pytest.param(datetime.date(2016, 9, 20), FinancialQuarter(2016, 1), id="September reports on Q1"),
        pytest.param(datetime.date(2022, 4, 10), FinancialQuarter(2021, 4), id="April reports on last year's Q4"),
        pytest.param(datetime.date(2021, 1, 5), FinancialQuarter(2020, 3), id="January reports on Q3"),
    ],
)
def test_reporting_quarter_defaults_to_the_quarter_before_the_report_dates(report_date, expected):
    assert selectors.plan_reporting_quarter(Plan(report_date=report_date)) == expected


def test_reporting_quarter_set_on_the_plan_wins_over_its_report_date():
    plan = Plan(report_date=datetime.date(2021, 7, 13), reporting_year=2020, reporting_quarter=4)
    assert selectors.plan_reporting_quarter(plan) == Q4_2020


def test_an_undated_plan_reports_on_the_quarter_before_todays():
    plan = Plan(report_date=None)
    assert selectors.plan_reporting_quarter(plan, today=datetime.date(2021, 8, 2)) == Q1_2021


def test_reporting_quarter_out_of_range_is_refused_by_the_database():
    plan = PlanFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(reporting_year=2021, reporting_quarter=5)


def test_reporting_year_without_a_quarter_is_refused_with_a_message():
    plan = PlanFactory.build(reporting_year=2021, reporting_quarter=None)
    with pytest.raises(ValidationError, match="Give both the reporting year and the reporting quarter"):
        plan.full_clean()


def _plan_admin_data(plan, **overrides):
    data = {
        "title": plan.title,
        "slug": plan.slug,
        "council": plan.council,
        "senior_responsible_officer": plan.senior_responsible_officer,
        "report_date": plan.report_date.isoformat(),
        "overall_status": plan.overall_status,
        "overall_narrative": plan.overall_narrative,
        "source": "",
        "reporting_year": "",
        "reporting_quarter": "",
    }
    for prefix in ("themes", "key_priorities", "medium_term_developments", "rag_guidance"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(overrides)
    return data


def test_the_reporting_quarter_is_set_in_the_admin_through_the_service(admin_client, admin_user_, monkeypatch):
    plan = PlanFactory()
    saved = []

    def plan_save(**kwargs):
        saved.append(kwargs)
        return real_plan_save(**kwargs)

    real_plan_save = services.plan_save
    monkeypatch.setattr(services, "plan_save", plan_save)
    url = reverse("admin:plans_plan_change", args=[plan.pk])
    response = admin_client.post(url, _plan_admin_data(plan, reporting_year=2020, reporting_quarter=4))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert [kwargs["user"].username for kwargs in saved] == [admin_user_.username]
    plan.refresh_from_db()
    assert selectors.plan_reporting_quarter(plan) == Q4_2020
    # The service records who changed it, as it does for key actions.
    assert plan.history.latest().history_user.username == admin_user_.username
    changelist = admin_client.get(reverse("admin:plans_plan_changelist")).content.decode()
    assert "Q4 2020/21" in changelist


def test_the_admin_explains_a_reporting_year_given_without_its_quarter(admin_client):
    plan = PlanFactory()
    url = reverse("admin:plans_plan_change", args=[plan.pk])
    response = admin_client.post(url, _plan_admin_data(plan, reporting_year=2020))
    assert response.status_code == 200
    assert "Give both the reporting year and the reporting quarter" in response.content.decode()
    plan.refresh_from_db()
    assert plan.reporting_year is None


# My actions and the update form ------------------------------------------------------------------


def _owned_action(owner, **plan_fields):
    plan = PlanFactory(**plan_fields)
    return KeyActionFactory(objective=ObjectiveFactory(theme=ThemeFactory(plan=plan)), owner=owner)


@pytest.mark.parametrize(
    ("plan_fields", "label", "quarter"),
    [
        pytest.param({}, "Q1 2021/22", Q1_2021, id="from the report date"),
        pytest.param({"reporting_year": 2020, "reporting_quarter": 4}, "Q4 2020/21", Q4_2020, id="set on the plan"),
    ],
)
def test_my_actions_shows_the_rag_of_the_plans_reporting_quarter(client, head_of_service, plan_fields, label, quarter):
    action = _owned_action(head_of_service, **plan_fields)
    QuarterRagFactory(key_action=action, financial_year=quarter.financial_year, quarter=quarter.quarter, rag="red")
    # The quarter of the report date itself (Q2 2021/22) is not the one reported on.
    QuarterRagFactory(key_action=action, financial_year=2021, quarter=2, rag="green")
    client.force_login(head_of_service)
    body = client.get(reverse("plans:my_actions")).content.decode()
    assert f"this quarter ({label})" in body
    assert f"{label} RAG</th>" in body
    assert "rag-red" in body
    assert "rag-green" not in body


def test_my_actions_names_each_rows_quarter_when_plans_report_on_different_quarters(client, head_of_service):
    _owned_action(head_of_service)
    _owned_action(head_of_service, reporting_year=2020, reporting_quarter=4)
    client.force_login(head_of_service)
    body = client.get(reverse("plans:my_actions")).content.decode()
    assert "Q1 2021/22: " in body
    assert "Q4 2020/21: " in body


@pytest.mark.parametrize(
    ("plan_fields", "quarter"),
    [
        pytest.param({}, Q1_2021, id="from the report date"),
        pytest.param({"reporting_year": 2020, "reporting_quarter": 4}, Q4_2020, id="set on the plan"),
    ],
)
def test_update_form_starts_at_the_plans_reporting_quarter_and_its_rag(client, head_of_service, plan_fields, quarter):
    action = _owned_action(head_of_service, **plan_fields)
    QuarterRagFactory(key_action=action, financial_year=quarter.financial_year, quarter=quarter.quarter, rag="red")
    client.force_login(head_of_service)
    response = client.get(reverse("plans:action_update", kwargs={"pk": action.pk}))
    form = response.context["form"]
    assert (form["financial_year"].value(), form["quarter"].value()) == (quarter.financial_year, quarter.quarter)
    assert form["rag"].value() == "red"
    assert f"The current report is for {quarter.label}." in response.content.decode()


def _post_update(client, action, year, quarter):
    data = {"version": action.version, "financial_year": year, "quarter": quarter, "rag": "green"}
    data.update(progress="Recruited two social workers.", barriers="", next_steps="")
    return client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), data, follow=True)


def test_an_update_for_another_quarter_says_which_report_it_will_appear_on(client, head_of_service):
    action = _owned_action(head_of_service)
    client.force_login(head_of_service)
    response = _post_update(client, action, 2020, 4)
    expected = UPDATE_FOR_OTHER_QUARTER_MESSAGE.format(chosen="Q4 2020/21", reporting="Q1 2021/22")
    assert "This update is for Q4 2020/21; it will appear on the Q4 2020/21 report, not the current" in expected
    assert expected in response.content.decode()
    assert "Your update was saved." in response.content.decode()
    assert ActionUpdate.objects.get().for_quarter == Q4_2020
    assert QuarterRag.objects.get().quarter == 4


def test_an_update_for_the_reporting_quarter_gets_no_other_quarter_message(client, head_of_service):
    action = _owned_action(head_of_service)
    client.force_login(head_of_service)
    response = _post_update(client, action, 2021, 1)
    assert "Your update was saved." in response.content.decode()
    assert "it will appear on the" not in response.content.decode()


def test_the_plan_page_opens_at_the_reporting_quarters_year(client, head_of_service):
    # Dated 10 April 2022, the report is on Q4 2021/22: the page opens at 2021/22, not 2022/23.
    action = _owned_action(head_of_service, report_date=datetime.date(2022, 4, 10))
    client.force_login(head_of_service)
    response = client.get(reverse("plans:plan_detail", kwargs={"slug": action.objective.theme.plan.slug}))
    assert response.context["financial_year"] == 2021


@pytest.mark.parametrize(
    ("year", "saved"),
    [
        pytest.param(2015, False, id="2015/16, years before the plan"),
        pytest.param(2019, False, id="2019/20, two years before the reporting year"),
        pytest.param(2020, True, id="2020/21, the year before the reporting year"),
        pytest.param(2021, True, id="2021/22, the reporting year"),
        pytest.param(2022, True, id="2022/23, the year after"),
        pytest.param(2023, False, id="2023/24, two years after"),
    ],
)
def test_an_update_is_for_a_year_of_the_plan_only(client, head_of_service, year, saved):
    action = _owned_action(head_of_service)
    client.force_login(head_of_service)
    response = _post_update(client, action, year, 2)
    assert ActionUpdate.objects.exists() is saved
    assert QuarterRag.objects.exists() is saved
    if not saved:
        assert "Choose a financial year of the plan, from 2020/21 to 2022/23" in response.content.decode()
        choices = [value for value, _ in response.context["form"].fields["financial_year"].choices]
        assert choices == [2022, 2021, 2020]


def test_a_plan_with_earlier_rags_may_be_updated_back_to_its_first_year(client, head_of_service):
    action = _owned_action(head_of_service)
    QuarterRagFactory(key_action=action, financial_year=2018, quarter=1)
    assert selectors.plan_update_years(plan=action.objective.theme.plan) == range(2018, 2023)


def test_the_service_refuses_a_year_outside_the_plan(head_of_service):
    action = _owned_action(head_of_service)
    with pytest.raises(ValidationError, match="Choose a financial year of the plan, from 2020/21 to 2022/23"):
        services.key_action_update_add(
            user=head_of_service,
            key_action=action,
            expected_version=action.version,
            financial_year=2015,
            quarter=1,
            rag="green",
            progress="Done.",
        )
    assert not ActionUpdate.objects.exists()
