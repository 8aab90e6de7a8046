"""Run by test_migration.py in its own process, on a new SQLite database named by DATABASE_URL.

Migrates the risks app to 0001 (one score per risk), writes the seed's ten risks as that schema
held them (with a target score on two, and one history row each), migrates to the latest, and
prints each risk's scores, and its history row's, as JSON.
"""

import json
import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torbay_improvement.settings.test")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.utils import timezone  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "risks" / "risks_000.json"
TARGETS = {1: (2, 5), 2: (2, 4)}  # (probability, impact) given to two risks, as a register might hold

call_command("migrate", "risks", "0001", verbosity=0)
old = MigrationExecutor(connection).loader.project_state([("risks", "0001_initial")]).apps
Plan, Risk, HistoricalRisk = (
    old.get_model(*name) for name in (("plans", "Plan"), ("risks", "Risk"), ("risks", "HistoricalRisk"))
)
User = old.get_model("auth", "User")
owner = User.objects.create(username="sro", first_name="Nancy", last_name="Meehan")
plan = Plan.objects.create(slug="torbay-2021-highlight", title="Children's Services Improvement Highlight Report")
for row in json.loads(FIXTURE.read_text())["risks"]:
    target = TARGETS.get(row["Ref"], (None, None))
    values = dict(
        plan_id=plan.pk,
        ref=row["Ref"],
        type="risk",
        description=row["Description"],
        mitigation=row["Mitigation / Resolution"],
        owner_id=owner.pk,
        date_raised="2020-01-01",
        probability=row["Probability"],
        impact=row["Impact"],
        score=row["Risk Score"],
        status="open",
        target_probability=target[0],
        target_impact=target[1],
        target_score=target[0] * target[1] if target[0] else None,
    )
    risk = Risk.objects.create(**values)
    HistoricalRisk.objects.create(
        id=risk.pk,
        history_date=timezone.now(),
        history_type="+",
        created_at=risk.created_at,
        updated_at=risk.updated_at,
        version=1,
        **values,
    )

call_command("migrate", verbosity=0)

from risks.models import Risk as NewRisk  # noqa: E402

fields = [
    "ref",
    "probability",
    "impact",
    "score",
    "target_probability",
    "target_impact",
    "target_score",
    "inherent_probability",
    "inherent_impact",
    "inherent_score",
    "inherent_assessed",
]
print(
    json.dumps(
        {
            "risks": list(NewRisk.objects.order_by("ref").values(*fields)),
            "history": list(NewRisk.history.order_by("ref").values(*fields)),
        }
    )
)
