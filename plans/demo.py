"""The demo: Torbay's plans from fixtures/plans and one user per role."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from core import roles
from plans import services
from plans.models import Plan, ReportingRound
from plans.rounds import services as rounds_services

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "plans"
PLAN_FILES = ("torbay-2021-highlight.json", "torbay-2016-action-tracker.json")
MAIN_PLAN_SLUG = "torbay-2021-highlight"

DEMO_USERS = (
    # username, first name, last name, roles, staff, superuser
    ("sro", "Nancy", "Meehan", (roles.SRO,), False, False),
    ("becky.thompson", "Becky", "Thompson", (roles.HEAD_OF_SERVICE,), False, False),
    ("rachel.setter", "Rachel", "Setter", (roles.HEAD_OF_SERVICE,), False, False),
    ("performance", "Performance", "Team", (roles.PERFORMANCE_TEAM,), True, False),
    ("admin", "Site", "Administrator", (roles.ADMINISTRATOR,), True, True),
    ("improvement.lead", "Improvement", "Lead", (roles.IMPROVEMENT_LEAD,), False, False),
    ("member", "Board", "Member", (roles.BOARD_MEMBER,), False, False),
)
DEMO_EMAIL_DOMAIN = "example.gov.uk"
# The demo's round: the quarter after the seed's July 2021 report (Q1 2021/22), updates due a week after
# setup_demo first runs and the board two weeks later, so the demo shows updates due, then overdue.
DEMO_ROUND = (2021, 2)
DEMO_ROUND_DEADLINE_DAYS = 7
DEMO_ROUND_BOARD_DAYS = 21


def users_load(*, password: str) -> list[str]:
    """Create the demo users that do not exist yet; return the usernames created."""
    roles.roles_ensure()
    created = []
    for username, first, last, user_roles, staff, superuser in DEMO_USERS:
        _, was_created = services.user_ensure(
            username=username,
            first_name=first,
            last_name=last,
            roles=user_roles,
            password=password,
            staff=staff,
            superuser=superuser,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
        )
        if was_created:
            created.append(username)
    return created


def plans_load() -> list[str]:
    """Load each fixture plan that is not in the database yet; return the slugs loaded."""
    loaded = []
    for name in PLAN_FILES:
        path = FIXTURES / name
        if not path.exists():
            continue
        plan, created = services.plan_load(data=json.loads(path.read_text(encoding="utf-8")))
        if created:
            loaded.append(plan.slug)
    return loaded


def round_load(*, today: datetime.date | None = None) -> ReportingRound | None:
    """Open the demo plan's Q2 2021/22 round unless it has had one (or has another open); return it if opened."""
    plan = Plan.objects.filter(slug=MAIN_PLAN_SLUG).first()
    sro = User.objects.filter(username="sro").first()
    year, quarter = DEMO_ROUND
    if plan is None or sro is None or ReportingRound.objects.filter(plan=plan).exists():
        return None
    today = today or timezone.localdate()
    return rounds_services.round_open(
        user=sro,
        plan=plan,
        financial_year=year,
        quarter=quarter,
        deadline=today + datetime.timedelta(days=DEMO_ROUND_DEADLINE_DAYS),
        board_date=today + datetime.timedelta(days=DEMO_ROUND_BOARD_DAYS),
    )
