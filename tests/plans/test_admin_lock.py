"""The Django admin keeps the quarter lock (issue 10): every admin path that writes a locked quarter's RAGs or
updates (add, change, delete, bulk delete, inlines, simple-history's revert, deleting the key action they belong
to) is refused in the app's own sentence, beside the form, keeping what was typed and changing nothing; once the
SRO reopens the quarter, the same path saves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.calendar import FinancialQuarter
from plans.models import ActionUpdate, KeyAction, QuarterRag
from plans.rounds import locks
from tests.factories import ActionUpdateFactory, KeyActionFactory, QuarterRagFactory
from tests.two_factor import sign_in

pytestmark = pytest.mark.django_db

Q2 = FinancialQuarter(2021, 2)
LOCKED = locks.QUARTER_LOCKED_MESSAGE.format(quarter="Q2 2021/22")


@pytest.fixture(params=["locked", "reopened"])
def state(request):
    return request.param


@pytest.fixture
def action(head_of_service):
    return KeyActionFactory(owner=head_of_service, description="Embed triage")


@pytest.fixture
def rag(action):
    return QuarterRagFactory(key_action=action, financial_year=2021, quarter=2, rag="green")


@pytest.fixture
def update(action):
    return ActionUpdateFactory(key_action=action, financial_year=2021, quarter=2, progress="<p>Triage live.</p>")


@pytest.fixture
def admin(client, sro, admin_user_, action, rag, update, state):
    """The administrator signed in to the admin; Q2 2021/22 of the action's plan locked, or locked then reopened."""
    plan = action.objective.theme.plan
    locks.quarter_lock(user=sro, plan=plan, quarter=Q2)
    if state == "reopened":
        locks.quarter_reopen(user=sro, plan=plan, quarter=Q2, reason="A figure was wrong.")
    sign_in(client, admin_user_)
    return client


def refused(response) -> bool:
    """Whether the admin answered with the lock's sentence as the form's error, rather than saving and moving on."""
    if response.status_code != 200:
        return False
    assert LOCKED in response.context["adminform"].form.non_field_errors()
    return LOCKED in response.content.decode()


def update_data(update: ActionUpdate, **changes) -> dict:
    data = {
        "key_action": update.key_action_id,
        "financial_year": update.financial_year,
        "quarter": update.quarter,
        "progress": update.progress,
        "barriers": update.barriers,
        "next_steps": update.next_steps,
        "author": update.author_id or "",
        "author_name": update.author_name,
        "created_at_0": update.created_at.date().isoformat(),
        "created_at_1": update.created_at.time().strftime("%H:%M:%S"),
    }
    return {**data, **changes}


def key_action_data(client, action: KeyAction, rags: list[QuarterRag], rag_changes: dict | None = None) -> dict:
    """The key action's admin form as it stands, with the RAGs inline (changed by pk) and no updates inline."""
    form = client.get(reverse("admin:plans_keyaction_change", args=[action.pk])).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(
        {
            "objective": action.objective_id,
            "owner": action.owner_id or "",
            "order": action.order,
            "quarter_rags-TOTAL_FORMS": len(rags),
            "quarter_rags-INITIAL_FORMS": len(rags),
            "updates-TOTAL_FORMS": 0,
            "updates-INITIAL_FORMS": 0,
        }
    )
    for i, row in enumerate(rags):
        data.update(
            {
                f"quarter_rags-{i}-id": row.pk,
                f"quarter_rags-{i}-key_action": action.pk,
                f"quarter_rags-{i}-financial_year": row.financial_year,
                f"quarter_rags-{i}-quarter": row.quarter,
                f"quarter_rags-{i}-rag": (rag_changes or {}).get(row.pk, row.rag),
            }
        )
    return data


# Updates: the ActionUpdate admin ---------------------------------------------------------------------------


def test_adding_an_update_for_a_locked_quarter_is_refused_keeping_what_was_typed(admin, action, update, state):
    url = reverse("admin:plans_actionupdate_add")
    typed = update_data(update, progress="A late correction & more.")
    response = admin.post(url, typed)
    if state == "locked":
        assert refused(response)
        assert "A late correction &amp; more." in response.content.decode()
        assert ActionUpdate.objects.filter(key_action=action).count() == 1
    else:
        assert response.status_code == 302
        assert ActionUpdate.objects.filter(key_action=action).count() == 2


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"progress": "Rewritten after the board."}, id="its words"),
        pytest.param({"quarter": 3, "progress": "Moved to Q3."}, id="moved out of the locked quarter"),
    ],
)
def test_changing_a_locked_quarters_update_is_refused_and_changes_nothing(admin, update, state, changes):
    url = reverse("admin:plans_actionupdate_change", args=[update.pk])
    response = admin.post(url, update_data(update, **changes))
    stored = ActionUpdate.objects.get(pk=update.pk)
    if state == "locked":
        assert refused(response)
        assert changes["progress"] in response.content.decode()
        assert (stored.quarter, stored.progress) == (2, "<p>Triage live.</p>")
    else:
        assert response.status_code == 302
        assert stored.progress == changes["progress"]


