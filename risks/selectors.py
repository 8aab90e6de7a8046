"""Every read the risk pages, the import and the highlight report need, in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.calendar import end_of_day
from core.roles import AnyUser
from plans.models import KeyAction, Objective, Plan, Theme
from risks.models import (
    SCALE_MAX,
    SCALE_MIN,
    Band,
    Risk,
    RiskAppetite,
    RiskControl,
    RiskStatus,
    band_for_score,
    risk_bands,
    score_of,
)
from risks.permissions import risk_visible_to
from risks.spreadsheet.cells import name_key

# Fields whose every change the risk's page reports (the "kept with who and when").
TRACKED_FIELDS = (
    "inherent_probability",
    "inherent_impact",
    "probability",
    "impact",
    "target_probability",
    "target_impact",
    "category",
    "treatment",
    "mitigation",
    "status",
    "links_summary",
)
TRACKED_LABELS = {
    "inherent_probability": "Inherent probability",
    "inherent_impact": "Inherent impact",
    "probability": "Probability",
    "impact": "Impact",
    "target_probability": "Target probability",
    "target_impact": "Target impact",
    "category": "Category",
    "treatment": "Treatment",
    "mitigation": "Mitigation",
    "status": "Status",
    "links_summary": "Links",
}


def _with_appetite(queryset: QuerySet) -> QuerySet:
    """Annotate each risk with its plan's appetite level for its category ("" or None when unset)."""
    level = RiskAppetite.objects.filter(plan=OuterRef("plan_id"), category=OuterRef("category")).values("level")[:1]
    return queryset.annotate(appetite_level=Subquery(level))


