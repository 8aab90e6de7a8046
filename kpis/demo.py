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

from kpis import services
from plans.models import Plan

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "kpis" / "torbay-2021-kpis.json"
PLAN_MISSING_MESSAGE = (
    'There is no plan "{slug}" to load the KPIs into: load the plans first (manage.py setup_demo does this).'
)
THEME_MISSING_MESSAGE = (
    'Plan "{slug}" has no theme {number} for measure {ref}: load the plan with its four themes first.'
)
YEAR_FIELDS = (
    "target_min",
    "target_upper",
    "target_text",
    "outturn",
    "outturn_text",
    "year_to_date",
    "year_to_date_text",
    "reported_trend",
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
    outcomes: Counter = Counter()
    for item in data["measures"]:
        theme = themes.get(item["theme"])
        if theme is None:
            message = THEME_MISSING_MESSAGE.format(slug=plan_slug, number=item["theme"], ref=item["ref"])
            raise ImproperlyConfigured(message)
        measure, outcome = services.measure_update_or_create(
            plan=plan,
            theme=theme,
            ref=item["ref"],
            title=item["title"],
            section=item["section"],
            order=item["order"],
            unit=item["unit"],
            decimals=item["decimals"],
            polarity=item["polarity"],
            period_type=item["period_type"],
            definition=item["definition"],
            data_notes=item["data_notes"],
        )
        outcomes[f"measures {outcome}"] += 1
        for year in item["years"]:
            fields = {name: year.get(name, "" if name.endswith(("_text", "_trend")) else None) for name in YEAR_FIELDS}
            _, outcome = services.measure_year_set(measure=measure, financial_year=year["financial_year"], **fields)
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
    if stdout is not None:
        summary = ", ".join(f"{key} {count}" for key, count in sorted(outcomes.items()))
        stdout.write(f"KPIs for {plan_slug}: {summary}.")
    return outcomes
