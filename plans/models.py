"""The improvement plan: themes, objectives, key actions, quarterly RAG and narrative updates."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.dateformat import format as date_format
from django.utils.html import strip_tags
from simple_history.models import HistoricalRecords

from core.calendar import FinancialQuarter, financial_year_label
from core.html import sanitize_html


class Rag(models.TextChoices):
    """Red / amber / green status; the word is always shown beside the colour."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


RAG_VALUES = [value for value, _ in Rag.choices]


def rag_check(field: str, *, allow_blank: bool) -> Q:
    """Return a constraint condition that `field` holds a RAG value (or is blank)."""
    condition = Q(**{f"{field}__in": RAG_VALUES})
    return condition | Q(**{field: ""}) if allow_blank else condition


class SanitizedHtmlMixin:
    """Models whose `html_fields` hold narrative HTML sanitise them in `clean()`.

    `full_clean()` runs on every write: services call it, and so do the admin's model forms.
    """

    html_fields: tuple[str, ...] = ()

    def clean(self) -> None:
        super().clean()
        for name in self.html_fields:
            setattr(self, name, sanitize_html(getattr(self, name)))


NARRATIVE_LIMIT = 20_000
NARRATIVE_LIMIT_HELP = f"Up to {NARRATIVE_LIMIT:,} characters, counting spaces and line breaks."
NARRATIVE_TOO_LONG_MESSAGE = (
    "{field} is {count:,} characters, counting spaces and line breaks; the limit is {limit:,}. "
    "Shorten it and save again."
)
REPORTING_QUARTER_PAIR_MESSAGE = (
    "Give both the reporting year and the reporting quarter, or leave both blank to report on the quarter "
    "before the one holding the report date."
)
REPORTING_QUARTER_RANGE_MESSAGE = "The reporting quarter is 1, 2, 3 or 4 (Q1 = April to June)."


def narrative_length(value: str) -> int:
    """Return the length of a narrative as typed: every character, a line break (CR LF or LF) counting one.

    Counted before sanitising, so the figure is the one a person sees in the box, not the stored HTML's.
    """
    return len((value or "").replace("\r\n", "\n"))


def narrative_too_long_message(label: str, value: str) -> str | None:
    """Return the message for a narrative over NARRATIVE_LIMIT characters as typed, or None when it fits."""
    count = narrative_length(value)
    if count <= NARRATIVE_LIMIT:
        return None
    return NARRATIVE_TOO_LONG_MESSAGE.format(field=label, count=count, limit=NARRATIVE_LIMIT)


