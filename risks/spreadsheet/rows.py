"""Reading a register's rows: headings and rows in, model values and every problem out (pure).

Problems name the spreadsheet's own row (the heading row is row 1) and column heading, and say
what to do next. One pipeline for the admin import, the command and the demo loader.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from core.importing import FirstRowOfKey, Problem, Problems
from risks.models import SCALE_MAX, SCALE_MIN, RiskCategory, RiskType, Treatment, score_of
from risks.spreadsheet import messages
from risks.spreadsheet.cells import cell_text, name_key, parse_date_raised, whole_number
from risks.spreadsheet.columns import (
    CATEGORY,
    COLUMNS,
    DATE_RAISED,
    DESCRIPTION,
    IMPACT,
    INHERENT_IMPACT,
    INHERENT_PROBABILITY,
    INHERENT_SCORE,
    MITIGATION,
    OPTIONAL_COLUMNS,
    OWNER,
    PROBABILITY,
    REF,
    SCORE,
    TARGET_IMPACT,
    TARGET_PROBABILITY,
    TARGET_SCORE,
    TREATMENT,
    TYPE,
    heading_key,
)


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
    def problems(self) -> Problems:
        """Every problem: the file's first, then each row's in row order (the first ones listed, the rest counted)."""
        problems = Problems(self.file_problems)
        for row in self.rows:
            problems.extend(row.problems)
        return problems


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
    keys = [heading_key(heading) for heading in headers]
    position = {column: keys.index(heading_key(column)) for column in COLUMNS if heading_key(column) in keys}
    missing = [column for column in COLUMNS if column not in position]
    if missing:
        wanted = ", ".join(f"“{c}”" for c in missing)
        message = messages.MISSING_COLUMNS.format(columns=wanted, expected=", ".join(COLUMNS))
        return ParsedRegister(rows=[], file_problems=[Problem(None, None, message)])

    position |= {column: keys.index(heading_key(column)) for column in OPTIONAL_COLUMNS if heading_key(column) in keys}
    parsed_rows = []
    refs = FirstRowOfKey()
    for number, cells in enumerate(rows, start=first_row):
        cells = list(cells)
        cell = {column: cells[index] if index < len(cells) else None for column, index in position.items()}
        parsed = _RowReader(number, cell, owners).read()
        ref = parsed.values.get("ref")
        if ref is not None and (other := refs.repeated(ref, number)) is not None:
            parsed.problems.append(Problem(number, REF, messages.REF_REPEATED.format(ref=ref, other=other)))
        parsed_rows.append(parsed)
    return ParsedRegister(rows=parsed_rows, file_problems=[])


class _RowReader:
    """Reads one row column by column, keeping every problem it finds."""

    def __init__(self, number: int, cell: dict, owners: Mapping[str, list]):
        self.cell = cell
        self.owners = owners
        self.parsed = ParsedRow(row=number)
        self.values = self.parsed.values

    def read(self) -> ParsedRow:
        if all(cell_text(value) == "" for value in self.cell.values()):
            self.parsed.blank = True
            return self.parsed
        self._ref()
        self._type()
        if (text := self._required(DESCRIPTION)) is not None:
            self.values["description"] = text
        self.values["mitigation"] = cell_text(self.cell[MITIGATION])
        self._date_raised()
        self._owner()
        self._scale(PROBABILITY, "probability")
        self._scale(IMPACT, "impact")
        self._score()
        self._choice(CATEGORY, "category", RiskCategory, "category", blank="")
        self._choice(TREATMENT, "treatment", Treatment, "treatment")
        # Inherent left empty keeps what the register has (or copies the current score, for a new
        # risk); target left empty means none.
        self._pair("inherent", INHERENT_PROBABILITY, INHERENT_IMPACT, INHERENT_SCORE, keep_when_empty=True)
        self._pair("target", TARGET_PROBABILITY, TARGET_IMPACT, TARGET_SCORE, keep_when_empty=False)
        return self.parsed

    def _choice(self, column: str, name: str, choices, what: str, blank=None) -> None:
        if column not in self.cell:
            return
        text = cell_text(self.cell[column])
        if not text:
            if blank is not None:
                self.values[name] = blank
            return
        by_label = {label.lower(): value for value, label in choices.choices} | {v: v for v in choices.values}
        if text.lower() in by_label:
            self.values[name] = by_label[text.lower()]
        else:
            labels = ", ".join(label for _, label in choices.choices)
            self._problem(column, messages.CHOICE_UNREADABLE.format(value=text, what=what, choices=labels))

    def _pair(self, what: str, p_column: str, i_column: str, score_column: str, *, keep_when_empty: bool) -> None:
        if p_column not in self.cell or i_column not in self.cell:
            return
        texts = (cell_text(self.cell[p_column]), cell_text(self.cell[i_column]))
        if not any(texts):
            if not keep_when_empty:
                self.values[f"{what}_probability"] = self.values[f"{what}_impact"] = None
            return
        if not all(texts):
            self._problem(p_column if not texts[0] else i_column, messages.PAIR_HALF_EMPTY.format(what=what))
            return
        numbers = []
        for column, name in ((p_column, f"{what}_probability"), (i_column, f"{what}_impact")):
            number = whole_number(self.cell[column])
            if number is None or not SCALE_MIN <= number <= SCALE_MAX:
                self._problem(column, messages.SCALE_UNREADABLE.format(value=cell_text(self.cell[column])))
                return
            numbers.append(number)
            self.values[name] = number
        self._check_score(score_column, *numbers)

    def _problem(self, column: str, message: str) -> None:
        self.parsed.problems.append(Problem(self.parsed.row, column, message))

    def _required(self, column: str) -> str | None:
        text = cell_text(self.cell[column])
        if not text:
            self._problem(column, messages.EMPTY_CELL)
            return None
        return text

    def _ref(self) -> None:
        if (text := self._required(REF)) is None:
            return
        ref = whole_number(self.cell[REF])
        if ref is None or ref < 1:
            self._problem(REF, messages.REF_UNREADABLE.format(value=text))
        else:
            self.values["ref"] = ref

    def _type(self) -> None:
        if (text := self._required(TYPE)) is None:
            return
        by_label = {label.lower(): value for value, label in RiskType.choices}
        if text.lower() in by_label:
            self.values["type"] = by_label[text.lower()]
        else:
            self._problem(TYPE, messages.TYPE_UNREADABLE.format(value=text))

    def _date_raised(self) -> None:
        if self._required(DATE_RAISED) is None:
            return
        try:
            self.values["date_raised"], self.values["date_raised_precision"] = parse_date_raised(self.cell[DATE_RAISED])
        except ValueError as error:
            self._problem(DATE_RAISED, str(error))

    def _owner(self) -> None:
        if (text := self._required(OWNER)) is None:
            return
        matches = self.owners.get(name_key(text), [])
        if len(matches) == 1:
            self.values["owner"] = matches[0]
        elif matches:
            self._problem(OWNER, messages.OWNER_AMBIGUOUS.format(value=text))
        else:
            self._problem(OWNER, messages.OWNER_UNKNOWN.format(value=text))

    def _scale(self, column: str, name: str) -> None:
        if (text := self._required(column)) is None:
            return
        number = whole_number(self.cell[column])
        if number is None or not SCALE_MIN <= number <= SCALE_MAX:
            self._problem(column, messages.SCALE_UNREADABLE.format(value=text))
        else:
            self.values[name] = number

    def _score(self) -> None:
        if "probability" not in self.values or "impact" not in self.values:
            self._check_score(SCORE, None, None)
            return
        self._check_score(SCORE, self.values["probability"], self.values["impact"])

    def _check_score(self, column: str, probability: int | None, impact: int | None) -> None:
        """The file's score, where it gives one, must be probability × impact; it is never stored."""
        text = cell_text(self.cell.get(column))
        if not text:
            return
        score = whole_number(self.cell[column])
        if score is None:
            self._problem(column, messages.SCORE_UNREADABLE.format(value=text))
            return
        if probability is None or impact is None:
            return
        product = score_of(probability, impact)
        if score != product:
            self._problem(
                column,
                messages.SCORE_DISAGREES.format(score=score, probability=probability, impact=impact, product=product),
            )