def test_moving_an_update_into_a_locked_quarter_is_refused(admin, action, state):
    earlier = ActionUpdateFactory(key_action=action, financial_year=2021, quarter=1, progress="<p>Q1 words.</p>")
    url = reverse("admin:plans_actionupdate_change", args=[earlier.pk])
    response = admin.post(url, update_data(earlier, quarter=2))
    assert refused(response) == (state == "locked")
    assert ActionUpdate.objects.get(pk=earlier.pk).quarter == (1 if state == "locked" else 2)


def test_deleting_a_locked_quarters_update_is_refused_on_its_page(admin, update, state):
    url = reverse("admin:plans_actionupdate_delete", args=[update.pk])
    response = admin.post(url, {"post": "yes"}, follow=True)
    if state == "locked":
        assert response.redirect_chain[-1][0] == reverse("admin:plans_actionupdate_change", args=[update.pk])
        assert LOCKED in response.content.decode()
        assert ActionUpdate.objects.filter(pk=update.pk).exists()
    else:
        assert not ActionUpdate.objects.filter(pk=update.pk).exists()


def test_bulk_deleting_updates_with_one_in_a_locked_quarter_deletes_none(admin, action, update, state):
    unlocked = ActionUpdateFactory(key_action=action, financial_year=2021, quarter=1)
    response = admin.post(
        reverse("admin:plans_actionupdate_changelist"),
        {"action": "delete_selected", "_selected_action": [unlocked.pk, update.pk], "post": "yes"},
        follow=True,
    )
    remaining = set(ActionUpdate.objects.values_list("pk", flat=True))
    if state == "locked":
        assert LOCKED in response.content.decode()
        assert "Successfully deleted" not in response.content.decode()
        assert remaining == {unlocked.pk, update.pk}
    else:
        assert remaining == set()


# RAGs: the QuarterRag admin, the key action's inline, history's revert ---------------------------------------


def rag_data(row: QuarterRag, **changes) -> dict:
    return {"key_action": row.key_action_id, "financial_year": row.financial_year, "quarter": row.quarter,
            "rag": row.rag, **changes}  # fmt: skip


def test_adding_a_rag_for_a_locked_quarter_is_refused(admin, action, state):
    other = KeyActionFactory(objective=action.objective)
    response = admin.post(
        reverse("admin:plans_quarterrag_add"),
        {"key_action": other.pk, "financial_year": 2021, "quarter": 2, "rag": "red"},
    )
    assert refused(response) == (state == "locked")
    assert QuarterRag.objects.filter(key_action=other).exists() == (state == "reopened")


@pytest.mark.parametrize(
    "changes",
    [pytest.param({"rag": "red"}, id="its RAG"), pytest.param({"quarter": 3}, id="moved out of the locked quarter")],
)
def test_changing_a_locked_quarters_rag_is_refused(admin, rag, state, changes):
    url = reverse("admin:plans_quarterrag_change", args=[rag.pk])
    response = admin.post(url, rag_data(rag, **changes))
    assert refused(response) == (state == "locked")
    stored = QuarterRag.objects.get(pk=rag.pk)
    if state == "locked":
        assert (stored.quarter, stored.rag) == (2, "green")
    else:
        assert all(getattr(stored, name) == value for name, value in changes.items())


def test_deleting_a_locked_quarters_rag_is_refused_on_its_page(admin, rag, state):
    response = admin.post(reverse("admin:plans_quarterrag_delete", args=[rag.pk]), {"post": "yes"}, follow=True)
    assert (LOCKED in response.content.decode()) == (state == "locked")
    assert QuarterRag.objects.filter(pk=rag.pk).exists() == (state == "locked")


def test_bulk_deleting_rags_with_one_in_a_locked_quarter_deletes_none(admin, action, rag, state):
    unlocked = QuarterRagFactory(key_action=action, financial_year=2021, quarter=1)
    response = admin.post(
        reverse("admin:plans_quarterrag_changelist"),
        {"action": "delete_selected", "_selected_action": [unlocked.pk, rag.pk], "post": "yes"},
        follow=True,
    )
    assert (LOCKED in response.content.decode()) == (state == "locked")
    assert QuarterRag.objects.count() == (2 if state == "locked" else 0)


def test_reverting_a_locked_quarters_rag_to_an_earlier_version_is_refused(admin, sro, rag, state):
    QuarterRag.objects.filter(pk=rag.pk).update(rag="amber")  # as if the history's green had later become amber
    green = rag.history.get()
    url = reverse("admin:plans_quarterrag_simple_history", args=[rag.pk, green.history_id])
    response = admin.post(url, rag_data(rag, rag="green"))
    assert refused(response) == (state == "locked")
    assert QuarterRag.objects.get(pk=rag.pk).rag == ("amber" if state == "locked" else "green")


