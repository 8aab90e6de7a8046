"""Reading a risk register laid out like the seeds: one pipeline for the admin import, the demo
loader and the management command. Pure: headings and rows in, parsed rows and every problem out.

Problems name the spreadsheet's own row (the heading row is row 1) and column heading, and say
what to do next.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from risks.models import SCALE_MAX, SCALE_MIN, DatePrecision, RiskType, score_of

REF = "Ref"
TYPE = "Issue / Risk"
DESCRIPTION = "Description"
MITIGATION = "Mitigation / Resolution"
DATE_RAISED = "Date Raised"
OWNER = "Owner"
PROBABILITY = "Probability"
IMPACT = "Impact"
SCORE = "Risk Score"
COLUMNS = (REF, TYPE, DESCRIPTION, MITIGATION, DATE_RAISED, OWNER, PROBABILITY, IMPACT, SCORE)
# Which model field each column fills (Risk Score fills none: it is checked, never stored).
FIELD_OF_COLUMN = {
    REF: "ref",
    TYPE: "type",
    DESCRIPTION: "description",
    MITIGATION: "mitigation",
    DATE_RAISED: "date_raised",
    OWNER: "owner",
    PROBABILITY: "probability",
    IMPACT: "impact",
}
COLUMN_OF_FIELD = {name: column for column, name in FIELD_OF_COLUMN.items()} | {
    "date_raised_precision": DATE_RAISED,
    "score": SCORE,
}

MISSING_COLUMNS = (
    "The file has no {columns} column. Use the register's headings in the first row ({expected}), "
    "then upload the file again."
)
EMPTY_CELL = "This cell is empty. Fill it in, then upload the file again."
REF_UNREADABLE = "“{value}” is not a reference number. Give each risk a whole number, such as 7."
REF_REPEATED = "Reference {ref} is also used on row {other}. Give each risk its own reference."
TYPE_UNREADABLE = "“{value}” is neither Risk nor Issue. Write Risk or Issue."
SCALE_UNREADABLE = "“{value}” is not a whole number from 1 to 5. Use 1 (lowest) to 5 (highest)."
SCORE_UNREADABLE = "“{value}” is not a number. Write probability × impact, or leave the cell empty."
SCORE_DISAGREES = (
    "The score {score} is not probability {probability} × impact {impact} = {product}. "
    "Correct the probability, the impact or the score."
)
OWNER_UNKNOWN = (
    "No user is called “{value}”. Write the owner's full name or username as the tracker has it, "
    "or ask an administrator to add them first."
)
OWNER_AMBIGUOUS = "More than one user is called “{value}”. Write the owner's username instead."
DATE_UNREADABLE = (
    "“{value}” is not a date we can read. Write a month and year such as January 2020, or a day such as 13/07/21."
)

# Spreadsheets run text starting with these as formulae; the export escapes them with a leading
# apostrophe (OWASP CSV injection), and the import takes the apostrophe off again.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_MONTH_FORMATS = ("%B %Y", "%b %Y")
_DAY_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file, at a spreadsheet row and column (None: the file)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return f"Row {self.row}, column “{self.column}”: {self.message}"


@dataclass
class ParsedRow:
    """One data row: its spreadsheet row number, the model values read from it, its problems."""

    row: int
    values: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    blank: bool = False


@dataclass
class ParsedRegister:
    rows: list[ParsedRow]
    file_problems: list[Problem]

    @property
    def problems(self) -> list[Problem]:
        """Every problem: the file's first, then each row's in row order."""
        return self.file_problems + [problem for row in self.rows for problem in row.problems]


def escape_formula(value):
    """Return `value` made safe to open in a spreadsheet: text starting a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unescape_formula(value):
    """Return text as the export wrote it without the apostrophe escape_formula() added."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(unescape_formula(value) if isinstance(value, str) else value).strip()


def whole_number(value) -> int | None:
    """Return the whole number in a cell ('4', 4, 4.0), or None when it holds something else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = Decimal(_text(value))
    except InvalidOperation:
        return None
    return int(number) if number == number.to_integral_value() else None


def parse_date_raised(value) -> tuple[datetime.date, str]:
    """Return (date, precision) read from a cell: 'January 2020' (month), '13/07/21' (day), or a date.

    Raises ValueError when the cell cannot be read as a date.
    """
    if isinstance(value, datetime.datetime):
        return value.date(), DatePrecision.DAY
    if isinstance(value, datetime.date):
        return value, DatePrecision.DAY
    text = re.sub(r"\s+", " ", _text(value))
    for fmt in _MONTH_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date(), DatePrecision.MONTH  # noqa: DTZ007 - a date
        except ValueError:
            pass
    for fmt in _DAY_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date(), DatePrecision.DAY  # noqa: DTZ007 - a date
        except ValueError:
            pass
    raise ValueError(DATE_UNREADABLE.format(value=text))


