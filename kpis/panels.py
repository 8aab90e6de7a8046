"""The report panel the KPI app contributes to each theme: its performance measures table."""

from __future__ import annotations

from core.data_versions import data_versions_watch
from core.panels import THEME, Panel, panels_register

# The KPI app's data version (core.data_versions): every measure, value, target and benchmark. The tables
# also show their theme's number, a plans row (plans.panels.THEMES).
KPIS = "kpis"
THEMES = "plans:themes"


def data_version_names(model: type, instance) -> tuple[str, ...]:
    """Return the data versions a saved or deleted row of the KPI app belongs to: the one, KPIS."""
    return (KPIS,)


class ThemeMeasuresPanel(Panel):
    """A theme's KPI table with RAG, trend, benchmarks and sparklines, and its data notes."""

    order = 20
    template_name = "report/panels/theme_measures.html"
    data_versions = (KPIS, THEMES)

    def __init__(self, block):
        self.theme = block.theme

    def cache_name(self) -> str:
        return "measures"

    def is_shown(self, *, report_context) -> bool:
        return self.theme.pk in report_context.measure_tables

    def get_context_data(self, *, report_context):
        table = report_context.measure_tables[self.theme.pk]
        # A note the seed writes once for several measures (1.8a–1.8e) is shown once, under all their names.
        by_note: dict[str, list] = {}
        for row in table.rows:
            if row.measure.data_notes:
                by_note.setdefault(row.measure.data_notes, []).append(row.measure)
        return {
            "table": table,
            "data_notes": [(measures, note) for note, measures in by_note.items()],
            "all_months": report_context.all_months,
            "year_only_query": report_context.query_string(all_months=False),
            "every_month_query": report_context.query_string(all_months=True),
        }


def theme_panels(block, *, report_context) -> list[Panel]:
    """Return the KPI app's part of a theme's section."""
    return [ThemeMeasuresPanel(block)]


def register() -> None:
    """Contribute the KPI tables to the report's themes and watch the app's data (called from KpisConfig.ready)."""
    panels_register(THEME, "kpis", theme_panels)
    data_versions_watch("kpis", data_version_names)
