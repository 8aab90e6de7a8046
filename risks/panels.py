"""The report panel the risks app contributes: the register, as the seed lays it out, with the risks
it escalates (score risen since the last review, or above the plan's appetite) named in words."""

from __future__ import annotations

from core.data_versions import data_versions_watch
from core.panels import REPORT, Panel, panels_register

# The risks app's data version (core.data_versions): every risk, control, review and appetite.
RISKS = "risks"


def data_version_names(model: type, instance) -> tuple[str, ...]:
    """Return the data versions a saved or deleted row of the risks app belongs to: the one, RISKS."""
    return (RISKS,)


class RiskRegisterPanel(Panel):
    order = 60
    template_name = "report/panels/risk_register.html"
    data_versions = (RISKS,)

    def get_context_data(self, *, report_context):
        risks = report_context.risks
        # Escalation in words: a current score that rose since the last review, or is above appetite.
        return {"risks": risks, "escalated": [risk for risk in risks if risk.escalation]}


def report_panels(*, report_context) -> list[Panel]:
    """Return the risks app's part of the report."""
    return [RiskRegisterPanel()]


def register() -> None:
    """Contribute the register to the report and watch the app's data (called from RisksConfig.ready)."""
    panels_register(REPORT, "risks", report_panels)
    data_versions_watch("risks", data_version_names)
