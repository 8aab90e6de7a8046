"""The KPI spreadsheet pipeline, shared by the admin, `import_kpis`, `export_kpis` and the benchmark.

read (xlsx or csv) -> find the header -> map the columns -> parse every cell, collecting every problem
-> diff against the database in a fixed number of queries -> preview -> write it all in one
transaction (with history), or nothing. Export writes the same wide layout, so that exporting and
importing back changes nothing.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.calendar import financial_year_label, financial_year_of
from kpis.models import (
    YEAR_FIELDS,
    Benchmark,
    BenchmarkKind,
    KpiImport,
    Measure,
    MeasureValue,
    MeasureYear,
    PeriodType,
    Unit,
)
from plans.models import Plan

# --- Messages a person reads: one place, full sentences, saying what to do next. ---------------------

NOT_A_SPREADSHEET = (
    "“{name}” is not a spreadsheet. Save the KPI table as an Excel workbook (.xlsx) or as CSV (.csv) and upload that."
)
OLD_EXCEL_FORMAT = (
    "“{name}” is in the old Excel 97–2003 format (.xls). Open it in Excel, save it as an Excel "
    "workbook (.xlsx) and upload that."
)
NO_HEADER_ROW = (
    "No header row was found. The table needs a row with a “Ref” column and at least one month "
    "column headed like Jul 20, Jul 2020, July 2020 or 2020-07: add it and upload the file again."
)
NO_MEASURE_ROWS = (
    "The table has no measure rows under its header. Add one row per measure with its Ref, or check the file."
)
MONTH_HEADING_UNREADABLE = (
    "The heading “{heading}” looks like a month but cannot be read. Write months like Jul 20, Jul 2020, "
    "July 2020 or 2020-07."
)
YEAR_MISSING = (
    "The heading “{heading}” does not say which financial year it is for. Add the year, for example "
    "“{heading} 2020/21”."
)
DUPLICATE_COLUMN = (
    "This column holds the same figures as column “{other}” ({other_letter}). Delete one of the two columns."
)
UNKNOWN_REF = "No measure in “{plan}” has the Ref “{ref}”. Correct the Ref, or add the measure in the admin first."
DUPLICATE_REF = "The Ref “{ref}” is also on row {other_row}. Keep one row per measure and delete the other."
ROW_WITHOUT_REF = "This row has figures but no Ref. Write the measure's Ref in the Ref column, or delete the row."
NOT_A_NUMBER = (
    "“{text}” is not a number. Write a number such as 84 or 84%, leave the cell blank, or write why "
    "there is no figure (for example n/a or TBC)."
)
PERCENTAGE_OUT_OF_RANGE = (
    "{value}% is outside 0–100% for a percentage measure. Correct the figure (a fraction such as 0.84 "
    "needs its cell formatted as a percentage)."
)
NUMBER_TOO_LARGE = "{value} is too large to store. Correct the figure."
TEXT_TOO_LONG = "The text is {length} characters long but at most {limit} fit. Shorten it."

CHANGE_REASON = "KPI import: {file_name}"

# --- Recognising headings and cells. ---------------------------------------------------------------

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
REF_PATTERN = re.compile(r"^[A-Za-z]{0,4}\d{1,3}(?:[.\-]\d{1,3}){0,3}[A-Za-z]?$")
NUMBER_AT_START = re.compile(r"^(?P<number>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)\s*(?P<percent>%?)")
# Words that say why a cell has no figure ("n/a", "TBC", "No adoptions this month so n/a", "-").
NO_FIGURE_MARKERS = re.compile(
    r"(\bn\s*/\s*a\b|\bna\b|\btb[cad]\b|\bnot\b|\bno\b|\bnil\b|\bnone\b|\bawaiting\b|\bpending\b|"
    r"\bunavailable\b|\bsuppressed\b|\bnew\b|^[-–—.x*]+$)",
    re.IGNORECASE,
)
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TITLE_HEADINGS = {"performance measure", "measure", "title", "description", "measure title"}
PERIOD_HEADINGS = {"period", "period type"}
GROUP_LABELS = re.compile(r"(target|benchmark|trend|final|year to date|\d{4}\s*/\s*\d{2})", re.IGNORECASE)
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
BENCHMARK_HEADINGS = (
    ("statistical neighbours", BenchmarkKind.STAT_NEIGHBOUR),
    ("statistical neighbour", BenchmarkKind.STAT_NEIGHBOUR),
    ("stat neighbours", BenchmarkKind.STAT_NEIGHBOUR),
    ("stat neighbour", BenchmarkKind.STAT_NEIGHBOUR),
    ("stat neigh", BenchmarkKind.STAT_NEIGHBOUR),
    ("national", BenchmarkKind.NATIONAL),
    ("regional", BenchmarkKind.REGIONAL),
)
BENCHMARK_EXPORT_HEADINGS = {
    BenchmarkKind.NATIONAL: "National",
    BenchmarkKind.STAT_NEIGHBOUR: "Stat Neighbour",
    BenchmarkKind.REGIONAL: "Regional",
}

# Field limits, read from the models so the parser refuses what the database could not hold.
MAX_TEXT = MeasureValue._meta.get_field("text").max_length
MAX_TARGET_TEXT = MeasureYear._meta.get_field("target_text").max_length
MAX_YEAR_TEXT = MeasureYear._meta.get_field("outturn_text").max_length
MAX_TREND = MeasureYear._meta.get_field("reported_trend").max_length
MAX_BENCHMARK_TEXT = Benchmark._meta.get_field("text").max_length
MAX_BENCHMARK_PERIOD = Benchmark._meta.get_field("period").max_length
MAX_NUMBER = Decimal(10) ** (
    MeasureValue._meta.get_field("value").max_digits - MeasureValue._meta.get_field("value").decimal_places
)
FOUR_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)
BATCH_SIZE = 2000


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


# --- Results. ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused, placed by the spreadsheet's own row number and column heading."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row and self.column:
            return f"Row {self.row}, column “{self.column}”: {self.message}"
        if self.row:
            return f"Row {self.row}: {self.message}"
        return self.message


@dataclass(frozen=True)
class Figure:
    """A parsed cell: a number, a number with words as written (text), or why there is none (note)."""

    value: Decimal | None
    text: str = ""
    note: str = ""

    @property
    def words(self) -> str:
        return self.text or self.note


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
class MeasureRow:
    row: int
    ref: str
    measure: Measure | None
    months: dict[datetime.date, Figure] = field(default_factory=dict)
    years: dict[int, dict[str, Figure | str | None]] = field(default_factory=dict)
    benchmarks: dict[tuple[str, str], Figure] = field(default_factory=dict)
    period_type: str | None = None


@dataclass(frozen=True)
class MonthChange:
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
class _Writes:
    # Monthly values stay plain tuples: building 60,000 model instances costs more than writing them.
    new_values: list[tuple] = field(default_factory=list)  # (measure_id, month, value, text, note)
    changed_values: list[tuple] = field(default_factory=list)  # (pk, measure_id, month, value, text, note)
    new_years: list[MeasureYear] = field(default_factory=list)
    changed_years: list[MeasureYear] = field(default_factory=list)
    new_benchmarks: list[Benchmark] = field(default_factory=list)
    changed_benchmarks: list[Benchmark] = field(default_factory=list)
    changed_measures: list[Measure] = field(default_factory=list)


@dataclass
class KpiImportPreview:
    """The outcome of reading and checking a file: its problems, or per measure what it would change."""

    plan: Plan
    file_name: str
    problems: list[Problem] = field(default_factory=list)
    measures: list[MeasurePreview] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    _writes: _Writes = field(default_factory=_Writes, repr=False)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    @property
    def values_created(self) -> int:
        return sum(len(m.new) for m in self.measures)

    @property
    def values_changed(self) -> int:
        return sum(len(m.changed) for m in self.measures)

    @property
    def values_unchanged(self) -> int:
        return sum(len(m.unchanged) for m in self.measures)

    @property
    def other_changes(self) -> int:
        return sum(len(m.other_changes) for m in self.measures)

    @property
    def has_changes(self) -> bool:
        return any(m.has_changes for m in self.measures)

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


class FileRefused(Exception):
    """The file cannot be read at all (not a spreadsheet, or no header)."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


