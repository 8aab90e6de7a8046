"""Step 2: find the header rows of a KPI table and map each column to what it holds.

A header is a row with a "Ref" cell and month headings, perhaps split over up to three lines, with a
group row above it ("2020/21", "Target", "Benchmarking") whose merged labels name the columns below.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from openpyxl.utils import get_column_letter

from core.calendar import financial_year_of
from core.importing import Problem
from kpis.models import BenchmarkKind
from kpis.spreadsheet.cells import MAX_BENCHMARK_PERIOD, cell_at, cell_text, is_blank
from kpis.spreadsheet.messages import DUPLICATE_COLUMN, MONTH_HEADING_UNREADABLE, YEAR_MISSING
from kpis.spreadsheet.reading import Sheet

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
MONTH_NAME_HEADING = re.compile(r"^(?P<name>[a-z]+)\.?[\s\-'/]*(?P<year>\d{2}|\d{4})$")
MONTH_ISO_HEADING = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")
MONTH_SLASH_HEADING = re.compile(r"^(?P<month>\d{1,2})/(?P<year>\d{4})$")
MONTH_LIKE_HEADING = re.compile(
    r"^((jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[\s\-'/]*\d|\d{4}-\d+$|\d{1,2}/\d{4}$)"
)
FINANCIAL_YEAR = re.compile(r"(?<!\d)(?P<start>\d{4})\s*[/-]\s*(?P<end>\d{2}|\d{4})(?!\d)")
FINANCIAL_YEAR_HEADING = re.compile(r"^\d{4}\s*[/-]\s*(\d{2}|\d{4})$")
TITLE_HEADINGS = {"performance measure", "measure", "title", "description", "measure title"}
PERIOD_HEADINGS = {"period", "period type"}
GROUP_LABELS = re.compile(r"(target|benchmark|trend|final|year to date|\d{4}\s*/\s*\d{2})", re.IGNORECASE)
BENCHMARK_HEADINGS = (
    ("statistical neighbours", BenchmarkKind.STAT_NEIGHBOUR),
    ("statistical neighbour", BenchmarkKind.STAT_NEIGHBOUR),
    ("stat neighbours", BenchmarkKind.STAT_NEIGHBOUR),
    ("stat neighbour", BenchmarkKind.STAT_NEIGHBOUR),
    ("stat neigh", BenchmarkKind.STAT_NEIGHBOUR),
    ("national", BenchmarkKind.NATIONAL),
    ("regional", BenchmarkKind.REGIONAL),
)
MAX_HEADER_LINES = 3


class ColumnKind:
    REF = "ref"
    TITLE = "title"
    PERIOD = "period"
    MONTH = "month"
    OUTTURN = "outturn"
    YEAR_TO_DATE = "year_to_date"
    TARGET_MIN = "target_min"
    TARGET_UPPER = "target_upper"
    TREND = "trend"
    BENCHMARK = "benchmark"
    IGNORED = "ignored"


YEAR_KINDS = (ColumnKind.OUTTURN, ColumnKind.YEAR_TO_DATE, ColumnKind.TARGET_MIN, ColumnKind.TARGET_UPPER)


@dataclass(frozen=True)
class Column:
    index: int
    heading: str
    kind: str
    month: datetime.date | None = None
    year: int | None = None
    benchmark: tuple[str, str] | None = None

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def key(self) -> tuple:
        return (self.kind, self.month, self.year, self.benchmark)


@dataclass
class Table:
    """A header block and the columns it maps; rows below it up to the next header belong to it."""

    header_row: int
    end_row: int  # last header row (1-based)
    ref_index: int
    columns: list[Column]
    problems: list[Problem]
    ignored: list[str]

    @property
    def ref_heading(self) -> str:
        return next(c.heading for c in self.columns if c.kind == ColumnKind.REF)


class _Heading(NamedTuple):
    """One column's lowest heading (which names it), the row it is on and the group labels above it."""

    col: int
    value: object
    text: str
    at: int  # row index of the heading
    groups: str


class _Pending(NamedTuple):
    """A yearly column that names no year: it is for the year of the table's latest month."""

    heading: _Heading
    kind: str


@dataclass
class _Mapping:
    columns: list[Column] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    pending: list[_Pending] = field(default_factory=list)


# --- Recognising headings. --------------------------------------------------------------------------


def ref_index(row: tuple) -> int | None:
    """Return the index of the row's "Ref" cell, or None when it has none."""
    for index, value in enumerate(row):
        if value.__class__ is str and value.strip().lower() == "ref":
            return index
    return None


def parse_month(heading) -> datetime.date | None:
    """Return the first day of the month a heading names (Jul 20, July 2020, 2020-07, 07/2020), or None."""
    if isinstance(heading, datetime.datetime | datetime.date):
        return datetime.date(heading.year, heading.month, 1)
    text = cell_text(heading).lower()
    year = month = None
    if match := MONTH_NAME_HEADING.match(text):
        month = MONTHS.get(match["name"])
        year = int(match["year"])
    elif (match := MONTH_ISO_HEADING.match(text)) or (match := MONTH_SLASH_HEADING.match(text)):
        month, year = int(match["month"]), int(match["year"])
    if not month or not 1 <= month <= 12 or year is None:
        return None
    if year < 100:
        year += 2000
    return datetime.date(year, month, 1) if 1990 <= year <= 2100 else None


