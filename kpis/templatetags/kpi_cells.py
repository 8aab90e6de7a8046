"""`{% kpi_value cell %}`: one figure with its RAG, or why there is none, as components/kpi_value.html shows it;
`{% kpi_trend row compact %}`: a row's trend cell (components/kpi_trend.html); `{% kpi_targets row %}`: its Min and
Upper cells, a target in words once across both; `table|table_notes`: a table's footnotes.

A KPI table at ten times Torbay's size has about ten thousand cells; an {% include %} per cell costs
more than the rest of the row. The tag renders the one component once per distinct figure and keeps
the result, so the markup stays in one template.
"""

import datetime
from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from kpis.cells import target_cells
from kpis.trend import Trend, trend_cell

register = template.Library()


@lru_cache(maxsize=16384)
def _render(display: str, rag: str, has_figure: bool) -> SafeString:
    context = {"display": display, "rag": rag, "has_figure": has_figure}
    return mark_safe(render_to_string("components/kpi_value.html", context).strip())


@register.simple_tag
def kpi_value(cell) -> SafeString:
    """Return a ValueCell or YearFigure rendered by components/kpi_value.html ("" for no cell)."""
    if cell is None or cell == "":
        return mark_safe("")
    return _render(cell.display, cell.rag, getattr(cell, "has_figure", True))


@lru_cache(maxsize=4096)
def _render_trend(
    reported: str,
    month: Trend,
    year: Trend,
    latest: datetime.date | None,
    month_against: datetime.date | None,
    year_against: datetime.date | None,
    compact: bool,
) -> SafeString:
    context = {
        "cell": trend_cell(reported=reported, computed=month),
        "year": year.words,
        "latest": latest,
        "month_against": month_against,
        "year_against": year_against,
        "compact": compact,
    }
    return mark_safe(render_to_string("components/kpi_trend.html", context).strip())


@register.simple_tag
def kpi_trend(row, compact=False) -> SafeString:
    """Return a MeasureRow's trend cell rendered by components/kpi_trend.html: never two signals that disagree."""
    latest = row.latest.month if row.latest else None
    return _render_trend(
        row.reported_trend,
        row.month_trend,
        row.year_trend,
        latest,
        row.month_trend_against,
        row.year_trend_against,
        bool(compact),
    )


@register.simple_tag
def kpi_reported_trend(reported: str) -> SafeString:
    """Return a reported trend as the trend cell shows it, the arrow beside its word, with no comparison."""
    return _render_trend(reported, Trend(), Trend(), None, None, None, True)


@register.simple_tag
def kpi_targets(row) -> SafeString:
    """Return the <td>s under Min and Upper for a row with target_min, target_upper and target_text."""
    cells = target_cells(target_min=row.target_min, target_upper=row.target_upper, target_text=row.target_text)
    spans = [
        format_html(' colspan="{}" class="target-both text-center"', c.colspan) if c.colspan > 1 else "" for c in cells
    ]
    return format_html_join("", "<td{}>{}</td>", zip(spans, (cell.text for cell in cells), strict=True))


@register.filter
def table_notes(table) -> list[str]:
    """Return a ThemeTable's footnotes: its measures' table notes, each once, in the order of the rows."""
    return list(dict.fromkeys(row.measure.table_note for row in table.rows if row.measure.table_note))
