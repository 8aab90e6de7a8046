"""How KPI figures, months and benchmark columns are written: on the pages, the report and the papers."""

from __future__ import annotations

import datetime
from decimal import Decimal

from kpis.models import BenchmarkKind, Unit

BENCHMARK_KIND_ORDER = {kind: index for index, kind in enumerate(BenchmarkKind.values)}
BENCHMARK_SHORT_LABELS = {
    BenchmarkKind.NATIONAL: "National",
    BenchmarkKind.STAT_NEIGHBOUR: "Stat neighbours",
    BenchmarkKind.REGIONAL: "Regional",
}
# A figure ending in * is a rate per 10,000 children (the seed's footnote), not the measure's own unit.
RATE_FOOTNOTE_MARK = "*"


def value_display(value: Decimal | float | int | None, *, unit: str, decimals: int) -> str:
    """Return a figure as the report writes it: "9.6%", "2,238", "2.4"; never hides a stored decimal."""
    if value is None:
        return ""
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    exponent = number.normalize().as_tuple().exponent
    places = max(decimals, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    shown = f"{number:,.{places}f}"
    return f"{shown}%" if unit == Unit.PERCENTAGE else shown


def figure_display(value: Decimal | None, text: str, *, unit: str, decimals: int, note: str = "") -> str:
    """Return what a cell shows: the text as written if any, else the formatted figure, else why there is none."""
    return text or value_display(value, unit=unit, decimals=decimals) or note


def month_label(month: datetime.date) -> str:
    return f"{month:%b %Y}"


def previous_month(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


def same_month_year_before(month: datetime.date) -> datetime.date:
    return month.replace(year=month.year - 1)


def benchmark_label(kind: str, period: str) -> str:
    """Return a benchmark column's heading, e.g. "Stat neighbours to 2021"."""
    return f"{BENCHMARK_SHORT_LABELS.get(kind, kind)} {period}".strip()
