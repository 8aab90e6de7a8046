"""Step 3a: read one cell: its text, and the figure it holds (a number, a number as written, or why none)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kpis.models import Benchmark, Measure, MeasureValue, MeasureYear, Unit
from kpis.spreadsheet.messages import NOT_A_NUMBER, NUMBER_TOO_LARGE, PERCENTAGE_OUT_OF_RANGE, TEXT_TOO_LONG

NUMBER_AT_START = re.compile(r"^(?P<number>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)\s*(?P<percent>%?)")
# Words that say why a cell has no figure ("n/a", "TBC", "No adoptions this month so n/a", "-").
NO_FIGURE_MARKERS = re.compile(
    r"(\bn\s*/\s*a\b|\bna\b|\btb[cad]\b|\bnot\b|\bno\b|\bnil\b|\bnone\b|\bawaiting\b|\bpending\b|"
    r"\bunavailable\b|\bsuppressed\b|\bnew\b|^[-–—.x*]+$)",
    re.IGNORECASE,
)

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
# What follows a number that is still a figure as written: "1919 / 731*", "535*", "12 (provisional)".
AFTER_A_FIGURE = " */("


class CellProblem(Exception):
    """The cell cannot be read; the message says why and what to write instead."""


@dataclass(frozen=True)
class Figure:
    """A parsed cell: a number, a number with words as written (text), or why there is none (note)."""

    value: Decimal | None
    text: str = ""
    note: str = ""

    @property
    def words(self) -> str:
        return self.text or self.note


def cell_text(value) -> str:
    """Return a cell as the words a person sees (dates as e.g. 'Jul 2020', whole floats without '.0')."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value:%b %Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def cell_at(row: tuple, index: int):
    """Return the row's cell at `index`, or None past the row's end."""
    return row[index] if index < len(row) else None


def is_blank(value) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def format_number(value: Decimal) -> str:
    """Return the number without trailing zeros or an exponent: 9.6000 -> '9.6', 1E+2 -> '100'."""
    return format(value.normalize(), "f")


def show(value: Decimal | None, words: str, measure: Measure) -> str:
    """Return a figure as the preview shows it: its words, or the number (with % for a percentage)."""
    if words:
        return words
    if value is None:
        return ""
    return format_number(value) + ("%" if measure.unit == Unit.PERCENTAGE else "")


def _quantize(number: Decimal) -> Decimal:
    if abs(number) >= MAX_NUMBER:
        raise CellProblem(NUMBER_TOO_LARGE.format(value=format_number(number)))
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
        return _number_figure(value, percent_cell=percent_cell)
    if cls is bool or isinstance(value, datetime.date | datetime.datetime | datetime.time):
        raise CellProblem(NOT_A_NUMBER.format(text=cell_text(value)))
    text = " ".join(str(value).split())
    if not text:
        return None
    if len(text) > limit:
        raise CellProblem(TEXT_TOO_LONG.format(length=len(text), limit=limit))
    return _text_figure(text, free_text=free_text)


def _number_figure(value: int | float, *, percent_cell: bool) -> Figure:
    number = Decimal(repr(value)) if value.__class__ is float else Decimal(value)
    if percent_cell:
        number *= HUNDRED
    return Figure(_quantize(number))


def _text_figure(text: str, *, free_text: bool) -> Figure:
    match = NUMBER_AT_START.match(text)
    if match:
        rest = text[match.end() :]
        if not rest:
            try:
                number = Decimal(match["number"].replace(",", ""))
            except InvalidOperation as exc:  # pragma: no cover - the pattern only lets numbers through
                raise CellProblem(NOT_A_NUMBER.format(text=text)) from exc
            return Figure(_quantize(number))
        if rest[0] in AFTER_A_FIGURE:
            return Figure(_quantize(Decimal(match["number"].replace(",", ""))), text=text)
        if not free_text:
            raise CellProblem(NOT_A_NUMBER.format(text=text))
    if free_text or NO_FIGURE_MARKERS.search(text):
        return Figure(None, note=text)
    raise CellProblem(NOT_A_NUMBER.format(text=text))


def check_range(figure: Figure, measure: Measure | None) -> None:
    """Raise CellProblem when a percentage measure's figure is outside 0-100."""
    is_percentage = measure is not None and measure.unit == Unit.PERCENTAGE
    if is_percentage and figure.value is not None and not 0 <= figure.value <= 100:
        raise CellProblem(PERCENTAGE_OUT_OF_RANGE.format(value=format_number(figure.value)))
