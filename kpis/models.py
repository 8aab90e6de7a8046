"""Performance measures: monthly values, yearly targets and outturns, benchmarks, import records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Unit(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage"
    COUNT = "count", "Count"
    RATE_PER_10K = "rate_per_10k", "Rate per 10,000 children"
    DAYS = "days", "Days"
    WEEKS = "weeks", "Weeks"
    AUDIT_SCORE = "audit_score", "Audit score"


class Polarity(models.TextChoices):
    HIGHER_IS_BETTER = "higher", "Higher is better"
    LOWER_IS_BETTER = "lower", "Lower is better"
    CLOSE_TO_TARGET = "close", "Close to target"
    CONTEXTUAL = "contextual", "Contextual (no RAG)"


class PeriodType(models.TextChoices):
    SNAPSHOT = "snapshot", "Snapshot"
    YEAR_TO_DATE = "ytd", "Year to date"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    ROLLING_12_MONTHS = "rolling12", "Rolling 12 months"


class BenchmarkKind(models.TextChoices):
    NATIONAL = "national", "National"
    STAT_NEIGHBOUR = "stat_neighbour", "Statistical neighbours"
    REGIONAL = "regional", "Regional"


class Measure(models.Model):
    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="measures")
    theme = models.ForeignKey("plans.Theme", on_delete=models.CASCADE, related_name="measures")
    ref = models.CharField(max_length=20, help_text="The spreadsheet's Ref, unique in the plan.")
    title = models.CharField(max_length=400)
    section = models.CharField(max_length=300, blank=True, help_text="Section heading in the report.")
    order = models.PositiveIntegerField(default=0)
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.COUNT)
    decimals = models.PositiveSmallIntegerField(default=0)
    polarity = models.CharField(max_length=12, choices=Polarity.choices, default=Polarity.CONTEXTUAL)
    period_type = models.CharField(max_length=12, choices=PeriodType.choices, blank=True)
    definition = models.TextField(blank=True)
    data_notes = models.TextField(blank=True, help_text="Data checks and issues.")
    scoring_key = models.TextField(
        blank=True,
        help_text='What each score means, one a line as the report prints it, e.g. "Exceeds good = 1". '
        "Shown above the measures it defines.",
    )
    table_note = models.CharField(
        max_length=300,
        blank=True,
        help_text='A footnote printed once under the theme\'s table, e.g. "N/As excluded from denominator."',
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "theme__number", "order", "id"]
        default_permissions = ("add", "change", "delete", "view", "import", "export")
        constraints = [models.UniqueConstraint(fields=["plan", "ref"], name="measure_ref_unique_in_plan")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def scoring_key_lines(self) -> list[str]:
        """Return the scoring key's grades, one a line, blank lines left out."""
        return [line.strip() for line in self.scoring_key.splitlines() if line.strip()]


class KpiImport(models.Model):
    """One confirmed import of a KPI spreadsheet: who, when, which file, what it changed."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="kpi_imports")
    file_name = models.CharField(max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20, default="admin", help_text="admin or command line.")
    rows_read = models.PositiveIntegerField(default=0)
    values_created = models.PositiveIntegerField(default=0)
    values_changed = models.PositiveIntegerField(default=0)
    values_unchanged = models.PositiveIntegerField(default=0)
    measures = models.ManyToManyField(Measure, related_name="imports", blank=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = "KPI import"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%d/%m/%Y %H:%M})"


class MeasureValue(models.Model):
    """One month's figure of a measure. A month with no figure keeps why, never a zero."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="values")
    month = models.DateField(help_text="The first day of the month.")
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.CharField(
        max_length=200, blank=True, help_text='As written, where more than a number (e.g. "1919 / 731*").'
    )
    note = models.CharField(max_length=200, blank=True, help_text='Why there is no figure, e.g. "TBC".')
    kpi_import = models.ForeignKey(KpiImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "month"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "month"], name="one_value_per_measure_month"),
            models.CheckConstraint(condition=Q(value__isnull=False) | ~Q(note=""), name="value_or_reason_for_none"),
        ]

    def __str__(self) -> str:
        shown = self.text or (self.value if self.value is not None else self.note)
        return f"{self.measure.ref} {self.month:%b %Y}: {shown}"


# A measure's yearly figures, as the spreadsheet and the fixture carry them.
YEAR_FIELDS = (
    "target_min",
    "target_upper",
    "target_text",
    "outturn",
    "outturn_text",
    "year_to_date",
    "year_to_date_text",
    "reported_trend",
)


class MeasureYear(models.Model):
    """A measure's figures for one financial year: targets, outturn, year to date, reported trend."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="years")
    financial_year = models.PositiveSmallIntegerField(help_text="Starting year: 2021 means 2021/22.")
    target_min = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    target_upper = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    target_text = models.CharField(max_length=100, blank=True, help_text='e.g. "TBC".')
    outturn = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    outturn_text = models.CharField(max_length=200, blank=True)
    year_to_date = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    year_to_date_text = models.CharField(max_length=200, blank=True)
    reported_trend = models.CharField(max_length=20, blank=True, help_text="Trend as reported (↑ ↓ ↔).")

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "financial_year"]
        constraints = [models.UniqueConstraint(fields=["measure", "financial_year"], name="one_row_per_measure_year")]

    def __str__(self) -> str:
        return f"{self.measure.ref} {self.financial_year}/{str(self.financial_year + 1)[-2:]}"


class Benchmark(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="benchmarks")
    kind = models.CharField(max_length=20, choices=BenchmarkKind.choices)
    period = models.CharField(max_length=60, blank=True, help_text='What it describes, e.g. "to 2021".')
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.CharField(max_length=200, blank=True, help_text="As written, e.g. n/a.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "kind", "period"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "kind", "period"], name="one_benchmark_per_kind_period")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}".strip()
