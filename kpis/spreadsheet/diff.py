"""Step 4: the preview. What importing the file would change, read from the database in a fixed number
of queries, with the rows to write kept ready for the confirm step.

The preview also records what it read (`ReadSpec`) and a fingerprint of it, so that the confirm step
can check in a few queries, without reading the file again, that the database is still as previewed.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import F

from core.calendar import financial_year_label
from core.importing import FileRefused, Problem, Problems, upload_check
from kpis.models import YEAR_FIELDS, Benchmark, BenchmarkKind, Measure, MeasureValue, MeasureYear, PeriodType
from kpis.spreadsheet.cells import MAX_TARGET_TEXT, Figure, show
from kpis.spreadsheet.header import ColumnKind, has_header
from kpis.spreadsheet.reading import kpi_file_read
from kpis.spreadsheet.rows import MeasureRow, measures_by_ref, parse_rows
from plans.models import Plan

YEAR_FIELD_LABELS = {
    "target_min": "target (min)",
    "target_upper": "target (upper)",
    "target_text": "target note",
    "outturn": "final outturn",
    "outturn_text": "final outturn as written",
    "year_to_date": "year to date",
    "year_to_date_text": "year to date as written",
    "reported_trend": "trend",
}


class MonthChange(NamedTuple):
    """A month's figure before and after, as shown. A tuple: a preview holds one per value (60,000 in
    a large file), and the confirm unpickles them twice as fast as a dataclass's."""

    month: datetime.date
    old: str
    new: str


@dataclass(frozen=True)
class OtherChange:
    """A change to a yearly figure, a benchmark or the measure's period."""

    label: str
    old: str
    new: str


@dataclass
class MeasurePreview:
    """What the file does to one measure: new, changed (old -> new) and unchanged months; other changes."""

    measure: Measure
    row: int
    new: list[MonthChange] = field(default_factory=list)
    changed: list[MonthChange] = field(default_factory=list)
    unchanged: list[datetime.date] = field(default_factory=list)
    other_changes: list[OtherChange] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed or self.other_changes)


@dataclass
class Writes:
    """The rows the confirm step writes (kpis.services.kpi_import_apply)."""

    # Monthly values stay plain tuples: building 60,000 model instances costs more than writing them.
    new_values: list[tuple] = field(default_factory=list)  # (measure_id, month, value, text, note)
    changed_values: list[tuple] = field(default_factory=list)  # (pk, measure_id, month, value, text, note)
    new_years: list[MeasureYear] = field(default_factory=list)
    changed_years: list[MeasureYear] = field(default_factory=list)
    new_benchmarks: list[Benchmark] = field(default_factory=list)
    changed_benchmarks: list[Benchmark] = field(default_factory=list)
    changed_measures: list[Measure] = field(default_factory=list)


@dataclass(frozen=True)
class ReadSpec:
    """Which rows the preview read: the plan's measures, and these measures' values, years, benchmarks."""

    plan_id: int
    measure_ids: tuple[int, ...]
    months: tuple[datetime.date, ...]
    years: tuple[int, ...]
    benchmarks: bool


@dataclass
class Existing:
    """The rows the file's figures are compared with."""

    values: dict[tuple[int, datetime.date], tuple] = field(default_factory=dict)  # -> (pk, value, text, note)
    years: dict[tuple[int, int], MeasureYear] = field(default_factory=dict)
    benchmarks: dict[tuple[int, str, str], Benchmark] = field(default_factory=dict)