def _heading_key(heading) -> str:
    return re.sub(r"\s+", "", _text(heading)).lower()


def canonical_heading(heading) -> str:
    """Return the register's own spelling of a heading ('issue/risk' -> 'Issue / Risk'), else it unchanged."""
    by_key = {_heading_key(column): column for column in COLUMNS}
    return by_key.get(_heading_key(heading), heading)


def name_key(name: str) -> str:
    """Return a person's name or username normalised for matching (case and spacing ignored)."""
    return re.sub(r"\s+", " ", name).strip().lower()


def parse_register(
    headers: Sequence,
    rows: Iterable[Sequence],
    *,
    owners: Mapping[str, list],
    first_row: int = 2,
) -> ParsedRegister:
    """Return every row read into model values, with every problem found by row and column.

    `owners` maps name_key(full name or username) to the users of that name (see
    risks.selectors.owner_lookup); the first data row is spreadsheet row `first_row`.
    """
    keys = [_heading_key(heading) for heading in headers]
    position = {}
    for column in COLUMNS:
        if _heading_key(column) in keys:
            position[column] = keys.index(_heading_key(column))
    missing = [column for column in COLUMNS if column not in position]
    if missing:
        problem = Problem(
            None,
            None,
            MISSING_COLUMNS.format(columns=", ".join(f"“{c}”" for c in missing), expected=", ".join(COLUMNS)),
        )
        return ParsedRegister(rows=[], file_problems=[problem])

    parsed_rows = []
    first_row_of_ref: dict[int, int] = {}
    for number, cells in enumerate(rows, start=first_row):
        cells = list(cells)
        cell = {column: cells[index] if index < len(cells) else None for column, index in position.items()}
        parsed = _parse_row(number, cell, owners)
        ref = parsed.values.get("ref")
        if ref is not None:
            if ref in first_row_of_ref:
                parsed.problems.append(Problem(number, REF, REF_REPEATED.format(ref=ref, other=first_row_of_ref[ref])))
            else:
                first_row_of_ref[ref] = number
        parsed_rows.append(parsed)
    return ParsedRegister(rows=parsed_rows, file_problems=[])


def _parse_row(number: int, cell: dict, owners: Mapping[str, list]) -> ParsedRow:
    parsed = ParsedRow(row=number)
    if all(_text(value) == "" for value in cell.values()):
        parsed.blank = True
        return parsed
    values = parsed.values

    def problem(column: str, message: str) -> None:
        parsed.problems.append(Problem(number, column, message))

    def required(column: str) -> str | None:
        text = _text(cell[column])
        if not text:
            problem(column, EMPTY_CELL)
            return None
        return text

    if (text := required(REF)) is not None:
        ref = whole_number(cell[REF])
        if ref is None or ref < 1:
            problem(REF, REF_UNREADABLE.format(value=text))
        else:
            values["ref"] = ref

    if (text := required(TYPE)) is not None:
        by_label = {label.lower(): value for value, label in RiskType.choices}
        if text.lower() in by_label:
            values["type"] = by_label[text.lower()]
        else:
            problem(TYPE, TYPE_UNREADABLE.format(value=text))

    if (text := required(DESCRIPTION)) is not None:
        values["description"] = text
    values["mitigation"] = _text(cell[MITIGATION])

    if required(DATE_RAISED) is not None:
        try:
            values["date_raised"], values["date_raised_precision"] = parse_date_raised(cell[DATE_RAISED])
        except ValueError as error:
            problem(DATE_RAISED, str(error))

    if (text := required(OWNER)) is not None:
        matches = owners.get(name_key(text), [])
        if len(matches) == 1:
            values["owner"] = matches[0]
        elif matches:
            problem(OWNER, OWNER_AMBIGUOUS.format(value=text))
        else:
            problem(OWNER, OWNER_UNKNOWN.format(value=text))

    for column, name in ((PROBABILITY, "probability"), (IMPACT, "impact")):
        if (text := required(column)) is not None:
            number_in_cell = whole_number(cell[column])
            if number_in_cell is None or not SCALE_MIN <= number_in_cell <= SCALE_MAX:
                problem(column, SCALE_UNREADABLE.format(value=text))
            else:
                values[name] = number_in_cell

    score_text = _text(cell[SCORE])
    if score_text:
        score = whole_number(cell[SCORE])
        if score is None:
            problem(SCORE, SCORE_UNREADABLE.format(value=score_text))
        elif "probability" in values and "impact" in values:
            product = score_of(values["probability"], values["impact"])
            if score != product:
                problem(
                    SCORE,
                    SCORE_DISAGREES.format(
                        score=score, probability=values["probability"], impact=values["impact"], product=product
                    ),
                )
    return parsed
