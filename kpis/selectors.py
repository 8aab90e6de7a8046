"""Every read the KPI pages (and the highlight report) need, in a fixed number of queries.

The tables are built in Python from four queries (measures, values, years, benchmarks), whatever
the number of measures and months; templates only show what is built here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.calendar import end_of_day, financial_year_label, financial_year_of
from kpis import charts
from kpis.formatting import (
    BENCHMARK_KIND_ORDER,
    RATE_FOOTNOTE_MARK,
    benchmark_label,
    figure_display,
    month_label,
    previous_month,
    same_month_year_before,
    value_display,
)
from kpis.models import Benchmark, KpiImport, Measure, MeasureValue, MeasureYear, Unit
from kpis.rag import Targets, targets_for_month, targets_for_year, value_rag
from kpis.trend import Trend, value_trend
from plans import permissions
from plans.models import Plan, Theme
from plans.selectors import plan_reporting_quarter

# The rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueCell:
    """One month of one measure as a table shows it."""

    month: datetime.date
    value: Decimal | None
    display: str
    note: str
    rag: str

    @property
    def has_figure(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class YearFigure:
    """An outturn or year to date with its financial year and RAG."""

    financial_year: int
    value: Decimal | None
    display: str
    rag: str

    @property
    def year_label(self) -> str:
        return financial_year_label(self.financial_year)


@dataclass
class MeasureRow:
    """Everything one line of the /kpis/ table (and the highlight report) shows for a measure."""

    measure: Measure
    section_heading: str
    cells: list[ValueCell | None]
    prior: YearFigure | None
    final: YearFigure | None
    year_to_date: YearFigure | None
    target_min: str
    target_upper: str
    target_text: str
    reported_trend: str
    latest: ValueCell | None
    month_trend: Trend
    month_trend_against: datetime.date | None
    year_trend: Trend
    year_trend_against: datetime.date | None
    benchmarks: list[str]
    sparkline: SafeString


@dataclass
class ThemeTable:
    """One theme's KPI table: its months, benchmark columns and rows."""

    theme: Theme
    months: list[datetime.date]
    month_groups: list[tuple[str, int]]
    benchmark_columns: list[tuple[str, str, str]]
    prior_label: str
    final_label: str
    year_to_date_label: str
    current_year: int
    rows: list[MeasureRow] = field(default_factory=list)
    # How many months with figures are left out before the first month shown (see `months_of_year`).
    earlier_months: int = 0

    @property
    def column_count(self) -> int:
        """Return how many columns the table has (for headings that span it)."""
        return 10 + len(self.months) + len(self.benchmark_columns)


@dataclass
class _MeasureData:
    """A measure with its values, years and benchmarks, however they were read (now or as at a date)."""

    measure: Measure
    values: list[Any]  # MeasureValue or its historical record: month, value, text, note
    years: dict[int, Any]  # financial year -> MeasureYear or its historical record
    benchmarks: list[Benchmark]

    def targets_by_year(self) -> dict[int, Targets]:
        return {fy: (year.target_min, year.target_upper) for fy, year in self.years.items()}


def _measure_queryset() -> QuerySet[Measure]:
    return Measure.objects.select_related("theme").order_by("theme__number", "order", "id")


def _measure_data(*, plan: Plan, as_at: datetime.datetime | None) -> list[_MeasureData]:
    """Return the plan's measures with their figures: 4 queries, now or as they stood at `as_at`."""
    benchmarks = Prefetch("benchmarks", queryset=Benchmark.objects.order_by("id"))
    if as_at is None:
        measures = (
            _measure_queryset()
            .filter(plan=plan)
            .prefetch_related(
                Prefetch("values", queryset=MeasureValue.objects.order_by("month")),
                Prefetch("years", queryset=MeasureYear.objects.order_by("financial_year")),
                benchmarks,
            )
        )
        return [
            _MeasureData(
                measure=m,
                values=list(m.values.all()),
                years={y.financial_year: y for y in m.years.all()},
                benchmarks=list(m.benchmarks.all()),
            )
            for m in measures
        ]
    measures = list(_measure_queryset().filter(plan=plan).prefetch_related(benchmarks))
    values = _as_at(MeasureValue.history.filter(measure__plan=plan), as_at=as_at, key="month")
    years = _as_at(MeasureYear.history.filter(measure__plan=plan), as_at=as_at, key="financial_year")
    return [
        _MeasureData(
            measure=m,
            values=sorted(values.get(m.pk, {}).values(), key=lambda v: v.month),
            years=years.get(m.pk, {}),
            benchmarks=list(m.benchmarks.all()),
        )
        for m in measures
    ]


