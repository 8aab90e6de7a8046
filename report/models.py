"""The committee papers built in the background: one row per paper asked for, per version of the data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PaperBuild(models.Model):
    """One paper (a PDF or a Word file) for one choice of plan, quarter and date, built from one version
    of the data and code: queued, being built, ready (its file in storage) or failed.

    `key` is unique, so however many requests and processes ask for the same missing paper at once, the
    database keeps one row and only the request that created it enqueues the build.
    """

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word document"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=100, unique=True)
    version = models.CharField(max_length=32, db_index=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="+")
    financial_year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    as_at = models.DateField(null=True, blank=True)
    all_months = models.BooleanField(default=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    # The storage names of what the build wrote, by kind ("pdf", "html", "docx").
    files = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="paper_build_quarter_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.plan_id} {self.financial_year} Q{self.quarter} ({self.status})"


class PublishedPaper(models.Model):
    """Version N of a plan's quarterly paper as it went to the board: its HTML, PDF and Word files (storage
    names in Django's default storage) and the data behind them, frozen when it was published and never
    rebuilt from live data. The PDF is laid out from the frozen HTML in the background (`pdf_status`)."""

    class PdfStatus(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="published_papers")
    financial_year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    version = models.PositiveSmallIntegerField()
    board_date = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    html_file = models.CharField(max_length=300)
    docx_file = models.CharField(max_length=300)
    pdf_file = models.CharField(max_length=300, blank=True)
    pdf_status = models.CharField(max_length=10, choices=PdfStatus.choices, default=PdfStatus.QUEUED)
    pdf_error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # What the paper shows, as plain data (actions' RAGs and updates, measures, risks): for "what changed since".
    data = models.JSONField(default=dict)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopen_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "-financial_year", "-quarter", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "financial_year", "quarter", "version"], name="one_published_paper_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="published_paper_quarter_1_to_4"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="published_paper_version_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.financial_year} Q{self.quarter} v{self.version}"

    @property
    def url_kwargs(self) -> dict:
        return {"slug": self.plan.slug, "year": self.financial_year, "quarter": self.quarter, "version": self.version}
