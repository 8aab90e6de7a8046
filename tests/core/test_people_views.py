"""The People pages: who may open them, the list's columns, filter and pinned query count, and every form
refusing bad input with a sentence while keeping what was typed."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from core import people
from core.models import PersonChange
from core.roles import ADMINISTRATOR, HEAD_OF_SERVICE, SRO
from tests.factories import UserFactory
from tests.two_factor import authenticator, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, make_user):
    user = make_user("ada", ADMINISTRATOR, first_name="Ada", last_name="Admin", is_staff=True)
    sign_in(client, user)
    return user


def body(response) -> str:
    return response.content.decode()


def test_the_list_shows_each_persons_roles_activity_and_two_step_verification(client, admin, head_of_service):
    authenticator(admin)
    people.person_deactivate(by=admin, person=head_of_service)
    page = body(client.get(reverse("people:list")))
    assert "Ada Admin" in page
    assert "Becky Thompson" in page
    assert "Deactivated" in page
    assert "Set up" in page
    assert "Not set up" in page
    assert "Never" in page  # Becky has never signed in
    assert 'href="/people/invite/"' in page
    assert 'href="/plans/owners/"' in page


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        pytest.param(HEAD_OF_SERVICE, "Becky Thompson", "Nancy Meehan", id="heads of service"),
        pytest.param(SRO, "Nancy Meehan", "Becky Thompson", id="the SRO"),
        pytest.param("none", "New Starter", "Becky Thompson", id="no role"),
    ],
)
def test_the_list_filters_by_role(client, admin, head_of_service, sro, make_user, role, shown, hidden):
    make_user("new.starter", first_name="New", last_name="Starter")
    page = body(client.get(reverse("people:list"), {"role": role}))
    assert shown in page
    assert hidden not in page


@pytest.mark.parametrize("extra", [0, 12])
def test_the_list_takes_the_same_queries_whatever_the_number_of_people(client, admin, django_assert_num_queries, extra):
    for n in range(extra):
        person = UserFactory(username=f"person{n}", groups=[HEAD_OF_SERVICE, SRO])
        authenticator(person)
    client.get(reverse("people:list"))  # the session's first queries, once
    # session, user, groups (the roles context), the people, their roles; the 2FA middleware's device check
    with django_assert_num_queries(6):
        response = client.get(reverse("people:list"))
    assert response.status_code == 200


def test_an_administrator_invites_a_person_and_sees_their_page(client, admin):
    response = client.post(
        reverse("people:invite"),
        {"first_name": "Karen", "last_name": "Ogle", "email": "karen.ogle@torbay.gov.uk", "roles": [HEAD_OF_SERVICE]},
        follow=True,
    )
    page = body(response)
    assert "Karen Ogle was invited: an email to karen.ogle@torbay.gov.uk has a link to set their password" in page
    assert "Role granted: Head of service" in page
    assert mail.outbox[0].to == ["karen.ogle@torbay.gov.uk"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"email": ""}, people.EMAIL_MISSING, id="no email"),
        pytest.param({"email": "karen.ogle@"}, people.EMAIL_INVALID, id="email cut short"),
        pytest.param({"first_name": ""}, "Give the person's first name, as colleagues know them.", id="no first name"),
        pytest.param({"roles": ["Governor"]}, "Choose roles from the list", id="unknown role"),
        pytest.param(
            {"email": "becky@torbay.gov.uk"}, "becky@torbay.gov.uk already belongs to Becky", id="email taken"
        ),
    ],
)
def test_the_invite_form_refuses_bad_input_and_keeps_what_was_typed(client, admin, make_user, data, message):
    make_user("becky", email="becky@torbay.gov.uk", first_name="Becky", last_name="T")
    typed = {"first_name": "Karen", "last_name": "Ogle-Smythe", "email": "karen.ogle@torbay.gov.uk", **data}
    response = client.post(reverse("people:invite"), typed)
    page = body(response)
    assert response.status_code == 200
    assert message.replace("'", "&#x27;") in page
    assert 'value="Ogle-Smythe"' in page
    assert not mail.outbox


def test_the_invite_form_opens_prefilled_from_an_owners_name(client, admin):
    page = body(
        client.get(
            reverse("people:invite"),
            {"first_name": "Karen", "last_name": "Ogle", "owner_name": "Karen Ogle", "role": HEAD_OF_SERVICE},
        )
    )
    assert 'value="Karen"' in page
    assert 'value="Ogle"' in page
    assert "The key actions kept under the name “Karen Ogle” become this person's" in page
    assert re.search(r'<input[^>]*value="Head of service"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="SRO"[^>]*checked', page)


def test_roles_are_saved_from_a_persons_page(client, admin, head_of_service):
    url = reverse("people:person", args=[head_of_service.pk])
    page = body(client.get(url))
    assert page.count(">Roles<") == 1  # the section's heading, not repeated as the checkboxes' legend
    assert "The roles they hold" in page
    page = body(client.post(url, {"roles": [HEAD_OF_SERVICE, SRO]}, follow=True))
    assert "Becky Thompson&#x27;s roles were saved." in page
    assert "Role granted: SRO" in page
    assert "Ada Admin" in page  # who did it
    page = body(client.post(url, {"roles": [HEAD_OF_SERVICE, SRO]}, follow=True))
    assert "roles were already as chosen, so nothing changed." in page


def test_removing_your_own_administrator_role_is_refused_on_the_page_keeping_the_choice(client, admin, make_user):
    make_user("bob", ADMINISTRATOR)
    response = client.post(reverse("people:person", args=[admin.pk]), {"roles": [SRO]})
    page = body(response)
    assert "You cannot remove the Administrator role from yourself. Ask another administrator to do it." in page
    assert User.objects.get(pk=admin.pk).groups.filter(name=ADMINISTRATOR).exists()
    assert not PersonChange.objects.exists()


def test_deactivate_and_reactivate_buttons(client, admin, head_of_service):
    page = body(client.post(reverse("people:deactivate", args=[head_of_service.pk]), follow=True))
    assert "Becky Thompson was deactivated: they can no longer sign in." in page
    assert "Reactivate Becky Thompson" in page
    page = body(client.post(reverse("people:reactivate", args=[head_of_service.pk]), follow=True))
    assert "Becky Thompson was reactivated" in page


def test_an_administrator_is_told_they_cannot_deactivate_themselves(client, admin):
    page = body(client.get(reverse("people:person", args=[admin.pk])))
    assert "You cannot deactivate yourself: ask another administrator." in page
    page = body(client.post(reverse("people:deactivate", args=[admin.pk]), follow=True))
    assert "You cannot deactivate yourself. Ask another administrator to do it." in page
    assert User.objects.get(pk=admin.pk).is_active


def test_the_invitation_is_sent_again_from_the_persons_page(client, admin):
    person = people.person_invite(
        by=admin, email="k@torbay.gov.uk", first_name="Karen", last_name="Ogle", base_url="http://testserver/"
    )
    page = body(client.post(reverse("people:invite_again", args=[person.pk]), follow=True))
    assert "A new invitation was sent to k@torbay.gov.uk." in page
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("fixture", ["sro", "head_of_service"])
def test_no_one_else_changes_anyone(client, request, fixture, admin):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    assert client.post(reverse("people:deactivate", args=[admin.pk])).status_code == 403
    assert client.post(reverse("people:person", args=[user.pk]), {"roles": [ADMINISTRATOR]}).status_code == 403
    typed = {"email": "x@y.uk", "first_name": "X", "last_name": "Y"}
    assert client.post(reverse("people:invite"), typed).status_code == 403
    assert not PersonChange.objects.exists()
    assert User.objects.get(pk=admin.pk).is_active


@pytest.mark.parametrize("changes", [1, 12])
def test_a_persons_page_takes_the_same_queries_whatever_the_length_of_their_history(
    client, admin, head_of_service, django_assert_num_queries, changes
):
    for n in range(changes):
        people.person_roles_set(by=admin, person=head_of_service, roles=[SRO] if n % 2 else [HEAD_OF_SERVICE, SRO])
    url = reverse("people:person", args=[head_of_service.pk])
    client.get(url)
    # session, user, groups (the roles context); the person, their roles, their history; the 2FA device check
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200


def test_the_audit_trail_reads_every_change_to_access_newest_first(admin, head_of_service):
    from core.people_selectors import person_changes_list

    people.person_roles_set(by=admin, person=head_of_service, roles=[SRO])
    people.person_deactivate(by=admin, person=head_of_service)
    rows = person_changes_list()
    assert [(r.change, r.role, r.person.username, r.by.username) for r in rows] == [
        ("deactivated", "", "becky.thompson", "ada"),
        ("role_removed", HEAD_OF_SERVICE, "becky.thompson", "ada"),
        ("role_granted", SRO, "becky.thompson", "ada"),
    ]
