"""Managing people (core.people): invitations, roles, deactivation; every rule and refusal, and the audit rows."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core import people
from core.models import PersonChange
from core.roles import ADMINISTRATOR, HEAD_OF_SERVICE, PERFORMANCE_TEAM, SRO, is_administrator

pytestmark = pytest.mark.django_db

SITE = "https://tracker.example/"


@pytest.fixture
def admin(make_user):
    return make_user("ada", ADMINISTRATOR, first_name="Ada", last_name="Admin", is_staff=True)


def invite(by, **overrides):
    fields = {"email": "karen.ogle@torbay.gov.uk", "first_name": "Karen", "last_name": "Ogle", "base_url": SITE}
    return people.person_invite(by=by, **{**fields, **overrides})


def changes(person) -> list[tuple[str, str]]:
    return [(c.change, c.role) for c in PersonChange.objects.filter(person=person).order_by("pk")]


def link_in(body: str) -> str:
    return re.search(r"https://tracker\.example(/people/invitation/\S+/)", body).group(1)


def test_an_invitation_makes_an_account_with_no_password_in_the_roles_chosen_and_records_it(admin):
    person = invite(admin, roles=[HEAD_OF_SERVICE])
    assert person.username == "karen.ogle@torbay.gov.uk"
    assert not person.has_usable_password()
    assert set(person.groups.values_list("name", flat=True)) == {HEAD_OF_SERVICE}
    assert changes(person) == [("invited", ""), ("role_granted", HEAD_OF_SERVICE)]
    assert PersonChange.objects.filter(person=person).first().by == admin


def test_the_invitation_email_carries_a_one_time_link_that_sets_the_password(admin, client):
    person = invite(admin)
    (email,) = mail.outbox
    assert email.to == ["karen.ogle@torbay.gov.uk"]
    assert "Ada Admin has given you an account" in email.body
    assert "within 7 days" in email.body
    assert "username, karen.ogle@torbay.gov.uk" in email.body
    link = link_in(email.body)
    form = client.get(link, follow=True)
    assert "Welcome to Improvement Tracker" in form.content.decode()
    password = "a-longer-pass-phrase-2026"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}, follow=True)
    assert "Your password is set. Sign in with your username, karen.ogle@torbay.gov.uk" in done.content.decode()
    person.refresh_from_db()
    assert person.check_password(password)
    again = client.get(link, follow=True)
    assert "This invitation link no longer works" in again.content.decode()


def test_an_invitation_link_stops_working_after_its_time(admin, client, settings):
    person = invite(admin)
    settings.INVITATION_TIMEOUT = -1
    assert not people.invitation_tokens.check_token(person, people.invitation_tokens.make_token(person))
    body = client.get(link_in(mail.outbox[0].body), follow=True).content.decode()
    assert "This invitation link no longer works" in body


def test_a_password_reset_token_is_no_invitation(admin):
    from django.contrib.auth.tokens import default_token_generator

    person = invite(admin)
    assert not people.invitation_tokens.check_token(person, default_token_generator.make_token(person))


def test_with_single_sign_on_the_invitation_says_to_sign_in_with_the_council_account(admin, settings):
    settings.OIDC_ENABLED = True
    invite(admin)
    body = mail.outbox[0].body
    assert "Sign in with your council account" in body
    assert "/people/invitation/" not in body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        pytest.param({"email": ""}, "email", people.EMAIL_MISSING, id="no email"),
        pytest.param({"email": "karen.ogle"}, "email", people.EMAIL_INVALID, id="email not an address"),
        pytest.param({"first_name": " "}, "first_name", "Give the person's first name", id="no first name"),
        pytest.param({"last_name": ""}, "last_name", "Give the person's last name", id="no last name"),
        pytest.param({"roles": ["Board"]}, "roles", people.UNKNOWN_ROLE.split(":")[0], id="unknown role"),
    ],
)
def test_an_invitation_refuses_bad_input(admin, overrides, field, message):
    with pytest.raises(ValidationError) as refused:
        invite(admin, **overrides)
    assert message in " ".join(refused.value.message_dict[field])
    assert not User.objects.filter(email__iexact="karen.ogle@torbay.gov.uk").exists()
    assert not mail.outbox


def test_an_invitation_refuses_an_email_someone_already_has(admin, make_user):
    make_user("karen", email="Karen.Ogle@torbay.gov.uk", first_name="Karen", last_name="Ogle")
    with pytest.raises(ValidationError) as refused:
        invite(admin)
    assert refused.value.message_dict["email"] == [
        people.EMAIL_TAKEN.format(email="karen.ogle@torbay.gov.uk", name="Karen Ogle")
    ]


@pytest.mark.parametrize("fixture", ["sro", "head_of_service", "performance_user"])
def test_only_an_administrator_may_manage_people(request, fixture, admin):
    by = request.getfixturevalue(fixture)
    with pytest.raises(PermissionDenied):
        invite(by)
    for service in (people.person_deactivate, people.person_reactivate):
        with pytest.raises(PermissionDenied):
            service(by=by, person=admin)
    with pytest.raises(PermissionDenied):
        people.person_roles_set(by=by, person=by, roles=[ADMINISTRATOR])
    assert not PersonChange.objects.exists()


def test_roles_are_granted_and_removed_each_recorded(admin, head_of_service):
    recorded = people.person_roles_set(by=admin, person=head_of_service, roles=[SRO, PERFORMANCE_TEAM])
    assert [(c.change, c.role) for c in recorded] == [
        ("role_granted", PERFORMANCE_TEAM),
        ("role_granted", SRO),
        ("role_removed", HEAD_OF_SERVICE),
    ]
    head_of_service.refresh_from_db()
    assert set(head_of_service.groups.values_list("name", flat=True)) == {SRO, PERFORMANCE_TEAM}
    assert head_of_service.is_staff  # the performance team imports KPIs in the admin
    assert people.person_roles_set(by=admin, person=head_of_service, roles=[SRO, PERFORMANCE_TEAM]) == []
    people.person_roles_set(by=admin, person=head_of_service, roles=[SRO])
    head_of_service.refresh_from_db()
    assert not head_of_service.is_staff


def test_an_administrator_cannot_remove_their_own_administrator_role(admin, make_user):
    make_user("bob", ADMINISTRATOR)
    with pytest.raises(ValidationError) as refused:
        people.person_roles_set(by=admin, person=admin, roles=[SRO])
    assert "You cannot remove the Administrator role from yourself" in refused.value.messages[0]
    assert is_administrator(User.objects.get(pk=admin.pk))


def test_an_administrator_cannot_deactivate_themselves(admin, make_user):
    make_user("bob", ADMINISTRATOR)
    with pytest.raises(ValidationError) as refused:
        people.person_deactivate(by=admin, person=admin)
    assert refused.value.messages == [people.NOT_YOURSELF.format(what="deactivate")]
    assert User.objects.get(pk=admin.pk).is_active


def test_two_administrators_deactivating_each_other_at_once_leave_one(admin, make_user):
    """Bob's page still shows Ada active when he presses the button, but Ada has just deactivated him."""
    bob = make_user("bob", ADMINISTRATOR, first_name="Bob", last_name="Jones")
    bob_as_his_request_loaded_him = User.objects.get(pk=bob.pk)
    people.person_deactivate(by=admin, person=bob)
    bob = bob_as_his_request_loaded_him
    with pytest.raises(ValidationError) as refused:
        people.person_deactivate(by=bob, person=admin)
    assert refused.value.messages == [people.LAST_ADMINISTRATOR.format(name="Ada Admin")]
    with pytest.raises(ValidationError) as refused:
        people.person_roles_set(by=bob, person=admin, roles=[SRO])
    assert refused.value.message_dict["roles"] == [people.LAST_ADMINISTRATOR.format(name="Ada Admin")]
    assert is_administrator(User.objects.get(pk=admin.pk))
    assert User.objects.get(pk=admin.pk).is_active


