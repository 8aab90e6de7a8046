"""Every read the highlight report needs, once.

Each cached property asks one app's selectors for plain data; panels only arrange what was read, so
the page runs the same number of queries whatever the size of the plan.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

from django.contrib.auth.models import User

from core.calendar import FinancialQuarter
from kpis.panels import KPIS
from kpis.selectors import ThemeTable, measure_tables_for_plan
from plans.models import Plan, Rag
from plans.panels import THEMES, ReportActionRow, report_action_row
from plans.recommendations import RecommendationsReport, recommendations_for_report
from plans.selectors import (
    LazyThemeBlock,
    ObjectiveBlock,
    ReportThemes,
    ThemeBlock,
    report_theme_contents,
    report_theme_list,
)
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


# What at a glance takes from the KPI tables and the register: small enough to keep beside the report's
# parts (ReportContext.summary) under the data versions it is read from, so that a change elsewhere does not
# read them again.
GLANCE_MEASURES_VERSIONS = (KPIS, THEMES)
GLANCE_RISKS_VERSIONS = (RISKS,)

T = TypeVar("T")


class SummaryStore(Protocol):
    """Where summaries are kept beside the report's parts (report.cache.Summaries)."""

    def get(self, name: str, versions: tuple[str, ...], compute: Callable[[], Any]) -> Any: ...

    def is_current(self, name: str, versions: tuple[str, ...]) -> bool: ...

    def memo(self, name: str) -> Any: ...


class Memo(Protocol):
    """Values kept by a key that names all they are made from (report.cache.Memo)."""

    def get(self, key: Any, make: Callable[[], T]) -> T: ...


class _NoMemo:
    """A memo that keeps nothing: every value is made."""

    def get(self, key: Any, make: Callable[[], T]) -> T:
        return make()


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
    # Set by the report's cache (report.cache): summaries kept beside its parts, read again only when the data
    # versions they were read under have changed. None: every summary is computed.
    summaries: SummaryStore | None = field(default=None, repr=False)
    # The themes whose objectives and actions are read together at the first use of any (themes_wanted);
    # None: all of them.
    _wanted_themes: set[int] | None = field(default=None, init=False, repr=False)
    _theme_objectives: dict[int, list[ObjectiveBlock]] = field(default_factory=dict, init=False, repr=False)
    _previous_rags: dict[int, str] = field(default_factory=dict, init=False, repr=False)
    _theme_rows: dict[int, dict[int, ReportActionRow]] = field(default_factory=dict, init=False, repr=False)

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

    def summary(self, name: str, versions: tuple[str, ...], compute: Callable[[], T]) -> T:
        """Return `compute()`, or the copy the report's cache kept under `name` while `versions` are unchanged."""
        if self.summaries is None:
            return compute()
        return self.summaries.get(name, versions, compute)

    def memo(self, name: str) -> Memo:
        """Return the memo `name`, which the report's cache keeps from one rebuild to the next whatever changed (its
        values are keyed by all they are made from); one that keeps nothing when there is no cache."""
        return _NoMemo() if self.summaries is None else self.summaries.memo(name)

    def summary_is_current(self, name: str, versions: tuple[str, ...]) -> bool:
        """Return whether the report's cache holds a current copy of the summary `name`."""
        return self.summaries is not None and self.summaries.is_current(name, versions)

    @cached_property
    def theme_blocks(self) -> list[ThemeBlock]:
        """The plan's themes in order (one query); each one's objectives and action rows are read when first used,
        together with those of every theme wanted by then (themes_wanted), or of every theme if none was."""
        return [
            LazyThemeBlock(theme, self._objectives_of) for theme in report_theme_list(plan=self.plan, as_at=self.as_at)
        ]

    def themes_wanted(self, theme_pks: Iterable[int]) -> None:
        """Say that these themes' objectives and actions will be used, so that they are read in one go."""
        self._wanted_themes = (self._wanted_themes or set()) | set(theme_pks)

    def _objectives_of(self, theme_pk: int) -> list[ObjectiveBlock]:
        if theme_pk not in self._theme_objectives:
            self._read_themes(None if self._wanted_themes is None else self._wanted_themes | {theme_pk})
        return self._theme_objectives[theme_pk]

    def _read_themes(self, theme_pks: Collection[int] | None) -> None:
        everyone = [block.theme.pk for block in self.theme_blocks]
        unread = [pk for pk in everyone if pk not in self._theme_objectives and (theme_pks is None or pk in theme_pks)]
        if not unread:
            return
        contents = report_theme_contents(
            user=self.user,
            plan=self.plan,
            quarter=self.quarter,
            as_at=self.as_at,
            theme_pks=None if len(unread) == len(everyone) else unread,
        )
        for pk in unread:
            self._theme_objectives[pk] = contents.objectives.get(pk, [])
        self._previous_rags.update(contents.previous_rags)

    def previous_rag(self, action_pk: int) -> str:
        """Return a key action's RAG in the quarter before the reporting quarter ("" if none); its theme read."""
        return self._previous_rags.get(action_pk, "")

    @cached_property
    def themes(self) -> ReportThemes:
        """Every theme with its objectives and action rows (those not read yet, read in one go)."""
        self._read_themes(None)
        return ReportThemes(blocks=self.theme_blocks, previous_rags=self._previous_rags)

    def theme_action_rows(self, block: ThemeBlock) -> dict[int, ReportActionRow]:
        """One theme's key action rows by pk, in the plan's order, with their badges ready."""
        if block.theme.pk not in self._theme_rows:
            self._theme_rows[block.theme.pk] = {
                row.action.pk: report_action_row(row) for objective in block.objectives for row in objective.actions
            }
        return self._theme_rows[block.theme.pk]

    @cached_property
    def action_rows(self) -> list[ReportActionRow]:
        """Every key action row, in the plan's order, with its badges ready."""
        return [row for block in self.themes.blocks for row in self.theme_action_rows(block).values()]

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
        return self.summary("glance_measures", GLANCE_MEASURES_VERSIONS, self._glance_measures)

    def _glance_measures(self) -> GlanceMeasures:
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
        return self.summary("glance_risks", GLANCE_RISKS_VERSIONS, self._glance_risks)

    def _glance_risks(self) -> list[GlanceRisk]:
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
