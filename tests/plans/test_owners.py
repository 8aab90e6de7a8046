"""Key action owners who are not yet users (issue 13): the list, linking a name to a person, and an invitation
made for a name taking its actions; every change in the actions' history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core import people
from core.roles import ADMINISTRATOR, HEAD_OF_SERVICE
from plans.editing import owners
from plans.editing.services import OWNER_NOT_HEAD_MESSAGE, key_action_edit
from plans.models import KeyAction, Plan
from tests.factories import KeyActionFactory, ObjectiveFactory
from tests.two_factor import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user("ada", ADMINISTRATOR, first_name="Ada", last_name="Admin", is_staff=True)


@pytest.fixture
def objective():
    return ObjectiveFactory()


def named(objective, name: str, count: int = 1, **kwargs) -> list[KeyAction]:
    return [KeyActionFactory(objective=objective, owner=None, owner_name=name, **kwargs) for _ in range(count)]


def test_the_list_counts_each_name_without_an_account_in_current_actions(objective, head_of_service):
    named(objective, "Karen Ogle", 3)
    named(objective, "Stefan Chapleo")
    named(objective, "Gone Person", retired_at="2022-01-01T00:00Z")
    KeyActionFactory(objective=objective, owner=head_of_service)
    named(objective, "")
    assert [(o.name, o.actions, o.first_name, o.last_name) for o in owners.owner_names_without_account()] == [
        ("Karen Ogle", 3, "Karen", "Ogle"),
        ("Stefan Chapleo", 1, "Stefan", "Chapleo"),
    ]


def test_linking_a_name_makes_its_actions_the_persons_with_the_name_in_history(objective, admin, head_of_service):
    actions = named(objective, "Karen Ogle", 2)
    named(objective, "Stefan Chapleo")
    assert owners.key_action_owner_link(user=admin, owner_name="Karen Ogle", person=head_of_service) == 2
    for action in actions:
        action.refresh_from_db()
        assert (action.owner, action.owner_name, action.version) == (head_of_service, "Becky Thompson", 2)
        latest, before = action.history.order_by("-history_date")[:2]
        assert (latest.owner_id, latest.history_user) == (head_of_service.pk, admin)
        assert (before.owner_id, before.owner_name) == (None, "Karen Ogle")
    assert [o.name for o in owners.owner_names_without_account()] == ["Stefan Chapleo"]


def test_linking_is_refused_for_readers_and_with_a_sentence_for_bad_input(objective, admin, head_of_service, make_user):
    named(objective, "Karen Ogle")
    with pytest.raises(PermissionDenied):
        owners.key_action_owner_link(user=head_of_service, owner_name="Karen Ogle", person=head_of_service)
    with pytest.raises(ValidationError, match="No current key action is kept under the name “Nobody”"):
        owners.key_action_owner_link(user=admin, owner_name="Nobody", person=head_of_service)
    with pytest.raises(ValidationError, match="Choose an owner's name"):
        owners.key_action_owner_link(user=admin, owner_name=" ", person=head_of_service)
    gone = make_user("gone", HEAD_OF_SERVICE, first_name="Gone", last_name="Away", is_active=False)
    with pytest.raises(ValidationError, match="Gone Away is deactivated"):
        owners.key_action_owner_link(user=admin, owner_name="Karen Ogle", person=gone)
    assert KeyAction.objects.filter(owner_name="Karen Ogle", owner=None).count() == 1


def test_inviting_a_person_for_an_owners_name_gives_them_its_actions(objective, admin):
    actions = named(objective, "Karen Ogle", 2)
    person = people.person_invite(
        by=admin,
        email="karen.ogle@torbay.gov.uk",
        first_name="Karen",
        last_name="Ogle",
        roles=[HEAD_OF_SERVICE],
        base_url="http://testserver/",
        owner_name="Karen Ogle",
    )
    assert {a.owner for a in KeyAction.objects.filter(pk__in=[a.pk for a in actions])} == {person}
    assert owners.owner_names_without_account() == []


def test_an_action_owner_chosen_in_the_editing_form_must_be_an_active_head_of_service(objective, admin, sro):
    (action,) = named(objective, "Karen Ogle")
    with pytest.raises(ValidationError) as refused:
        key_action_edit(user=admin, key_action=action, expected_version=1, owner=sro)
    assert refused.value.message_dict["owner"] == [OWNER_NOT_HEAD_MESSAGE.format(person="Nancy Meehan")]


def test_the_owners_page_lists_names_as_not_yet_users_with_a_prefilled_invite(client, objective, admin):
    named(objective, "Karen Ogle", 2)
    sign_in(client, admin)
    page = client.get(reverse("plans:owners")).content.decode()
    assert "Karen Ogle" in page
    assert "Not yet a user" in page
    assert (
        "/people/invite/?first_name=Karen&amp;last_name=Ogle&amp;owner_name=Karen+Ogle&amp;role=Head+of+service" in page
    )


def test_the_sro_sees_the_owners_page_without_invite_buttons(client, objective, sro):
    named(objective, "Karen Ogle")
    client.force_login(sro)
    page = client.get(reverse("plans:owners")).content.decode()
    assert "Karen Ogle" in page
    assert "/people/invite/" not in page


@pytest.mark.parametrize("names", [1, 10])
def test_the_owners_page_takes_the_same_queries_whatever_the_number_of_names(
    client, objective, admin, head_of_service, django_assert_num_queries, names
):
    for n in range(names):
        named(objective, f"Owner {n}", 2)
    sign_in(client, admin)
    client.get(reverse("plans:owners"))
    # session, user, groups; the plans; the names; the heads of service to link to; the 2FA middleware's device check
    with django_assert_num_queries(7):
        response = client.get(reverse("plans:owners"))
    assert response.status_code == 200


def test_linking_on_the_page_and_a_missing_choice_refused_keeping_the_row(client, objective, admin, head_of_service):
    named(objective, "Karen Ogle", 2)
    sign_in(client, admin)
    refused = client.post(reverse("plans:owners"), {"owner_name": "Karen Ogle", "person": ""})
    assert refused.status_code == 400
    assert "Choose the person who is “Karen Ogle” from the list, then press Link." in refused.content.decode()
    done = client.post(reverse("plans:owners"), {"owner_name": "Karen Ogle", "person": head_of_service.pk}, follow=True)
    page = done.content.decode()
    assert "2 key actions kept under “Karen Ogle” now belong to Becky Thompson" in page
    assert "is owned by a person with an account." in page


def test_the_demo_shows_the_four_seed_owners_as_not_yet_users(demo):
    plan = Plan.objects.get(slug="torbay-2021-highlight")
    names = {o.name for o in owners.owner_names_without_account(plan=plan)}
    assert {"Karen Ogle", "Stefan Chapleo", "Gwynne Rayns", "Nick Hollins"} <= names
    assert "Becky Thompson" not in names


def test_the_owners_page_opens_on_the_latest_plan_and_shows_another_chosen(client, admin):
    old = ObjectiveFactory(theme__plan__report_date="2016-05-01", theme__plan__title="2016 tracker")
    new = ObjectiveFactory(theme__plan__report_date="2021-07-13", theme__plan__title="2021 plan")
    named(old, "DCS CX")
    named(new, "Karen Ogle")
    sign_in(client, admin)
    page = client.get(reverse("plans:owners")).content.decode()
    assert "Karen Ogle" in page
    assert "DCS CX" not in page
    page = client.get(reverse("plans:owners"), {"plan": old.theme.plan.slug}).content.decode()
    assert "DCS CX" in page
    assert "Karen Ogle" not in page


def test_the_plans_editing_page_marks_an_owner_kept_as_a_name_not_yet_a_user(client, objective, admin):
    named(objective, "Karen Ogle")
    sign_in(client, admin)
    page = client.get(reverse("plans:plan_edit", args=[objective.theme.plan.slug])).content.decode()
    assert "Karen Ogle (not yet a user)" in page
    assert f"/plans/owners/?plan={objective.theme.plan.slug}" in page