def is_month_like(heading) -> bool:
    if isinstance(heading, datetime.datetime | datetime.date):
        return True
    text = cell_text(heading).lower()
    is_financial_year = FINANCIAL_YEAR_HEADING.match(text) and financial_year(text) is not None
    return bool(MONTH_LIKE_HEADING.match(text)) and not is_financial_year


def financial_year(text: str) -> int | None:
    """Return the starting year of the first financial year written in `text` ("2020/21" -> 2020), or None."""
    for match in FINANCIAL_YEAR.finditer(text):
        start, end = int(match["start"]), match["end"]
        if int(end) % 100 == (start + 1) % 100:
            return start
    return None


def _is_heading_like(value) -> bool:
    if isinstance(value, datetime.datetime | datetime.date):
        return True
    if value.__class__ is not str:
        return False
    text = cell_text(value).lower()
    return bool(
        is_month_like(value)
        or GROUP_LABELS.search(text)
        or text in TITLE_HEADINGS
        or text in PERIOD_HEADINGS
        or text.startswith(("min", "upper", "max", "month", "current"))
        or any(text.startswith(prefix) for prefix, _ in BENCHMARK_HEADINGS)
    )


def _is_header_continuation(row: tuple, ref_at: int) -> bool:
    """A row below the Ref row that carries more headings (the seed splits headers over 2-3 lines)."""
    if not is_blank(cell_at(row, ref_at)):
        return False
    filled = [value for value in row if not is_blank(value)]
    if not filled or any(value.__class__ in (int, float) for value in filled):
        return False
    return sum(_is_heading_like(value) for value in filled) * 2 >= len(filled)


def _is_group_row(row: tuple, ref_at: int) -> bool:
    """The row above the Ref row with merged labels such as "2020/21", "Target", "Benchmarking"."""
    if not is_blank(cell_at(row, ref_at)):
        return False
    filled = [value for value in row if not is_blank(value)]
    return bool(filled) and all(value.__class__ is str and GROUP_LABELS.search(value) for value in filled)


# --- Finding header blocks. -------------------------------------------------------------------------


def find_header(sheet: Sheet, start: int) -> Table | None:
    """Return the first header block at or after row index `start` that has a month column."""
    for index in range(start, len(sheet.rows)):
        table = table_at(sheet, index)
        if table is not None and any(c.kind == ColumnKind.MONTH for c in table.columns):
            return table
        if table is not None and table.problems:
            return table
    return None


def has_header(sheet: Sheet) -> bool:
    """Return whether the sheet holds a KPI table."""
    return find_header(sheet, 0) is not None


def table_at(sheet: Sheet, index: int) -> Table | None:
    """Return the header block whose Ref row is at row index `index`, or None if it is no KPI header."""
    rows = sheet.rows
    ref_at = ref_index(rows[index])
    if ref_at is None:
        return None
    block = [index]
    while (
        len(block) < MAX_HEADER_LINES
        and block[-1] + 1 < len(rows)
        and _is_header_continuation(rows[block[-1] + 1], ref_at)
    ):
        block.append(block[-1] + 1)
    if index > 0 and _is_group_row(rows[index - 1], ref_at):
        block.insert(0, index - 1)
    if not any(is_month_like(value) for i in block for value in rows[i]):
        return None
    return map_columns(rows, block, ref_at)


# --- Mapping columns. -------------------------------------------------------------------------------


def map_columns(rows: list[tuple], block: list[int], ref_at: int) -> Table:
    """Return the table whose header is the rows at `block`, each column mapped to what it holds."""
    mapping = _Mapping()
    for heading in _headings(rows, block):
        _map_column(heading, ref_at, mapping)
    _resolve_pending(mapping)
    mapping.columns.sort(key=lambda c: c.index)
    mapping.problems.extend(_duplicate_columns(mapping.columns, header_row=block[-1] + 1))
    return Table(
        header_row=block[0] + 1,
        end_row=block[-1] + 1,
        ref_index=ref_at,
        columns=mapping.columns,
        problems=mapping.problems,
        ignored=mapping.ignored,
    )


def _headings(rows: list[tuple], block: list[int]) -> list[_Heading]:
    """Return each filled column's lowest heading with the group labels above it."""
    width = max(len(rows[i]) for i in block)
    # Merged group labels are stored in their first cell only: carry each label rightwards.
    filled_right: dict[int, list] = {}
    for i in block:
        carried, values = None, []
        for col in range(width):
            value = cell_at(rows[i], col)
            carried = value if not is_blank(value) else carried
            values.append(carried)
        filled_right[i] = values
    headings = []
    for col in range(width):
        found = [(i, cell_at(rows[i], col)) for i in block if not is_blank(cell_at(rows[i], col))]
        if not found:
            continue
        at, value = found[-1]  # the lowest heading names the column; those above it group it
        labels = [cell_text(filled_right[i][col]) for i in block if i < at and filled_right[i][col] is not None]
        headings.append(_Heading(col, value, cell_text(value), at, " ".join(labels)))
    return headings


