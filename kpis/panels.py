"""The report panel the KPI app contributes to each theme: its performance measures table."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core.panels import THEME, Panel, panels_register
from kpis.selectors import MeasureRow, ValueCell, YearFigure
from plans.panels import rag_badge_html


def kpi_cell_html(cell: ValueCell | YearFigure | None) -> SafeString:
    """Return a figure with its RAG badge, or why there is none, as kpis/_cell.html and _figure.html show it."""
    if cell is None:
        return mark_safe("")
    if isinstance(cell, ValueCell) and not cell.has_figure:
        return format_html('<span class="text-muted no-figure" title="No figure">{}</span>', cell.display)
    if not cell.rag:
        return format_html('<span class="figure">{}</span>', cell.display)
    return format_html('<span class="figure">{}</span> {}', cell.display, rag_badge_html(cell.rag))


@dataclass(frozen=True)
class ReportMeasureRow:
    row: MeasureRow
    prior: SafeString
    cells: list[SafeString]
    final: SafeString
    year_to_date: SafeString


class ThemeMeasuresPanel(Panel):
    """A theme's KPI table with RAG, trend, benchmarks and sparklines, and its data notes."""

    order = 20
    template_name = "report/panels/theme_measures.html"

    def __init__(self, block):
        self.theme = block.theme

    def is_shown(self, *, report_context) -> bool:
        return self.theme.pk in report_context.measure_tables

    def get_context_data(self, *, report_context):
        table = report_context.measure_tables[self.theme.pk]
        rows = [
            ReportMeasureRow(
                row=row,
                prior=kpi_cell_html(row.prior),
                cells=[kpi_cell_html(cell) for cell in row.cells],
                final=kpi_cell_html(row.final),
                year_to_date=kpi_cell_html(row.year_to_date),
            )
            for row in table.rows
        ]
        return {
            "table": table,
            "measure_rows": rows,
            "data_notes": [row.measure for row in table.rows if row.measure.data_notes],
        }


def theme_panels(block, *, report_context) -> list[Panel]:
    """Return the KPI app's part of a theme's section."""
    return [ThemeMeasuresPanel(block)]


def register() -> None:
    """Contribute the KPI tables to the report's themes (called from KpisConfig.ready)."""
    panels_register(THEME, "kpis", theme_panels)