def test_a_superuser_counts_as_an_administrator_who_remains(admin, make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    people.person_roles_set(by=root, person=admin, roles=[SRO])
    assert not is_administrator(User.objects.get(pk=admin.pk))
    assert changes(admin) == [("role_granted", SRO), ("role_removed", ADMINISTRATOR)]


def signs_in(client, username: str) -> bool:
    client.post(reverse("login"), {"username": username, "password": "improve-2021"})
    signed_in = "_auth_user_id" in client.session
    client.logout()
    return signed_in


def test_deactivating_and_reactivating_are_recorded_and_stop_and_allow_sign_in(admin, head_of_service, client):
    assert people.person_deactivate(by=admin, person=head_of_service).change == "deactivated"
    assert people.person_deactivate(by=admin, person=head_of_service) is None  # already so: nothing recorded
    assert not signs_in(client, "becky.thompson")
    assert people.person_reactivate(by=admin, person=head_of_service).change == "reactivated"
    assert people.person_reactivate(by=admin, person=head_of_service) is None
    assert signs_in(client, "becky.thompson")
    assert changes(head_of_service) == [("deactivated", ""), ("reactivated", "")]


def test_the_invitation_is_sent_again_only_to_someone_who_has_never_signed_in(admin, head_of_service):
    person = invite(admin)
    people.person_invitation_resend(by=admin, person=person, base_url=SITE)
    assert len(mail.outbox) == 2
    head_of_service.last_login = timezone.now()
    with pytest.raises(ValidationError, match="has already signed in"):
        people.person_invitation_resend(by=admin, person=head_of_service, base_url=SITE)
    people.person_deactivate(by=admin, person=person)
    with pytest.raises(ValidationError, match="is deactivated"):
        people.person_invitation_resend(by=admin, person=person, base_url=SITE)


def test_a_deactivated_persons_single_sign_on_session_ends(admin, head_of_service):
    from core.sso import CouncilOIDCBackend

    assert CouncilOIDCBackend().get_user(head_of_service.pk) == head_of_service
    people.person_deactivate(by=admin, person=head_of_service)
    assert CouncilOIDCBackend().get_user(head_of_service.pk) is None


def test_roles_and_deactivation_changed_in_the_django_admin_are_recorded(admin_client, admin_user, head_of_service):
    from django.contrib.auth.models import Group

    url = reverse("admin:auth_user_change", args=[head_of_service.pk])
    sro_group = Group.objects.get_or_create(name=SRO)[0]
    response = admin_client.post(
        url,
        {
            "username": "becky.thompson",
            "first_name": "Becky",
            "last_name": "Thompson",
            "email": "",
            "groups": [sro_group.pk],
            "date_joined_0": "2021-07-01",
            "date_joined_1": "09:00:00",
            "initial-date_joined_0": "2021-07-01",
            "initial-date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [(c.change, c.role, c.by) for c in PersonChange.objects.filter(person=head_of_service).order_by("pk")] == [
        ("role_granted", SRO, admin_user),
        ("role_removed", HEAD_OF_SERVICE, admin_user),
        ("deactivated", "", admin_user),
    ]
