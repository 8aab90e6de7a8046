"""Demo data for the risks app, loaded by `manage.py setup_demo`: the seed's ten risks.

The fixture's rows go through the same reader as an uploaded file (risks.spreadsheet) and are saved
through the services. Risks already in the plan's register are left as they are, so running it
twice changes nothing.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from plans.models import Plan
from risks import selectors, services, spreadsheet
from risks.models import AppetiteLevel, Risk, RiskCategory

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "risks" / "risks_000.json"
# The demo plan's appetite per category: not in the seed (fixtures/risks/README.md says why these).
DEMO_APPETITE = {
    RiskCategory.SAFEGUARDING: AppetiteLevel.AVERSE,
    RiskCategory.LEGAL: AppetiteLevel.MINIMAL,
    RiskCategory.GOVERNANCE: AppetiteLevel.MINIMAL,
    RiskCategory.WORKFORCE: AppetiteLevel.CAUTIOUS,
    RiskCategory.SERVICE_DELIVERY: AppetiteLevel.CAUTIOUS,
    RiskCategory.INFORMATION: AppetiteLevel.CAUTIOUS,
    RiskCategory.PARTNERSHIP: AppetiteLevel.OPEN,
}


def _recorded_at(plan: Plan) -> datetime.datetime | None:
    """The seed's scores are those of its report date: date their first history rows then."""
    if plan.report_date is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(plan.report_date, datetime.time(12, 0)))


def load_demo(*, plan_slug: str, stdout=None, fixture: Path = FIXTURE) -> None:
    """Load the seed's risk register into the plan; does nothing when it is already there."""
    plan = Plan.objects.get(slug=plan_slug)
    document = json.loads(fixture.read_text(encoding="utf-8"))
    columns = document["columns"]
    rows = [[risk[column] for column in columns] for risk in document["risks"]]
    parsed = spreadsheet.parse_register(columns, rows, owners=selectors.owner_lookup())
    if parsed.problems:
        problems = "; ".join(str(problem) for problem in parsed.problems)
        raise ImproperlyConfigured(f"{fixture.name} cannot be loaded: {problems}")

    for category, level in DEMO_APPETITE.items():
        services.risk_appetite_set(user=None, plan=plan, category=category, level=level)
    existing = set(Risk.objects.filter(plan=plan).values_list("ref", flat=True))
    report = plan.report_date.strftime("%d/%m/%Y") if plan.report_date else "the seed"
    created = 0
    for row in parsed.rows:
        if row.blank or row.values["ref"] in existing:
            continue
        services.risk_create(
            user=None,
            plan=plan,
            reason=f"As recorded in the highlight report of {report}",
            recorded_at=_recorded_at(plan),
            **row.values,
        )
        created += 1
    if stdout is not None:
        skipped = len(parsed.rows) - created
        stdout.write(f"Risks: {created} added to {plan.slug}, {skipped} already there.\n")