def test_a_locked_quarters_rag_changed_in_the_key_actions_inline_is_refused(admin, action, rag, state):
    q1 = QuarterRagFactory(key_action=action, financial_year=2021, quarter=1, rag="amber")
    url = reverse("admin:plans_keyaction_change", args=[action.pk])
    response = admin.post(url, key_action_data(admin, action, [q1, rag], {rag.pk: "red"}))
    assert refused(response) == (state == "locked")
    if state == "locked":
        assert 'value="red" selected' in response.content.decode()  # the choice typed, kept
    assert QuarterRag.objects.get(pk=rag.pk).rag == ("green" if state == "locked" else "red")


def test_a_key_action_saved_with_its_locked_quarters_rag_untouched_saves(admin, action, rag, state):
    url = reverse("admin:plans_keyaction_change", args=[action.pk])
    response = admin.post(url, {**key_action_data(admin, action, [rag]), "description": "Embed triage everywhere"})
    assert response.status_code == 302
    assert KeyAction.objects.get(pk=action.pk).description == "Embed triage everywhere"


# Deleting what a locked quarter's RAGs and updates belong to ------------------------------------------------


def test_deleting_a_key_action_with_a_locked_quarters_rag_and_update_is_refused(admin, action, state):
    response = admin.post(reverse("admin:plans_keyaction_delete", args=[action.pk]), {"post": "yes"}, follow=True)
    assert (LOCKED in response.content.decode()) == (state == "locked")
    assert KeyAction.objects.filter(pk=action.pk).exists() == (state == "locked")
    assert ActionUpdate.objects.exists() == (state == "locked")


def test_bulk_deleting_key_actions_with_a_locked_quarters_rags_deletes_none(admin, action, state):
    free = KeyActionFactory(objective=action.objective)
    response = admin.post(
        reverse("admin:plans_keyaction_changelist"),
        {"action": "delete_selected", "_selected_action": [free.pk, action.pk], "post": "yes"},
        follow=True,
    )
    assert (LOCKED in response.content.decode()) == (state == "locked")
    assert KeyAction.objects.count() == (2 if state == "locked" else 0)


def test_deleting_a_key_action_from_its_objectives_inline_is_refused(admin, action, state):
    objective = action.objective
    url = reverse("admin:plans_objective_change", args=[objective.pk])
    form = admin.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(theme=objective.theme_id, order=objective.order, description=objective.description or "x")
    data.update({"key_actions-TOTAL_FORMS": 1, "key_actions-INITIAL_FORMS": 1})
    data.update(
        {
            "key_actions-0-id": action.pk,
            "key_actions-0-objective": objective.pk,
            "key_actions-0-order": action.order,
            "key_actions-0-description": action.description,
            "key_actions-0-owner": action.owner_id,
            "key_actions-0-owner_name": action.owner_name,
            "key_actions-0-by_when": action.by_when,
            "key_actions-0-DELETE": "on",
        }
    )
    response = admin.post(url, data)
    assert refused(response) == (state == "locked")
    assert KeyAction.objects.filter(pk=action.pk).exists() == (state == "locked")


LOCKED_DELETE = locks.LOCKED_DELETE_MESSAGE.format(quarter="Q2 2021/22")


def test_deleting_the_objective_over_a_locked_quarters_rag_and_update_is_refused(admin, action, state):
    objective = action.objective
    response = admin.post(reverse("admin:plans_objective_delete", args=[objective.pk]), {"post": "yes"}, follow=True)
    assert (LOCKED_DELETE in response.content.decode()) == (state == "locked")
    assert KeyAction.objects.filter(pk=action.pk).exists() == (state == "locked")
    assert QuarterRag.objects.exists() == ActionUpdate.objects.exists() == (state == "locked")


def test_deleting_the_theme_over_a_locked_quarters_rag_and_update_is_refused(admin, action, state):
    theme = action.objective.theme
    response = admin.post(reverse("admin:plans_theme_delete", args=[theme.pk]), {"post": "yes"}, follow=True)
    assert (LOCKED_DELETE in response.content.decode()) == (state == "locked")
    assert KeyAction.objects.filter(pk=action.pk).exists() == (state == "locked")
    assert QuarterRag.objects.exists() == ActionUpdate.objects.exists() == (state == "locked")


def test_bulk_deleting_themes_over_a_locked_quarter_deletes_none(admin, action, state):
    theme = action.objective.theme
    response = admin.post(
        reverse("admin:plans_theme_changelist"),
        {"action": "delete_selected", "_selected_action": [theme.pk], "post": "yes"},
        follow=True,
    )
    assert (LOCKED_DELETE in response.content.decode()) == (state == "locked")
    assert KeyAction.objects.filter(pk=action.pk).exists() == (state == "locked")


def test_no_delete_from_code_takes_a_locked_quarters_rag_or_update_with_it(sro, action, rag, update):
    """The rule holds under the services too: a theme deleted however it is deleted keeps a locked quarter whole."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    locks.quarter_lock(user=sro, plan=action.objective.theme.plan, quarter=Q2)
    with pytest.raises(ValidationError, match="Nothing was deleted"), transaction.atomic():
        action.objective.theme.delete()
    assert QuarterRag.objects.filter(pk=rag.pk).exists()
    assert ActionUpdate.objects.filter(pk=update.pk).exists()
