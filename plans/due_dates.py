"""Reading a due date written as text ("31/03/2022", "March 2022") as a date, where it is one.

Key actions' due dates were free text until issue 13; migration 0005 converts those that read as a
date and keeps the rest as written. Only the whole text counts: "Review November 2021" or
"quarterly" stay text, and so does anything ambiguous.
"""

from __future__ import annotations

import calendar
import datetime
import re

MONTHS = {name.casefold(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name
}
MONTHS["sept"] = 9
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(r"^(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([a-z]+)\.?,?\s+(\d{4})$")


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def due_date_parse(text: str) -> datetime.date | None:
    """Return the date a due date written as text names, or None when it is not (wholly) a date.

    Day first, as UK councils write them (01.04.2022, 1/4/22, 2022-04-01, 1 April 2022); a month and year
    alone ("March 2022", "Sept 2021") is due by the month's last day.
    """
    value = " ".join((text or "").split()).casefold()
    if not value:
        return None
    try:
        if match := _ISO.match(value):
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DAY_MONTH_YEAR.match(value):
            return datetime.date(_year(match[3]), int(match[2]), int(match[1]))
        if (match := _WORDS.match(value)) and match[2] in MONTHS:
            year, month = int(match[3]), MONTHS[match[2]]
            day = int(match[1]) if match[1] else calendar.monthrange(year, month)[1]
            return datetime.date(year, month, day)
    except ValueError:  # 31/02/2022: shaped like a date, but none
        return None
    return None
