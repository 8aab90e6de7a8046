"""The risk and issue register to the Orange Book: each risk scored probability × impact three times
(inherent, before any control; current, with the controls in place; target, after the treatment),
in a category whose appetite the plan sets, with its controls, treatment and a review date that
follows the current score."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from plans.models import KeyAction, Objective, Plan, Theme

SCALE_MIN = 1
SCALE_MAX = 5
SCALE_CHOICES = [(n, str(n)) for n in range(SCALE_MIN, SCALE_MAX + 1)]
CURRENT_ABOVE_INHERENT = (
    "The current score ({current}) is above the inherent score ({inherent}). The inherent score is the risk "
    "before any control, so raise the inherent probability or impact, or lower the current ones."
)
TARGET_ABOVE_CURRENT = (
    "The target score ({target}) is above the current score ({current}). The target is where the treatment "
    "should bring the risk, so lower the target probability or impact, or leave both empty."
)


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


class RiskCategory(models.TextChoices):
    """What a risk threatens; the plan sets its appetite for each (the Orange Book's categories, as a
    children's services register uses them)."""

    SAFEGUARDING = "safeguarding", "Safeguarding"
    SERVICE_DELIVERY = "service_delivery", "Service delivery"
    WORKFORCE = "workforce", "Workforce"
    FINANCIAL = "financial", "Financial"
    GOVERNANCE = "governance", "Governance"
    LEGAL = "legal", "Legal and regulatory"
    INFORMATION = "information", "Information and technology"
    PARTNERSHIP = "partnership", "Partnerships"
    REPUTATION = "reputation", "Reputation"


class AppetiteLevel(models.TextChoices):
    """HM Treasury's five levels of risk appetite (Orange Book, Risk Appetite Guidance Note 2021)."""

    AVERSE = "averse", "Averse"
    MINIMAL = "minimal", "Minimal"
    CAUTIOUS = "cautious", "Cautious"
    OPEN = "open", "Open"
    EAGER = "eager", "Eager"


# The highest current score each appetite accepts (on the 5 × 5 matrix, bands Low 1–4, Medium 5–12,
# High 15–25): averse accepts only the lowest scores (up to 3); minimal the top of Low (4); cautious
# the lower half of Medium (up to 8); open the whole of Medium (up to 12); eager the lower High (16).
# A current score above its category's figure is "above appetite" and escalated on the report.
APPETITE_MAX_SCORE = {
    AppetiteLevel.AVERSE: 3,
    AppetiteLevel.MINIMAL: 4,
    AppetiteLevel.CAUTIOUS: 8,
    AppetiteLevel.OPEN: 12,
    AppetiteLevel.EAGER: 16,
}


def appetite_max_score(level: str | None) -> int | None:
    """Return the highest current score the appetite level accepts, or None for no appetite set."""
    return APPETITE_MAX_SCORE.get(level) if level else None


class Treatment(models.TextChoices):
    """The Orange Book's four responses to a risk."""

    TREAT = "treat", "Treat"
    TOLERATE = "tolerate", "Tolerate"
    TRANSFER = "transfer", "Transfer"
    TERMINATE = "terminate", "Terminate"


class ControlEffectiveness(models.TextChoices):
    EFFECTIVE = "effective", "Effective"
    PARTIAL = "partial", "Partially effective"
    INEFFECTIVE = "ineffective", "Ineffective"
    NOT_ASSESSED = "not_assessed", "Not yet assessed"


# How often a risk is reviewed, by the band of its current score: high monthly, medium quarterly,
# low every six months. A band this table does not name (settings.RISK_BANDS may add one) is quarterly.
REVIEW_MONTHS_BY_BAND = {"high": 1, "medium": 3, "low": 6}
DEFAULT_REVIEW_MONTHS = 3


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def review_months_for_score(score: int | None) -> int:
    """Return how many months a risk with this current score may go between reviews."""
    band = band_for_score(score)
    return REVIEW_MONTHS_BY_BAND.get(band.key, DEFAULT_REVIEW_MONTHS) if band else DEFAULT_REVIEW_MONTHS


def next_review_for(score: int | None, reviewed_on: datetime.date) -> datetime.date:
    """Return the date the next review falls due after a review on `reviewed_on` at this current score."""
    return _add_months(reviewed_on, review_months_for_score(score))


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
    if not isinstance(probability, int) or not isinstance(impact, int):
        return None  # missing, or a form's value not yet cleaned
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
    category = models.CharField(max_length=20, choices=RiskCategory.choices, blank=True)
    treatment = models.CharField(max_length=9, choices=Treatment.choices, default=Treatment.TREAT)
    # Inherent: the risk before any control. Registers kept before inherent scores were recorded
    # have it copied from the current score, with inherent_assessed False, until someone assesses it.
    inherent_probability = _scale_field(help_text="Before any control: 1 (lowest) to 5 (highest).")
    inherent_impact = _scale_field(help_text="Before any control: 1 (lowest) to 5 (highest).")
    inherent_score = models.PositiveSmallIntegerField(editable=False)
    inherent_assessed = models.BooleanField(default=True, editable=False)
    # Current: the risk with today's controls (the register's "Risk Score" column).
    probability = _scale_field(help_text="1 (lowest) to 5 (highest).")
    impact = _scale_field(help_text="1 (lowest) to 5 (highest).")
    # Stored so the register can sort and filter by it and the history keeps it; set only by the
    # services from score_of() and held to probability × impact by a constraint.
    score = models.PositiveSmallIntegerField(editable=False)
    status = models.CharField(max_length=6, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    # Set by the services from the current score at each review (REVIEW_MONTHS_BY_BAND).
    next_review_date = models.DateField(null=True, blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True, editable=False)
    # The current score as the review before the last one left it: a higher score now is a rise.
    previous_review_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    target_probability = _scale_field(null=True, blank=True, help_text="Expected probability after mitigation.")
    target_impact = _scale_field(null=True, blank=True, help_text="Expected impact after mitigation.")
    target_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    themes = models.ManyToManyField(Theme, blank=True, related_name="risks")
    objectives = models.ManyToManyField(Objective, blank=True, related_name="risks")
    key_actions = models.ManyToManyField(KeyAction, blank=True, related_name="risks")
    # The links in words, kept by the services, so the history records every link made or removed.
    links_summary = models.TextField(blank=True, editable=False)
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
            models.CheckConstraint(
                condition=_in_scale("inherent_probability"), name="risk_inherent_probability_1_to_5"
            ),
            models.CheckConstraint(condition=_in_scale("inherent_impact"), name="risk_inherent_impact_1_to_5"),
            models.CheckConstraint(
                condition=Q(inherent_score=F("inherent_probability") * F("inherent_impact")),
                name="risk_inherent_score_is_probability_x_impact",
            ),
            # Controls cannot make a risk worse than it is without them. (Target not above current
            # is checked in clean(), not here: registers from before may hold such targets.)
            models.CheckConstraint(
                condition=Q(score__lte=F("inherent_score")),
                name="risk_current_not_above_inherent",
                violation_error_message=(
                    "The current score is above the inherent score. The inherent score is the risk before any "
                    "control, so raise the inherent probability or impact, or lower the current ones."
                ),
            ),
            models.CheckConstraint(condition=Q(type__in=RiskType.values), name="risk_type_is_known"),
            models.CheckConstraint(condition=Q(treatment__in=Treatment.values), name="risk_treatment_is_known"),
            models.CheckConstraint(
                condition=Q(category="") | Q(category__in=RiskCategory.values), name="risk_category_is_known"
            ),
            models.CheckConstraint(condition=Q(status__in=RiskStatus.values), name="risk_status_is_known"),
            models.CheckConstraint(
                condition=Q(date_raised_precision__in=DatePrecision.values), name="risk_date_precision_is_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.ref}"

    def get_absolute_url(self) -> str:
        return reverse("risks:risk_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        """Refuse scores out of order: controls cannot make a risk worse (current above inherent), and
        the target is where treatment should bring it (not above current). Works from probability ×
        impact, so a form's unsaved values are checked as typed."""
        super().clean()
        current = score_of(self.probability, self.impact)
        inherent = score_of(self.inherent_probability, self.inherent_impact) if self.inherent_assessed else current
        target = score_of(self.target_probability, self.target_impact)
        errors = {}
        if None not in (current, inherent) and current > inherent:
            errors["inherent_probability"] = CURRENT_ABOVE_INHERENT.format(current=current, inherent=inherent)
        if None not in (current, target) and target > current:
            errors["target_probability"] = TARGET_ABOVE_CURRENT.format(target=target, current=current)
        if errors:
            raise ValidationError(errors)

    @property
    def band(self) -> Band | None:
        return band_for_score(self.score)

    @property
    def inherent_band(self) -> Band | None:
        return band_for_score(self.inherent_score)

    @property
    def appetite_max_score(self) -> int | None:
        """The highest score the plan's appetite for this category accepts (selectors annotate the level)."""
        return appetite_max_score(getattr(self, "appetite_level", None))

    @property
    def above_appetite(self) -> bool:
        return self.appetite_max_score is not None and self.score > self.appetite_max_score

    @property
    def escalation(self) -> list[str]:
        """Why the report escalates this risk, in words (empty when it does not)."""
        if self.status != RiskStatus.OPEN:
            return []
        reasons = []
        if self.score_rose:
            reasons.append(f"Score rose from {self.previous_review_score} to {self.score} since the last review")
        if self.above_appetite:
            level = AppetiteLevel(self.appetite_level).label.lower()
            reasons.append(
                f"Above appetite: {self.score} is over {self.appetite_max_score}, the most a {level} "
                f"appetite for {self.get_category_display().lower()} risks accepts"
            )
        return reasons

    @property
    def score_rose(self) -> bool:
        """Whether the current score is higher than the review before the last one left it."""
        return self.previous_review_score is not None and self.score > self.previous_review_score

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


class RiskControl(models.Model):
    """Something in place that holds a risk down, who answers for it, and how well it works."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="controls")
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_risk_controls")
    effectiveness = models.CharField(
        max_length=12, choices=ControlEffectiveness.choices, default=ControlEffectiveness.NOT_ASSESSED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["risk", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effectiveness__in=ControlEffectiveness.values), name="riskcontrol_effectiveness_is_known"
            ),
        ]

    def __str__(self) -> str:
        return self.description if len(self.description) <= 80 else self.description[:77] + "…"


class RiskAppetite(models.Model):
    """How much risk a plan accepts in one category; its level sets the highest acceptable current score."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="risk_appetites")
    category = models.CharField(max_length=20, choices=RiskCategory.choices)
    level = models.CharField(max_length=8, choices=AppetiteLevel.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "category"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "category"], name="riskappetite_one_per_category_in_plan"),
            models.CheckConstraint(
                condition=Q(category__in=RiskCategory.values), name="riskappetite_category_is_known"
            ),
            models.CheckConstraint(condition=Q(level__in=AppetiteLevel.values), name="riskappetite_level_is_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.get_level_display()}"

    @property
    def max_score(self) -> int:
        return APPETITE_MAX_SCORE[self.level]
