"""The report panel the risks app contributes: the register, as the seed lays it out."""

from __future__ import annotations

from core.panels import REPORT, Panel, panels_register


class RiskRegisterPanel(Panel):
    order = 60
    template_name = "report/panels/risk_register.html"

    def get_context_data(self, *, report_context):
        return {"risks": report_context.risks}


def report_panels(*, report_context) -> list[Panel]:
    """Return the risks app's part of the report."""
    return [RiskRegisterPanel()]


def register() -> None:
    """Contribute the register to the report (called from RisksConfig.ready)."""
    panels_register(REPORT, "risks", report_panels)
