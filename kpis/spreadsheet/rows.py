"""Step 3b: parse every measure row under each header, collecting every problem."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from core.importing import FirstRowOfKey, Problem, Problems
from kpis.models import Measure, PeriodType
from kpis.spreadsheet.cells import (
    MAX_BENCHMARK_TEXT,
    MAX_TARGET_TEXT,
    MAX_TREND,
    MAX_YEAR_TEXT,
    CellProblem,
    Figure,
    cell_at,
    cell_text,
    check_range,
    is_blank,
    parse_figure,
)
from kpis.spreadsheet.header import YEAR_KINDS, Column, ColumnKind, Table, find_header, ref_index, table_at
from kpis.spreadsheet.messages import (
    DUPLICATE_REF,
    NO_HEADER_ROW,
    NO_MEASURE_ROWS,
    ROW_WITHOUT_REF,
    TEXT_TOO_LONG,
    UNKNOWN_REF,
)
from kpis.spreadsheet.reading import Sheet
from plans.models import Plan

REF_PATTERN = re.compile(r"^[A-Za-z]{0,4}\d{1,3}(?:[.\-]\d{1,3}){0,3}[A-Za-z]?$")
PERIOD_TYPES = {
    "snapshot": PeriodType.SNAPSHOT,
    "ytd": PeriodType.YEAR_TO_DATE,
    "year to date": PeriodType.YEAR_TO_DATE,
    "month": PeriodType.MONTH,
    "monthly": PeriodType.MONTH,
    "quarter": PeriodType.QUARTER,
    "quarterly": PeriodType.QUARTER,
    "rolling 12 months": PeriodType.ROLLING_12_MONTHS,
    "rolling12": PeriodType.ROLLING_12_MONTHS,
}
TARGET_KINDS = (ColumnKind.TARGET_MIN, ColumnKind.TARGET_UPPER)


@dataclass
class MeasureRow:
    row: int
    ref: str
    measure: Measure | None
    months: dict[datetime.date, Figure] = field(default_factory=dict)
    years: dict[int, dict[str, Figure | str | None]] = field(default_factory=dict)
    benchmarks: dict[tuple[str, str], Figure] = field(default_factory=dict)
    period_type: str | None = None


@dataclass
class ParsedSheet:
    """The measure rows of a sheet, every problem found in it, and the headings not imported."""

    rows: list[MeasureRow] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class _RowContext:
    """What parsing a row needs besides the row: the plan's measures and the Refs seen so far."""

    sheet: Sheet
    plan: Plan
    measures_by_ref: dict[str, Measure]
    first_rows: FirstRowOfKey = field(default_factory=FirstRowOfKey)


def measures_by_ref(plan: Plan) -> dict[str, Measure]:
    """Return the plan's measures by Ref, and by case-folded Ref where that names only one."""
    found: dict[str, Measure] = {}
    for measure in Measure.objects.filter(plan=plan):
        found[measure.ref] = measure
        found.setdefault(measure.ref.casefold(), measure)
    return found


def parse_rows(sheet: Sheet, plan: Plan, by_ref: dict[str, Measure]) -> ParsedSheet:
    """Return every measure row under the sheet's headers, with every problem in them."""
    parsed = ParsedSheet()
    table = find_header(sheet, 0)
    if table is None:
        parsed.problems.append(Problem(None, "", NO_HEADER_ROW))
        return parsed
    context = _RowContext(sheet=sheet, plan=plan, measures_by_ref=by_ref)
    rows = sheet.rows
    index = table.header_row - 1
    active: Table | None = None
    while index < len(rows):
        row = rows[index]
        if ref_index(row) is not None:
            # A new header (the seed repeats one per section); a "Ref" row without months ends the table.
            active = table_at(sheet, index)
            index = _start_table(active, parsed) if active is not None else index + 1
            continue
        index += 1
        if active is not None and (measure_row := _parse_row(row, index, active, context, parsed.problems)):
            parsed.rows.append(measure_row)
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem(table.end_row, "", NO_MEASURE_ROWS))
    return parsed


def _start_table(table: Table, parsed: ParsedSheet) -> int:
    """Take in a header's problems and ignored headings; return the index of the row after it."""
    parsed.problems.extend(table.problems)
    parsed.ignored_columns.extend(h for h in table.ignored if h not in parsed.ignored_columns)
    return table.end_row


def _parse_row(
    row: tuple, row_number: int, table: Table, context: _RowContext, problems: list[Problem]
) -> MeasureRow | None:
    ref = cell_text(cell_at(row, table.ref_index))
    figure_columns = [c for c in table.columns if c.kind not in (ColumnKind.REF, ColumnKind.TITLE)]
    if not REF_PATTERN.match(ref):
        # Blank rows, section headings and footnotes ("* Rate per 10,000 ...") are read and passed over.
        if any(not is_blank(cell_at(row, c.index)) for c in figure_columns if c.kind == ColumnKind.MONTH):
            problems.append(Problem(row_number, table.ref_heading, ROW_WITHOUT_REF))
        return None
    measure = context.measures_by_ref.get(ref) or context.measures_by_ref.get(ref.casefold())
    if measure is None:
        problems.append(Problem(row_number, table.ref_heading, UNKNOWN_REF.format(plan=context.plan.title, ref=ref)))
    other_row = context.first_rows.repeated(measure.ref if measure is not None else ref, row_number)
    if other_row is not None:
        problems.append(Problem(row_number, table.ref_heading, DUPLICATE_REF.format(ref=ref, other_row=other_row)))
        return None
    parsed = MeasureRow(row=row_number, ref=ref, measure=measure)
    for column in figure_columns:
        value = cell_at(row, column.index)
        if is_blank(value):
            continue
        percent_cell = (row_number, column.index) in context.sheet.percent_cells
        try:
            _parse_cell(parsed, column, value, percent_cell=percent_cell)
        except CellProblem as problem:
            problems.append(Problem(row_number, column.heading, str(problem)))
    return parsed


def _parse_cell(parsed: MeasureRow, column: Column, value, *, percent_cell: bool) -> None:
    """Put one filled cell's figure into the row; raise CellProblem when it cannot be read."""
    kind, measure = column.kind, parsed.measure
    if kind == ColumnKind.MONTH:
        figure = parse_figure(value, percent_cell=percent_cell)
        check_range(figure, measure)
        parsed.months[column.month] = figure
    elif kind in YEAR_KINDS:
        limit = MAX_TARGET_TEXT if kind in TARGET_KINDS else MAX_YEAR_TEXT
        figure = parse_figure(value, percent_cell=percent_cell, limit=limit)
        check_range(figure, measure)
        parsed.years.setdefault(column.year, {})[kind] = figure
    elif kind == ColumnKind.TREND:
        trend = cell_text(value)
        if len(trend) > MAX_TREND:
            raise CellProblem(TEXT_TOO_LONG.format(length=len(trend), limit=MAX_TREND))
        parsed.years.setdefault(column.year, {})[ColumnKind.TREND] = trend
    elif kind == ColumnKind.BENCHMARK:
        figure = parse_figure(value, percent_cell=percent_cell, free_text=True, limit=MAX_BENCHMARK_TEXT)
        check_range(figure, measure)
        parsed.benchmarks[column.benchmark] = figure
    elif kind == ColumnKind.PERIOD:
        parsed.period_type = PERIOD_TYPES.get(cell_text(value).lower())
