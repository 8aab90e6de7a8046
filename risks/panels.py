"""The report panel the risks app contributes: the register, as the seed lays it out, with the risks
it escalates (score risen since the last review, or above the plan's appetite) named in words."""

from __future__ import annotations

from core.panels import REPORT, Panel, panels_register


class RiskRegisterPanel(Panel):
    order = 60
    template_name = "report/panels/risk_register.html"

    def get_context_data(self, *, report_context):
        risks = report_context.risks
        # Escalation in words: a current score that rose since the last review, or is above appetite.
        return {"risks": risks, "escalated": [risk for risk in risks if risk.escalation]}


def report_panels(*, report_context) -> list[Panel]:
    """Return the risks app's part of the report."""
    return [RiskRegisterPanel()]


def register() -> None:
    """Contribute the register to the report (called from RisksConfig.ready)."""
    panels_register(REPORT, "risks", report_panels)
