"""Every write of editing a plan in the app (issue 13): keyword-only, authorised, validated, atomic.

Only the SRO and administrators (plans.permissions.can_edit_plan) may call these; each refuses anyone
else with PermissionDenied, whoever calls it. Rows two people could edit at once carry a version
(core.locking): a save names the version its form read and loses to any save made since.
Narrative HTML is sanitised once, by the model's clean() in full_clean(); these functions check only
its length as typed.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.locking import version_claim
from core.roles import HEAD_OF_SERVICE
from plans import permissions
from plans.models import (
    KeyAction,
    KeyPriority,
    MediumTermDevelopment,
    Objective,
    Plan,
    Theme,
    narrative_too_long_message,
)

NOT_ALLOWED_MESSAGE = (
    "Only the Senior Responsible Officer and administrators can change the plan. "
    "Ask one of them if something here needs correcting."
)
STALE_MESSAGE = (
    "Someone else saved this while you were editing it, so your changes were not saved. "
    "What they saved is shown below with your changes kept in the form: check it, then save yours again."
)
REF_TAKEN_MESSAGE = "{plan} already has {ref} (perhaps retired): give a reference it does not use yet."
THEME_NUMBER_TAKEN_MESSAGE = "{plan} already has a theme {number}: give the new theme another number."
RETIRE_REASON_MESSAGE = "Say why the action is retired, so that readers of its page know: give a reason."
ALREADY_RETIRED_MESSAGE = "This action was already retired, so nothing changed."
OWNER_NOT_HEAD_MESSAGE = (
    "{person} is not an active head of service, so they cannot own a key action: choose a head of service, "
    "or keep the owner's name as written until they are one."
)

Listed = KeyPriority | MediumTermDevelopment


def _authorise(user: User) -> None:
    if not permissions.can_edit_plan(user):
        raise PermissionDenied(NOT_ALLOWED_MESSAGE)


def _save(instance: Model, *, user: User) -> None:
    """Validate and save one row, recording `user` in its history if it keeps one."""
    instance.full_clean()
    if hasattr(instance, "history"):
        instance._history_user = user
    instance.save()


def _check_narratives(instance: Model, names: tuple[str, ...]) -> None:
    """Refuse a narrative over the limit, counted as typed (before the model sanitises it)."""
    errors = {}
    for name in names:
        label = instance._meta.get_field(name).verbose_name.capitalize()
        message = narrative_too_long_message(label, getattr(instance, name))
        if message:
            errors[name] = message
    if errors:
        raise ValidationError(errors)


def _save_claimed(instance: Model, *, user: User, expected_version: int, narratives: tuple[str, ...] = ()) -> None:
    """Save an edited row if nobody has saved it since `expected_version`; else raise EditConflict."""
    _check_narratives(instance, narratives)
    with transaction.atomic():
        instance.version = version_claim(
            type(instance).objects, pk=instance.pk, expected_version=expected_version, message=STALE_MESSAGE
        )
        _save(instance, user=user)


# --- The plan's summary ---------------------------------------------------------------------------


def plan_summary_update(
    *,
    user: User,
    plan: Plan,
    expected_version: int,
    overall_status: str,
    overall_narrative: str,
    report_date: datetime.date | None,
) -> Plan:
    """Set the plan's overall status, overall narrative and report date; return the plan saved."""
    _authorise(user)
    plan.overall_status, plan.overall_narrative, plan.report_date = overall_status, overall_narrative, report_date
    _save_claimed(plan, user=user, expected_version=expected_version, narratives=("overall_narrative",))
    return plan


# --- Key priorities and medium-term developments --------------------------------------------------


def _ref_check(model: type[Listed], *, plan: Plan, ref: str, pk: int | None) -> None:
    if model.objects.filter(plan=plan, ref=ref.strip()).exclude(pk=pk).exists():
        raise ValidationError({"ref": REF_TAKEN_MESSAGE.format(plan=plan.title, ref=ref.strip())})


def listed_add(*, user: User, model: type[Listed], plan: Plan, **fields) -> Listed:
    """Add a key priority or medium-term development at the end of the plan's list; return it."""
    _authorise(user)
    with transaction.atomic():
        _ref_check(model, plan=plan, ref=fields.get("ref", ""), pk=None)
        last = model.objects.filter(plan=plan).aggregate(last=Max("order"))["last"]
        row = model(plan=plan, order=0 if last is None else last + 1, **fields)
        _save(row, user=user)
    return row


def listed_update(*, user: User, row: Listed, expected_version: int, **fields) -> Listed:
    """Change a key priority's or medium-term development's fields; return it saved."""
    _authorise(user)
    _ref_check(type(row), plan=row.plan, ref=fields.get("ref", row.ref), pk=row.pk)
    for name, value in fields.items():
        setattr(row, name, value)
    _save_claimed(row, user=user, expected_version=expected_version)
    return row


def listed_move(*, user: User, row: Listed, up: bool) -> bool:
    """Swap a current row with the one above (or below) it in the plan's list; return whether it moved."""
    _authorise(user)
    model = type(row)
    with transaction.atomic():
        current = list(model.objects.select_for_update().filter(plan_id=row.plan_id, retired_at__isnull=True))
        at = next((i for i, other in enumerate(current) if other.pk == row.pk), None)
        other_at = None if at is None else (at - 1 if up else at + 1)
        if other_at is None or not 0 <= other_at < len(current):
            return False
        # Number the list afresh, so rows loaded with equal orders still swap.
        current[at], current[other_at] = current[other_at], current[at]
        moved = []
        for order, item in enumerate(current):
            if item.order != order:
                item.order = order
                moved.append(item)
        # With history, so the audit page shows who moved what.
        bulk_update_with_history(moved, model, ["order"], default_user=user)
    return True


