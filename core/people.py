"""People and their access (issue 13): invite by email, grant and remove roles, deactivate and reactivate.

Every write here is an administrator's, checked again whoever calls it, and each is recorded as a
PersonChange (who, to whom, what, when) in the same transaction. An invitation is an account with no
usable password and a one-time link, made with Django's password-reset token machinery under its own
salt and lifetime, to set one; with single sign-on on, the email says to sign in with the council
account instead (core.sso matches the person by email).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from core.models import PersonChange
from core.roles import ADMINISTRATOR, PERFORMANCE_TEAM, ROLES, is_administrator
from core.sso import sso_user_create

# How long an invitation's link works (once): a week, unless INVITATION_TIMEOUT (seconds) says otherwise.
INVITATION_DAYS = 7

NOT_ALLOWED = "Only an administrator can manage people. Ask an administrator if someone needs access."
EMAIL_MISSING = "Give the person's email address, for example karen.ogle@torbay.gov.uk."
EMAIL_INVALID = "Give the email address in full, for example karen.ogle@torbay.gov.uk."
EMAIL_TAKEN = (
    "{email} already belongs to {name}. Open their page from the list of people to change their roles, "
    "or give another address."
)
NAME_MISSING = "Give the person's {which} name, as colleagues know them."
UNKNOWN_ROLE = "Choose roles from the list: {roles}."
NOT_YOURSELF = "You cannot {what} yourself. Ask another administrator to do it."
LAST_ADMINISTRATOR = (
    "{name} is the only active administrator, so they must stay one: make someone else an administrator first."
)
ALREADY_SIGNED_IN = (
    "{name} has already signed in, so they need no invitation. If they have forgotten their password, "
    "they can reset it from the sign-in page."
)
INACTIVE = "{name}'s account is deactivated: reactivate it first, then send the invitation."

# Sent inside person_invite's transaction with `person`, `by` and `owner_name` (the name written as a key
# action's owner that this person is, or ""): plans links that name's actions to the person.
person_invited = Signal()


def invitation_timeout() -> int:
    """Return how many seconds an invitation's link works."""
    return getattr(settings, "INVITATION_TIMEOUT", INVITATION_DAYS * 24 * 60 * 60)


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset tokens (used up by setting a password or signing in), under their own salt
    so a reset link is no invitation, and lasting invitation_timeout() rather than PASSWORD_RESET_TIMEOUT."""

    key_salt = "core.people.InvitationTokenGenerator"

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            stamp, _ = token.split("-")
            timestamp = base36_to_int(stamp)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token):
                break
        else:
            return False
        return self._num_seconds(self._now()) - timestamp <= invitation_timeout()


invitation_tokens = InvitationTokenGenerator()


def display_name(person: User) -> str:
    """Return the person's name as colleagues read it (their username if they have no name)."""
    return person.get_full_name() or person.get_username()


def _authorise(by: User) -> None:
    if not (by.is_active and is_administrator(by)):
        raise PermissionDenied(NOT_ALLOWED)


def _record(*, by: User, person: User, change: str, role: str = "") -> PersonChange:
    row = PersonChange(at=timezone.now(), by=by, person=person, change=change, role=role)
    row._history_user = by  # the audit page names who made the change, however it was called
    row.full_clean()
    row.save()
    return row


def _roles_check(roles: Iterable[str]) -> set[str]:
    wanted = set(roles)
    if wanted - set(ROLES):
        raise ValidationError({"roles": UNKNOWN_ROLE.format(roles=", ".join(ROLES))})
    return wanted


def _others_administer(person: User) -> bool:
    """Return whether some active administrator other than the person remains, locking those rows, so that
    two administrators deactivating each other at once cannot both succeed."""
    others = User.objects.filter(Q(is_superuser=True) | Q(groups__name=ADMINISTRATOR), is_active=True)
    return bool(list(others.exclude(pk=person.pk).select_for_update(of=("self",)).values_list("pk", flat=True)))


def _role_names(person: User) -> set[str]:
    return set(person.groups.filter(name__in=ROLES).values_list("name", flat=True))


def person_invite(
    *,
    by: User,
    email: str,
    first_name: str,
    last_name: str,
    roles: Iterable[str] = (),
    base_url: str,
    owner_name: str = "",
) -> User:
    """Return a new account for the email in the given roles, its invitation sent and recorded.

    `base_url` is the site's address ("https://tracker.example/"), for the link in the email. `owner_name`,
    if given, is the name a key action's owner was kept as: the actions become the person's (plans listens).
    """
    _authorise(by)
    email, first_name, last_name = email.strip(), first_name.strip(), last_name.strip()
    errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = EMAIL_INVALID if email else EMAIL_MISSING
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if not value:
            errors[field] = NAME_MISSING.format(which=field.split("_")[0])
    if errors:
        raise ValidationError(errors)
    wanted = _roles_check(roles)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        raise ValidationError({"email": EMAIL_TAKEN.format(email=email, name=display_name(existing))})
    with transaction.atomic():
        person = sso_user_create(email=email, first_name=first_name, last_name=last_name)
        _record(by=by, person=person, change=PersonChange.Change.INVITED)
        _roles_apply(by=by, person=person, wanted=wanted)
        person_invited.send(sender=User, person=person, by=by, owner_name=owner_name.strip())
        _invitation_email(by=by, person=person, base_url=base_url)
    return person


