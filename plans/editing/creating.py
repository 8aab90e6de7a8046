"""Creating a plan in the app (issue 13): from scratch, or by rolling an existing plan forward to a new
financial year. The SRO and administrators only; every write in one transaction."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify

from core.calendar import financial_year_label
from plans.editing.services import _authorise, _save
from plans.models import KeyAction, KeyPriority, MediumTermDevelopment, Objective, Plan, RagGuidance, Theme
from plans.selectors import plan_reporting_quarter

# Paths under /plans/ that are pages, never a plan's slug.
RESERVED_SLUGS = {"new"}
YEAR_TAKEN_MESSAGE = "{council} already has a plan for {year}: “{title}”. Open that plan, or choose another year."
YEAR_NOT_LATER_MESSAGE = "Roll the plan forward to a year after its own ({year}): choose a later year."
# Copied to the new year: what the plan is, not how it went. Outcome and current status are the old
# year's news, as are RAGs and updates.
ACTION_COPIED = (
    "order",
    "description",
    "owner",
    "owner_name",
    "due_date",
    "by_when",
    "how",
    "success_measures",
    "baseline",
    "target",
)


def plan_slug_new(title: str) -> str:
    """Return a slug for a new plan from its title, unused by any plan and never a page's name."""
    base = slugify(title)[:70].strip("-") or "plan"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Plan.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def plan_create(
    *,
    user: User,
    title: str,
    council: str,
    senior_responsible_officer: str,
    financial_year: int,
    report_date: datetime.date | None = None,
) -> Plan:
    """Create an empty plan reporting on Q1 of `financial_year` (themes, objectives and actions are added after)."""
    _authorise(user)
    with transaction.atomic():
        plan = Plan(
            title=title.strip(),
            slug=plan_slug_new(title),
            council=council.strip(),
            senior_responsible_officer=senior_responsible_officer.strip(),
            report_date=report_date,
            reporting_year=financial_year,
            reporting_quarter=1,
            source=f"Created in the app by {user.get_full_name() or user.get_username()}",
        )
        _save(plan, user=user)
    return plan


def plan_year(plan: Plan) -> int:
    """Return the financial year a plan is for: its reporting quarter's."""
    return plan_reporting_quarter(plan).financial_year


def _copy(instance: Model, *, user: User) -> Model:
    """Save a copy of a row already validated and sanitised: its fields and constraints checked again, but its
    HTML not sanitised again, which would escape "&" twice (NOTES.md)."""
    instance.clean_fields(exclude=set(getattr(instance, "html_fields", ())))
    instance.validate_constraints()
    if hasattr(instance, "history"):
        instance._history_user = user
    instance.save()
    return instance


def plan_roll_forward(*, user: User, plan: Plan, financial_year: int, title: str = "") -> Plan:
    """Return a new plan for `financial_year` with the plan's themes, objectives and open (unretired) key actions,
    its current key priorities, medium-term developments and RAG guidance; no RAGs, updates, statuses or
    narratives. The old plan is unchanged. Refused for a year not after the plan's, or one its council has a
    plan for already."""
    _authorise(user)
    own_year = plan_year(plan)
    if financial_year <= own_year:
        raise ValidationError({"financial_year": YEAR_NOT_LATER_MESSAGE.format(year=financial_year_label(own_year))})
    label = financial_year_label(financial_year)
    with transaction.atomic():
        taken = next((p for p in Plan.objects.filter(council=plan.council) if plan_year(p) == financial_year), None)
        if taken is not None:
            message = YEAR_TAKEN_MESSAGE.format(council=plan.council, year=label, title=taken.title)
            raise ValidationError({"financial_year": message})
        title = title.strip() or f"{plan.title} {label}"
        new = _copy(
            Plan(
                title=title,
                slug=plan_slug_new(title),
                council=plan.council,
                senior_responsible_officer=plan.senior_responsible_officer,
                reporting_year=financial_year,
                reporting_quarter=1,
                previous_plan=plan,
                source=f"Rolled forward from “{plan.title}” on {timezone.localdate():%d/%m/%Y}",
            ),
            user=user,
        )
        for priority in plan.key_priorities.filter(retired_at__isnull=True):
            fields = {
                name: getattr(priority, name) for name in ("ref", "description", "owner_name", "by_when", "order")
            }
            _copy(KeyPriority(plan=new, **fields), user=user)
        for development in plan.medium_term_developments.filter(retired_at__isnull=True):
            fields = {name: getattr(development, name) for name in ("ref", "description", "by_when", "order")}
            _copy(MediumTermDevelopment(plan=new, **fields), user=user)
        for guidance in plan.rag_guidance.all():
            _copy(
                RagGuidance(
                    plan=new,
                    rag=guidance.rag,
                    overall_rating=guidance.overall_rating,
                    action_rating=guidance.action_rating,
                ),
                user=user,
            )
        _themes_copy(plan, new, user=user)
    return new


def _themes_copy(plan: Plan, new: Plan, *, user: User) -> None:
    objectives_by_theme: dict[int, list[Objective]] = {}
    for objective in Objective.objects.filter(theme__plan=plan).order_by("order", "id"):
        objectives_by_theme.setdefault(objective.theme_id, []).append(objective)
    actions_by_objective: dict[int, list[KeyAction]] = {}
    open_actions = KeyAction.objects.filter(objective__theme__plan=plan, retired_at__isnull=True).order_by(
        "order", "id"
    )
    for action in open_actions:
        actions_by_objective.setdefault(action.objective_id, []).append(action)
    for theme in Theme.objects.filter(plan=plan).order_by("number"):
        theme_copy = _copy(Theme(plan=new, number=theme.number, title=theme.title), user=user)
        for objective in objectives_by_theme.get(theme.pk, []):
            objective_copy = _copy(
                Objective(
                    theme=theme_copy,
                    order=objective.order,
                    lead_officer=objective.lead_officer,
                    description=objective.description,
                ),
                user=user,
            )
            for action in actions_by_objective.get(objective.pk, []):
                fields = {name: getattr(action, name) for name in ACTION_COPIED}
                _copy(KeyAction(objective=objective_copy, **fields), user=user)
