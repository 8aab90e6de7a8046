"""The editing pages (issue 13): bad input refused with a sentence and kept, conflicts, reordering with
buttons, retiring, what the report then shows, and fixed query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from plans.models import KeyAction, KeyPriority, MediumTermDevelopment, Plan, Theme
from tests.factories import KeyActionFactory, ObjectiveFactory, PlanFactory, ThemeFactory
from tests.two_factor import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    plan = PlanFactory(title="Torbay plan", slug="torbay", report_date=datetime.date(2021, 7, 13))
    KeyPriority.objects.create(plan=plan, ref="1", description="Embed the front door", order=0)
    KeyPriority.objects.create(plan=plan, ref="2", description="Recruit managers", order=1)
    return plan


@pytest.fixture
def action(plan, head_of_service):
    theme = ThemeFactory(plan=plan, number=1, title="Leadership")
    return KeyActionFactory(objective=ObjectiveFactory(theme=theme), owner=head_of_service, description="Triage")


def summary_data(plan, **overrides):
    return {
        "version": plan.version,
        "overall_status": "amber",
        "overall_narrative": "Progress continues.",
        "report_date": "2021-10-12",
    } | overrides


def page(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 200, response.get("Location")
    return response.content.decode()


SUMMARY_BAD = [
    pytest.param({"report_date": "12 Octobre"}, "Give the date of the report as a date", "12 Octobre", id="date"),
    pytest.param({"overall_status": "purple"}, "Choose Red, Amber, Green or Not set", "Progress", id="status"),
    pytest.param(
        {"overall_narrative": "x" * 20_001}, "the limit is 20,000. Shorten it and save again.", "xxxx", id="too long"
    ),
    pytest.param({"version": ""}, "open the page again", "Progress continues.", id="no version"),
]


@pytest.mark.parametrize(("overrides", "message", "kept"), SUMMARY_BAD)
def test_the_summary_form_refuses_bad_input_and_keeps_what_was_typed(client, sro, plan, overrides, message, kept):
    client.force_login(sro)
    html = page(client, reverse("plans:plan_summary_edit", args=[plan.slug]), summary_data(plan, **overrides))
    assert message in html
    assert kept in html
    assert Plan.objects.get(pk=plan.pk).version == plan.version


LISTED_BAD = [
    pytest.param("priorities", {"ref": ""}, "Give the priority&#x27;s reference", id="no ref"),
    pytest.param("priorities", {"ref": "2"}, "Torbay plan already has 2", id="ref taken"),
    pytest.param("priorities", {"description": ""}, "Describe the improvement.", id="no description"),
    pytest.param("priorities", {"ref": "x" * 21}, "Ref is at most 20 characters", id="ref too long"),
    pytest.param("developments", {"description": ""}, "Describe the development.", id="development no description"),
]


@pytest.mark.parametrize(("kind", "overrides", "message"), LISTED_BAD)
def test_adding_to_a_list_refuses_bad_input(client, sro, plan, kind, overrides, message):
    client.force_login(sro)
    data = {"ref": "3", "description": "Typed description", "owner_name": "Nancy", "by_when": "March 2022"} | overrides
    html = page(client, reverse("plans:listed_add", args=[plan.slug, kind]), data)
    assert message in html
    assert "March 2022" in html
    assert KeyPriority.objects.count() == 2
    assert not MediumTermDevelopment.objects.exists()


def test_a_priority_corrected_shows_on_the_report(client, sro, plan):
    client.force_login(sro)
    priority = plan.key_priorities.get(ref="1")
    url = reverse("plans:listed_edit", args=[plan.slug, "priorities", priority.pk])
    data = {"version": 1, "ref": "1", "description": "Embed the front door & triage", "owner_name": "", "by_when": ""}
    response = client.post(url, data, follow=True)
    assert "The key priority 1 was saved." in response.content.decode()
    report = client.get(reverse("report") + "?plan=torbay").content.decode()
    assert "Embed the front door &amp; triage" in report


def test_the_up_button_moves_a_priority_and_returns_to_it(client, sro, plan):
    client.force_login(sro)
    second = plan.key_priorities.get(ref="2")
    response = client.post(reverse("plans:listed_move", args=[plan.slug, "priorities", second.pk]), {"direction": "up"})
    assert response["Location"].endswith(f"#priorities-{second.pk}")
    assert list(plan.key_priorities.order_by("order").values_list("ref", flat=True)) == ["2", "1"]
    assert client.get(reverse("plans:listed_move", args=[plan.slug, "priorities", second.pk])).status_code == 405


def test_a_retired_priority_leaves_the_report(client, sro, plan):
    client.force_login(sro)
    first = plan.key_priorities.get(ref="1")
    client.post(reverse("plans:listed_retire", args=[plan.slug, "priorities", first.pk]))
    report = client.get(reverse("report") + "?plan=torbay").content.decode()
    assert "Recruit managers" in report
    assert "Embed the front door" not in report
    assert "Embed the front door" in client.get(reverse("plans:plan_edit", args=[plan.slug])).content.decode()


def test_an_unknown_list_is_404(client, sro, plan):
    client.force_login(sro)
    assert client.get(reverse("plans:listed_add", args=[plan.slug, "risks"])).status_code == 404
    other = PlanFactory()
    priority = plan.key_priorities.first()
    assert client.get(reverse("plans:listed_edit", args=[other.slug, "priorities", priority.pk])).status_code == 404


def test_two_people_editing_a_theme_the_second_is_told_and_keeps_what_they_typed(client, sro, admin_user_, action):
    theme = action.objective.theme
    url = reverse("plans:theme_edit", args=[theme.pk])
    sign_in(client, admin_user_)
    data = {"version": 1, "title": "Leadership", "overview_narrative": "Admin's view.", "overview_rag": "green"}
    assert client.post(url, data).status_code == 302
    client.force_login(sro)
    html = page(client, url, data | {"overview_narrative": "The SRO's view.", "overview_rag": "red"})
    assert "Someone else saved this while you were editing it" in html
    assert "The SRO&#x27;s view." in html  # kept in the form
    assert "Admin&#x27;s view." in html  # what was saved, shown
    assert 'name="version" value="2"' in html
    assert Theme.objects.get(pk=theme.pk).overview_rag == "green"
    assert client.post(url, data | {"version": 2, "overview_rag": "red"}).status_code == 302
    assert Theme.objects.get(pk=theme.pk).overview_rag == "red"


def test_editing_stored_narrative_shows_it_as_typed_and_saves_it_escaped_once(client, sro, action):
    theme = action.objective.theme
    theme.overview_narrative = "R&amp;D spend &lt; budget"
    theme.save()
    client.force_login(sro)
    url = reverse("plans:theme_edit", args=[theme.pk])
    assert "R&amp;D spend &lt; budget</textarea>" in client.get(url).content.decode()  # the box reads as typed
    data = {"version": 1, "title": "Leadership", "overview_narrative": "R&D spend < budget", "overview_rag": ""}
    client.post(url, data)
    assert Theme.objects.get(pk=theme.pk).overview_narrative == "R&amp;D spend &lt; budget"


ACTION_BAD = [
    pytest.param({"description": ""}, "Write what the action is.", id="no description"),
    pytest.param({"due_date": "31/02/2022"}, "Give the due date as a date, for example 31/03/2022.", id="bad date"),
    pytest.param({"due_date": "next spring"}, "Give the due date as a date", id="words"),
    pytest.param({"owner": "999999"}, "Choose an owner from the list of heads of service.", id="unknown owner"),
]


@pytest.mark.parametrize(("overrides", "message"), ACTION_BAD)
def test_the_action_form_refuses_bad_input_and_keeps_what_was_typed(client, sro, action, overrides, message):
    client.force_login(sro)
    data = {"version": action.version, "description": "Typed", "owner": "", "owner_name": "Karen Ogle", "due_date": ""}
    html = page(client, reverse("plans:action_edit", args=[action.pk]), data | overrides)
    assert message in html
    assert "Karen Ogle" in html
    assert KeyAction.objects.get(pk=action.pk).version == action.version


def test_the_owner_list_offers_heads_of_service_only(client, sro, action, other_head_of_service, performance_user):
    client.force_login(sro)
    html = client.get(reverse("plans:action_edit", args=[action.pk])).content.decode()
    assert ">Becky Thompson</option>" in html
    assert ">Rachel Setter</option>" in html
    assert ">Nancy Meehan</option>" not in html
    assert "Not a user yet (name below)" in html


def test_an_action_with_a_due_date_text_asks_for_the_date_it_means(client, sro, action):
    KeyAction.objects.filter(pk=action.pk).update(by_when="quarterly")
    client.force_login(sro)
    html = client.get(reverse("plans:action_edit", args=[action.pk])).content.decode()
    assert "Written before as “quarterly”, which is not a date" in html


def test_retiring_an_action_from_its_page(client, sro, head_of_service, action):
    client.force_login(sro)
    url = reverse("plans:action_retire", args=[action.pk])
    html = page(client, url, {"version": action.version, "retired_reason": ""})
    assert "Say why the action is retired" in html
    response = client.post(url, {"version": action.version, "retired_reason": "Merged into 2.4."}, follow=True)
    body = response.content.decode()
    assert "Key action (retired)" in body
    assert "Reason: Merged into 2.4." in body
    assert "Add an update and set the RAG" not in body
    client.force_login(head_of_service)
    assert "Triage" not in client.get(reverse("plans:my_actions")).content.decode()
    assert client.get(reverse("plans:action_update", args=[action.pk])).status_code == 403
    report = client.get(reverse("report") + "?plan=torbay").content.decode()
    assert f'id="action-{action.pk}"' not in report


def test_edit_links_show_for_editors_only(client, sro, head_of_service, action):
    plan_url = reverse("plans:plan_detail", args=[action.objective.theme.plan.slug])
    client.force_login(head_of_service)
    assert "Edit the plan" not in client.get(plan_url).content.decode()
    assert "Edit the action" not in client.get(action.get_absolute_url()).content.decode()
    client.force_login(sro)
    assert "Edit the plan" in client.get(plan_url).content.decode()
    assert "Edit the action" in client.get(action.get_absolute_url()).content.decode()


def build_plan(size: int, owner) -> Plan:
    plan = PlanFactory(slug="sized")
    for n in range(size):
        KeyPriority.objects.create(plan=plan, ref=str(n), description=f"Priority {n}", order=n)
        MediumTermDevelopment.objects.create(plan=plan, ref=str(n), description=f"Development {n}", order=n)
        theme = ThemeFactory(plan=plan, number=n + 1)
        for _ in range(size):
            objective = ObjectiveFactory(theme=theme)
            for _ in range(size):
                KeyActionFactory(objective=objective, owner=owner)
    return plan


@pytest.mark.parametrize("size", [1, 3])
def test_the_plans_editing_page_runs_a_fixed_number_of_queries(client, sro, django_assert_num_queries, size):
    plan = build_plan(size, sro)
    client.force_login(sro)
    # session, user, plan, priorities, developments, themes, objectives, key actions with owners,
    # groups, the user's and their groups' permissions.
    with django_assert_num_queries(11):
        response = client.get(reverse("plans:plan_edit", args=[plan.slug]))
    assert response.content.decode().count("Edit<span") == size**3 + 2 * size


def test_every_button_form_on_the_editing_page_carries_its_csrf_token(client, sro, plan):
    client.force_login(sro)
    html = client.get(reverse("plans:plan_edit", args=[plan.slug])).content.decode()
    assert html.count('<form method="post"') == 5  # two priorities: move and retire each; signing out
    assert html.count('name="csrfmiddlewaretoken"') == html.count('<form method="post"')
