"""Every read the risk pages, the import and the highlight report need, in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Count, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.calendar import end_of_day
from core.roles import AnyUser
from plans.models import KeyAction, Objective, Plan
from risks.models import SCALE_MAX, SCALE_MIN, Band, Risk, RiskStatus, band_for_score, risk_bands, score_of
from risks.permissions import risk_visible_to
from risks.spreadsheet.cells import name_key

# Fields whose every change the risk's page reports (the "kept with who and when").
TRACKED_FIELDS = ("probability", "impact", "mitigation", "status")
TRACKED_LABELS = {
    "probability": "Probability",
    "impact": "Impact",
    "mitigation": "Mitigation",
    "status": "Status",
}


def _with_review_overdue(queryset: QuerySet, today: datetime.date) -> QuerySet:
    return queryset.annotate(
        review_overdue=Case(
            When(Q(status=RiskStatus.OPEN, next_review_date__lt=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def risk_list(
    *,
    user: AnyUser,
    plan: Plan | None = None,
    band: str | None = None,
    owner=None,
    type: str | None = None,
    status: str | None = None,
    probability: int | None = None,
    impact: int | None = None,
    today: datetime.date | None = None,
) -> QuerySet:
    """Return the risks the user may read, filtered, highest score first, each with review_overdue."""
    queryset = risk_visible_to(user).select_related("owner", "plan")
    if plan is not None:
        queryset = queryset.filter(plan=plan)
    if band:
        chosen = next((b for b in risk_bands() if b.key == band), None)
        queryset = queryset.filter(score__gte=chosen.low, score__lte=chosen.high) if chosen else queryset.none()
    if owner is not None:
        queryset = queryset.filter(owner=owner)
    if type:
        queryset = queryset.filter(type=type)
    if status:
        queryset = queryset.filter(status=status)
    if probability is not None:
        queryset = queryset.filter(probability=probability)
    if impact is not None:
        queryset = queryset.filter(impact=impact)
    today = today or timezone.localdate()
    return _with_review_overdue(queryset, today).order_by("-score", "-impact", "plan_id", "ref")


def risk_plan_get(*, user: AnyUser, slug: str | None) -> Plan | None:
    """Return the plan the register is filtered to (None for every plan, or an unknown slug)."""
    if not slug or not user.is_authenticated:
        return None
    return Plan.objects.filter(slug=slug).first()


def risk_owner_list(*, user: AnyUser) -> QuerySet:
    """Return the people who own at least one risk the user may read, by name (for the owner filter)."""
    owner_ids = risk_visible_to(user).values("owner_id")
    return get_user_model().objects.filter(pk__in=owner_ids).order_by("first_name", "last_name", "username")


@dataclass(frozen=True)
class HeatMapCell:
    probability: int
    impact: int
    count: int

    @property
    def score(self) -> int:
        return score_of(self.probability, self.impact)

    @property
    def band(self) -> Band | None:
        return band_for_score(self.score)


@dataclass(frozen=True)
class HeatMap:
    """Open risks counted by probability (rows, 5 at the top) and impact (columns, 1 on the left)."""

    rows: list[tuple[int, list[HeatMapCell]]]
    impacts: list[int]
    total: int

    @property
    def occupied(self) -> list[HeatMapCell]:
        """The cells holding risks, highest score first (the table alternative)."""
        cells = [cell for _, row in self.rows for cell in row if cell.count]
        return sorted(cells, key=lambda c: (-c.score, -c.impact))


def risk_heatmap(*, user: AnyUser, plan: Plan | None = None) -> HeatMap:
    """Return the 5 × 5 heat map of open risks, counted in one aggregate query."""
    queryset = risk_visible_to(user).filter(status=RiskStatus.OPEN)
    if plan is not None:
        queryset = queryset.filter(plan=plan)
    counts = {
        (row["probability"], row["impact"]): row["count"]
        for row in queryset.order_by().values("probability", "impact").annotate(count=Count("id"))
    }
    scale = list(range(SCALE_MIN, SCALE_MAX + 1))
    rows = [
        (probability, [HeatMapCell(probability, impact, counts.get((probability, impact), 0)) for impact in scale])
        for probability in reversed(scale)
    ]
    return HeatMap(rows=rows, impacts=scale, total=sum(counts.values()))


def risk_get(*, user: AnyUser, pk: int) -> Risk:
    """Return the risk with its owner, plan and links, or raise Http404 if the user may not read it."""
    queryset = (
        risk_visible_to(user)
        .select_related("owner", "plan")
        .prefetch_related(
            "themes",
            Prefetch("objectives", queryset=Objective.objects.select_related("theme")),
            Prefetch("key_actions", queryset=KeyAction.objects.select_related("objective")),
        )
    )
    return get_object_or_404(_with_review_overdue(queryset, timezone.localdate()), pk=pk)


@dataclass(frozen=True)
class ScorePoint:
    """The risk as one history row left it, and what that row changed."""

    at: datetime.datetime
    by: str
    probability: int
    impact: int
    score: int
    status: str
    changes: tuple[str, ...]
    reason: str

    @property
    def band(self) -> Band | None:
        return band_for_score(self.score)


def risk_score_history(*, risk: Risk) -> list[ScorePoint]:
    """Return the risk's history oldest first, one point per saved change, in one query."""
    records = Risk.history.filter(id=risk.pk).select_related("history_user").order_by("history_date", "history_id")
    points = []
    previous = None
    for record in records:
        if record.history_type == "+" or previous is None:
            changes = ("Added to the register",)
        else:
            changes = tuple(
                _describe_change(name, getattr(previous, name), getattr(record, name))
                for name in TRACKED_FIELDS
                if getattr(previous, name) != getattr(record, name)
            )
        user = record.history_user
        points.append(
            ScorePoint(
                at=record.history_date,
                by=(user.get_full_name() or user.username) if user else "System",
                probability=record.probability,
                impact=record.impact,
                score=record.score,
                status=record.get_status_display(),
                changes=changes,
                reason=record.history_change_reason or "",
            )
        )
        previous = record
    return points


def _describe_change(name: str, before, after) -> str:
    if name == "mitigation":
        return "Mitigation changed"
    if name == "status":
        return f"Status {RiskStatus(before).label} → {RiskStatus(after).label}"
    return f"{TRACKED_LABELS[name]} {before} → {after}"


def risk_register_for_plan(*, plan: Plan, as_at: datetime.date | None = None) -> list[Risk]:
    """Return the plan's risks with their scores, highest first; with `as_at`, as they stood at the
    end of that day according to the history (risks added later, or deleted by then, left out)."""
    if as_at is None:
        return list(Risk.objects.filter(plan=plan).select_related("owner").order_by("-score", "-impact", "ref"))
    risks = list(Risk.history.as_of(end_of_day(as_at)).filter(plan_id=plan.pk))
    owners = get_user_model().objects.in_bulk({risk.owner_id for risk in risks})
    for risk in risks:
        risk.owner = owners.get(risk.owner_id)
    return sorted(risks, key=lambda r: (-r.score, -r.impact, r.ref))


def owner_lookup() -> dict[str, list]:
    """Return active users keyed by name_key() of their full name and of their username (one query)."""
    lookup: dict[str, list] = defaultdict(list)
    for user in get_user_model().objects.filter(is_active=True).order_by("pk"):
        keys = {name_key(user.username)}
        if user.get_full_name().strip():
            keys.add(name_key(user.get_full_name()))
        for key in keys:
            lookup[key].append(user)
    return dict(lookup)