# --- Step 1: read the file into rows of cell values. ---------------------------------------------


@dataclass
class Sheet:
    """The cells of the file: rows[i] is spreadsheet row i + 1; percent_cells holds (row, column) of numbers
    shown as percentages (so 0.84 means 84)."""

    rows: list[tuple]
    percent_cells: set[tuple[int, int]]


def kpi_file_read(*, data: bytes, file_name: str) -> Sheet:
    """Return the cells of an .xlsx or .csv file; raise FileRefused when it is not a spreadsheet."""
    name = file_name.lower()
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise FileRefused(Problem(None, "", OLD_EXCEL_FORMAT.format(name=file_name)))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, file_name)
    if not name.endswith(CSV_EXTENSIONS) or b"\x00" in data[:4096] or not data.strip():
        raise FileRefused(Problem(None, "", NOT_A_SPREADSHEET.format(name=file_name)))
    return _read_csv(data, file_name)


def _read_xlsx(data: bytes, file_name: str) -> Sheet:
    # openpyxl raises many kinds of error for a zip that is no workbook (a .docx, a damaged file).
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            worksheets = [workbook.active] + [ws for ws in workbook.worksheets if ws is not workbook.active]
            first = None
            for worksheet in worksheets:
                sheet = _read_worksheet(worksheet)
                first = first or sheet
                if _find_header(sheet, 0) is not None:
                    return sheet
            return first or Sheet(rows=[], percent_cells=set())
        finally:
            workbook.close()
    except Exception as exc:
        raise FileRefused(Problem(None, "", NOT_A_SPREADSHEET.format(name=file_name))) from exc


def _read_worksheet(worksheet) -> Sheet:
    # Some writers record a wrong sheet size; reading to the real end avoids losing rows.
    worksheet.reset_dimensions()
    rows: list[tuple] = []
    percent_cells: set[tuple[int, int]] = set()
    for row_index, cells in enumerate(worksheet.iter_rows(), start=1):
        values = []
        for col_index, cell in enumerate(cells):
            value = cell.value
            if value.__class__ is float or value.__class__ is int:
                if _is_percent_format(cell.number_format):
                    percent_cells.add((row_index, col_index))
            elif value.__class__ is str:
                value = _unescape(value)
            values.append(value)
        rows.append(tuple(values))
    return Sheet(rows=rows, percent_cells=percent_cells)


_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _is_percent_format(number_format: str | None) -> bool:
    if not number_format or "%" not in number_format:
        return False
    return "%" in _QUOTED.sub("", number_format)