class Plan(SanitizedHtmlMixin, models.Model):
    html_fields = ("overall_narrative",)

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    council = models.CharField(max_length=120, default="Torbay Council")
    senior_responsible_officer = models.CharField(max_length=120, blank=True)
    report_date = models.DateField(null=True, blank=True, help_text="Date of report.")
    overall_status = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    overall_narrative = models.TextField(blank=True, help_text="Safe HTML.")
    source = models.CharField(max_length=200, blank=True, help_text="Where the data came from.")
    # The quarter "this quarter" means for the plan (plans.selectors.plan_reporting_quarter).
    reporting_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text="Financial year of the reporting quarter: 2021 means 2021/22. Leave blank with the quarter "
        "to report on the quarter before the one holding the report date.",
    )
    reporting_quarter = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=[(q, f"Q{q}") for q in (1, 2, 3, 4)],
        help_text="Q1 = April–June, Q2 = July–September, Q3 = October–December, Q4 = January–March.",
    )
    # The open reporting round's quarter, kept by plans.rounds.services beside the round itself, so that "this
    # quarter" (plans.selectors.plan_reporting_quarter) costs no query on every page that names it.
    round_financial_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    round_quarter = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # Explain the red (plans.rounds.services.explain_red_problems): a Red or Amber RAG needs barriers and next steps.
    explain_red = models.BooleanField(
        "Red and Amber need an explanation",
        default=True,
        help_text="A Red or Amber RAG needs barriers and next steps before the update is saved.",
    )
    previous_plan = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_plans",
        help_text="The plan this one was rolled forward from.",
    )
    # Optimistic locking of the summary form (plans.editing): every save there moves it on.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-report_date", "title"]
        permissions = [("edit_plan", "Can edit plans in the app")]
        constraints = [
            models.CheckConstraint(
                condition=rag_check("overall_status", allow_blank=True),
                name="plan_overall_status_is_rag",
            ),
            models.CheckConstraint(
                condition=Q(reporting_quarter__isnull=True) | Q(reporting_quarter__gte=1, reporting_quarter__lte=4),
                name="plan_reporting_quarter_is_1_to_4",
                violation_error_message=REPORTING_QUARTER_RANGE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(reporting_year__isnull=True, reporting_quarter__isnull=True)
                | Q(reporting_year__isnull=False, reporting_quarter__isnull=False),
                name="plan_reporting_year_and_quarter_together",
                violation_error_message=REPORTING_QUARTER_PAIR_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(round_financial_year__isnull=True, round_quarter__isnull=True)
                | Q(round_financial_year__isnull=False, round_quarter__gte=1, round_quarter__lte=4),
                name="plan_round_year_and_quarter_together",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:plan_detail", kwargs={"slug": self.slug})

    @property
    def open_round_quarter(self) -> FinancialQuarter | None:
        """The quarter of the plan's open reporting round, or None when no round is open."""
        if self.round_financial_year is None or self.round_quarter is None:
            return None
        return FinancialQuarter(self.round_financial_year, self.round_quarter)

    @property
    def reporting_quarter_set(self) -> FinancialQuarter | None:
        """The reporting quarter set on the plan, or None (plans.selectors.plan_reporting_quarter defaults it)."""
        if self.reporting_year is None or self.reporting_quarter is None:
            return None
        return FinancialQuarter(self.reporting_year, self.reporting_quarter)


class Theme(SanitizedHtmlMixin, models.Model):
    html_fields = ("overview_narrative",)

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="themes")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    overview_narrative = models.TextField(blank=True, help_text="Safe HTML.")
    overview_rag = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="theme_number_unique_in_plan"),
            models.CheckConstraint(
                condition=rag_check("overview_rag", allow_blank=True), name="theme_overview_rag_is_rag"
            ),
        ]

    def __str__(self) -> str:
        return f"Theme {self.number}: {self.title}"


class Objective(SanitizedHtmlMixin, models.Model):
    html_fields = ("description",)

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="objectives")
    order = models.PositiveSmallIntegerField(default=0)
    lead_officer = models.CharField(max_length=200, blank=True)
    description = models.TextField(help_text="Safe HTML.")
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["theme", "order", "id"]

    def __str__(self) -> str:
        from django.utils.html import strip_tags

        text = strip_tags(self.description)
        text = text if len(text) <= 80 else text[:77] + "…"
        return f"{self.lead_officer}: {text}" if self.lead_officer else text


class KeyAction(SanitizedHtmlMixin, models.Model):
    html_fields = ("description", "how", "success_measures", "baseline", "target", "outcome", "current_status")

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_actions")
    order = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(help_text="Safe HTML.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_key_actions",
        help_text="The head of service who may update this action.",
    )
    owner_name = models.CharField(max_length=200, blank=True, help_text="Owner as written.")
    due_date = models.DateField(null=True, blank=True)
    by_when = models.CharField(max_length=120, blank=True, help_text="Due date as written, when it is not a date.")
    # Retired, not deleted: off the report and My actions, still readable with its reason.
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_reason = models.TextField(blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The 2016 action tracker's columns (seeds 001 and 004).
    how = models.TextField(blank=True, help_text="How? Safe HTML.")
    success_measures = models.TextField(blank=True, help_text="Safe HTML.")
    baseline = models.TextField(blank=True, help_text="Safe HTML.")
    target = models.TextField(blank=True, help_text="Target / date. Safe HTML.")
    outcome = models.TextField(blank=True, help_text="Quarterly outcome. Safe HTML.")
    current_status = models.TextField(blank=True, help_text="Safe HTML.")
    # Optimistic locking: every save through the services bumps it; a stale form is refused.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["objective", "order", "id"]

    def __str__(self) -> str:
        from django.utils.html import strip_tags

        text = strip_tags(self.description)
        return text if len(text) <= 90 else text[:87] + "…"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:action_detail", kwargs={"pk": self.pk})

    @property
    def is_tracker_row(self) -> bool:
        """Whether the action is a row of a tracker in the 2016 shape: it has How?, success measures, a baseline,
        a target or an outcome (plans.editing.outcome lets its owner update the outcome)."""
        return any((self.how, self.success_measures, self.baseline, self.target, self.outcome))

    @property
    def due_display(self) -> str:
        """The due date as the pages show it: the date, else the text it was written as."""
        return date_format(self.due_date, "j F Y") if self.due_date else self.by_when


class QuarterRag(models.Model):
    """The RAG of one key action in one quarter of one financial year."""

    key_action = models.ForeignKey(KeyAction, on_delete=models.CASCADE, related_name="quarter_rags")
    financial_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text="Starting year: 2021 means 2021/22.",
    )
    quarter = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="Q1 = April–June, Q2 = July–September, Q3 = October–December, Q4 = January–March.",
    )
    rag = models.CharField(max_length=5, choices=Rag.choices)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["key_action", "financial_year", "quarter"]
        verbose_name = "quarter RAG"
        verbose_name_plural = "quarter RAGs"
        constraints = [
            models.UniqueConstraint(
                fields=["key_action", "financial_year", "quarter"], name="one_rag_per_action_quarter"
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="quarter_is_1_to_4"),
            models.CheckConstraint(condition=rag_check("rag", allow_blank=False), name="quarter_rag_is_rag"),
        ]

    def __str__(self) -> str:
        return f"{financial_year_label(self.financial_year)} Q{self.quarter}: {self.get_rag_display()}"


