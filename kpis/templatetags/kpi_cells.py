"""`{% kpi_value cell %}`: one figure with its RAG, or why there is none, as components/kpi_value.html shows it.

A KPI table at ten times Torbay's size has about ten thousand cells; an {% include %} per cell costs
more than the rest of the row. The tag renders the one component once per distinct figure and keeps
the result, so the markup stays in one template.
"""

from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

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


@register.filter
def table_notes(table) -> list[str]:
    """Return a ThemeTable's footnotes: its measures' table notes, each once, in the order of the rows."""
    return list(dict.fromkeys(row.measure.table_note for row in table.rows if row.measure.table_note))
