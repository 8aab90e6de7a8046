"""The admin manages every model of the three apps: each list (searched and filtered) and add page opens."""

import pytest
from django.contrib import admin
from django.urls import reverse

from plans.models import KeyAction
from tests.factories import ActionUpdateFactory, KeyActionFactory, QuarterRagFactory

pytestmark = pytest.mark.django_db

APPS = {"plans", "kpis", "risks"}
MODELS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry if model._meta.app_label in APPS
)


def test_every_domain_model_is_in_the_admin():
    registered = {name for app, name in MODELS}
    assert {"plan", "theme", "objective", "keyaction", "quarterrag", "actionupdate", "keypriority"} <= registered
    assert {"mediumtermdevelopment", "ragguidance", "ofstedrecommendation"} <= registered
    assert {"measure", "kpiimport", "risk"} <= registered


@pytest.mark.parametrize(("app", "model"), MODELS, ids=[f"{a}.{m}" for a, m in MODELS])
def test_admin_list_search_and_add_pages_open(admin_client, app, model):
    action = KeyActionFactory()
    QuarterRagFactory(key_action=action)
    ActionUpdateFactory(key_action=action)
    changelist = reverse(f"admin:{app}_{model}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "children"}).status_code == 200
    add = admin_client.get(reverse(f"admin:{app}_{model}_add"))
    assert add.status_code in (200, 403)  # read-only records (imports, updates) refuse adding


def test_a_key_action_edited_in_the_admin_is_sanitised_and_versioned(admin_client):
    action = KeyActionFactory()
    url = reverse("admin:plans_keyaction_change", args=[action.pk])
    response = admin_client.get(url)
    form = response.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(
        objective=action.objective_id,
        owner=action.owner_id,
        order=0,
        description='<p onclick="x()">Safer <script>alert(1)</script><em>now</em></p>',
    )
    for prefix in ("quarter_rags", "updates"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    action = KeyAction.objects.get(pk=action.pk)
    assert action.description == "<p>Safer <em>now</em></p>"
    assert action.version == 2