def _as_at(history: QuerySet, *, as_at: datetime.datetime, key: str) -> dict[int, dict[Any, Any]]:
    """Return {measure id: {key: record}} of the latest historical record of each row at `as_at` (one query)."""
    latest: dict[int, dict[Any, Any]] = defaultdict(dict)
    seen: set[tuple[int, Any]] = set()
    records = history.filter(history_date__lte=as_at).order_by("measure_id", key, "-history_date", "-history_id")
    for record in records:
        identity = (record.measure_id, getattr(record, key))
        if identity in seen:
            continue
        seen.add(identity)
        if record.history_type != "-":
            latest[record.measure_id][getattr(record, key)] = record
    return latest


def _current_year(plan: Plan, data: Iterable[_MeasureData]) -> int:
    """Return the plan's financial year: its reporting quarter's when it has a report date or a quarter
    set, else the year of its latest month with a figure."""
    if plan.report_date or plan.reporting_quarter_set is not None:
        return plan_reporting_quarter(plan).financial_year
    months = [v.month for d in data for v in d.values]
    return financial_year_of(max(months) if months else timezone.localdate())


def _cell(data: _MeasureData, value: Any) -> ValueCell:
    measure = data.measure
    target_min, target_upper = targets_for_month(targets_by_year=data.targets_by_year(), month=value.month)
    return ValueCell(
        month=value.month,
        value=value.value,
        display=figure_display(value.value, value.text, unit=measure.unit, decimals=measure.decimals, note=value.note),
        note=value.note,
        rag=value_rag(value=value.value, target_min=target_min, target_upper=target_upper, polarity=measure.polarity),
    )


def _year_figure(data: _MeasureData, financial_year: int, *, figure: str) -> YearFigure | None:
    """Return the year's outturn or year to date (`figure`), with its RAG, or None when the report gives none."""
    year = data.years.get(financial_year)
    if year is None:
        return None
    value, text = getattr(year, figure), getattr(year, f"{figure}_text")
    if value is None and not text:
        return None
    measure = data.measure
    target_min, target_upper = targets_for_year(targets_by_year=data.targets_by_year(), financial_year=financial_year)
    return YearFigure(
        financial_year=financial_year,
        value=value,
        display=figure_display(value, text, unit=measure.unit, decimals=measure.decimals),
        rag=value_rag(value=value, target_min=target_min, target_upper=target_upper, polarity=measure.polarity),
    )


def _prior(data: _MeasureData, current_year: int) -> YearFigure | None:
    """Return the latest outturn before the final year (the report's "2019/20", or "2018/19" for some tables)."""
    for financial_year in sorted(data.years, reverse=True):
        if financial_year < current_year - 1:
            figure = _year_figure(data, financial_year, figure="outturn")
            if figure is not None:
                return figure
    return None


def _trend_against(
    data: _MeasureData, latest: ValueCell | None, by_month: dict[datetime.date, Any], other: datetime.date | None
) -> Trend:
    if latest is None or other is None or other not in by_month:
        return Trend()
    target_min, target_upper = targets_for_month(targets_by_year=data.targets_by_year(), month=latest.month)
    return value_trend(
        current=latest.value,
        previous=by_month[other].value,
        polarity=data.measure.polarity,
        target_min=target_min,
        target_upper=target_upper,
    )


def _targets_band(target_min: Decimal | None, target_upper: Decimal | None) -> tuple[float, float] | None:
    targets = [float(t) for t in (target_min, target_upper) if t is not None]
    return (min(targets), max(targets)) if targets else None


