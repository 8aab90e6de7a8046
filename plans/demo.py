"""The demo: Torbay's plans from fixtures/plans and one user per role."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from core import roles
from plans import services

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
)


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