# A narrative longer than this many words is cut on the report (each part to a third of it) with a
# link to the action's page, where it is shown in full: about a third of a screen per action.
REPORT_NARRATIVE_WORDS = 120


class ActionUpdate(SanitizedHtmlMixin, models.Model):
    """A dated narrative update on a key action: progress, barriers, next steps. Never edited."""

    html_fields = ("progress", "barriers", "next_steps")

    key_action = models.ForeignKey(KeyAction, on_delete=models.CASCADE, related_name="updates")
    financial_year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    progress = models.TextField(blank=True, help_text="Safe HTML.")
    barriers = models.TextField(blank=True, help_text="Safe HTML.")
    next_steps = models.TextField(blank=True, help_text="Safe HTML.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=200, blank=True, help_text="Author as written.")
    created_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["key_action", "-created_at", "-id"]
        get_latest_by = "created_at"
        constraints = [
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="update_quarter_is_1_to_4"),
            models.CheckConstraint(condition=~Q(progress="", barriers="", next_steps=""), name="update_is_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Update of {self.created_at:%d/%m/%Y} ({self.quarter_label})"

    def clean(self) -> None:
        # The limit counts the text as typed, so it is checked before the mixin sanitises it.
        errors = {}
        for name in self.html_fields:
            label = self._meta.get_field(name).verbose_name.capitalize()
            message = narrative_too_long_message(label, getattr(self, name))
            if message:
                errors[name] = message
        if errors:
            raise ValidationError(errors)
        super().clean()

    @property
    def for_quarter(self) -> FinancialQuarter:
        return FinancialQuarter(self.financial_year, self.quarter)

    @property
    def quarter_label(self) -> str:
        return self.for_quarter.label

    @property
    def word_count(self) -> int:
        """Return how many words progress, barriers and next steps hold together."""
        return sum(len(strip_tags(getattr(self, name)).split()) for name in self.html_fields)

    @property
    def is_long(self) -> bool:
        """Whether the report shows it cut, with a link to the whole update on the action's page."""
        return self.word_count > REPORT_NARRATIVE_WORDS


class KeyPriority(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="key_priorities")
    ref = models.CharField(max_length=20)
    description = models.TextField()
    owner_name = models.CharField(max_length=200, blank=True)
    by_when = models.CharField(max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    # Retired, not deleted: off the plan page and the report (plans.editing).
    retired_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name_plural = "key priorities"
        constraints = [models.UniqueConstraint(fields=["plan", "ref"], name="key_priority_ref_unique")]

    def __str__(self) -> str:
        return f"{self.ref}. {self.description[:80]}"


class MediumTermDevelopment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="medium_term_developments")
    ref = models.CharField(max_length=20)
    description = models.TextField()
    by_when = models.CharField(max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    # Retired, not deleted: off the plan page and the report (plans.editing).
    retired_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "ref"], name="medium_term_ref_unique")]

    def __str__(self) -> str:
        return f"{self.ref}. {self.description[:80]}"