def listed_retire(*, user: User, row: Listed) -> Listed:
    """Take a key priority or medium-term development off the plan page and the report; return it."""
    _authorise(user)
    if row.retired_at is None:
        with transaction.atomic():
            row.retired_at = timezone.now()
            _save(row, user=user)
    return row


# --- Themes and objectives ------------------------------------------------------------------------


def theme_update(
    *, user: User, theme: Theme, expected_version: int, title: str, overview_narrative: str, overview_rag: str
) -> Theme:
    """Set a theme's title, overview narrative and overview RAG; return it saved."""
    _authorise(user)
    theme.title, theme.overview_narrative, theme.overview_rag = title, overview_narrative, overview_rag
    _save_claimed(theme, user=user, expected_version=expected_version, narratives=("overview_narrative",))
    return theme


def theme_add(*, user: User, plan: Plan, number: int, title: str) -> Theme:
    """Add a theme to the plan; return it."""
    _authorise(user)
    with transaction.atomic():
        if Theme.objects.filter(plan=plan, number=number).exists():
            raise ValidationError({"number": THEME_NUMBER_TAKEN_MESSAGE.format(plan=plan.title, number=number)})
        theme = Theme(plan=plan, number=number, title=title)
        _save(theme, user=user)
    return theme


def objective_update(
    *, user: User, objective: Objective, expected_version: int, lead_officer: str, description: str
) -> Objective:
    """Set an objective's lead officer and description; return it saved."""
    _authorise(user)
    objective.lead_officer, objective.description = lead_officer, description
    _save_claimed(objective, user=user, expected_version=expected_version, narratives=("description",))
    return objective


def objective_add(*, user: User, theme: Theme, lead_officer: str, description: str) -> Objective:
    """Add an objective at the end of the theme's; return it."""
    _authorise(user)
    objective = Objective(theme=theme, lead_officer=lead_officer, description=description)
    _check_narratives(objective, ("description",))
    with transaction.atomic():
        last = theme.objectives.aggregate(last=Max("order"))["last"]
        objective.order = 0 if last is None else last + 1
        _save(objective, user=user)
    return objective


# --- Key actions ----------------------------------------------------------------------------------

ACTION_FIELDS = {"description", "owner", "owner_name", "due_date", "by_when"}


def _action_fields_check(fields: dict, service: str) -> None:
    unknown = set(fields) - ACTION_FIELDS
    if unknown:
        raise TypeError(f"{service}() cannot set {', '.join(sorted(unknown))}.")


def _owner_fields(fields: dict) -> dict:
    """An owner with an account is named as their account is; a name alone is kept as written."""
    owner = fields.get("owner")
    if owner is not None:
        fields["owner_name"] = owner.get_full_name() or owner.get_username()
    # A due date given replaces the text it was written as.
    if fields.get("due_date") is not None:
        fields["by_when"] = ""
    return fields


def _owner_check(owner: User | None, *, current_owner_id: int | None = None) -> None:
    """A new owner with an account is an active head of service (the owner an action has may stay)."""
    if owner is None or owner.pk == current_owner_id:
        return
    if not (owner.is_active and owner.groups.filter(name=HEAD_OF_SERVICE).exists()):
        person = owner.get_full_name() or owner.get_username()
        raise ValidationError({"owner": OWNER_NOT_HEAD_MESSAGE.format(person=person)})


def key_action_add(*, user: User, objective: Objective, **fields) -> KeyAction:
    """Add a key action at the end of the objective's; return it."""
    _authorise(user)
    _action_fields_check(fields, "key_action_add")
    _owner_check(fields.get("owner"))
    action = KeyAction(objective=objective, **_owner_fields(fields))
    _check_narratives(action, ("description",))
    with transaction.atomic():
        last = objective.key_actions.aggregate(last=Max("order"))["last"]
        action.order = 0 if last is None else last + 1
        _save(action, user=user)
    return action


def key_action_edit(*, user: User, key_action: KeyAction, expected_version: int, **fields) -> KeyAction:
    """Change a key action's description, owner and due date; return it saved, its version moved on."""
    _authorise(user)
    _action_fields_check(fields, "key_action_edit")
    _owner_check(fields.get("owner"), current_owner_id=key_action.owner_id)
    for name, value in _owner_fields(fields).items():
        setattr(key_action, name, value)
    _save_claimed(key_action, user=user, expected_version=expected_version, narratives=("description",))
    return key_action


def key_action_retire(*, user: User, key_action: KeyAction, expected_version: int, reason: str) -> KeyAction:
    """Retire a key action with a reason: it leaves the report and My actions, and its page says why."""
    _authorise(user)
    if key_action.retired_at is not None:
        raise ValidationError(ALREADY_RETIRED_MESSAGE)
    if not reason.strip():
        raise ValidationError({"retired_reason": RETIRE_REASON_MESSAGE})
    key_action.retired_at, key_action.retired_by, key_action.retired_reason = timezone.now(), user, reason.strip()
    _save_claimed(key_action, user=user, expected_version=expected_version, narratives=("retired_reason",))
    return key_action
