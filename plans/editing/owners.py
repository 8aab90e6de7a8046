"""Key action owners kept as a name, not yet people with an account (issue 13): the list, and linking a name
to a person, whose actions then become theirs. The name stays in each action's history."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet

from plans import permissions
from plans.models import KeyAction, Plan

NOT_ALLOWED = (
    "Only the Senior Responsible Officer and administrators can change who owns key actions. "
    "Ask one of them if an owner needs changing."
)
NAME_MISSING = "Choose an owner's name from the list of owners who are not yet users."
NO_ACTIONS = "No current key action is kept under the name “{name}” any more: the list below is up to date."
PERSON_INACTIVE = (
    "{person} is deactivated, so they cannot own key actions: reactivate them first, or choose someone else."
)


@dataclass(frozen=True)
class OwnerName:
    """A name written as the owner of current key actions that no account owns."""

    name: str
    actions: int
    first_name: str
    last_name: str


def _unowned(owner_name: str | None = None) -> QuerySet[KeyAction]:
    actions = KeyAction.objects.filter(owner__isnull=True, retired_at__isnull=True).exclude(owner_name="")
    return actions if owner_name is None else actions.filter(owner_name=owner_name)


def owner_names_without_account(*, plan: Plan | None = None) -> list[OwnerName]:
    """Return the owner names of current key actions with no account (in the plan, if given), by name, with how
    many each owns (1 query)."""
    actions = _unowned() if plan is None else _unowned().filter(objective__theme__plan=plan)
    rows = actions.values("owner_name").annotate(actions=Count("id")).order_by("owner_name")
    names = []
    for row in rows:
        first, _, last = row["owner_name"].partition(" ")
        names.append(OwnerName(name=row["owner_name"], actions=row["actions"], first_name=first, last_name=last))
    return names


def key_action_owner_link(*, user: User, owner_name: str, person: User) -> int:
    """Make the person the owner of every current key action kept under `owner_name`; return how many.

    Each action is saved with its history (the name it had stays there) and its version moves on, so an
    edit form opened before is refused rather than putting the name back.
    """
    if not permissions.can_edit_plan(user):
        raise PermissionDenied(NOT_ALLOWED)
    owner_name = (owner_name or "").strip()
    if not owner_name:
        raise ValidationError({"owner_name": NAME_MISSING})
    label = person.get_full_name() or person.get_username()
    if not person.is_active:
        raise ValidationError({"person": PERSON_INACTIVE.format(person=label)})
    with transaction.atomic():
        actions = list(_unowned(owner_name).select_for_update())
        if not actions:
            raise ValidationError({"owner_name": NO_ACTIONS.format(name=owner_name)})
        for action in actions:
            action.owner, action.owner_name = person, label
            action.version += 1  # the row is locked: no one else moves it on meanwhile
            action.full_clean()
            action._history_user = user
            action.save()
    return len(actions)


def link_invited_owner(sender, *, person, by, owner_name: str = "", **kwargs) -> None:
    """When a person is invited for an owner's name (core.people.person_invited), their actions become theirs."""
    if owner_name and _unowned(owner_name).exists():
        key_action_owner_link(user=by, owner_name=owner_name, person=person)
