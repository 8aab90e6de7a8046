"""The risk and issue register: each risk scored probability × impact, banded, reviewed, tracked."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from plans.models import KeyAction, Objective, Plan, Theme

SCALE_MIN = 1
SCALE_MAX = 5
SCALE_CHOICES = [(n, str(n)) for n in range(SCALE_MIN, SCALE_MAX + 1)]


class RiskType(models.TextChoices):
    RISK = "risk", "Risk"
    ISSUE = "issue", "Issue"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class DatePrecision(models.TextChoices):
    """How precisely a date was written: the seeds give 'January 2020', people give days."""

    DAY = "day", "Day"
    MONTH = "month", "Month"


@dataclass(frozen=True)
class Band:
    """A band of scores with its inclusive bounds, as configured in settings.RISK_BANDS."""

    key: str
    label: str
    low: int
    high: int

    def __str__(self) -> str:
        return self.label


def risk_bands() -> tuple[Band, ...]:
    """Return the configured risk bands, lowest first."""
    return tuple(Band(key, label, low, high) for key, label, low, high in settings.RISK_BANDS)


def band_for_score(score: int | None) -> Band | None:
    """Return the band holding `score`, or None when no band does (or there is no score)."""
    if score is None:
        return None
    return next((band for band in risk_bands() if band.low <= score <= band.high), None)


def score_of(probability: int | None, impact: int | None) -> int | None:
    """Return probability × impact, or None when either is missing: the one place a score is made."""
    if probability is None or impact is None:
        return None
    return probability * impact


def _in_scale(field: str) -> Q:
    return Q(**{f"{field}__gte": SCALE_MIN, f"{field}__lte": SCALE_MAX})


def _scale_field(**kwargs) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        choices=SCALE_CHOICES,
        validators=[MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)],
        **kwargs,
    )


class Risk(models.Model):
    """A risk or issue in a plan's register. `score` is probability × impact, never typed in."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="risks")
    ref = models.PositiveIntegerField(help_text="The register's reference number.")
    type = models.CharField(max_length=5, choices=RiskType.choices, default=RiskType.RISK)
    description = models.TextField(help_text="The seeds write 'If … then …'.")
    mitigation = models.TextField("mitigation / resolution", blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_risks")
    date_raised = models.DateField()
    date_raised_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    probability = _scale_field(help_text="1 (lowest) to 5 (highest).")
    impact = _scale_field(help_text="1 (lowest) to 5 (highest).")
    # Stored so the register can sort and filter by it and the history keeps it; set only by the
    # services from score_of() and held to probability × impact by a constraint.
    score = models.PositiveSmallIntegerField(editable=False)
    status = models.CharField(max_length=6, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    next_review_date = models.DateField(null=True, blank=True)
    target_probability = _scale_field(null=True, blank=True, help_text="Expected probability after mitigation.")
    target_impact = _scale_field(null=True, blank=True, help_text="Expected impact after mitigation.")
    target_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    themes = models.ManyToManyField(Theme, blank=True, related_name="risks")
    objectives = models.ManyToManyField(Objective, blank=True, related_name="risks")
    key_actions = models.ManyToManyField(KeyAction, blank=True, related_name="risks")
    # Optimistic locking: every save through the services bumps it; a stale form is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "-score", "ref"]
        default_permissions = ("add", "change", "delete", "view", "import", "export")
        constraints = [
            models.UniqueConstraint(fields=["plan", "ref"], name="risk_ref_unique_in_plan"),
            models.CheckConstraint(condition=_in_scale("probability"), name="risk_probability_1_to_5"),
            models.CheckConstraint(condition=_in_scale("impact"), name="risk_impact_1_to_5"),
            models.CheckConstraint(
                condition=Q(score=F("probability") * F("impact")), name="risk_score_is_probability_x_impact"
            ),
            models.CheckConstraint(
                condition=Q(target_probability__isnull=True, target_impact__isnull=True, target_score__isnull=True)
                | (
                    Q(target_probability__isnull=False, target_impact__isnull=False, target_score__isnull=False)
                    & _in_scale("target_probability")
                    & _in_scale("target_impact")
                    & Q(target_score=F("target_probability") * F("target_impact"))
                ),
                name="risk_target_is_probability_x_impact_or_empty",
                violation_error_message="Give both a target probability and a target impact, or neither.",
            ),
            models.CheckConstraint(condition=Q(type__in=RiskType.values), name="risk_type_is_known"),
            models.CheckConstraint(condition=Q(status__in=RiskStatus.values), name="risk_status_is_known"),
            models.CheckConstraint(
                condition=Q(date_raised_precision__in=DatePrecision.values), name="risk_date_precision_is_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.ref}"

    def get_absolute_url(self) -> str:
        return reverse("risks:risk_detail", kwargs={"pk": self.pk})

    @property
    def band(self) -> Band | None:
        return band_for_score(self.score)

    @property
    def target_band(self) -> Band | None:
        return band_for_score(self.target_score)

    @property
    def date_raised_display(self) -> str:
        """The date raised as the register writes it: 'January 2020' or '13/07/2021'."""
        if self.date_raised is None:
            return ""
        if self.date_raised_precision == DatePrecision.MONTH:
            return self.date_raised.strftime("%B %Y")
        return self.date_raised.strftime("%d/%m/%Y")