def _read_csv(data: bytes, file_name: str) -> Sheet:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(Problem(None, "", NOT_A_SPREADSHEET.format(name=file_name)))
    sample = text[:20000]
    delimiter = max(",\t;", key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [tuple(_unescape(value) for value in row) for row in reader]
    except csv.Error as exc:
        raise FileRefused(Problem(None, "", NOT_A_SPREADSHEET.format(name=file_name))) from exc
    return Sheet(rows=rows, percent_cells=set())


def _unescape(value: str) -> str:
    """Undo the export's formula escaping: a leading apostrophe before = + - @ tab or CR."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


# --- Step 2: find header rows and map their columns. ----------------------------------------------


@dataclass
class Table:
    """A header block and the columns it maps; rows below it up to the next header belong to it."""

    header_row: int
    end_row: int  # last header row (1-based)
    ref_index: int
    columns: list[Column]
    problems: list[Problem]
    ignored: list[str]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value:%b %Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _cell(row: tuple, index: int):
    return row[index] if index < len(row) else None


def _is_blank(value) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def _ref_index(row: tuple) -> int | None:
    for index, value in enumerate(row):
        if value.__class__ is str and value.strip().lower() == "ref":
            return index
    return None


def _parse_month(heading) -> datetime.date | None:
    if isinstance(heading, datetime.datetime | datetime.date):
        return datetime.date(heading.year, heading.month, 1)
    text = _text(heading).lower()
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


def _is_month_like(heading) -> bool:
    if isinstance(heading, datetime.datetime | datetime.date):
        return True
    text = _text(heading).lower()
    is_financial_year = FINANCIAL_YEAR_HEADING.match(text) and _financial_year(text) is not None
    return bool(MONTH_LIKE_HEADING.match(text)) and not is_financial_year


def _financial_year(text: str) -> int | None:
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
    text = _text(value).lower()
    return bool(
        _is_month_like(value)
        or GROUP_LABELS.search(text)
        or text in TITLE_HEADINGS
        or text in PERIOD_HEADINGS
        or text.startswith(("min", "upper", "max", "month", "current"))
        or any(text.startswith(prefix) for prefix, _ in BENCHMARK_HEADINGS)
    )


def _is_header_continuation(row: tuple, ref_index: int) -> bool:
    """A row below the Ref row that carries more headings (the seed splits headers over 2-3 lines)."""
    if not _is_blank(_cell(row, ref_index)):
        return False
    filled = [value for value in row if not _is_blank(value)]
    if not filled or any(value.__class__ in (int, float) for value in filled):
        return False
    return sum(_is_heading_like(value) for value in filled) * 2 >= len(filled)


def _is_group_row(row: tuple, ref_index: int) -> bool:
    """The row above the Ref row with merged labels such as "2020/21", "Target", "Benchmarking"."""
    if not _is_blank(_cell(row, ref_index)):
        return False
    filled = [value for value in row if not _is_blank(value)]
    return bool(filled) and all(value.__class__ is str and GROUP_LABELS.search(value) for value in filled)


def _find_header(sheet: Sheet, start: int) -> Table | None:
    """Return the first header block at or after row index `start` that has a month column."""
    for index in range(start, len(sheet.rows)):
        table = _table_at(sheet, index)
        if table is not None and any(c.kind == ColumnKind.MONTH for c in table.columns):
            return table
        if table is not None and table.problems:
            return table
    return None


def _table_at(sheet: Sheet, index: int) -> Table | None:
    """Return the header block whose Ref row is at row index `index`, or None if it is no KPI header."""
    rows = sheet.rows
    ref_index = _ref_index(rows[index])
    if ref_index is None:
        return None
    block = [index]
    while len(block) < 3 and block[-1] + 1 < len(rows) and _is_header_continuation(rows[block[-1] + 1], ref_index):
        block.append(block[-1] + 1)
    if index > 0 and _is_group_row(rows[index - 1], ref_index):
        block.insert(0, index - 1)
    if not any(_is_month_like(value) for i in block for value in rows[i]):
        return None
    return _map_columns(rows, block, ref_index)


def _map_columns(rows: list[tuple], block: list[int], ref_index: int) -> Table:
    width = max(len(rows[i]) for i in block)
    # Merged group labels are stored in their first cell only: carry each label rightwards.
    filled_right: dict[int, list] = {}
    for i in block:
        carried, values = None, []
        for col in range(width):
            value = _cell(rows[i], col)
            carried = value if not _is_blank(value) else carried
            values.append(carried)
        filled_right[i] = values

    columns: list[Column] = []
    problems: list[Problem] = []
    ignored: list[str] = []
    pending: list[tuple[int, str, str, str]] = []  # columns whose year is "the current year"
    header_row = block[-1] + 1
    for col in range(width):
        found = [(i, _cell(rows[i], col)) for i in block if not _is_blank(_cell(rows[i], col))]
        if not found:
            continue
        at, heading = found[-1]  # the lowest heading names the column; those above it group it
        groups = " ".join(_text(filled_right[i][col]) for i in block if i < at and filled_right[i][col] is not None)
        text = _text(heading)
        lowered = text.lower()
        column = None
        if col == ref_index:
            column = Column(col, text, ColumnKind.REF)
        elif lowered in TITLE_HEADINGS:
            column = Column(col, text, ColumnKind.TITLE)
        elif lowered in PERIOD_HEADINGS:
            column = Column(col, text, ColumnKind.PERIOD)
        elif _is_month_like(heading):
            month = _parse_month(heading)
            if month is None:
                problems.append(Problem(at + 1, text, MONTH_HEADING_UNREADABLE.format(heading=text)))
                continue
            column = Column(col, text, ColumnKind.MONTH, month=month)
        elif FINANCIAL_YEAR_HEADING.match(lowered) and _financial_year(lowered) is not None:
            column = Column(col, text, ColumnKind.OUTTURN, year=_financial_year(lowered))
        elif lowered.startswith("final"):
            year = _financial_year(lowered) or _financial_year(groups)
            if year is None:
                problems.append(Problem(at + 1, text, YEAR_MISSING.format(heading=text)))
                continue
            column = Column(col, text, ColumnKind.OUTTURN, year=year)
        else:
            kind = None
            if "year to date" in lowered or lowered == "ytd":
                kind = ColumnKind.YEAR_TO_DATE
            elif lowered.startswith("min"):
                kind = ColumnKind.TARGET_MIN
            elif lowered.startswith(("upper", "max")):
                kind = ColumnKind.TARGET_UPPER
            elif lowered.startswith("trend") or (lowered == "month" and "trend" in groups.lower()):
                kind = ColumnKind.TREND
            if kind is not None:
                year = _financial_year(lowered) or _financial_year(groups)
                if year is None:
                    pending.append((col, text, kind, at))
                    continue
                column = Column(col, text, kind, year=year)
            else:
                benchmark = _benchmark_of(lowered)
                if benchmark is not None:
                    column = Column(col, text, ColumnKind.BENCHMARK, benchmark=benchmark)
        if column is None:
            ignored.append(text)
            continue
        columns.append(column)

    months = [c.month for c in columns if c.kind == ColumnKind.MONTH]
    current_year = financial_year_of(max(months)) if months else None
    for col, text, kind, at in pending:
        if current_year is None:
            problems.append(Problem(at + 1, text, YEAR_MISSING.format(heading=text)))
        else:
            columns.append(Column(col, text, kind, year=current_year))
    columns.sort(key=lambda c: c.index)

    seen: dict[tuple, Column] = {}
    for column in columns:
        if column.kind in (ColumnKind.IGNORED, ColumnKind.TITLE):
            continue
        if column.key in seen:
            other = seen[column.key]
            message = DUPLICATE_COLUMN.format(other=other.heading, other_letter=other.letter)
            problems.append(Problem(header_row, column.heading, message))
        else:
            seen[column.key] = column
    return Table(
        header_row=block[0] + 1,
        end_row=block[-1] + 1,
        ref_index=ref_index,
        columns=columns,
        problems=problems,
        ignored=ignored,
    )


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


# --- Step 3: parse every cell, collecting every problem. ------------------------------------------


class CellProblem(Exception):
    pass


def _quantize(number: Decimal) -> Decimal:
    if abs(number) >= MAX_NUMBER:
        raise CellProblem(NUMBER_TOO_LARGE.format(value=_format_number(number)))
    return number.quantize(FOUR_PLACES)


def parse_figure(value, *, percent_cell: bool = False, free_text: bool = False, limit: int = MAX_TEXT) -> Figure | None:
    """Return the cell as a Figure (None when blank); raise CellProblem when it is not a number.

    84, "84%", 0.84 in a %-formatted cell -> 84; "1919 / 731*" -> 1919 with its text as written;
    "n/a", "TBC", "No adoptions this month so n/a" -> no value, the words kept as a note.
    """
    if value is None:
        return None
    cls = value.__class__
    if cls is int or cls is float:
        number = Decimal(repr(value)) if cls is float else Decimal(value)
        if percent_cell:
            number *= HUNDRED
        return Figure(_quantize(number))
    if cls is bool or isinstance(value, datetime.date | datetime.datetime | datetime.time):
        raise CellProblem(NOT_A_NUMBER.format(text=_text(value)))
    text = " ".join(str(value).split())
    if not text:
        return None
    if len(text) > limit:
        raise CellProblem(TEXT_TOO_LONG.format(length=len(text), limit=limit))
    match = NUMBER_AT_START.match(text)
    if match:
        rest = text[match.end() :]
        if not rest:
            try:
                number = Decimal(match["number"].replace(",", ""))
            except InvalidOperation as exc:  # pragma: no cover - the pattern only lets numbers through
                raise CellProblem(NOT_A_NUMBER.format(text=text)) from exc
            return Figure(_quantize(number))
        if rest[0] in " */(":
            return Figure(_quantize(Decimal(match["number"].replace(",", ""))), text=text)
        if not free_text:
            raise CellProblem(NOT_A_NUMBER.format(text=text))
    if free_text or NO_FIGURE_MARKERS.search(text):
        return Figure(None, note=text)
    raise CellProblem(NOT_A_NUMBER.format(text=text))


def _check_range(figure: Figure, measure: Measure | None) -> None:
    is_percentage = measure is not None and measure.unit == Unit.PERCENTAGE
    if is_percentage and figure.value is not None and not 0 <= figure.value <= 100:
        raise CellProblem(PERCENTAGE_OUT_OF_RANGE.format(value=_format_number(figure.value)))


def _parse_rows(
    sheet: Sheet, plan: Plan, measures_by_ref: dict[str, Measure]
) -> tuple[list[MeasureRow], KpiImportPreview]:
    preview = KpiImportPreview(plan=plan, file_name="")
    table = _find_header(sheet, 0)
    if table is None:
        preview.problems.append(Problem(None, "", NO_HEADER_ROW))
        return [], preview
    rows = sheet.rows
    parsed: list[MeasureRow] = []
    first_row_of_ref: dict[str, int] = {}
    index = table.header_row - 1
    active: Table | None = None
    while index < len(rows):
        row = rows[index]
        if _ref_index(row) is not None:
            # A new header (the seed repeats one per section); a "Ref" row without months ends the table.
            found = _table_at(sheet, index)
            if found is not None:
                active = found
                preview.problems.extend(found.problems)
                preview.ignored_columns.extend(h for h in found.ignored if h not in preview.ignored_columns)
                index = found.end_row
                continue
            active = None
            index += 1
            continue
        index += 1
        if active is None:
            continue
        parsed_row = _parse_row(row, index, active, sheet, plan, measures_by_ref, first_row_of_ref, preview.problems)
        if parsed_row is not None:
            parsed.append(parsed_row)
    if not parsed and not preview.problems:
        preview.problems.append(Problem(table.end_row, "", NO_MEASURE_ROWS))
    return parsed, preview


def _parse_row(
    row: tuple,
    row_number: int,
    table: Table,
    sheet: Sheet,
    plan: Plan,
    measures_by_ref: dict[str, Measure],
    first_row_of_ref: dict[str, int],
    problems: list[Problem],
) -> MeasureRow | None:
    raw_ref = _cell(row, table.ref_index)
    ref = _text(raw_ref)
    figure_columns = [c for c in table.columns if c.kind not in (ColumnKind.REF, ColumnKind.TITLE)]
    if not REF_PATTERN.match(ref):
        # Blank rows, section headings and footnotes ("* Rate per 10,000 ...") are read and passed over.
        if any(not _is_blank(_cell(row, c.index)) for c in figure_columns if c.kind == ColumnKind.MONTH):
            ref_heading = next(c.heading for c in table.columns if c.kind == ColumnKind.REF)
            problems.append(Problem(row_number, ref_heading, ROW_WITHOUT_REF))
        return None
    ref_heading = next(c.heading for c in table.columns if c.kind == ColumnKind.REF)
    measure = measures_by_ref.get(ref) or measures_by_ref.get(ref.casefold())
    if measure is None:
        problems.append(Problem(row_number, ref_heading, UNKNOWN_REF.format(plan=plan.title, ref=ref)))
    key = measure.ref if measure is not None else ref
    if key in first_row_of_ref:
        message = DUPLICATE_REF.format(ref=ref, other_row=first_row_of_ref[key])
        problems.append(Problem(row_number, ref_heading, message))
        return None
    first_row_of_ref[key] = row_number
    parsed = MeasureRow(row=row_number, ref=ref, measure=measure)
    percent_cells = sheet.percent_cells
    for column in figure_columns:
        value = _cell(row, column.index)
        if _is_blank(value):
            continue
        try:
            if column.kind == ColumnKind.MONTH:
                figure = parse_figure(value, percent_cell=(row_number, column.index) in percent_cells)
                _check_range(figure, measure)
                parsed.months[column.month] = figure
            elif column.kind in YEAR_KINDS:
                is_target = column.kind in (ColumnKind.TARGET_MIN, ColumnKind.TARGET_UPPER)
                limit = MAX_TARGET_TEXT if is_target else MAX_YEAR_TEXT
                figure = parse_figure(value, percent_cell=(row_number, column.index) in percent_cells, limit=limit)
                _check_range(figure, measure)
                parsed.years.setdefault(column.year, {})[column.kind] = figure
            elif column.kind == ColumnKind.TREND:
                trend = _text(value)
                if len(trend) > MAX_TREND:
                    raise CellProblem(TEXT_TOO_LONG.format(length=len(trend), limit=MAX_TREND))
                parsed.years.setdefault(column.year, {})[ColumnKind.TREND] = trend
            elif column.kind == ColumnKind.BENCHMARK:
                figure = parse_figure(
                    value,
                    percent_cell=(row_number, column.index) in percent_cells,
                    free_text=True,
                    limit=MAX_BENCHMARK_TEXT,
                )
                _check_range(figure, measure)
                parsed.benchmarks[column.benchmark] = figure
            elif column.kind == ColumnKind.PERIOD:
                parsed.period_type = PERIOD_TYPES.get(_text(value).lower())
        except CellProblem as problem:
            problems.append(Problem(row_number, column.heading, str(problem)))
    return parsed


# --- Step 4: diff against the database, in a fixed number of queries. -----------------------------


def kpi_import_default_plan() -> Plan | None:
    """Return the plan imports go to unless another is chosen: the one with the latest report date."""
    return Plan.objects.order_by(F("report_date").desc(nulls_last=True), "-created_at", "-id").first()


def kpi_import_preview(*, plan: Plan, file_name: str, data: bytes) -> KpiImportPreview:
    """Return what importing the file into the plan would change, or every problem that refuses it."""
    measures = list(Measure.objects.filter(plan=plan))
    measures_by_ref: dict[str, Measure] = {}
    for measure in measures:
        measures_by_ref[measure.ref] = measure
        measures_by_ref.setdefault(measure.ref.casefold(), measure)
    try:
        sheet = kpi_file_read(data=data, file_name=file_name)
    except FileRefused as refused:
        return KpiImportPreview(plan=plan, file_name=file_name, problems=[refused.problem])
    parsed, preview = _parse_rows(sheet, plan, measures_by_ref)
    preview.file_name = file_name
    preview.rows_read = len(parsed)
    if preview.problems:
        return preview
    _diff(parsed, preview)
    return preview


def _diff(parsed: list[MeasureRow], preview: KpiImportPreview) -> None:
    measure_ids = [row.measure.pk for row in parsed]
    months = sorted({month for row in parsed for month in row.months})
    years = sorted({year for row in parsed for year in row.years})
    existing_values = {}
    if months:
        for pk, measure_id, month, value, text, note in MeasureValue.objects.filter(
            measure_id__in=measure_ids, month__in=months
        ).values_list("pk", "measure_id", "month", "value", "text", "note"):
            existing_values[measure_id, month] = (pk, value, text, note)
    existing_years = {}
    if years:
        for year in MeasureYear.objects.filter(measure_id__in=measure_ids, financial_year__in=years):
            existing_years[year.measure_id, year.financial_year] = year
    existing_benchmarks = {}
    if any(row.benchmarks for row in parsed):
        for benchmark in Benchmark.objects.filter(measure_id__in=measure_ids):
            existing_benchmarks[benchmark.measure_id, benchmark.kind, benchmark.period] = benchmark

    writes = preview._writes
    for row in parsed:
        measure = row.measure
        result = MeasurePreview(measure=measure, row=row.row)
        for month in sorted(row.months):
            figure = row.months[month]
            new = (figure.value, figure.text, figure.note)
            old = existing_values.get((measure.pk, month))
            if old is None:
                result.new.append(MonthChange(month, "", _show(figure.value, figure.words, measure)))
                writes.new_values.append((measure.pk, month, *new))
            elif old[1:] == new:
                result.unchanged.append(month)
            else:
                before = _show(old[1], old[2] or old[3], measure)
                result.changed.append(MonthChange(month, before, _show(figure.value, figure.words, measure)))
                writes.changed_values.append((old[0], measure.pk, month, *new))
        for year, cells in sorted(row.years.items()):
            _diff_year(measure, year, cells, existing_years.get((measure.pk, year)), result, writes)
        for (kind, period), figure in sorted(row.benchmarks.items()):
            existing = existing_benchmarks.get((measure.pk, kind, period))
            label = f"{BenchmarkKind(kind).label} {period}".strip()
            words = figure.words
            if existing is None:
                writes.new_benchmarks.append(
                    Benchmark(measure=measure, kind=kind, period=period, value=figure.value, text=words)
                )
                result.other_changes.append(OtherChange(label, "", _show(figure.value, words, measure)))
            elif (existing.value, existing.text) != (figure.value, words):
                result.other_changes.append(
                    OtherChange(
                        label, _show(existing.value, existing.text, measure), _show(figure.value, words, measure)
                    )
                )
                existing.value, existing.text = figure.value, words
                writes.changed_benchmarks.append(existing)
        if row.period_type and row.period_type != measure.period_type:
            old_label = PeriodType(measure.period_type).label if measure.period_type else ""
            result.other_changes.append(OtherChange("Period", old_label, PeriodType(row.period_type).label))
            measure.period_type = row.period_type
            writes.changed_measures.append(measure)
        preview.measures.append(result)


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


def _diff_year(measure, year, cells, existing, result: MeasurePreview, writes: _Writes) -> None:
    """Set the yearly figures the file has; a group of columns left blank leaves its figures alone."""
    target = existing or MeasureYear(measure=measure, financial_year=year)
    before = {name: getattr(target, name) for name in YEAR_FIELDS}
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
    if after == before:
        return
    year_label = financial_year_label(year)
    for name in YEAR_FIELDS:
        if after[name] != before[name]:
            old = "" if existing is None else _show_plain(before[name], measure, name)
            result.other_changes.append(
                OtherChange(f"{year_label} {YEAR_FIELD_LABELS[name]}", old, _show_plain(after[name], measure, name))
            )
        setattr(target, name, after[name])
    (writes.changed_years if existing else writes.new_years).append(target)


def _format_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _show(value: Decimal | None, words: str, measure: Measure) -> str:
    if words:
        return words
    if value is None:
        return ""
    return _format_number(value) + ("%" if measure.unit == Unit.PERCENTAGE else "")


def _show_plain(value, measure: Measure, name: str) -> str:
    if isinstance(value, Decimal):
        return _show(value, "", measure)
    return "" if value is None else str(value)


# --- Step 5: write everything in one transaction, or nothing. -------------------------------------


def kpi_import_apply(*, preview: KpiImportPreview, user=None, source: str = "admin") -> KpiImport:
    """Write a checked preview to the database with history and return the KpiImport recording it."""
    if preview.problems:
        raise ValueError("A refused file cannot be imported; show its problems instead.")
    writes = preview._writes
    now = timezone.now()
    reason = CHANGE_REASON.format(file_name=preview.file_name)[:100]
    with transaction.atomic():
        record = KpiImport(
            plan=preview.plan,
            file_name=preview.file_name[:255],
            imported_by=user if user is not None and user.is_authenticated else None,
            source=source,
            rows_read=preview.rows_read,
            values_created=preview.values_created,
            values_changed=preview.values_changed,
            values_unchanged=preview.values_unchanged,
        )
        record.full_clean(exclude=["measures"])
        record.save()
        record.measures.set([m.measure.pk for m in preview.measures])
        history = {"default_user": record.imported_by, "default_change_reason": reason, "default_date": now}
        _write_values_with_history(writes, record=record, now=now, reason=reason)
        if writes.new_years:
            bulk_create_with_history(writes.new_years, MeasureYear, batch_size=BATCH_SIZE, **history)
        if writes.changed_years:
            bulk_update_with_history(
                writes.changed_years, MeasureYear, list(YEAR_FIELDS), batch_size=BATCH_SIZE, **history
            )
        if writes.new_benchmarks:
            Benchmark.objects.bulk_create(writes.new_benchmarks, batch_size=BATCH_SIZE)
        if writes.changed_benchmarks:
            Benchmark.objects.bulk_update(writes.changed_benchmarks, ["value", "text"], batch_size=BATCH_SIZE)
        if writes.changed_measures:
            Measure.objects.bulk_update(writes.changed_measures, ["period_type"], batch_size=BATCH_SIZE)
    return record


def _write_values_with_history(writes: _Writes, *, record: KpiImport, now: datetime.datetime, reason: str) -> None:
    """Insert and update the monthly values and their history rows with executemany.

    This is what simple_history's bulk_create_with_history / bulk_update_with_history record (one
    historical row per value: "+" created, "~" changed, history_user = the importer), written without
    building a model instance per value and per history row: for 60,000 values Django's bulk_create
    spends most of its time compiling per-field parameters. Columns come from the models' _meta, so a
    new field on MeasureValue fails loudly here instead of being left out of the history.
    """
    if not (writes.new_values or writes.changed_values):
        return
    meta, history_meta = MeasureValue._meta, MeasureValue.history.model._meta
    ops, quote = connection.ops, connection.ops.quote_name
    value_field = meta.get_field("value")
    decimals: dict[Decimal, object] = {}
    months: dict[datetime.date, object] = {}

    def db_decimal(number: Decimal | None):
        if number is None:
            return None
        if number not in decimals:
            decimals[number] = value_field.get_db_prep_save(number, connection)
        return decimals[number]

    def db_month(month: datetime.date):
        if month not in months:
            months[month] = ops.adapt_datefield_value(month)
        return months[month]

    updated_at = meta.get_field("updated_at").get_db_prep_save(now, connection)
    columns = ["measure_id", "month", "value", "text", "note", "kpi_import_id", "updated_at"]
    with connection.cursor() as cursor:
        if writes.new_values:
            cursor.executemany(
                f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(meta.get_field(c).column) for c in columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                [
                    (measure_id, db_month(month), db_decimal(value), text, note, record.pk, updated_at)
                    for measure_id, month, value, text, note in writes.new_values
                ],
            )
            cursor.execute(
                f"SELECT {quote(meta.pk.column)}, {quote(meta.get_field('measure').column)}, "
                f"{quote(meta.get_field('month').column)} FROM {quote(meta.db_table)} "
                f"WHERE {quote(meta.get_field('kpi_import').column)} = %s",
                [record.pk],
            )
            new_ids = {(measure_id, _as_date(month)): pk for pk, measure_id, month in cursor.fetchall()}
        if writes.changed_values:
            assignments = ", ".join(f"{quote(meta.get_field(c).column)} = %s" for c in columns[2:])
            cursor.executemany(
                f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",
                [
                    (db_decimal(value), text, note, record.pk, updated_at, pk)
                    for pk, _, _, value, text, note in writes.changed_values
                ],
            )
        shared = {
            "kpi_import_id": record.pk,
            "updated_at": updated_at,
            "history_date": history_meta.get_field("history_date").get_db_prep_save(now, connection),
            "history_change_reason": reason,
            "history_user_id": record.imported_by_id,
        }
        history_rows = [
            {"id": new_ids[measure_id, month], "measure_id": measure_id, "month": month, "value": value}
            | {"text": text, "note": note, "history_type": "+"}
            for measure_id, month, value, text, note in writes.new_values
        ] + [
            {"id": pk, "measure_id": measure_id, "month": month, "value": value}
            | {"text": text, "note": note, "history_type": "~"}
            for pk, measure_id, month, value, text, note in writes.changed_values
        ]
        history_fields = [f for f in history_meta.concrete_fields if not f.primary_key]
        cursor.executemany(
            f"INSERT INTO {quote(history_meta.db_table)} ({', '.join(quote(f.column) for f in history_fields)}) "
            f"VALUES ({', '.join(['%s'] * len(history_fields))})",
            [
                tuple(
                    db_month(row["month"])
                    if f.attname == "month"
                    else db_decimal(row["value"])
                    if f.attname == "value"
                    else row[f.attname]
                    if f.attname in row
                    else shared[f.attname]
                    for f in history_fields
                )
                for row in history_rows
            ],
        )


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def kpi_import_confirm(
    *, plan: Plan, file_name: str, data: bytes, user=None, source: str = "admin"
) -> tuple[KpiImportPreview, KpiImport | None]:
    """Read and check the file again, then write it; return the preview and the record (None if refused)."""
    with transaction.atomic():
        preview = kpi_import_preview(plan=plan, file_name=file_name, data=data)
        if preview.problems:
            return preview, None
        return preview, kpi_import_apply(preview=preview, user=user, source=source)


# --- Export: the same wide layout. ----------------------------------------------------------------


@dataclass(frozen=True)
class ExportCell:
    value: object
    percent: bool = False  # a number to show as a percentage
    decimals: int = 0


def _escape(text: str) -> str:
    """Stop a spreadsheet reading text as a formula (OWASP CSV injection): prefix an apostrophe."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _export_cell(value: Decimal | None, words: str, measure: Measure) -> ExportCell | None:
    if words:
        return ExportCell(_escape(words))
    if value is None:
        return None
    return ExportCell(value, percent=measure.unit == Unit.PERCENTAGE, decimals=measure.decimals)