def _row(
    data: _MeasureData,
    *,
    months: Sequence[datetime.date],
    benchmark_columns: Sequence[tuple[str, str, str]],
    current_year: int,
    section_heading: str,
) -> MeasureRow:
    measure = data.measure
    by_month = {value.month: value for value in data.values}
    cells = {value.month: _cell(data, value) for value in data.values}
    with_figures = [cell for cell in cells.values() if cell.has_figure]
    latest = max(with_figures, key=lambda cell: cell.month) if with_figures else None
    month_before = previous_month(latest.month) if latest else None
    year_before = same_month_year_before(latest.month) if latest else None
    with_figures_by_month = {month: v for month, v in by_month.items() if v.value is not None}
    current = data.years.get(current_year)
    current_min = current.target_min if current else None
    current_upper = current.target_upper if current else None
    benchmarks = {(b.kind, b.period): b for b in data.benchmarks}
    series = [cells[month].value if month in cells else None for month in months]
    first_shown = next((cells[m] for m in months if m in cells and cells[m].has_figure), None)
    summary = f"{measure.ref} {measure.title}"
    if first_shown and latest:
        summary += (
            f": {month_label(first_shown.month)} {first_shown.display} to {month_label(latest.month)} {latest.display}"
        )
    return MeasureRow(
        measure=measure,
        section_heading=section_heading,
        cells=[cells.get(month) for month in months],
        prior=_prior(data, current_year),
        final=_year_figure(data, current_year - 1, figure="outturn"),
        year_to_date=_year_figure(data, current_year, figure="year_to_date"),
        target_min=value_display(current_min, unit=measure.unit, decimals=measure.decimals),
        target_upper=value_display(current_upper, unit=measure.unit, decimals=measure.decimals),
        target_text=current.target_text if current else "",
        reported_trend=current.reported_trend if current else "",
        latest=latest,
        month_trend=_trend_against(data, latest, with_figures_by_month, month_before),
        month_trend_against=month_before,
        year_trend=_trend_against(data, latest, with_figures_by_month, year_before),
        year_trend_against=year_before,
        benchmarks=[
            figure_display(b.value, b.text, unit=measure.unit, decimals=measure.decimals)
            if (b := benchmarks.get((kind, period)))
            else ""
            for kind, period, _ in benchmark_columns
        ],
        # charts.sparkline_svg escapes the title; the rest of the SVG is built from numbers.
        sparkline=mark_safe(
            charts.sparkline_svg(values=series, title=summary, band=_targets_band(current_min, current_upper))
        ),
    )


def _month_groups(months: Sequence[datetime.date]) -> list[tuple[str, int]]:
    groups: list[tuple[str, int]] = []
    for month in months:
        label = financial_year_label(financial_year_of(month))
        if groups and groups[-1][0] == label:
            groups[-1] = (label, groups[-1][1] + 1)
        else:
            groups.append((label, 1))
    return groups


def _theme_table(
    theme: Theme, items: list[_MeasureData], current_year: int, months_of_year: int | None = None
) -> ThemeTable:
    all_months = sorted({value.month for data in items for value in data.values})
    # A theme with no figures in `months_of_year` shows every month rather than an empty table.
    months = [m for m in all_months if months_of_year in (None, financial_year_of(m))] or all_months
    columns: dict[tuple[str, str], int] = {}
    for data in items:
        for benchmark in data.benchmarks:
            columns.setdefault((benchmark.kind, benchmark.period), len(columns))
    benchmark_columns = [
        (kind, period, benchmark_label(kind, period))
        for kind, period in sorted(columns, key=lambda c: (BENCHMARK_KIND_ORDER.get(c[0], 99), columns[c]))
    ]
    table = ThemeTable(
        theme=theme,
        months=months,
        month_groups=_month_groups(months),
        benchmark_columns=benchmark_columns,
        prior_label="",
        final_label=f"Final {financial_year_label(current_year - 1)}",
        year_to_date_label=f"Year to date {financial_year_label(current_year)}",
        current_year=current_year,
        earlier_months=sum(1 for month in all_months if month < months[0]) if months else 0,
    )
    section = None
    for data in items:
        heading = data.measure.section if data.measure.section != section else ""
        section = data.measure.section
        table.rows.append(
            _row(
                data,
                months=months,
                benchmark_columns=benchmark_columns,
                current_year=current_year,
                section_heading=heading,
            )
        )
    prior_years = {row.prior.financial_year for row in table.rows if row.prior}
    table.prior_label = financial_year_label(prior_years.pop()) if len(prior_years) == 1 else "Prior year"
    return table


