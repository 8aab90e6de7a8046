"""Export: a plan's measures in the wide layout the import reads, so exporting and importing back
changes nothing. Text that a spreadsheet would run as a formula is escaped (core.importing)."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook

from core.calendar import financial_year_label, financial_year_of
from core.importing import escape_formula
from kpis.models import Benchmark, BenchmarkKind, Measure, MeasureValue, MeasureYear, PeriodType, Unit
from kpis.spreadsheet.cells import HUNDRED, format_number
from plans.models import Plan

BENCHMARK_EXPORT_HEADINGS = {
    BenchmarkKind.NATIONAL: "National",
    BenchmarkKind.STAT_NEIGHBOUR: "Stat Neighbour",
    BenchmarkKind.REGIONAL: "Regional",
}
LEADING_HEADINGS = ["Ref", "Performance Measure", "Period"]
GROUP_ROW = 4  # the row of group labels ("2020/21", "Target", "Benchmarking"), 1-based
TARGET_PARTS = ("min", "upper")


@dataclass(frozen=True)
class ExportCell:
    value: object
    percent: bool = False  # a number to show as a percentage
    decimals: int = 0


@dataclass(frozen=True)
class _YearColumn:
    heading: str
    year: int
    what: str  # outturn, ytd, min, upper or trend


@dataclass
class _PlanData:
    """Everything exported, read in four queries."""

    measures: list[Measure]
    by_month: dict[tuple[int, datetime.date], tuple]  # -> (value, words)
    months: list[datetime.date]
    years: dict[tuple[int, int], MeasureYear]
    benchmarks: dict[tuple[int, str, str], Benchmark]


@dataclass
class _Layout:
    year_columns: list[_YearColumn]
    benchmark_keys: list[tuple[str, str]]
    header: list[str]
    group: list[str]
    spans: list[tuple[int, int]]


def kpi_export_rows(*, plan: Plan) -> tuple[list[list[ExportCell | None]], list[tuple[int, int, int]]]:
    """Return the wide table of the plan's measures (title, group row, header, one row per measure) and the
    group labels' merged spans as (row, first column, last column), 1-based."""
    data = _plan_data(plan)
    layout = _layout(data)
    table: list[list[ExportCell | None]] = [
        [ExportCell(escape_formula(f"{plan.title}: performance measures"))],
        [ExportCell(f"Exported {timezone.localdate():%d/%m/%Y}")],
        [],
        [ExportCell(label) if label else None for label in layout.group],
        [ExportCell(heading) for heading in layout.header],
    ]
    section = None
    for measure in data.measures:
        if measure.section and measure.section != section:
            table.append([ExportCell(escape_formula(measure.section))])
        section = measure.section
        table.append(_measure_row(measure, data, layout))
    return table, [(GROUP_ROW, first, last) for first, last in layout.spans]


def _plan_data(plan: Plan) -> _PlanData:
    measures = list(Measure.objects.filter(plan=plan).select_related("theme"))
    values = MeasureValue.objects.filter(measure__plan=plan).values_list("measure_id", "month", "value", "text", "note")
    by_month: dict[tuple[int, datetime.date], tuple] = {}
    for measure_id, month, value, text, note in values:
        by_month[measure_id, month] = (value, text or note)
    return _PlanData(
        measures=measures,
        by_month=by_month,
        months=sorted({month for _, month in by_month}),
        years={(y.measure_id, y.financial_year): y for y in MeasureYear.objects.filter(measure__plan=plan)},
        benchmarks={(b.measure_id, b.kind, b.period): b for b in Benchmark.objects.filter(measure__plan=plan)},
    )


def _year_columns(years: dict[tuple[int, int], MeasureYear]) -> list[_YearColumn]:
    """Return the yearly columns some measure has a figure in, year by year."""
    columns = []
    for year in sorted({year for _, year in years}):
        rows = [y for (_, fy), y in years.items() if fy == year]
        label = financial_year_label(year)
        if any(y.outturn is not None or y.outturn_text for y in rows):
            columns.append(_YearColumn(f"Final {label}", year, "outturn"))
        if any(y.year_to_date is not None or y.year_to_date_text for y in rows):
            columns.append(_YearColumn(f"Year to Date {label}", year, "ytd"))
        if any(y.target_min is not None or y.target_upper is not None or y.target_text for y in rows):
            columns.append(_YearColumn(f"Min {label}", year, "min"))
            columns.append(_YearColumn(f"Upper {label}", year, "upper"))
        if any(y.reported_trend for y in rows):
            columns.append(_YearColumn(f"Trend {label}", year, "trend"))
    return columns


