"""Who may do what with KPIs: the import and export codes, and the model permissions this app grants."""

from __future__ import annotations

from core.roles import PERFORMANCE_TEAM

IMPORT_MEASURES = "kpis.import_measure"
EXPORT_MEASURES = "kpis.export_measure"

# The performance team imports and exports the monthly spreadsheet in the admin and reads what it did.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    PERFORMANCE_TEAM: (
        "kpis.view_measure",
        IMPORT_MEASURES,
        EXPORT_MEASURES,
        "kpis.view_measurevalue",
        "kpis.view_measureyear",
        "kpis.view_benchmark",
        "kpis.view_kpiimport",
    ),
}