def measure_tables_for_plan(
    *,
    plan: Plan,
    as_at: datetime.date | None = None,
    months_of_year: int | None = None,
    financial_year: int | None = None,
) -> list[ThemeTable]:
    """Return one ThemeTable per theme with measures, in 4 queries; `as_at` (a day) shows figures as they
    stood at its end, and `months_of_year` (a financial year) keeps only that year's month columns (the
    sparkline too, so the chart draws only the figures in its row; trends and year figures still read
    every month). `financial_year` is the year whose targets, year to date and previous year's final
    figures are shown (the report's year; the plan's reporting year unless given).

    With `as_at`, monthly values and yearly figures come from their history (the latest record at or
    before `as_at`; rows deleted by then are left out). Measures and benchmarks keep no history and
    are shown as they are now.
    """
    data = _measure_data(plan=plan, as_at=end_of_day(as_at) if as_at else None)
    current_year = financial_year if financial_year is not None else _current_year(plan, data)
    by_theme: dict[int, list[_MeasureData]] = defaultdict(list)
    themes: dict[int, Theme] = {}
    for item in data:
        by_theme[item.measure.theme_id].append(item)
        themes[item.measure.theme_id] = item.measure.theme
    return [_theme_table(themes[theme_id], items, current_year, months_of_year) for theme_id, items in by_theme.items()]


# Plans -------------------------------------------------------------------------------------


def plan_list_with_measures(*, user: User) -> list[Plan]:
    """Return the plans the user may read that have measures, most recent report first (one query)."""
    return list(
        permissions.plan_visible_to(user)
        .filter(measures__isnull=False)
        .distinct()
        .order_by("-report_date", "-created_at", "-id")
    )


def plan_choose(*, plans: Sequence[Plan], slug: str | None) -> Plan | None:
    """Return the plan named by `slug` among `plans` (Http404 if not there), else the first (most recent)."""
    if slug:
        for plan in plans:
            if plan.slug == slug:
                return plan
        raise Http404("No KPIs for that plan.")
    return plans[0] if plans else None


# One measure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    """One month of the measure page's values table."""

    cell: ValueCell
    text: str
    target_min: str
    target_upper: str
    vs_previous_month: Trend
    vs_year_before: Trend


@dataclass(frozen=True)
class YearRow:
    label: str
    target_min: str
    target_upper: str
    target_text: str
    outturn: YearFigure | None
    year_to_date: YearFigure | None
    reported_trend: str


@dataclass
class MeasureDetail:
    """Everything the measure page shows."""

    measure: Measure
    months: list[MonthRow]
    years: list[YearRow]
    benchmarks: list[tuple[str, str]]
    figure: dict
    figure_summary: str
    imports: list[KpiImport]
    current_year: int


def _bands(data: _MeasureData, months: Sequence[datetime.date]) -> list[charts.TargetBand]:
    """Return the target band over the months, one piece per run of months read against the same targets."""
    bands: list[charts.TargetBand] = []
    targets_by_year = data.targets_by_year()
    for month in months:
        band = _targets_band(*targets_for_month(targets_by_year=targets_by_year, month=month))
        if band is None:
            continue
        last = bands[-1] if bands else None
        if last and (last.low, last.high) == band and previous_month(month) == last.last_month:
            bands[-1] = charts.TargetBand(last.first_month, month, *band)
        else:
            bands.append(charts.TargetBand(month, month, *band))
    return bands


