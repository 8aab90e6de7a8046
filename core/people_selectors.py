"""Every read the People pages need, in a fixed number of queries whatever the number of people."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import PersonChange
from core.roles import ROLES

# The role filter's value for people in no role (new single sign-on accounts, invitations not yet given one).
NO_ROLE = "none"


def _with_roles_and_two_factor(people: QuerySet[User]) -> QuerySet[User]:
    return people.annotate(
        two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    ).prefetch_related(
        Prefetch("groups", queryset=Group.objects.filter(name__in=ROLES).order_by("name"), to_attr="roles")
    )


def people_list(*, role: str = "") -> list[User]:
    """Return everyone (or those in one role, or in none), by name, each with `roles` and `two_factor` (2 queries)."""
    people = User.objects.order_by("first_name", "last_name", "username")
    if role == NO_ROLE:
        people = people.exclude(groups__name__in=ROLES).filter(is_superuser=False)
    elif role in ROLES:
        people = people.filter(groups__name=role)
    return list(_with_roles_and_two_factor(people))


def person_get(*, pk: int) -> User:
    """Return one person with `roles`, `two_factor` and `changes` (their access history, newest first), or 404."""
    person = (
        _with_roles_and_two_factor(User.objects.filter(pk=pk))
        .prefetch_related(
            Prefetch(
                "person_changes",
                queryset=PersonChange.objects.select_related("by").order_by("-at", "-pk"),
                to_attr="changes",
            )
        )
        .first()
    )
    if person is None:
        raise Http404("No such person.")
    return person


def person_role_names(person: User) -> list[str]:
    """Return the names of the roles a person from people_list/person_get holds."""
    return [group.name for group in person.roles]


def person_changes_list(*, since=None, limit: int | None = None) -> list[PersonChange]:
    """Return changes to people's access (invitations, roles, deactivations), newest first, each with `by` and
    `person` (1 query): the People source of the audit trail."""
    changes = PersonChange.objects.select_related("by", "person").order_by("-at", "-pk")
    if since is not None:
        changes = changes.filter(at__gte=since)
    return list(changes[:limit] if limit else changes)
