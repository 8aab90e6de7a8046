"""The council's financial calendar: years run April to March, Q1 = April–June ... Q4 = January–March.

One quarter type (FinancialQuarter) and one `end_of_day`, so every app speaks of quarters and of
"as at" a day the same way.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

QUARTERS = (1, 2, 3, 4)


def financial_year_of(day: datetime.date) -> int:
    """Return the starting calendar year of the financial year (April to March) holding `day`."""
    return day.year if day.month >= 4 else day.year - 1


def quarter_of(day: datetime.date) -> int:
    """Return the financial-year quarter (Q1 = April to June ... Q4 = January to March) of `day`."""
    return ((day.month - 4) % 12) // 3 + 1


def financial_year_label(year: int) -> str:
    """Return the label of a financial year, e.g. 2021 -> '2021/22'."""
    return f"{year}/{str(year + 1)[-2:]}"


def end_of_day(day: datetime.date) -> datetime.datetime:
    """Return the last instant of `day` in the council's time zone: what "as at" a day means."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


@dataclass(frozen=True, order=True)
class FinancialQuarter:
    """A quarter of a financial year: Q1 = April–June ... Q4 = January–March."""

    financial_year: int
    quarter: int

    @classmethod
    def of(cls, day: datetime.date) -> FinancialQuarter:
        """Return the quarter holding `day`."""
        return cls(financial_year_of(day), quarter_of(day))

    @property
    def label(self) -> str:
        return f"Q{self.quarter} {financial_year_label(self.financial_year)}"

    @property
    def year_label(self) -> str:
        """Return the financial year's label, e.g. 2021/22."""
        return financial_year_label(self.financial_year)

    @property
    def previous(self) -> FinancialQuarter:
        if self.quarter == 1:
            return FinancialQuarter(self.financial_year - 1, 4)
        return FinancialQuarter(self.financial_year, self.quarter - 1)

    @property
    def first_day(self) -> datetime.date:
        month = (self.quarter - 1) * 3 + 4
        return datetime.date(self.financial_year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> datetime.date:
        following = FinancialQuarter(self.financial_year + (self.quarter == 4), self.quarter % 4 + 1)
        return following.first_day - datetime.timedelta(days=1)


def current_quarter(today: datetime.date | None = None) -> FinancialQuarter:
    """Return the quarter of today (or `today`) in the council's time zone."""
    return FinancialQuarter.of(today or timezone.localdate())