@dataclass
class KpiImportPreview:
    """The outcome of reading and checking a file: its problems, or per measure what it would change."""

    plan: Plan
    file_name: str
    problems: list[Problem] = field(default_factory=list)
    measures: list[MeasurePreview] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    writes: Writes = field(default_factory=Writes, repr=False)
    read_spec: ReadSpec | None = field(default=None, repr=False)
    fingerprint: str = ""
    # (created, changed, unchanged, other changes) of a preview kept without its months: for_confirm()
    counts: tuple[int, int, int, int] | None = field(default=None, repr=False)

    def __post_init__(self):
        self.problems = Problems(self.problems)  # the first ones listed, the rest counted

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def _count_of(self, index: int, name: str) -> int:
        if self.counts is not None:
            return self.counts[index]
        return sum(len(getattr(m, name)) for m in self.measures)

    @property
    def values_created(self) -> int:
        return self._count_of(0, "new")

    @property
    def values_changed(self) -> int:
        return self._count_of(1, "changed")

    @property
    def values_unchanged(self) -> int:
        return self._count_of(2, "unchanged")

    @property
    def other_changes(self) -> int:
        return self._count_of(3, "other_changes")

    @property
    def has_changes(self) -> bool:
        return bool(self.values_created or self.values_changed or self.other_changes)

    def for_confirm(self) -> KpiImportPreview:
        """Return this preview as the confirm step needs it: what to write and the counts, without the
        month-by-month changes its page shows (one per value, most of what it takes to keep and load)."""
        counts = (self.values_created, self.values_changed, self.values_unchanged, self.other_changes)
        measures = [MeasurePreview(measure=m.measure, row=m.row) for m in self.measures]
        return dataclasses.replace(self, measures=measures, counts=counts)

    def summary(self) -> str:
        """Return one sentence counting what the import does."""
        return (
            f"{_count(self.rows_read, 'measure')} read: {_count(self.values_created, 'new monthly value')}, "
            f"{self.values_changed} changed, {self.values_unchanged} unchanged; "
            f"{_count(self.other_changes, 'change')} to yearly figures, benchmarks and periods."
        )


def _count(number: int, noun: str) -> str:
    """Return e.g. '1 measure' or '3 measures'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def kpi_import_default_plan() -> Plan | None:
    """Return the plan imports go to unless another is chosen: the one with the latest report date."""
    return Plan.objects.order_by(F("report_date").desc(nulls_last=True), "-created_at", "-id").first()


def kpi_import_preview(*, plan: Plan, file_name: str, data: bytes) -> KpiImportPreview:
    """Return what importing the file into the plan would change, or every problem that refuses it."""
    by_ref = measures_by_ref(plan)
    try:
        upload_check(data=data)
        sheet = kpi_file_read(data=data, file_name=file_name, wanted=has_header)
    except FileRefused as refused:
        return KpiImportPreview(plan=plan, file_name=file_name, problems=[refused.problem])
    parsed = parse_rows(sheet, plan, by_ref)
    preview = KpiImportPreview(
        plan=plan,
        file_name=file_name,
        problems=parsed.problems,
        ignored_columns=parsed.ignored_columns,
        rows_read=len(parsed.rows),
    )
    if preview.problems:
        return preview
    preview.read_spec = _read_spec(plan, parsed.rows)
    existing = existing_rows(preview.read_spec)
    # Before the diff, which edits the existing years and benchmarks into what is to be written.
    preview.fingerprint = state_fingerprint(set(by_ref.values()), existing)
    _diff(parsed.rows, existing, preview)
    return preview


def _read_spec(plan: Plan, parsed: list[MeasureRow]) -> ReadSpec:
    return ReadSpec(
        plan_id=plan.pk,
        measure_ids=tuple(row.measure.pk for row in parsed),
        months=tuple(sorted({month for row in parsed for month in row.months})),
        years=tuple(sorted({year for row in parsed for year in row.years})),
        benchmarks=any(row.benchmarks for row in parsed),
    )


def existing_rows(spec: ReadSpec) -> Existing:
    """Return the values, years and benchmarks the file's figures are compared with (three queries at most)."""
    existing = Existing()
    if spec.months:
        for pk, measure_id, month, value, text, note in MeasureValue.objects.filter(
            measure_id__in=spec.measure_ids, month__in=spec.months
        ).values_list("pk", "measure_id", "month", "value", "text", "note"):
            existing.values[measure_id, month] = (pk, value, text, note)
    if spec.years:
        for year in MeasureYear.objects.filter(measure_id__in=spec.measure_ids, financial_year__in=spec.years):
            existing.years[year.measure_id, year.financial_year] = year
    if spec.benchmarks:
        for benchmark in Benchmark.objects.filter(measure_id__in=spec.measure_ids):
            existing.benchmarks[benchmark.measure_id, benchmark.kind, benchmark.period] = benchmark
    return existing


def state_fingerprint(measures: Iterable[Measure], existing: Existing) -> str:
    """Return a digest of everything the preview's changes were worked out from."""
    digest = hashlib.sha256()
    for part in (
        sorted((m.pk, m.ref, m.unit, m.period_type) for m in measures),
        sorted((key, row) for key, row in existing.values.items()),
        sorted((key, tuple(getattr(y, name) for name in YEAR_FIELDS)) for key, y in existing.years.items()),
        sorted((key, b.pk, b.value, b.text) for key, b in existing.benchmarks.items()),
    ):
        digest.update(repr(part).encode())
    return digest.hexdigest()