def kpi_export_rows(*, plan: Plan) -> tuple[list[list[ExportCell | None]], list[tuple[int, int, int]]]:
    """Return the wide table of the plan's measures (title, group row, header, one row per measure) and the
    group labels' merged spans as (row, first column, last column), 1-based."""
    measures = list(Measure.objects.filter(plan=plan).select_related("theme"))
    values = MeasureValue.objects.filter(measure__plan=plan).values_list("measure_id", "month", "value", "text", "note")
    by_month: dict[tuple[int, datetime.date], tuple] = {}
    months: set[datetime.date] = set()
    for measure_id, month, value, text, note in values:
        by_month[measure_id, month] = (value, text or note)
        months.add(month)
    years = {(y.measure_id, y.financial_year): y for y in MeasureYear.objects.filter(measure__plan=plan)}
    benchmarks = {(b.measure_id, b.kind, b.period): b for b in Benchmark.objects.filter(measure__plan=plan)}

    year_columns: list[tuple[str, int, str]] = []  # (heading, year, what)
    for year in sorted({year for _, year in years}):
        rows = [y for (_, fy), y in years.items() if fy == year]
        label = financial_year_label(year)
        if any(y.outturn is not None or y.outturn_text for y in rows):
            year_columns.append((f"Final {label}", year, "outturn"))
        if any(y.year_to_date is not None or y.year_to_date_text for y in rows):
            year_columns.append((f"Year to Date {label}", year, "ytd"))
        if any(y.target_min is not None or y.target_upper is not None or y.target_text for y in rows):
            year_columns.append((f"Min {label}", year, "min"))
            year_columns.append((f"Upper {label}", year, "upper"))
        if any(y.reported_trend for y in rows):
            year_columns.append((f"Trend {label}", year, "trend"))
    kind_order = {kind: i for i, kind in enumerate(BenchmarkKind.values)}
    benchmark_keys = sorted({(kind, period) for _, kind, period in benchmarks}, key=lambda k: (kind_order[k[0]], k[1]))
    month_list = sorted(months)

    header = ["Ref", "Performance Measure", "Period"]
    header += [f"{month:%b %y}" for month in month_list]
    header += [heading for heading, _, _ in year_columns]
    header += [f"{BENCHMARK_EXPORT_HEADINGS[kind]} {period}".strip() for kind, period in benchmark_keys]

    group: list[str] = [""] * len(header)
    spans: list[tuple[int, int]] = []

    def add_group(label: str, first: int, last: int) -> None:
        group[first] = label
        spans.append((first + 1, last + 1))

    offset = 3
    for year in sorted({financial_year_of(m) for m in month_list}):
        positions = [offset + i for i, m in enumerate(month_list) if financial_year_of(m) == year]
        add_group(financial_year_label(year), positions[0], positions[-1])
    offset += len(month_list)
    target_positions = [offset + i for i, (_, _, what) in enumerate(year_columns) if what in ("min", "upper")]
    if target_positions:
        add_group("Target", target_positions[0], target_positions[-1])
    offset += len(year_columns)
    if benchmark_keys:
        add_group("Benchmarking", offset, offset + len(benchmark_keys) - 1)

    table: list[list[ExportCell | None]] = [
        [ExportCell(_escape(f"{plan.title}: performance measures"))],
        [ExportCell(f"Exported {timezone.localdate():%d/%m/%Y}")],
        [],
        [ExportCell(label) if label else None for label in group],
        [ExportCell(heading) for heading in header],
    ]
    group_row = 4
    section = None
    for measure in measures:
        if measure.section and measure.section != section:
            table.append([ExportCell(_escape(measure.section))])
        section = measure.section
        row: list[ExportCell | None] = [
            ExportCell(_escape(measure.ref)),
            ExportCell(_escape(measure.title)),
            ExportCell(PeriodType(measure.period_type).label) if measure.period_type else None,
        ]
        for month in month_list:
            found = by_month.get((measure.pk, month))
            row.append(_export_cell(found[0], found[1], measure) if found else None)
        for _, year, what in year_columns:
            found = years.get((measure.pk, year))
            if found is None:
                row.append(None)
            elif what == "outturn":
                row.append(_export_cell(found.outturn, found.outturn_text, measure))
            elif what == "ytd":
                row.append(_export_cell(found.year_to_date, found.year_to_date_text, measure))
            elif what in ("min", "upper"):
                number = found.target_min if what == "min" else found.target_upper
                row.append(_export_cell(number, "" if number is not None else found.target_text, measure))
            else:
                row.append(ExportCell(_escape(found.reported_trend)) if found.reported_trend else None)
        for kind, period in benchmark_keys:
            found = benchmarks.get((measure.pk, kind, period))
            row.append(_export_cell(found.value, found.text, measure) if found else None)
        table.append(row)
    return table, [(group_row, first, last) for first, last in spans]