def _layout(data: _PlanData) -> _Layout:
    year_columns = _year_columns(data.years)
    kind_order = {kind: i for i, kind in enumerate(BenchmarkKind.values)}
    benchmark_keys = sorted(
        {(kind, period) for _, kind, period in data.benchmarks}, key=lambda k: (kind_order[k[0]], k[1])
    )
    header = [*LEADING_HEADINGS, *(f"{month:%b %y}" for month in data.months)]
    header += [column.heading for column in year_columns]
    header += [f"{BENCHMARK_EXPORT_HEADINGS[kind]} {period}".strip() for kind, period in benchmark_keys]
    layout = _Layout(year_columns, benchmark_keys, header, group=[""] * len(header), spans=[])
    _add_groups(layout, data.months)
    return layout


def _add_groups(layout: _Layout, months: list[datetime.date]) -> None:
    """Label the group row: each financial year over its months, "Target", "Benchmarking"."""

    def add_group(label: str, first: int, last: int) -> None:
        layout.group[first] = label
        layout.spans.append((first + 1, last + 1))

    offset = len(LEADING_HEADINGS)
    for year in sorted({financial_year_of(m) for m in months}):
        positions = [offset + i for i, m in enumerate(months) if financial_year_of(m) == year]
        add_group(financial_year_label(year), positions[0], positions[-1])
    offset += len(months)
    targets = [offset + i for i, column in enumerate(layout.year_columns) if column.what in TARGET_PARTS]
    if targets:
        add_group("Target", targets[0], targets[-1])
    offset += len(layout.year_columns)
    if layout.benchmark_keys:
        add_group("Benchmarking", offset, offset + len(layout.benchmark_keys) - 1)


def _measure_row(measure: Measure, data: _PlanData, layout: _Layout) -> list[ExportCell | None]:
    row: list[ExportCell | None] = [
        ExportCell(escape_formula(measure.ref)),
        ExportCell(escape_formula(measure.title)),
        ExportCell(PeriodType(measure.period_type).label) if measure.period_type else None,
    ]
    for month in data.months:
        found = data.by_month.get((measure.pk, month))
        row.append(_export_cell(found[0], found[1], measure) if found else None)
    for column in layout.year_columns:
        found = data.years.get((measure.pk, column.year))
        row.append(_year_cell(found, column.what, measure) if found is not None else None)
    for kind, period in layout.benchmark_keys:
        found = data.benchmarks.get((measure.pk, kind, period))
        row.append(_export_cell(found.value, found.text, measure) if found else None)
    return row


def _year_cell(year: MeasureYear, what: str, measure: Measure) -> ExportCell | None:
    if what == "outturn":
        return _export_cell(year.outturn, year.outturn_text, measure)
    if what == "ytd":
        return _export_cell(year.year_to_date, year.year_to_date_text, measure)
    if what in TARGET_PARTS:
        number = year.target_min if what == "min" else year.target_upper
        return _export_cell(number, "" if number is not None else year.target_text, measure)
    return ExportCell(escape_formula(year.reported_trend)) if year.reported_trend else None


def _export_cell(value: Decimal | None, words: str, measure: Measure) -> ExportCell | None:
    if words:
        return ExportCell(escape_formula(words))
    if value is None:
        return None
    return ExportCell(value, percent=measure.unit == Unit.PERCENTAGE, decimals=measure.decimals)


def kpi_export_xlsx(*, plan: Plan) -> bytes:
    """Return the plan's measures as an .xlsx workbook in the import layout."""
    table, spans = kpi_export_rows(plan=plan)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KPIs"
    for row_number, row in enumerate(table, start=1):
        for col_number, cell in enumerate(row, start=1):
            if cell is not None:
                _write_cell(sheet.cell(row=row_number, column=col_number), cell)
    for row_number, first, last in spans:
        if last > first:
            sheet.merge_cells(start_row=row_number, start_column=first, end_row=row_number, end_column=last)
    sheet.freeze_panes = "D6"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _write_cell(target, cell: ExportCell) -> None:
    if not isinstance(cell.value, Decimal):
        target.value = cell.value
        target.data_type = "s"  # never a formula, whatever the text starts with
    elif cell.percent:
        target.value = float(cell.value / HUNDRED)
        target.number_format = "0%" if not cell.decimals else "0." + "0" * cell.decimals + "%"
    else:
        target.value = int(cell.value) if cell.value == cell.value.to_integral() else float(cell.value)


def kpi_export_csv(*, plan: Plan) -> bytes:
    """Return the plan's measures as CSV (UTF-8 with a byte-order mark, for Excel) in the import layout."""
    table, _ = kpi_export_rows(plan=plan)
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    width = max(len(row) for row in table)
    for row in table:
        writer.writerow([_csv_text(cell) for cell in row] + [""] * (width - len(row)))
    return output.getvalue().encode("utf-8-sig")


def _csv_text(cell: ExportCell | None) -> str:
    if cell is None:
        return ""
    if isinstance(cell.value, Decimal):
        return format_number(cell.value) + ("%" if cell.percent else "")
    return str(cell.value)