def _chartable_benchmarks(data: _MeasureData) -> list[charts.ReferenceLine]:
    """Return the benchmarks in the measure's own unit (rates per 10,000 marked * are left to the table)."""
    return [
        charts.ReferenceLine(benchmark_label(b.kind, b.period), float(b.value))
        for b in data.benchmarks
        if b.value is not None and RATE_FOOTNOTE_MARK not in b.text
    ]


def measure_get_for_detail(*, user: User, pk: int) -> MeasureDetail:
    """Return the measure page's content for a measure the user may read (Http404 otherwise), in 5 queries."""
    measure = (
        Measure.objects.select_related("plan", "theme")
        .filter(plan__in=permissions.plan_visible_to(user), pk=pk)
        .prefetch_related(
            Prefetch("values", queryset=MeasureValue.objects.order_by("month")),
            Prefetch("years", queryset=MeasureYear.objects.order_by("financial_year")),
            Prefetch("benchmarks", queryset=Benchmark.objects.order_by("id")),
            Prefetch("imports", queryset=KpiImport.objects.select_related("imported_by").order_by("-imported_at")),
        )
        .first()
    )
    if measure is None:
        raise Http404("No such measure.")
    data = _MeasureData(
        measure=measure,
        values=list(measure.values.all()),
        years={y.financial_year: y for y in measure.years.all()},
        benchmarks=list(measure.benchmarks.all()),
    )
    current_year = _current_year(measure.plan, [data])
    targets_by_year = data.targets_by_year()
    with_figures = {v.month: v for v in data.values if v.value is not None}
    month_rows = []
    for value in data.values:
        cell = _cell(data, value)
        target_min, target_upper = targets_for_month(targets_by_year=targets_by_year, month=value.month)
        month_rows.append(
            MonthRow(
                cell=cell,
                text=value.text,
                target_min=value_display(target_min, unit=measure.unit, decimals=measure.decimals),
                target_upper=value_display(target_upper, unit=measure.unit, decimals=measure.decimals),
                vs_previous_month=_trend_against(data, cell, with_figures, previous_month(value.month)),
                vs_year_before=_trend_against(data, cell, with_figures, same_month_year_before(value.month)),
            )
        )
    year_rows = [
        YearRow(
            label=financial_year_label(fy),
            target_min=value_display(year.target_min, unit=measure.unit, decimals=measure.decimals),
            target_upper=value_display(year.target_upper, unit=measure.unit, decimals=measure.decimals),
            target_text=year.target_text,
            outturn=_year_figure(data, fy, figure="outturn"),
            year_to_date=_year_figure(data, fy, figure="year_to_date"),
            reported_trend=year.reported_trend,
        )
        for fy, year in sorted(data.years.items())
    ]
    months = [v.month for v in data.values]
    prior = _prior(data, current_year)
    prior_line = (
        charts.ReferenceLine(f"{prior.year_label} outturn", float(prior.value))
        if prior and prior.value is not None and RATE_FOOTNOTE_MARK not in prior.display
        else None
    )
    figure = charts.measure_figure(
        title=f"{measure.ref} {measure.title}",
        y_label=measure.get_unit_display(),
        months=months,
        values=[v.value for v in data.values],
        bands=_bands(data, months),
        benchmarks=_chartable_benchmarks(data),
        prior_year=prior_line,
        percentage=measure.unit == Unit.PERCENTAGE,
    )
    shown = [row.cell for row in month_rows if row.cell.has_figure]
    if shown:
        summary = (
            f"Chart of {measure.ref} {measure.title} from {month_label(shown[0].month)} ({shown[0].display}) "
            f"to {month_label(shown[-1].month)} ({shown[-1].display}); every figure is in the table of values."
        )
    else:
        summary = f"No monthly figures for {measure.ref} {measure.title} yet."
    return MeasureDetail(
        measure=measure,
        months=month_rows,
        years=year_rows,
        benchmarks=[
            (
                benchmark_label(b.kind, b.period),
                figure_display(b.value, b.text, unit=measure.unit, decimals=measure.decimals),
            )
            for b in data.benchmarks
        ],
        figure=figure,
        figure_summary=summary,
        imports=list(measure.imports.all()),
        current_year=current_year,
    )