def _diff(parsed: list[MeasureRow], existing: Existing, preview: KpiImportPreview) -> None:
    writes = preview.writes
    for row in parsed:
        measure = row.measure
        result = MeasurePreview(measure=measure, row=row.row)
        _diff_months(row, existing, result, writes)
        for year, cells in sorted(row.years.items()):
            _diff_year(measure, year, cells, existing.years.get((measure.pk, year)), result, writes)
        _diff_benchmarks(row, existing, result, writes)
        if row.period_type and row.period_type != measure.period_type:
            old_label = PeriodType(measure.period_type).label if measure.period_type else ""
            result.other_changes.append(OtherChange("Period", old_label, PeriodType(row.period_type).label))
            measure.period_type = row.period_type
            writes.changed_measures.append(measure)
        preview.measures.append(result)


def _diff_months(row: MeasureRow, existing: Existing, result: MeasurePreview, writes: Writes) -> None:
    measure = row.measure
    for month in sorted(row.months):
        figure = row.months[month]
        new = (figure.value, figure.text, figure.note)
        old = existing.values.get((measure.pk, month))
        if old is None:
            result.new.append(MonthChange(month, "", show(figure.value, figure.words, measure)))
            writes.new_values.append((measure.pk, month, *new))
        elif old[1:] == new:
            result.unchanged.append(month)
        else:
            before = show(old[1], old[2] or old[3], measure)
            result.changed.append(MonthChange(month, before, show(figure.value, figure.words, measure)))
            writes.changed_values.append((old[0], measure.pk, month, *new))


def _diff_benchmarks(row: MeasureRow, existing: Existing, result: MeasurePreview, writes: Writes) -> None:
    measure = row.measure
    for (kind, period), figure in sorted(row.benchmarks.items()):
        found = existing.benchmarks.get((measure.pk, kind, period))
        label = f"{BenchmarkKind(kind).label} {period}".strip()
        words = figure.words
        if found is None:
            writes.new_benchmarks.append(
                Benchmark(measure=measure, kind=kind, period=period, value=figure.value, text=words)
            )
            result.other_changes.append(OtherChange(label, "", show(figure.value, words, measure)))
        elif (found.value, found.text) != (figure.value, words):
            old, new = show(found.value, found.text, measure), show(figure.value, words, measure)
            result.other_changes.append(OtherChange(label, old, new))
            found.value, found.text = figure.value, words
            writes.changed_benchmarks.append(found)


def _year_after(before: dict, cells: dict[str, Figure | str | None]) -> dict:
    """Return the yearly figures with the file's set; a group of columns left blank leaves its figures alone."""
    after = dict(before)
    if ColumnKind.OUTTURN in cells:
        figure = cells[ColumnKind.OUTTURN]
        after["outturn"], after["outturn_text"] = figure.value, figure.words
    if ColumnKind.YEAR_TO_DATE in cells:
        figure = cells[ColumnKind.YEAR_TO_DATE]
        after["year_to_date"], after["year_to_date_text"] = figure.value, figure.words
    if ColumnKind.TARGET_MIN in cells or ColumnKind.TARGET_UPPER in cells:
        low, high = cells.get(ColumnKind.TARGET_MIN), cells.get(ColumnKind.TARGET_UPPER)
        after["target_min"] = low.value if low else None
        after["target_upper"] = high.value if high else None
        words = []
        for figure in (low, high):
            if figure and figure.words and figure.words not in words:
                words.append(figure.words)
        after["target_text"] = " / ".join(words)[:MAX_TARGET_TEXT]
    if ColumnKind.TREND in cells:
        after["reported_trend"] = cells[ColumnKind.TREND]
    return after


def _diff_year(measure, year, cells, existing, result: MeasurePreview, writes: Writes) -> None:
    target = existing or MeasureYear(measure=measure, financial_year=year)
    before = {name: getattr(target, name) for name in YEAR_FIELDS}
    after = _year_after(before, cells)
    if after == before:
        return
    year_label = financial_year_label(year)
    for name in YEAR_FIELDS:
        if after[name] != before[name]:
            old = "" if existing is None else _show_plain(before[name], measure)
            result.other_changes.append(
                OtherChange(f"{year_label} {YEAR_FIELD_LABELS[name]}", old, _show_plain(after[name], measure))
            )
        setattr(target, name, after[name])
    (writes.changed_years if existing else writes.new_years).append(target)


def _show_plain(value, measure: Measure) -> str:
    if isinstance(value, Decimal):
        return show(value, "", measure)
    return "" if value is None else str(value)
