"""Demo data for the KPI app: the July 2021 highlight report's KPI tables (fixtures/kpis), loaded by setup_demo."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from kpis import services
from kpis.models import YEAR_FIELDS
from plans.models import Plan

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "kpis" / "torbay-2021-kpis.json"
PLAN_MISSING_MESSAGE = (
    'There is no plan "{slug}" to load the KPIs into: load the plans first (manage.py setup_demo does this).'
)
THEME_MISSING_MESSAGE = (
    'Plan "{slug}" has no theme {number} for measure {ref}: load the plan with its four themes first.'
)


def fixture_data(path: Path = FIXTURE) -> dict:
    """Return the KPI fixture as loaded from JSON."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def load_demo(*, plan_slug: str, stdout: IO[str] | None = None, path: Path = FIXTURE) -> Counter:
    """Load the seed's KPI tables into the plan; return counts of rows created/changed/unchanged.

    Idempotent: a second run finds every row as it is and saves nothing.
    """
    data = fixture_data(path)
    plan = Plan.objects.filter(slug=plan_slug).first()
    if plan is None:
        raise ImproperlyConfigured(PLAN_MISSING_MESSAGE.format(slug=plan_slug))
    themes = {theme.number: theme for theme in plan.themes.all()}
    if not plan.measures.exists():
        outcomes = _load_new(plan=plan, themes=themes, data=data, plan_slug=plan_slug)
    else:
        outcomes = _load_over_existing(plan=plan, themes=themes, data=data, plan_slug=plan_slug)
    if stdout is not None:
        summary = ", ".join(f"{key} {count}" for key, count in sorted(outcomes.items()))
        stdout.write(f"KPIs for {plan_slug}: {summary}.")
    return outcomes


def _theme_for(item: dict, themes: dict, plan_slug: str):
    theme = themes.get(item["theme"])
    if theme is None:
        raise ImproperlyConfigured(THEME_MISSING_MESSAGE.format(slug=plan_slug, number=item["theme"], ref=item["ref"]))
    return theme


def _measure_fields(item: dict) -> dict:
    names = ("title", "section", "order", "unit", "decimals", "polarity", "period_type", "definition", "data_notes")
    # The scoring key and the table's footnote are on the few measures that have them.
    return {name: item[name] for name in names} | {name: item.get(name, "") for name in ("scoring_key", "table_note")}


def _year_fields(year: dict) -> dict:
    return {name: year.get(name, "" if name.endswith(("_text", "_trend")) else None) for name in YEAR_FIELDS}


def _load_new(*, plan: Plan, themes: dict, data: dict, plan_slug: str) -> Counter:
    """First load into a plan with no measures: one bulk write per table, history dated the report date."""
    recorded_at = None
    if plan.report_date:
        recorded_at = timezone.make_aware(datetime.datetime.combine(plan.report_date, datetime.time(12)))
    outcomes: Counter = Counter()
    for item in data["measures"]:
        measure, _ = services.measure_update_or_create(
            plan=plan, theme=_theme_for(item, themes, plan_slug), ref=item["ref"], **_measure_fields(item)
        )
        counts = services.measure_series_create(
            measure=measure,
            values=[{**value, "month": datetime.date.fromisoformat(value["month"])} for value in item["values"]],
            years=[{"financial_year": year["financial_year"], **_year_fields(year)} for year in item["years"]],
            benchmarks=item["benchmarks"],
            recorded_at=recorded_at,
            reason=f"As reported in the highlight report of {plan.report_date:%d/%m/%Y}" if plan.report_date else "",
        )
        outcomes["measures created"] += 1
        for name, count in counts.items():
            outcomes[f"{name} created"] += count
    return outcomes


def _load_over_existing(*, plan: Plan, themes: dict, data: dict, plan_slug: str) -> Counter:
    """Later loads: row by row, saving only what differs, so an unchanged fixture changes nothing."""
    outcomes: Counter = Counter()
    for item in data["measures"]:
        measure, outcome = services.measure_update_or_create(
            plan=plan, theme=_theme_for(item, themes, plan_slug), ref=item["ref"], **_measure_fields(item)
        )
        outcomes[f"measures {outcome}"] += 1
        for year in item["years"]:
            _, outcome = services.measure_year_set(
                measure=measure, financial_year=year["financial_year"], **_year_fields(year)
            )
            outcomes[f"years {outcome}"] += 1
        for value in item["values"]:
            _, outcome = services.measure_value_set(
                measure=measure,
                month=datetime.date.fromisoformat(value["month"]),
                value=value["value"],
                text=value["text"],
                note=value["note"],
            )
            outcomes[f"values {outcome}"] += 1
        for benchmark in item["benchmarks"]:
            _, outcome = services.benchmark_set(
                measure=measure,
                kind=benchmark["kind"],
                period=benchmark["period"],
                value=benchmark["value"],
                text=benchmark["text"],
            )
            outcomes[f"benchmarks {outcome}"] += 1
    return outcomes
