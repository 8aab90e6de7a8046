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


# Records of what happened: nobody adds them by hand.
READ_ONLY = {("kpis", "kpiimport")}


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
    assert add.status_code == (403 if (app, model) in READ_ONLY else 200)


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


def _post_change(admin_client, url, **changes):
    form = admin_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(changes)
    return data


def test_a_quarter_rag_changed_in_the_admin_records_who_and_when_and_makes_open_forms_stale(admin_client, admin_user_):
    rag = QuarterRagFactory(rag="green")
    version = rag.key_action.version
    url = reverse("admin:plans_quarterrag_change", args=[rag.pk])
    data = _post_change(admin_client, url, key_action=rag.key_action_id, rag="red")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    rag.refresh_from_db()
    assert (rag.rag, rag.set_by) == ("red", admin_user_)
    assert rag.set_at is not None
    assert rag.history.first().history_user == admin_user_
    assert KeyAction.objects.get(pk=rag.key_action_id).version == version + 1


def test_a_key_action_deleted_in_the_admin_is_recorded_as_the_administrator(admin_client, admin_user_):
    action = KeyActionFactory()
    url = reverse("admin:plans_keyaction_delete", args=[action.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not KeyAction.objects.filter(pk=action.pk).exists()
    deletion = KeyAction.history.filter(id=action.pk, history_type="-").get()
    assert deletion.history_user == admin_user_


def test_an_objectives_inline_key_actions_are_saved_through_the_service(admin_client, admin_user_):
    action = KeyActionFactory()
    objective = action.objective
    url = reverse("admin:plans_objective_change", args=[objective.pk])
    response = admin_client.get(url)
    data = {}
    for form in [response.context["adminform"].form]:
        data.update({name: form.initial.get(name) or "" for name in form.fields})
    data.update(theme=objective.theme_id, order=objective.order, description=objective.description or "x")
    data.update({"key_actions-TOTAL_FORMS": 1, "key_actions-INITIAL_FORMS": 1, "key_actions-MAX_NUM_FORMS": 1000})
    data.update(
        {
            "key_actions-0-id": action.pk,
            "key_actions-0-objective": objective.pk,
            "key_actions-0-order": 3,
            "key_actions-0-description": "<p>Moved <script>x</script>on</p>",
            "key_actions-0-owner": action.owner_id or "",
            "key_actions-0-owner_name": action.owner_name,
            "key_actions-0-by_when": action.by_when,
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    action.refresh_from_db()
    assert (action.order, action.description, action.version) == (3, "<p>Moved on</p>", 2)
    assert action.history.first().history_user == admin_user_


@pytest.mark.parametrize(("app", "model"), MODELS, ids=[f"{a}.{m}" for a, m in MODELS])
def test_every_admin_list_runs_the_same_queries_at_torbay_size_and_three_times_it(admin_client, app, model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.report.builders import build_plan

    changelist = reverse(f"admin:{app}_{model}_changelist")
    counts = []
    for scale, slug in ((1, "small"), (3, "large")):
        build_plan(slug=slug, scale=scale)
        admin_client.get(changelist)  # warm the session and content types
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(changelist).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries at Torbay size, {counts[1]} at three times it"


@pytest.mark.parametrize("url_name", ["admin:kpis_measure_import", "admin:risks_risk_import"])
def test_the_upload_form_carries_the_csrf_token(admin_client, url_name):
    """The form is a component included with `only`: without the token passed in, every upload is a 403."""
    import re

    html = admin_client.get(reverse(url_name)).content.decode()
    form = re.search(r'<form [^>]*enctype="multipart/form-data">(.*?)</form>', html, re.S).group(1)
    assert 'name="csrfmiddlewaretoken"' in form
