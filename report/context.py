"""Every read the highlight report needs, once.

Each cached property asks one app's selectors for plain data; panels only arrange what was read, so
the page runs the same number of queries whatever the size of the plan.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.contrib.auth.models import User

from core.calendar import FinancialQuarter
from kpis.panels import KPIS
from kpis.selectors import ThemeTable, measure_tables_for_plan
from plans.models import Plan, Rag
from plans.panels import THEMES, ReportActionRow, report_action_row
from plans.recommendations import RecommendationsReport, recommendations_for_report
from plans.selectors import ReportThemes, report_themes
from risks.models import RiskStatus, band_for_score
from risks.panels import RISKS
from risks.selectors import risk_register_for_plan

HIGH_RISK_BAND = "high"


@dataclass(frozen=True)
class GlanceMeasure:
    """A measure off target, as at a glance lists it: plain data, kept in the cache with the report's parts."""

    pk: int
    ref: str
    title: str
    display: str
    month: datetime.date
    rag: str


@dataclass(frozen=True)
class GlanceMeasures:
    off_target: list[GlanceMeasure] = field(default_factory=list)
    with_rag: int = 0


@dataclass(frozen=True)
class GlanceRisk:
    """An open high-scoring risk, as at a glance lists it (plain data, kept in the cache)."""

    ref: str
    type_display: str
    score: int
    description: str


# What at a glance takes from the KPI tables and the register, small enough to keep beside the report's
# parts under the data versions it is read from, so that a change elsewhere does not read them again.
SUMMARIES = {"glance_measures": (KPIS, THEMES), "glance_risks": (RISKS,)}


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

    @cached_property
    def glance_measures(self) -> GlanceMeasures:
        """The measures Red at their latest figure, and how many have a RAG at all."""
        rows = [row for table in self.measure_tables.values() for row in table.rows]
        with_rag = [row for row in rows if row.latest is not None and row.latest.rag]
        return GlanceMeasures(
            off_target=[
                GlanceMeasure(
                    pk=row.measure.pk,
                    ref=row.measure.ref,
                    title=row.measure.title,
                    display=row.latest.display,
                    month=row.latest.month,
                    rag=row.latest.rag,
                )
                for row in with_rag
                if row.latest.rag == Rag.RED
            ],
            with_rag=len(with_rag),
        )

    @cached_property
    def glance_risks(self) -> list[GlanceRisk]:
        """The open risks in the High band, highest score first."""
        high = [
            risk
            for risk in self.risks
            if risk.status == RiskStatus.OPEN and (band := band_for_score(risk.score)) and band.key == HIGH_RISK_BAND
        ]
        high.sort(key=lambda r: (-r.score, r.ref))
        return [
            GlanceRisk(ref=r.ref, type_display=r.get_type_display(), score=r.score, description=r.description)
            for r in high
        ]