def kpi_export_xlsx(*, plan: Plan) -> bytes:
    """Return the plan's measures as an .xlsx workbook in the import layout."""
    table, spans = kpi_export_rows(plan=plan)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KPIs"
    for row_number, row in enumerate(table, start=1):
        for col_number, cell in enumerate(row, start=1):
            if cell is None:
                continue
            target = sheet.cell(row=row_number, column=col_number)
            if isinstance(cell.value, Decimal):
                if cell.percent:
                    target.value = float(cell.value / HUNDRED)
                    target.number_format = "0%" if not cell.decimals else "0." + "0" * cell.decimals + "%"
                else:
                    target.value = int(cell.value) if cell.value == cell.value.to_integral() else float(cell.value)
            else:
                target.value = cell.value
                target.data_type = "s"  # never a formula, whatever the text starts with
    for row_number, first, last in spans:
        if last > first:
            sheet.merge_cells(start_row=row_number, start_column=first, end_row=row_number, end_column=last)
    sheet.freeze_panes = "D6"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


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
        return _format_number(cell.value) + ("%" if cell.percent else "")
    return str(cell.value)


def problems_as_text(problems: Iterable[Problem]) -> list[str]:
    """Return each problem as the sentence shown to the person importing."""
    return [str(problem) for problem in problems]
