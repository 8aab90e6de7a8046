"""Creating a plan in the browser (issue 13): from scratch, and rolling the 2021 plan forward to 2022/23."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from plans.editing import creating, services
from plans.models import ActionUpdate, KeyAction, KeyPriority, Objective, Plan, QuarterRag, Theme
from plans.selectors import plan_reporting_quarter
from tests.factories import KeyActionFactory, ObjectiveFactory, PlanFactory, QuarterRagFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def test_a_plan_is_created_from_scratch_with_a_slug_that_is_never_a_page(sro):
    plan = creating.plan_create(
        user=sro, title="New", council="Devon County Council", senior_responsible_officer="", financial_year=2027
    )
    again = creating.plan_create(
        user=sro, title="New", council="Devon County Council", senior_responsible_officer="", financial_year=2027
    )
    assert (plan.slug, again.slug) == ("new-2", "new-3")
    assert plan_reporting_quarter(plan).label == "Q1 2027/28"
    assert Plan.history.filter(id=plan.pk).first().history_user == sro


@pytest.mark.parametrize("role", ["head_of_service", "performance_user"])
def test_only_editors_create_or_roll_forward(request, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        creating.plan_create(user=user, title="X", council="C", senior_responsible_officer="", financial_year=2027)
    plan = PlanFactory()
    with pytest.raises(PermissionDenied):
        creating.plan_roll_forward(user=user, plan=plan, financial_year=2022)
    assert Plan.objects.count() == 1


@pytest.fixture
def year_2021(head_of_service, sro):
    plan = PlanFactory(
        title="Plan", slug="plan", report_date=datetime.date(2021, 7, 13), overall_narrative="<p>Old</p>"
    )
    KeyPriority.objects.create(plan=plan, ref="1", description="Kept")
    KeyPriority.objects.create(
        plan=plan, ref="2", description="Retired", retired_at=datetime.datetime.now(datetime.UTC)
    )
    theme = ThemeFactory(plan=plan, number=1, title="Leadership", overview_rag="red")
    objective = ObjectiveFactory(theme=theme, lead_officer="Karen Ogle", description="R&amp;D oversight")
    open_action = KeyActionFactory(
        objective=objective, owner=head_of_service, description="R&amp;D spend", due_date=datetime.date(2022, 3, 31)
    )
    QuarterRagFactory(key_action=open_action, financial_year=2021, quarter=1)
    retired = KeyActionFactory(objective=objective, description="Done")
    services.key_action_retire(user=sro, key_action=retired, expected_version=retired.version, reason="Completed.")
    return plan


def test_rolling_forward_copies_themes_objectives_and_open_actions_and_nothing_of_how_they_went(sro, year_2021):
    new = creating.plan_roll_forward(user=sro, plan=year_2021, financial_year=2022)
    assert (new.title, new.previous_plan, plan_reporting_quarter(new).label) == (
        "Plan 2022/23",
        year_2021,
        "Q1 2022/23",
    )
    assert (new.overall_status, new.overall_narrative, new.report_date) == ("", "", None)
    theme = Theme.objects.get(plan=new)
    assert (theme.number, theme.title, theme.overview_rag, theme.overview_narrative) == (1, "Leadership", "", "")
    objective = Objective.objects.get(theme=theme)
    assert (objective.lead_officer, objective.description) == ("Karen Ogle", "R&amp;D oversight")  # not escaped twice
    action = KeyAction.objects.get(objective=objective)
    assert (action.description, action.due_date, action.owner.username) == (
        "R&amp;D spend",
        datetime.date(2022, 3, 31),
        "becky.thompson",
    )
    assert not QuarterRag.objects.filter(key_action__objective__theme__plan=new).exists()
    assert not ActionUpdate.objects.filter(key_action__objective__theme__plan=new).exists()
    assert list(new.key_priorities.values_list("description", flat=True)) == ["Kept"]


def test_rolling_forward_leaves_the_old_plan_as_it_was(sro, year_2021):
    def snapshot():
        return (
            list(Plan.objects.filter(pk=year_2021.pk).values()),
            list(KeyAction.objects.filter(objective__theme__plan=year_2021).values()),
            list(QuarterRag.objects.filter(key_action__objective__theme__plan=year_2021).values()),
        )

    before = snapshot()
    creating.plan_roll_forward(user=sro, plan=year_2021, financial_year=2022)
    assert snapshot() == before


def test_rolling_forward_is_refused_for_a_year_the_council_has_a_plan_for(sro, year_2021):
    creating.plan_roll_forward(user=sro, plan=year_2021, financial_year=2022)
    with pytest.raises(ValidationError, match="Torbay Council already has a plan for 2022/23: “Plan 2022/23”"):
        creating.plan_roll_forward(user=sro, plan=year_2021, financial_year=2022)
    with pytest.raises(ValidationError, match="to a year after its own \\(2021/22\\)"):
        creating.plan_roll_forward(user=sro, plan=year_2021, financial_year=2021)
    assert Plan.objects.count() == 2


def test_the_create_form_refuses_bad_input_and_keeps_what_was_typed(client, sro):
    client.force_login(sro)
    url = reverse("plans:plan_create")
    data = {"title": "", "council": "Devon", "senior_responsible_officer": "Jo", "financial_year": "1999"}
    html = client.post(url, data | {"report_date": "soon"}).content.decode()
    assert "Give the plan&#x27;s title" in html
    assert "Choose a financial year from the list." in html
    assert "Give the date of the first report as a date" in html
    assert 'value="Devon"' in html
    assert not Plan.objects.exists()


def test_the_roll_forward_form_says_why_a_year_is_refused(client, sro, year_2021):
    client.force_login(sro)
    url = reverse("plans:plan_roll_forward", args=[year_2021.slug])
    assert client.post(url, {"financial_year": 2022, "title": ""}).status_code == 302
    html = client.post(url, {"financial_year": 2022, "title": "Typed title"}).content.decode()
    assert "Torbay Council already has a plan for 2022/23" in html
    assert 'value="Typed title"' in html


def test_the_2021_plan_rolls_forward_whole(demo, admin_user_):
    old = Plan.objects.get(slug="torbay-2021-highlight")
    new = creating.plan_roll_forward(user=admin_user_, plan=old, financial_year=2022)
    assert Theme.objects.filter(plan=new).count() == 4
    assert Objective.objects.filter(theme__plan=new).count() == 22
    assert KeyAction.objects.filter(objective__theme__plan=new).count() == 75
    assert new.key_priorities.count() == 5
    assert KeyAction.objects.filter(objective__theme__plan=old).count() == 75
    assert ActionUpdate.objects.filter(key_action__objective__theme__plan=old).count() == 70
