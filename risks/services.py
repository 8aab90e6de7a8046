"""Every write to the risk register: authorised, validated, atomic, and recorded in the history.

`user=None` means a system job (the demo loader, a management command run by an operator): it is
not authorised against a person and its history rows have no user. Views always pass request.user.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.importing import Problem
from core.locking import EditConflict, version_claim
from plans.models import KeyAction, Objective, Plan, Theme
from risks import permissions
from risks.models import (
    ControlEffectiveness,
    DatePrecision,
    Risk,
    RiskAppetite,
    RiskControl,
    RiskStatus,
    RiskType,
    Treatment,
    next_review_for,
    score_of,
)
from risks.spreadsheet.columns import COLUMN_OF_FIELD, REF

STALE_RISK_MESSAGE = (
    "Someone else saved this risk while you were editing it, so your changes have not been saved. "
    "Open the risk again to see their changes, then make yours."
)
NOT_YOUR_RISK_MESSAGE = "Only the risk's owner or an administrator can change it."
CANNOT_CREATE_MESSAGE = "Only an administrator can add risks to the register."
CANNOT_DELETE_MESSAGE = "Only an administrator can delete risks."
CANNOT_REASSIGN_MESSAGE = "Only an administrator can give a risk to another owner."
CANNOT_SET_APPETITE_MESSAGE = (
    "Only the Senior Responsible Officer or an administrator can set the plan's risk appetite."
)
CONTROL_OF_ANOTHER_RISK_MESSAGE = "This control belongs to another risk."

# Fields a change may set; score and target_score follow from them and are never set directly.
EDITABLE_FIELDS = frozenset(
    {
        "ref",
        "type",
        "description",
        "mitigation",
        "owner",
        "date_raised",
        "date_raised_precision",
        "category",
        "treatment",
        "inherent_probability",
        "inherent_impact",
        "probability",
        "impact",
        "status",
        "next_review_date",
        "target_probability",
        "target_impact",
    }
)
LINK_FIELDS = frozenset({"themes", "objectives", "key_actions"})


def _apply_scores(risk: Risk) -> None:
    if not risk.inherent_assessed:
        # Not assessed separately: the inherent score is the current one until someone records it.
        risk.inherent_probability, risk.inherent_impact = risk.probability, risk.impact
    risk.inherent_score = score_of(risk.inherent_probability, risk.inherent_impact)
    risk.score = score_of(risk.probability, risk.impact)
    risk.target_score = score_of(risk.target_probability, risk.target_impact)


def _review(risk: Risk, *, score_before: int | None, on: datetime.date, next_review: datetime.date | None) -> None:
    """Record a review on `on`: the review date follows the current score unless one is given.

    A second review on the same day keeps the score of the review before, so a rise stays a rise.
    """
    if risk.last_reviewed_on != on:
        risk.previous_review_score = score_before
        risk.last_reviewed_on = on
    risk.next_review_date = next_review or next_review_for(risk.score, on)


def _links_summary(links: dict[str, list]) -> str:
    """Return the links in words, one a line, for the history (what was linked, not database ids)."""
    lines = [str(theme) for theme in links.get("themes", [])]
    lines += [f"Objective: {objective}" for objective in links.get("objectives", [])]
    lines += [f"Key action: {action}" for action in links.get("key_actions", [])]
    return "\n".join(lines)


def _stamp_history(risk: Risk, *, user: User | None, reason: str, recorded_at: datetime.datetime | None) -> None:
    # simple_history reads these from the instance; an explicit user beats the request middleware,
    # so a system job records no user even when run inside a request.
    risk._history_user = user
    risk._change_reason = reason or None
    if recorded_at is not None:
        risk._history_date = recorded_at
    elif hasattr(risk, "_history_date"):
        del risk._history_date


def _check_links(plan_id: int, links: dict[str, Iterable]) -> dict[str, list]:
    """Return the links as lists, refusing any theme, objective or key action from another plan."""
    plan_of = {
        "themes": lambda obj: obj.plan_id,
        "objectives": lambda obj: obj.theme.plan_id,
        "key_actions": lambda obj: obj.objective.theme.plan_id,
    }
    checked = {}
    for name, objs in links.items():
        objs = list(objs)
        if any(plan_of[name](obj) != plan_id for obj in objs):
            raise ValidationError({name: "Link only to themes, objectives and key actions of the risk's own plan."})
        checked[name] = objs
    return checked


def risk_create(
    *,
    user: User | None,
    plan: Plan,
    ref: int,
    description: str,
    owner: User,
    date_raised: datetime.date,
    probability: int,
    impact: int,
    inherent_probability: int | None = None,
    inherent_impact: int | None = None,
    category: str = "",
    treatment: str = Treatment.TREAT,
    controls: Iterable[dict] = (),
    type: str = RiskType.RISK,
    mitigation: str = "",
    date_raised_precision: str = DatePrecision.DAY,
    status: str = RiskStatus.OPEN,
    next_review_date: datetime.date | None = None,
    target_probability: int | None = None,
    target_impact: int | None = None,
    themes: Iterable[Theme] = (),
    objectives: Iterable[Objective] = (),
    key_actions: Iterable[KeyAction] = (),
    reason: str = "",
    recorded_at: datetime.datetime | None = None,
) -> Risk:
    """Return a new risk in the plan's register, scored, validated and saved with its first history row.

    Without an inherent probability and impact the inherent score is taken from the current one (and
    marked as not assessed). Without a next review date, the review falls due by the current score.
    `controls` are dicts of risk_control_add's keyword arguments.
    """
    if user is not None and not permissions.can_create_risk(user):
        raise PermissionDenied(CANNOT_CREATE_MESSAGE)
    assessed = inherent_probability is not None or inherent_impact is not None
    risk = Risk(
        plan=plan,
        category=category,
        treatment=treatment,
        inherent_probability=inherent_probability,
        inherent_impact=inherent_impact,
        inherent_assessed=assessed,
        ref=ref,
        type=type,
        description=description,
        mitigation=mitigation,
        owner=owner,
        date_raised=date_raised,
        date_raised_precision=date_raised_precision,
        probability=probability,
        impact=impact,
        status=status,
        next_review_date=next_review_date,
        target_probability=target_probability,
        target_impact=target_impact,
    )
    _apply_scores(risk)
    on = timezone.localdate(recorded_at) if recorded_at is not None else timezone.localdate()
    _review(risk, score_before=None, on=on, next_review=next_review_date)
    links = _check_links(plan.pk, {"themes": themes, "objectives": objectives, "key_actions": key_actions})
    risk.links_summary = _links_summary(links)
    risk.full_clean()
    new_controls = [_control(risk, **values) for values in controls]
    _stamp_history(risk, user=user, reason=reason, recorded_at=recorded_at)
    with transaction.atomic():
        risk.save()
        for name, objs in links.items():
            if objs:
                getattr(risk, name).set(objs)
        for control in new_controls:
            control.risk = risk
            _save_control(control, user=user, reason=reason)
    return risk


def risk_update(
    *,
    user: User | None,
    risk: Risk,
    version: int | None = None,
    reason: str = "",
    recorded_at: datetime.datetime | None = None,
    reviewed: bool = False,
    **changes,
) -> Risk:
    """Return the risk with `changes` applied and saved, or unchanged when they change nothing.

    `version` is the version the caller read (a form's hidden field); a save by someone else since
    then raises core.locking.EditConflict. Without it, the version of the `risk` passed in is used.
    A change of the current score, or `reviewed=True` (the edit form), records a review today: the
    next review date then follows the current score. Giving an inherent probability or impact marks
    the inherent score as assessed.
    """
    unknown = set(changes) - EDITABLE_FIELDS - LINK_FIELDS
    if unknown:
        raise TypeError(f"risk_update() cannot set {', '.join(sorted(unknown))}.")
    if user is not None and not permissions.can_edit_risk(user, risk):
        raise PermissionDenied(NOT_YOUR_RISK_MESSAGE)
    if (
        user is not None
        and "owner" in changes
        and changes["owner"] != risk.owner
        and not permissions.can_reassign_risk(user)
    ):
        raise PermissionDenied(CANNOT_REASSIGN_MESSAGE)

    field_changes = {name: value for name, value in changes.items() if name in EDITABLE_FIELDS}
    link_changes = _check_links(risk.plan_id, {name: changes[name] for name in LINK_FIELDS if name in changes})
    changed_fields = {name for name, value in field_changes.items() if getattr(risk, name) != value}
    changed_links = {
        name
        for name, objs in link_changes.items()
        if {obj.pk for obj in objs} != set(getattr(risk, name).values_list("pk", flat=True))
    }
    expected_version = risk.version if version is None else version
    on = timezone.localdate(recorded_at) if recorded_at is not None else timezone.localdate()
    score_before = risk.score
    # Giving the inherent scores at all (a form, a file with the columns) is assessing them.
    assessing = not risk.inherent_assessed and bool({"inherent_probability", "inherent_impact"} & set(field_changes))
    if (
        not changed_fields
        and not changed_links
        and not assessing
        and not (reviewed and (risk.last_reviewed_on != on or risk.next_review_date != _review_due(risk, on)))
    ):
        if expected_version != risk.version:
            raise EditConflict(STALE_RISK_MESSAGE)
        return risk

    for name in changed_fields:
        setattr(risk, name, field_changes[name])
    if assessing:
        risk.inherent_assessed = True
    _apply_scores(risk)
    if reviewed or risk.score != score_before:
        explicit = field_changes.get("next_review_date") if "next_review_date" in changed_fields else None
        _review(risk, score_before=score_before, on=on, next_review=explicit)
    if changed_links:
        final = {name: link_changes.get(name, list(getattr(risk, name).all())) for name in LINK_FIELDS}
        risk.links_summary = _links_summary(final)
    risk.full_clean()
    with transaction.atomic():
        # Claim the version first: the conditional UPDATE takes the row lock, so of two saves
        # from the same version exactly one wins, on any database.
        risk.version = version_claim(
            Risk.objects, pk=risk.pk, expected_version=expected_version, message=STALE_RISK_MESSAGE
        )
        _stamp_history(risk, user=user, reason=reason, recorded_at=recorded_at)
        risk.save()
        for name in changed_links:
            getattr(risk, name).set(link_changes[name])
    return risk


def _review_due(risk: Risk, on: datetime.date) -> datetime.date:
    return next_review_for(risk.score, on)


def _control(risk: Risk, *, description: str, owner: User, effectiveness: str = ControlEffectiveness.NOT_ASSESSED):
    control = RiskControl(risk=risk, description=(description or "").strip(), owner=owner, effectiveness=effectiveness)
    control.full_clean(exclude=["risk"] if risk.pk is None else None)
    return control


def _save_control(control: RiskControl, *, user: User | None, reason: str = "") -> None:
    control._history_user = user
    control._change_reason = reason or None
    control.save()


def _check_control_editor(user: User | None, risk: Risk) -> None:
    if user is not None and not permissions.can_edit_risk(user, risk):
        raise PermissionDenied(NOT_YOUR_RISK_MESSAGE)


def risk_control_add(
    *,
    user: User | None,
    risk: Risk,
    description: str,
    owner: User,
    effectiveness: str = ControlEffectiveness.NOT_ASSESSED,
) -> RiskControl:
    """Return a new control on the risk, validated and saved (with its history row)."""
    _check_control_editor(user, risk)
    control = _control(risk, description=description, owner=owner, effectiveness=effectiveness)
    with transaction.atomic():
        _save_control(control, user=user)
    return control


def risk_control_update(*, user: User | None, control: RiskControl, **changes) -> RiskControl:
    """Return the control with its description, owner or effectiveness changed and saved."""
    unknown = set(changes) - {"description", "owner", "effectiveness"}
    if unknown:
        raise TypeError(f"risk_control_update() cannot set {', '.join(sorted(unknown))}.")
    _check_control_editor(user, control.risk)
    if all(getattr(control, name) == value for name, value in changes.items()):
        return control
    for name, value in changes.items():
        setattr(control, name, value.strip() if name == "description" else value)
    control.full_clean()
    with transaction.atomic():
        _save_control(control, user=user)
    return control


def risk_control_delete(*, user: User | None, control: RiskControl) -> None:
    """Remove the control from its risk; its history keeps who removed it and when."""
    _check_control_editor(user, control.risk)
    control._history_user = user
    with transaction.atomic():
        control.delete()


def risk_controls_apply(
    *,
    user: User | None,
    risk: Risk,
    add: Iterable[dict] = (),
    change: Iterable[tuple[RiskControl, dict]] = (),
    remove: Iterable[RiskControl] = (),
) -> None:
    """Add, change and remove the risk's controls together, or none of them (the edit form's rows)."""
    _check_control_editor(user, risk)
    with transaction.atomic():
        for control in remove:
            if control.risk_id != risk.pk:
                raise ValidationError(CONTROL_OF_ANOTHER_RISK_MESSAGE)
            risk_control_delete(user=user, control=control)
        for control, values in change:
            if control.risk_id != risk.pk:
                raise ValidationError(CONTROL_OF_ANOTHER_RISK_MESSAGE)
            risk_control_update(user=user, control=control, **values)
        for values in add:
            risk_control_add(user=user, risk=risk, **values)


def risk_appetite_set(*, user: User | None, plan: Plan, category: str, level: str) -> RiskAppetite | None:
    """Return the plan's appetite for the category set to `level` (None when `level` is empty: unset)."""
    if user is not None and not permissions.can_set_appetite(user):
        raise PermissionDenied(CANNOT_SET_APPETITE_MESSAGE)
    appetite = RiskAppetite.objects.filter(plan=plan, category=category).first()
    with transaction.atomic():
        if not level:
            if appetite is not None:
                appetite._history_user = user
                appetite.delete()
            return None
        if appetite is None:
            appetite = RiskAppetite(plan=plan, category=category)
        elif appetite.level == level:
            return appetite
        appetite.level = level
        appetite.full_clean()
        appetite._history_user = user
        appetite.save()
    return appetite