def person_invitation_resend(*, by: User, person: User, base_url: str) -> None:
    """Send the person's invitation again (a new link; older ones still work until used or expired)."""
    _authorise(by)
    if person.last_login is not None:
        raise ValidationError(ALREADY_SIGNED_IN.format(name=display_name(person)))
    if not person.is_active:
        raise ValidationError(INACTIVE.format(name=display_name(person)))
    _invitation_email(by=by, person=person, base_url=base_url)


def invitation_link(*, person: User, base_url: str) -> str:
    """Return the one-time address at which the person sets their own password."""
    path = reverse(
        "people:invitation",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(person.pk)), "token": invitation_tokens.make_token(person)},
    )
    return base_url.rstrip("/") + path


def _invitation_email(*, by: User, person: User, base_url: str) -> None:
    context = {
        "person": person,
        "by": display_name(by),
        "sso": settings.OIDC_ENABLED,
        "sign_in": base_url.rstrip("/") + reverse("login"),
        "days": invitation_timeout() // (24 * 60 * 60),
    }
    if not settings.OIDC_ENABLED:
        context["link"] = invitation_link(person=person, base_url=base_url)
    body = render_to_string("people/invitation_email.txt", context)
    send_mail("You are invited to Improvement Tracker", body, None, [person.email])


def person_roles_set(*, by: User, person: User, roles: Iterable[str]) -> list[PersonChange]:
    """Give the person exactly these roles; return the grants and removals recorded (none if nothing changed).

    Refused: taking away your own Administrator role, or the last active administrator's.
    """
    _authorise(by)
    wanted = _roles_check(roles)
    with transaction.atomic():
        had = _role_names(person)
        if ADMINISTRATOR in had - wanted and not person.is_superuser:
            if person.pk == by.pk:
                raise ValidationError({"roles": NOT_YOURSELF.format(what="remove the Administrator role from")})
            if person.is_active and not _others_administer(person):
                raise ValidationError({"roles": LAST_ADMINISTRATOR.format(name=display_name(person))})
        return _roles_apply(by=by, person=person, wanted=wanted, had=had)


def _roles_apply(*, by: User, person: User, wanted: set[str], had: set[str] = frozenset()) -> list[PersonChange]:
    granted, removed = sorted(wanted - had), sorted(had - wanted)
    if granted:
        person.groups.add(*Group.objects.filter(name__in=granted))
    if removed:
        person.groups.remove(*Group.objects.filter(name__in=removed))
    # The admin is for the performance team's imports and for administrators.
    staff = person.is_superuser or bool(wanted & {PERFORMANCE_TEAM, ADMINISTRATOR})
    if staff != person.is_staff:
        person.is_staff = staff
        person.save(update_fields=["is_staff"])
    person.__dict__.pop("_group_names_cache", None)
    return [
        *(_record(by=by, person=person, change=PersonChange.Change.ROLE_GRANTED, role=r) for r in granted),
        *(_record(by=by, person=person, change=PersonChange.Change.ROLE_REMOVED, role=r) for r in removed),
    ]


def person_deactivate(*, by: User, person: User) -> PersonChange | None:
    """Stop the person signing in (their name stays on what they wrote); return the change, None if already so.

    Refused for yourself, and for the last active administrator.
    """
    _authorise(by)
    if person.pk == by.pk:
        raise ValidationError(NOT_YOURSELF.format(what="deactivate"))
    with transaction.atomic():
        if not person.is_active:
            return None
        if is_administrator(person) and not _others_administer(person):
            raise ValidationError(LAST_ADMINISTRATOR.format(name=display_name(person)))
        person.is_active = False
        person.save(update_fields=["is_active"])
        return _record(by=by, person=person, change=PersonChange.Change.DEACTIVATED)


def person_reactivate(*, by: User, person: User) -> PersonChange | None:
    """Let a deactivated person sign in again, in the roles they had; return the change, None if already active."""
    _authorise(by)
    with transaction.atomic():
        if person.is_active:
            return None
        person.is_active = True
        person.save(update_fields=["is_active"])
        return _record(by=by, person=person, change=PersonChange.Change.REACTIVATED)


def person_changes_record(*, by: User, person: User, had_roles: set[str], was_active: bool) -> list[PersonChange]:
    """Record what changed in a person's roles and active flag since `had_roles` and `was_active` (a change
    made in the Django admin, which writes the rows itself); return the changes recorded."""
    now_roles = _role_names(person)
    recorded = [
        *(
            _record(by=by, person=person, change=PersonChange.Change.ROLE_GRANTED, role=r)
            for r in sorted(now_roles - had_roles)
        ),
        *(
            _record(by=by, person=person, change=PersonChange.Change.ROLE_REMOVED, role=r)
            for r in sorted(had_roles - now_roles)
        ),
    ]
    if person.is_active != was_active:
        change = PersonChange.Change.REACTIVATED if person.is_active else PersonChange.Change.DEACTIVATED
        recorded.append(_record(by=by, person=person, change=change))
    return recorded