def _map_column(heading: _Heading, ref_at: int, mapping: _Mapping) -> None:
    found = _column_of(heading, ref_at)
    if isinstance(found, Column):
        mapping.columns.append(found)
    elif isinstance(found, Problem):
        mapping.problems.append(found)
    elif isinstance(found, _Pending):
        mapping.pending.append(found)
    else:
        mapping.ignored.append(heading.text)


def _column_of(heading: _Heading, ref_at: int) -> Column | Problem | _Pending | None:
    """Return the column a heading names, the problem with it, or None when it is not imported."""
    lowered = heading.text.lower()
    kind = _fixed_kind(heading, ref_at)
    if kind is not None:
        return Column(heading.col, heading.text, kind)
    if is_month_like(heading.value):
        return _month_column(heading)
    if FINANCIAL_YEAR_HEADING.match(lowered) and financial_year(lowered) is not None:
        return Column(heading.col, heading.text, ColumnKind.OUTTURN, year=financial_year(lowered))
    if lowered.startswith("final"):
        return _final_column(heading)
    return _yearly_or_benchmark_column(heading)


def _fixed_kind(heading: _Heading, ref_at: int) -> str | None:
    """Return the kind of the Ref, title and period columns (named by their heading alone), or None."""
    lowered = heading.text.lower()
    if heading.col == ref_at:
        return ColumnKind.REF
    if lowered in TITLE_HEADINGS:
        return ColumnKind.TITLE
    if lowered in PERIOD_HEADINGS:
        return ColumnKind.PERIOD
    return None


def _yearly_or_benchmark_column(heading: _Heading) -> Column | _Pending | None:
    col, text, lowered = heading.col, heading.text, heading.text.lower()
    kind = _yearly_kind(lowered, heading.groups)
    if kind is not None:
        year = financial_year(lowered) or financial_year(heading.groups)
        return _Pending(heading, kind) if year is None else Column(col, text, kind, year=year)
    benchmark = _benchmark_of(lowered)
    return Column(col, text, ColumnKind.BENCHMARK, benchmark=benchmark) if benchmark is not None else None


def _month_column(heading: _Heading) -> Column | Problem:
    month = parse_month(heading.value)
    if month is None:
        return Problem(heading.at + 1, heading.text, MONTH_HEADING_UNREADABLE.format(heading=heading.text))
    return Column(heading.col, heading.text, ColumnKind.MONTH, month=month)


def _final_column(heading: _Heading) -> Column | Problem:
    year = financial_year(heading.text.lower()) or financial_year(heading.groups)
    if year is None:
        return Problem(heading.at + 1, heading.text, YEAR_MISSING.format(heading=heading.text))
    return Column(heading.col, heading.text, ColumnKind.OUTTURN, year=year)


def _yearly_kind(lowered: str, groups: str) -> str | None:
    if "year to date" in lowered or lowered == "ytd":
        return ColumnKind.YEAR_TO_DATE
    if lowered.startswith("min"):
        return ColumnKind.TARGET_MIN
    if lowered.startswith(("upper", "max")):
        return ColumnKind.TARGET_UPPER
    if lowered.startswith("trend") or (lowered == "month" and "trend" in groups.lower()):
        return ColumnKind.TREND
    return None


def _benchmark_of(lowered: str) -> tuple[str, str] | None:
    for prefix, kind in BENCHMARK_HEADINGS:
        if lowered.startswith(prefix):
            rest = lowered[len(prefix) :]
            # "Regional / Stat Neigh" names one comparator group; "to 2021" says which period.
            period = rest.strip(" /-:").strip()
            if any(rest.lstrip(" /").startswith(p) for p, _ in BENCHMARK_HEADINGS):
                period = ""
            return kind, period[:MAX_BENCHMARK_PERIOD]
    return None


def _resolve_pending(mapping: _Mapping) -> None:
    """Give the yearly columns that name no year the financial year of the table's latest month."""
    months = [c.month for c in mapping.columns if c.kind == ColumnKind.MONTH]
    current_year = financial_year_of(max(months)) if months else None
    for heading, kind in mapping.pending:
        if current_year is None:
            mapping.problems.append(Problem(heading.at + 1, heading.text, YEAR_MISSING.format(heading=heading.text)))
        else:
            mapping.columns.append(Column(heading.col, heading.text, kind, year=current_year))


def _duplicate_columns(columns: list[Column], *, header_row: int) -> list[Problem]:
    """Return a problem for each column holding the same figures as one to its left."""
    problems = []
    seen: dict[tuple, Column] = {}
    for column in columns:
        if column.kind in (ColumnKind.IGNORED, ColumnKind.TITLE):
            continue
        other = seen.setdefault(column.key, column)
        if other is not column:
            message = DUPLICATE_COLUMN.format(other=other.heading, other_letter=other.letter)
            problems.append(Problem(header_row, column.heading, message))
    return problems