def risk_delete(*, user: User | None, risk: Risk) -> None:
    """Delete the risk; its history keeps a deletion row with who and when."""
    if user is not None and not permissions.can_delete_risk(user):
        raise PermissionDenied(CANNOT_DELETE_MESSAGE)
    _stamp_history(risk, user=user, reason="", recorded_at=None)
    with transaction.atomic():
        risk.delete()


def register_import_apply(*, user: User | None, preview) -> int:
    """Write a checked register preview (risks.spreadsheet): every row or none; return the rows written.

    A row that the services refuse (a risk changed since the preview, an owner who has left) raises
    a ValidationError whose messages name the spreadsheet's row and column; nothing is then written.
    """
    if not preview.is_valid:
        raise ValueError("A refused file cannot be imported; show its problems instead.")
    written = 0
    with transaction.atomic():
        for row in preview.rows:
            if row.action == "skip":
                continue
            reason = f"Imported from {preview.file_name or 'a file'}, row {row.parsed.row}"[:100]
            try:
                if row.action == "new":
                    risk_create(user=user, plan=preview.plan, reason=reason, **row.parsed.values)
                else:
                    risk_update(user=user, risk=row.risk, version=row.risk.version, reason=reason, **row.parsed.values)
            except ValidationError as error:
                raise ValidationError(_row_problems(row.parsed.row, error)) from error
            written += 1
    return written


def _row_problems(row: int, error: ValidationError) -> list[str]:
    """Return a service's validation errors as sentences placed by the spreadsheet's row and column."""
    details = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    return [
        str(Problem(row, COLUMN_OF_FIELD.get(name, REF if name in ("", "__all__") else name), text))
        for name, texts in details.items()
        for text in texts
    ]
