"""The KPI spreadsheet pipeline, shared by the admin, `import_kpis`, `export_kpis` and the benchmark.

read (reading) -> find the header, map the columns (header) -> parse every cell and row, collecting
every problem (cells, rows) -> diff against the database in a fixed number of queries: the preview
(diff) -> confirm: write the checked preview in one transaction with history (confirm, and
kpis.services.kpi_import_apply), or nothing. Export (export) writes the same wide layout, so that
exporting and importing back changes nothing. Every sentence shown is in `messages`.
"""

from kpis.spreadsheet.cells import Figure, parse_figure
from kpis.spreadsheet.confirm import kpi_import_confirm, kpi_import_is_current, preview_dumps, preview_loads
from kpis.spreadsheet.diff import (
    KpiImportPreview,
    MeasurePreview,
    MonthChange,
    OtherChange,
    kpi_import_default_plan,
    kpi_import_preview,
)
from kpis.spreadsheet.export import kpi_export_csv, kpi_export_rows, kpi_export_xlsx
from kpis.spreadsheet.reading import Sheet, kpi_file_read

__all__ = [
    "Figure",
    "KpiImportPreview",
    "MeasurePreview",
    "MonthChange",
    "OtherChange",
    "Sheet",
    "kpi_export_csv",
    "kpi_export_rows",
    "kpi_export_xlsx",
    "kpi_file_read",
    "kpi_import_confirm",
    "kpi_import_default_plan",
    "kpi_import_is_current",
    "kpi_import_preview",
    "parse_figure",
    "preview_dumps",
    "preview_loads",
]
