"""Reading one cell of a register: text, whole numbers, the date raised, a person's name."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from core.importing import unescape_formula
from risks.models import DatePrecision
from risks.spreadsheet.messages import DATE_UNREADABLE

_MONTH_FORMATS = ("%B %Y", "%b %Y")
_DAY_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y")


def cell_text(value) -> str:
    """Return a cell as text: blank for None, 4 for 4.0, without the export's formula escape, stripped."""
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
        number = Decimal(cell_text(value))
    except InvalidOperation:
        return None
    return int(number) if number == number.to_integral_value() else None


def _first_format(text: str, formats: tuple[str, ...]) -> datetime.date | None:
    for fmt in formats:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, not an instant
        except ValueError:
            continue
    return None


def parse_date_raised(value) -> tuple[datetime.date, str]:
    """Return (date, precision) read from a cell: 'January 2020' (month), '13/07/21' (day), or a date.

    Raises ValueError when the cell cannot be read as a date.
    """
    if isinstance(value, datetime.datetime):
        return value.date(), DatePrecision.DAY
    if isinstance(value, datetime.date):
        return value, DatePrecision.DAY
    text = re.sub(r"\s+", " ", cell_text(value))
    if (day := _first_format(text, _MONTH_FORMATS)) is not None:
        return day, DatePrecision.MONTH
    if (day := _first_format(text, _DAY_FORMATS)) is not None:
        return day, DatePrecision.DAY
    raise ValueError(DATE_UNREADABLE.format(value=text))


def name_key(name: str) -> str:
    """Return a person's name or username normalised for matching (case and spacing ignored)."""
    return re.sub(r"\s+", " ", name).strip().lower()