def _with_review_overdue(queryset: QuerySet, today: datetime.date) -> QuerySet:
    return queryset.annotate(
        review_overdue=Case(
            When(Q(status=RiskStatus.OPEN, next_review_date__lt=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


# Filters that match a field exactly (the register's query string names them so).
EXACT_FILTERS = frozenset(
    {"owner", "type", "status", "category", "probability", "impact", "inherent_probability", "inherent_impact"}
)


def risk_list(
    *,
    user: AnyUser,
    plan: Plan | None = None,
    band: str | None = None,
    theme: Theme | None = None,
    key_action: KeyAction | None = None,
    today: datetime.date | None = None,
    **exact,
) -> QuerySet:
    """Return the risks the user may read, filtered, highest score first, each with review_overdue and
    appetite_level. A theme filter finds risks linked to the theme, its objectives or its key actions;
    `exact` holds EXACT_FILTERS (owner, type, status, category, probability, impact and the inherent pair)."""
    unknown = set(exact) - EXACT_FILTERS
    if unknown:
        raise TypeError(f"risk_list() cannot filter by {', '.join(sorted(unknown))}.")
    queryset = risk_visible_to(user).select_related("owner", "plan")
    if plan is not None:
        queryset = queryset.filter(plan=plan)
    if band:
        chosen = next((b for b in risk_bands() if b.key == band), None)
        queryset = queryset.filter(score__gte=chosen.low, score__lte=chosen.high) if chosen else queryset.none()
    if theme is not None:
        linked = Q(themes=theme) | Q(objectives__theme=theme) | Q(key_actions__objective__theme=theme)
        queryset = queryset.filter(pk__in=Risk.objects.filter(linked).values("pk"))
    if key_action is not None:
        queryset = queryset.filter(pk__in=Risk.objects.filter(key_actions=key_action).values("pk"))
    queryset = queryset.filter(**{name: value for name, value in exact.items() if value not in (None, "")})
    today = today or timezone.localdate()
    return _with_appetite(_with_review_overdue(queryset, today)).order_by("-score", "-impact", "plan_id", "ref")


def risk_plan_get(*, user: AnyUser, slug: str | None) -> Plan | None:
    """Return the plan the register is filtered to (None for every plan, or an unknown slug)."""
    if not slug or not user.is_authenticated:
        return None
    return Plan.objects.filter(slug=slug).first()


def risk_next_ref(*, plan: Plan) -> int:
    """Return the next free reference number in the plan's register."""
    last = Risk.objects.filter(plan=plan).order_by("-ref").values_list("ref", flat=True).first()
    return (last or 0) + 1


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


HEATMAP_KINDS = {"current": ("probability", "impact"), "inherent": ("inherent_probability", "inherent_impact")}


@dataclass(frozen=True)
class HeatMap:
    """Open risks counted by probability (rows, 5 at the top) and impact (columns, 1 on the left).

    `kind` is "current" (with today's controls) or "inherent" (before any control); `filter_prefix`
    is how the register's filters name its probability and impact ("" or "inherent_").
    """

    rows: list[tuple[int, list[HeatMapCell]]]
    impacts: list[int]
    total: int
    kind: str = "current"

    @property
    def filter_prefix(self) -> str:
        return "" if self.kind == "current" else f"{self.kind}_"

    @property
    def occupied(self) -> list[HeatMapCell]:
        """The cells holding risks, highest score first (the table alternative)."""
        cells = [cell for _, row in self.rows for cell in row if cell.count]
        return sorted(cells, key=lambda c: (-c.score, -c.impact))


def risk_heatmap(*, user: AnyUser, plan: Plan | None = None, kind: str = "current") -> HeatMap:
    """Return the 5 × 5 heat map of open risks' current (or inherent) scores, in one aggregate query."""
    probability, impact = HEATMAP_KINDS[kind]
    queryset = risk_visible_to(user).filter(status=RiskStatus.OPEN)
    if plan is not None:
        queryset = queryset.filter(plan=plan)
    counts = {
        (row[probability], row[impact]): row["count"]
        for row in queryset.order_by().values(probability, impact).annotate(count=Count("id"))
    }
    scale = list(range(SCALE_MIN, SCALE_MAX + 1))
    rows = [
        (probability, [HeatMapCell(probability, impact, counts.get((probability, impact), 0)) for impact in scale])
        for probability in reversed(scale)
    ]
    return HeatMap(rows=rows, impacts=scale, total=sum(counts.values()), kind=kind)


def risk_get(*, user: AnyUser, pk: int) -> Risk:
    """Return the risk with its owner, plan and links, or raise Http404 if the user may not read it."""
    queryset = (
        risk_visible_to(user)
        .select_related("owner", "plan")
        .prefetch_related(
            "themes",
            Prefetch("objectives", queryset=Objective.objects.select_related("theme")),
            Prefetch("key_actions", queryset=KeyAction.objects.select_related("objective")),
            Prefetch("controls", queryset=RiskControl.objects.select_related("owner")),
        )
    )
    return get_object_or_404(_with_appetite(_with_review_overdue(queryset, timezone.localdate())), pk=pk)


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
    inherent_score: int | None = None
    target_score: int | None = None

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
                # An inherent score not assessed follows the current one: its moves are not news.
                and (record.inherent_assessed or not name.startswith("inherent_"))
            )
        user = record.history_user
        points.append(
            ScorePoint(
                at=record.history_date,
                by=(user.get_full_name() or user.username) if user else "System",
                probability=record.probability,
                impact=record.impact,
                score=record.score,
                inherent_score=record.inherent_score,
                target_score=record.target_score,
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
    if name == "links_summary":
        return f"Links {_shown_links(before)} → {_shown_links(after)}"
    choices = dict(Risk._meta.get_field(name).flatchoices) if name in ("status", "category", "treatment") else {}
    if choices:
        return f"{TRACKED_LABELS[name]} {choices.get(before) or 'none'} → {choices.get(after) or 'none'}"
    return f"{TRACKED_LABELS[name]} {'none' if before is None else before} → {'none' if after is None else after}"


def _shown_links(summary: str) -> str:
    return "; ".join(summary.splitlines()) if summary else "none"


def risk_register_for_plan(*, plan: Plan, as_at: datetime.date | None = None) -> list[Risk]:
    """Return the plan's risks with their scores and appetite_level, highest first; with `as_at`, as
    they stood at the end of that day according to the history (risks added later, or deleted by
    then, left out)."""
    if as_at is None:
        queryset = _with_appetite(Risk.objects.filter(plan=plan).select_related("owner"))
        return list(queryset.order_by("-score", "-impact", "ref"))
    risks = list(Risk.history.as_of(end_of_day(as_at)).filter(plan_id=plan.pk))
    owners = get_user_model().objects.in_bulk({risk.owner_id for risk in risks})
    # The appetite as the plan sets it now: a past report is read against today's appetite.
    appetites = dict(RiskAppetite.objects.filter(plan=plan).values_list("category", "level"))
    for risk in risks:
        risk.owner = owners.get(risk.owner_id)
        risk.appetite_level = appetites.get(risk.category)
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


@dataclass(frozen=True)
class LinkedRisk:
    """A risk as the pages of what it concerns show it: enough to name, score and link it."""

    pk: int
    ref: int
    type: str
    description: str
    score: int
    status: str
    via: str = ""  # for a theme: "" when linked to the theme itself, else "key action" or "objective"

    @property
    def band(self) -> Band | None:
        return band_for_score(self.score)

    @property
    def label(self) -> str:
        return f"{'Issue' if self.type == 'issue' else 'Risk'} {self.ref}"

    @property
    def url(self) -> str:
        from django.urls import reverse

        return reverse("risks:risk_detail", kwargs={"pk": self.pk})


_LINKED_FIELDS = ("risk_id", "risk__ref", "risk__type", "risk__description", "risk__score", "risk__status")


def _linked(row: tuple, via: str = "") -> LinkedRisk:
    return LinkedRisk(*row[: len(_LINKED_FIELDS)], via=via)


def risk_links_for_action(*, user: AnyUser, action: KeyAction) -> list[LinkedRisk]:
    """Return the risks linked to the key action, highest score first, in one query."""
    through = Risk.key_actions.through.objects.filter(keyaction=action, risk__in=risk_visible_to(user))
    rows = through.order_by("-risk__score", "risk__ref").values_list(*_LINKED_FIELDS)
    return [_linked(row) for row in rows]


def risk_links_by_theme(*, user: AnyUser, plan: Plan) -> dict[int, list[LinkedRisk]]:
    """Return, by theme pk, the risks linked to each theme of the plan directly or through one of its
    objectives or key actions (each risk once per theme, the direct link first), in one query."""
    visible = risk_visible_to(user)
    direct = Risk.themes.through.objects.filter(theme__plan=plan, risk__in=visible).values_list(
        *_LINKED_FIELDS, "theme_id", Value(0)
    )
    by_objective = Risk.objectives.through.objects.filter(objective__theme__plan=plan, risk__in=visible).values_list(
        *_LINKED_FIELDS, "objective__theme_id", Value(1)
    )
    by_action = Risk.key_actions.through.objects.filter(
        keyaction__objective__theme__plan=plan, risk__in=visible
    ).values_list(*_LINKED_FIELDS, "keyaction__objective__theme_id", Value(2))
    found: dict[int, dict[int, LinkedRisk]] = defaultdict(dict)
    for row in sorted(direct.union(by_objective, by_action, all=True), key=lambda r: (r[-1], -r[4], r[1])):
        theme_id, via = row[-2], ("", "objective", "key action")[row[-1]]
        found[theme_id].setdefault(row[0], _linked(row, via))
    return {theme_id: sorted(risks.values(), key=lambda r: (-r.score, r.ref)) for theme_id, risks in found.items()}