class RagGuidance(models.Model):
    """What each RAG means in a plan (seed 000's 'Guidance for RAG status', seed 003's key)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rag_guidance")
    rag = models.CharField(max_length=5, choices=Rag.choices)
    overall_rating = models.TextField(blank=True)
    action_rating = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "id"]
        verbose_name_plural = "RAG guidance"
        constraints = [
            models.UniqueConstraint(fields=["plan", "rag"], name="one_guidance_per_rag"),
            models.CheckConstraint(condition=rag_check("rag", allow_blank=False), name="guidance_rag_is_rag"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rag_display()} guidance"


class OfstedRecommendation(SanitizedHtmlMixin, models.Model):
    """An Ofsted recommendation with its progress RAG at a snapshot date (seed 003)."""

    html_fields = ("comments",)

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="ofsted_recommendations")
    number = models.PositiveSmallIntegerField()
    recommendation = models.TextField()
    rag = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    comments = models.TextField(blank=True, help_text="Safe HTML.")
    snapshot_date = models.DateField(null=True, blank=True)
    # The key actions that answer it (of its own plan: plans.editing.recommendations checks).
    key_actions = models.ManyToManyField(
        KeyAction, blank=True, related_name="ofsted_recommendations", help_text="The key actions that answer it."
    )
    # Optimistic locking of its editing form (plans.editing.recommendations).
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[key_actions])

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="recommendation_number_unique"),
            models.CheckConstraint(condition=rag_check("rag", allow_blank=True), name="recommendation_rag_is_rag"),
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.number}"


REPORTING_ROUND_DATES_MESSAGE = (
    "The deadline for updates must fall on or before the board date, so the updates are in before the board "
    "meets. Choose an earlier deadline or a later board date."
)


class ReportingRound(models.Model):
    """One plan's quarterly round: updates due by a deadline, for a board date. One open round per plan."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rounds")
    financial_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    deadline = models.DateField(help_text="The last day for heads of service to submit their updates.")
    board_date = models.DateField(help_text="The day the improvement board meets to read the paper.")
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "-financial_year", "-quarter"]
        permissions = [
            ("open_round", "Can open a reporting round"),
            ("review_update", "Can sign off or return a submitted update"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["plan"], condition=Q(status="open"), name="one_open_round_per_plan"),
            models.UniqueConstraint(fields=["plan", "financial_year", "quarter"], name="one_round_per_plan_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="round_quarter_is_1_to_4"),
            models.CheckConstraint(
                condition=Q(deadline__lte=F("board_date")),
                name="round_deadline_before_board",
                violation_error_message=REPORTING_ROUND_DATES_MESSAGE,
            ),
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="round_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.for_quarter.label}"

    @property
    def for_quarter(self) -> FinancialQuarter:
        return FinancialQuarter(self.financial_year, self.quarter)


class Submission(models.Model):
    """Where one key action's update stands in a round: submitted, returned with a comment, or signed off.

    No row means the update is still due. Its history records every change of state: who, when, the comment.
    """

    class Status(models.TextChoices):
        DUE = "due", "Due"
        SUBMITTED = "submitted", "Submitted, awaiting sign-off"
        RETURNED = "returned", "Returned"
        SIGNED_OFF = "signed_off", "Signed off"

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="submissions")
    key_action = models.ForeignKey(KeyAction, on_delete=models.CASCADE, related_name="submissions")
    status = models.CharField(max_length=10, choices=Status.choices)
    update = models.ForeignKey(ActionUpdate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    comment = models.TextField(blank=True, help_text="The reviewer's comment when returning the update.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "key_action"]
        constraints = [
            models.UniqueConstraint(fields=["round", "key_action"], name="one_submission_per_action_round"),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "returned", "signed_off"]), name="submission_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(comment=""), name="returned_submission_has_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_action} in {self.round}: {self.get_status_display()}"


from plans.rounds.lock_models import QuarterLock  # noqa: E402, F401  (its own module, as ReminderSent)
from plans.rounds.reminder_models import ReminderSent  # noqa: E402, F401  (its own module: see its docstring)
