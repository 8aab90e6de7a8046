"""Every role on every page: a table of role × URL × expected status, on one small plan.

Becky Thompson (head of service) owns the key action; Nancy Meehan (the SRO) owns the risk; the
performance team may import KPIs in the admin; the administrator may do everything.
"""

import datetime

import pytest
from django.urls import reverse

from kpis.models import Measure, MeasureValue
from risks.models import Risk
from tests.factories import KeyActionFactory
from tests.risks.factories import RiskFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "sro", "head_of_service", "other_head_of_service", "performance_user", "admin_user_")
READ = dict.fromkeys(ROLES[1:], 200)


def only(*allowed: str, denied: int = 403) -> dict[str, int]:
    return {role: 200 if role in allowed else denied for role in ROLES[1:]}


# (name, URL builder, expected status per signed-in role). Signed out, every page sends the
# visitor to a login page.
PAGES = [
    ("report", lambda w: reverse("report"), READ),
    ("report PDF", lambda w: reverse("report_pdf"), READ),
    ("report Word", lambda w: reverse("report_docx"), READ),
    ("plan list", lambda w: reverse("plans:plan_list"), READ),
    ("plan", lambda w: reverse("plans:plan_detail", kwargs={"slug": w["action"].objective.theme.plan.slug}), READ),
    ("my actions", lambda w: reverse("plans:my_actions"), READ),
    ("key action", lambda w: reverse("plans:action_detail", kwargs={"pk": w["action"].pk}), READ),
    (
        "key action update form",
        lambda w: reverse("plans:action_update", kwargs={"pk": w["action"].pk}),
        only("head_of_service", "admin_user_"),
    ),
    ("KPI tables", lambda w: reverse("kpis:measure_list"), READ),
    ("KPI measure", lambda w: reverse("kpis:measure_detail", kwargs={"pk": w["measure"].pk}), READ),
    ("risk register", lambda w: reverse("risks:risk_list"), READ),
    ("risk", lambda w: reverse("risks:risk_detail", kwargs={"pk": w["risk"].pk}), READ),
    ("risk edit form", lambda w: reverse("risks:risk_edit", kwargs={"pk": w["risk"].pk}), only("sro", "admin_user_")),
    # The admin: staff only (others are sent to the admin's login), and the import needs the permission.
    ("admin", lambda w: reverse("admin:index"), only("performance_user", "admin_user_", denied=302)),
    (
        "admin KPI import",
        lambda w: reverse("admin:kpis_measure_import"),
        only("performance_user", "admin_user_", denied=302),
    ),
    (
        "admin risk import",
        lambda w: reverse("admin:risks_risk_import"),
        {**only("admin_user_", denied=302), "performance_user": 403},
    ),
]
CASES = [
    pytest.param(name, url, role, expected.get(role), id=f"{name} as {role}")
    for name, url, expected in PAGES
    for role in ROLES
]


@pytest.fixture
def world(sro, head_of_service, other_head_of_service, performance_user, admin_user_):
    action = KeyActionFactory(owner=head_of_service, objective__theme__plan__slug="torbay")
    plan = action.objective.theme.plan
    measure = Measure.objects.create(plan=plan, theme=action.objective.theme, ref="2.15", title="Timely assessments")
    MeasureValue.objects.create(measure=measure, month=datetime.date(2021, 5, 1), value=81)
    risk = RiskFactory(plan=plan, owner=sro)
    users = {
        "sro": sro,
        "head_of_service": head_of_service,
        "other_head_of_service": other_head_of_service,
        "performance_user": performance_user,
        "admin_user_": admin_user_,
    }
    return {"action": action, "measure": measure, "risk": risk, "users": users}


@pytest.mark.parametrize(("page", "url", "role", "expected"), CASES)
def test_every_role_on_every_page(client, world, page, url, role, expected):
    path = url(world)
    if role != "anonymous":
        client.force_login(world["users"][role])
    response = client.get(path)
    if role == "anonymous":
        assert response.status_code == 302
        assert "login/" in response["Location"]
    elif expected == 302:
        # Signed in but not staff: the admin asks for a staff login rather than showing anything.
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == expected


def test_nothing_changes_when_a_reader_posts_to_an_edit_form(client, world):
    client.force_login(world["users"]["other_head_of_service"])
    action, risk = world["action"], world["risk"]
    assert client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), {"rag": "red"}).status_code == 403
    assert client.post(reverse("risks:risk_edit", kwargs={"pk": risk.pk}), {"probability": 1}).status_code == 403
    assert not action.updates.exists()
    assert Risk.objects.get(pk=risk.pk).probability == risk.probability
