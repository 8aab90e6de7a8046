"""Every read the highlight report needs, once.

Each cached property asks one app's selectors for plain data; panels only arrange what was read, so
the page runs the same number of queries whatever the size of the plan.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.contrib.auth.models import User

from core.calendar import FinancialQuarter
from kpis.selectors import ThemeTable, measure_tables_for_plan
from plans.models import Plan
from plans.panels import ReportActionRow, report_action_row
from plans.recommendations import RecommendationsReport, recommendations_for_report
from plans.selectors import ReportThemes, report_themes
from risks.selectors import risk_register_for_plan


@dataclass
class ReportContext:
    """What the report is about (plan, quarter, as at) and everything read for it, read once."""

    user: User
    plan: Plan  # the live plan (its slug and pk)
    plan_then: Plan  # its fields as they stood at as_at (the live plan when as_at is None)
    quarter: FinancialQuarter
    as_at: datetime.date | None = None
    pdf: bool = False
    # The page shows the reporting year's months unless asked for every month; the paper shows all.
    all_months: bool = False

    @property
    def months_of_year(self) -> int | None:
        """Return the financial year whose months the KPI tables show, or None for every month."""
        if self.pdf or self.all_months:
            return None
        return self.quarter.financial_year

    def query_string(self, *, all_months: bool) -> str:
        """Return the report's query string for the same plan, quarter and date, with every month or not."""
        query = {"plan": self.plan.slug, "year": self.quarter.financial_year, "quarter": self.quarter.quarter}
        if self.as_at:
            query["as_at"] = self.as_at.isoformat()
        if all_months:
            query["months"] = "all"
        return urlencode(query)

    @cached_property
    def themes(self) -> ReportThemes:
        return report_themes(user=self.user, plan=self.plan, quarter=self.quarter, as_at=self.as_at)

    @cached_property
    def action_rows(self) -> list[ReportActionRow]:
        """Every key action row, in the plan's order, with its badges ready."""
        return [report_action_row(row) for row in self.themes.rows]

    @cached_property
    def action_rows_by_pk(self) -> dict[int, ReportActionRow]:
        return {row.action.pk: row for row in self.action_rows}

    @cached_property
    def key_priorities(self) -> list:
        return list(self.plan.key_priorities.filter(retired_at__isnull=True).order_by("order", "id"))

    @cached_property
    def medium_term_developments(self) -> list:
        return list(self.plan.medium_term_developments.filter(retired_at__isnull=True).order_by("order", "id"))

    @cached_property
    def rag_guidance(self) -> list:
        return list(self.plan.rag_guidance.order_by("id"))

    @cached_property
    def ofsted_recommendations(self) -> RecommendationsReport:
        return recommendations_for_report(plan=self.plan)

    @cached_property
    def measure_tables(self) -> dict[int, ThemeTable]:
        """The KPI tables by theme pk."""
        tables = measure_tables_for_plan(
            plan=self.plan,
            as_at=self.as_at,
            months_of_year=self.months_of_year,
            financial_year=self.quarter.financial_year,
        )
        return {table.theme.pk: table for table in tables}

    @cached_property
    def risks(self) -> list:
        """The register in the seed's order (by ref), with scores as they stood at as_at."""
        return sorted(risk_register_for_plan(plan=self.plan, as_at=self.as_at), key=lambda r: r.ref)
