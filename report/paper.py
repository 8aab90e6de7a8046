"""How the report is laid out on paper, for the PDF and the Word file alike: its contents, and KPI
tables cut into parts narrow enough to read on A4 landscape.

No WeasyPrint here: the template tags load this module with every template engine.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import re
from dataclasses import dataclass

from django.utils.dateformat import format as date_format
from django.utils.html import strip_tags

from kpis.selectors import ThemeTable

# At 12 month columns, plus the measure's name and the year-end, target, trend, benchmark and chart
# columns, a figure and its RAG word still fit a column at 6 pt on A4 landscape; at 24 they do not.
PAPER_MOST_MONTHS = 12
# Columns a part keeps only when it is the first (prior year) or the last (all after the months).
OPENING_COLUMNS = 1
CLOSING_COLUMNS = 6  # final, year to date, target min and upper, trend, chart (and one per benchmark)

_H2 = re.compile(r'<h2 id="(?P<id>[^"]+)"[^>]*>(?P<text>.*?)</h2>', re.S)


@dataclass(frozen=True)
class ContentsEntry:
    anchor: str  # the heading's id
    text: str


def contents_of(panels_html: str) -> list[ContentsEntry]:
    """Return the report's sections and themes (its level-2 headings), in order, from the panels' HTML."""
    return [
        ContentsEntry(anchor=match["id"], text=html.unescape(strip_tags(match["text"])).strip())
        for match in _H2.finditer(panels_html)
    ]


@dataclass(frozen=True)
class TablePart:
    """Which part of a KPI table a ThemeTablePart is, and the months it covers."""

    number: int
    count: int
    first_month: datetime.date | None
    last_month: datetime.date | None

    @property
    def is_first(self) -> bool:
        return self.number == 1

    @property
    def is_last(self) -> bool:
        return self.number == self.count

    @property
    def label(self) -> str:
        months = f"{date_format(self.first_month, 'F Y')} to {date_format(self.last_month, 'F Y')}"
        if self.is_last:  # the one part of a table that fits is never labelled
            return f"part {self.number} of {self.count}: {months}"
        closing = f"outturns, targets, trend and benchmarks in part {self.count}"
        return f"part {self.number} of {self.count}: {months} ({closing})"


@dataclass
class ThemeTablePart(ThemeTable):
    """Some of a ThemeTable's months, with Ref and the measure's name; the prior year only on the first
    part, the columns after the months only on the last. components/kpi_table.html draws either."""

    part: TablePart = None  # always given: a default only because ThemeTable's last field has one

    @property
    def column_count(self) -> int:
        count = 3 + len(self.months)  # ref, name, period, months; then the prior year and the closing ones
        if self.part.is_first:
            count += OPENING_COLUMNS
        if self.part.is_last:
            count += CLOSING_COLUMNS + len(self.benchmark_columns)
        return count


def _month_slices(table: ThemeTable, most: int) -> list[tuple[int, int]]:
    """Return (start, stop) indexes of each part's months: whole financial years together while they fit."""
    years, offset = [], 0
    for _, span in table.month_groups:
        years += [(begin, min(begin + most, offset + span)) for begin in range(offset, offset + span, most)]
        offset += span
    slices: list[tuple[int, int]] = []
    for start, stop in years:
        if slices and stop - slices[-1][0] <= most:
            slices[-1] = (slices[-1][0], stop)
        else:
            slices.append((start, stop))
    return slices


def _month_groups(table: ThemeTable, start: int, stop: int) -> list[tuple[str, int]]:
    """Return the table's financial-year headings cut to the months start..stop."""
    groups, offset = [], 0
    for label, span in table.month_groups:
        overlap = min(offset + span, stop) - max(offset, start)
        if overlap > 0:
            groups.append((label, overlap))
        offset += span
    return groups


def kpi_table_parts(table: ThemeTable, *, most_months: int = PAPER_MOST_MONTHS) -> list[ThemeTablePart]:
    """Return a theme's KPI table as the parts that fit A4 landscape: one part (all of it) when its months fit."""
    slices = _month_slices(table, most_months) or [(0, 0)]
    fields = {f.name: getattr(table, f.name) for f in dataclasses.fields(ThemeTable)}
    parts = []
    for number, (start, stop) in enumerate(slices, start=1):
        whole = (start, stop) == (0, len(table.months))
        fields.update(
            months=table.months[start:stop],
            month_groups=_month_groups(table, start, stop),
            rows=table.rows if whole else [dataclasses.replace(row, cells=row.cells[start:stop]) for row in table.rows],
            part=TablePart(
                number=number,
                count=len(slices),
                first_month=table.months[start] if stop > start else None,
                last_month=table.months[stop - 1] if stop > start else None,
            ),
        )
        parts.append(ThemeTablePart(**fields))
    return parts
