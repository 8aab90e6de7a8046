"""Editing a plan in the app (issue 13): each service, and who may call it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.locking import EditConflict
from plans.editing import services
from plans.models import KeyAction, KeyPriority, MediumTermDevelopment, Plan, Theme
from plans.selectors import my_actions, plan_page_lists, plan_themes_for_report
from tests.factories import KeyActionFactory, ObjectiveFactory, PlanFactory, ThemeFactory

pytestmark = pytest.mark.django_db

EDITORS = ("sro", "admin_user_")
NOT_EDITORS = ("head_of_service", "performance_user", "no_role")


@pytest.fixture
def people(request, sro, admin_user_, head_of_service, performance_user, make_user):
    return {
        "sro": sro,
        "admin_user_": admin_user_,
        "head_of_service": head_of_service,
        "performance_user": performance_user,
        "no_role": make_user("new.starter"),
    }


@pytest.fixture
def plan():
    plan = PlanFactory(title="Torbay plan", slug="torbay")
    for order, ref in enumerate(("1", "2", "3")):
        KeyPriority.objects.create(plan=plan, ref=ref, description=f"Priority {ref}", order=order)
    MediumTermDevelopment.objects.create(plan=plan, ref="1", description="Development 1")
    return plan


def _calls(plan, action):
    """Each service called once with good arguments: (name, call)."""
    theme = action.objective.theme
    return [
        (
            "plan_summary_update",
            lambda u: services.plan_summary_update(
                user=u,
                plan=plan,
                expected_version=plan.version,
                overall_status="green",
                overall_narrative="Better.",
                report_date=datetime.date(2021, 10, 1),
            ),
        ),
        (
            "listed_add",
            lambda u: services.listed_add(user=u, model=KeyPriority, plan=plan, ref="9", description="New"),
        ),
        (
            "listed_update",
            lambda u: services.listed_update(
                user=u, row=plan.key_priorities.get(ref="1"), expected_version=1, description="Changed"
            ),
        ),
        ("listed_move", lambda u: services.listed_move(user=u, row=plan.key_priorities.get(ref="2"), up=True)),
        ("listed_retire", lambda u: services.listed_retire(user=u, row=plan.key_priorities.get(ref="3"))),
        (
            "theme_update",
            lambda u: services.theme_update(
                user=u, theme=theme, expected_version=1, title="T", overview_narrative="O", overview_rag="red"
            ),
        ),
        ("theme_add", lambda u: services.theme_add(user=u, plan=plan, number=9, title="New theme")),
        (
            "objective_update",
            lambda u: services.objective_update(
                user=u, objective=action.objective, expected_version=1, lead_officer="Karen Ogle", description="D"
            ),
        ),
        (
            "objective_add",
            lambda u: services.objective_add(user=u, theme=theme, lead_officer="", description="Another"),
        ),
        (
            "key_action_add",
            lambda u: services.key_action_add(user=u, objective=action.objective, description="New", owner_name="X"),
        ),
        (
            "key_action_edit",
            lambda u: services.key_action_edit(
                user=u, key_action=action, expected_version=action.version, description="Edited"
            ),
        ),
        (
            "key_action_retire",
            lambda u: services.key_action_retire(
                user=u, key_action=action, expected_version=action.version, reason="Superseded."
            ),
        ),
    ]


SERVICES = [
    "plan_summary_update",
    "listed_add",
    "listed_update",
    "listed_move",
    "listed_retire",
    "theme_update",
    "theme_add",
    "objective_update",
    "objective_add",
    "key_action_add",
    "key_action_edit",
    "key_action_retire",
]


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("role", NOT_EDITORS)
def test_only_the_sro_and_administrators_may_edit_the_plan(people, plan, name, role):
    action = KeyActionFactory(objective__theme__plan=plan)
    call = dict(_calls(plan, action))[name]
    before = (Plan.objects.get(pk=plan.pk).version, KeyPriority.objects.count(), KeyAction.objects.count())
    with pytest.raises(PermissionDenied, match="Only the Senior Responsible Officer and administrators"):
        call(people[role])
    assert (Plan.objects.get(pk=plan.pk).version, KeyPriority.objects.count(), KeyAction.objects.count()) == before


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("role", EDITORS)
def test_the_sro_and_administrators_may(people, plan, name, role):
    action = KeyActionFactory(objective__theme__plan=plan)
    dict(_calls(plan, action))[name](people[role])


def test_the_summary_is_saved_with_its_history_and_version(sro, plan):
    services.plan_summary_update(
        user=sro,
        plan=plan,
        expected_version=1,
        overall_status="green",
        overall_narrative="R&D spend < budget & rising",
        report_date=datetime.date(2021, 10, 12),
    )
    saved = Plan.objects.get(pk=plan.pk)
    assert (saved.overall_status, saved.report_date, saved.version) == ("green", datetime.date(2021, 10, 12), 2)
    assert saved.overall_narrative == "R&amp;D spend &lt; budget &amp; rising"  # escaped once
    assert saved.history.first().history_user == sro


def test_a_stale_summary_is_refused_and_the_first_save_kept(sro, admin_user_, plan):
    services.plan_summary_update(
        user=admin_user_,
        plan=plan,
        expected_version=1,
        overall_status="red",
        overall_narrative="First",
        report_date=None,
    )
    stale = Plan.objects.get(pk=plan.pk)
    with pytest.raises(EditConflict):
        services.plan_summary_update(
            user=sro,
            plan=stale,
            expected_version=1,
            overall_status="green",
            overall_narrative="Second",
            report_date=None,
        )
    assert Plan.objects.get(pk=plan.pk).overall_narrative == "First"


def test_a_narrative_over_the_limit_is_refused(sro, plan):
    with pytest.raises(ValidationError, match="the limit is 20,000"):
        services.plan_summary_update(
            user=sro, plan=plan, expected_version=1, overall_status="", overall_narrative="x" * 20_001, report_date=None
        )


def test_a_priority_is_added_at_the_end_and_its_ref_must_be_new(sro, plan):
    row = services.listed_add(user=sro, model=KeyPriority, plan=plan, ref="4", description="Fourth", owner_name="Nancy")
    assert row.order == 3
    with pytest.raises(ValidationError, match="Torbay plan already has 4"):
        services.listed_add(user=sro, model=KeyPriority, plan=plan, ref=" 4 ", description="Again")
    with pytest.raises(ValidationError, match="already has 1"):
        services.listed_update(user=sro, row=row, expected_version=1, ref="1")


def test_priorities_move_up_and_down_and_stop_at_the_ends(sro, plan):
    first, second, third = plan.key_priorities.order_by("order")
    assert services.listed_move(user=sro, row=third, up=True)
    assert [p.ref for p in plan_page_lists(plan=plan).key_priorities] == ["1", "3", "2"]
    assert not services.listed_move(user=sro, row=first, up=True)
    assert services.listed_move(user=sro, row=first, up=False)
    assert [p.ref for p in plan_page_lists(plan=plan).key_priorities] == ["3", "1", "2"]


def test_a_retired_priority_leaves_the_plan_and_is_skipped_when_moving(sro, plan):
    first, second, third = plan.key_priorities.order_by("order")
    services.listed_retire(user=sro, row=second)
    assert [p.ref for p in plan_page_lists(plan=plan).key_priorities] == ["1", "3"]
    assert services.listed_move(user=sro, row=third, up=True)
    assert [p.ref for p in plan_page_lists(plan=plan).key_priorities] == ["3", "1"]
    assert KeyPriority.objects.get(pk=second.pk).retired_at is not None  # kept, not deleted


def test_a_theme_number_must_be_new_in_its_plan(sro, plan):
    ThemeFactory(plan=plan, number=1)
    with pytest.raises(ValidationError, match="already has a theme 1"):
        services.theme_add(user=sro, plan=plan, number=1, title="Again")
    assert services.theme_add(user=sro, plan=plan, number=2, title="Second").number == 2


def test_a_theme_and_objective_are_edited_with_history(sro, plan):
    theme = ThemeFactory(plan=plan, number=1)
    objective = ObjectiveFactory(theme=theme)
    services.theme_update(
        user=sro,
        theme=theme,
        expected_version=1,
        title="Leadership",
        overview_narrative="Rated red.",
        overview_rag="red",
    )
    services.objective_update(
        user=sro, objective=objective, expected_version=1, lead_officer="Karen Ogle", description="Oversight"
    )
    assert Theme.objects.get(pk=theme.pk).overview_narrative == "Rated red."
    assert Theme.objects.get(pk=theme.pk).history.first().history_user == sro
    with pytest.raises(EditConflict):
        services.objective_update(user=sro, objective=objective, expected_version=1, lead_officer="", description="x")


def test_an_owner_with_an_account_is_named_as_the_account_is(sro, head_of_service, plan):
    action = KeyActionFactory(objective__theme__plan=plan, owner=None, owner_name="Karen Ogle")
    services.key_action_edit(
        user=sro, key_action=action, expected_version=action.version, owner=head_of_service, owner_name="Karen Ogle"
    )
    saved = KeyAction.objects.get(pk=action.pk)
    assert (saved.owner, saved.owner_name) == (head_of_service, "Becky Thompson")


def test_an_owner_with_no_account_is_kept_as_written(sro, plan):
    action = KeyActionFactory(objective__theme__plan=plan)
    services.key_action_edit(
        user=sro, key_action=action, expected_version=action.version, owner=None, owner_name="Gwynne Rayns"
    )
    saved = KeyAction.objects.get(pk=action.pk)
    assert (saved.owner, saved.owner_name) == (None, "Gwynne Rayns")


def test_a_due_date_replaces_the_text_it_was_written_as(sro, plan):
    action = KeyActionFactory(objective__theme__plan=plan, by_when="quarterly")
    services.key_action_edit(user=sro, key_action=action, expected_version=action.version, due_date=None)
    assert KeyAction.objects.get(pk=action.pk).due_display == "quarterly"
    action.refresh_from_db()
    services.key_action_edit(
        user=sro, key_action=action, expected_version=action.version, due_date=datetime.date(2022, 3, 31)
    )
    saved = KeyAction.objects.get(pk=action.pk)
    assert (saved.due_date, saved.by_when, saved.due_display) == (datetime.date(2022, 3, 31), "", "31 March 2022")


def test_editing_an_action_makes_its_owners_open_update_form_stale(sro, head_of_service, plan):
    action = KeyActionFactory(objective__theme__plan=plan, owner=head_of_service)
    opened_at = action.version
    services.key_action_edit(user=sro, key_action=action, expected_version=opened_at, description="Clearer")
    with pytest.raises(EditConflict):
        services.key_action_edit(user=sro, key_action=action, expected_version=opened_at, description="Stale")


def test_a_retired_action_leaves_the_report_and_my_actions_and_keeps_its_reason(sro, head_of_service, plan):
    action = KeyActionFactory(objective__theme__plan=plan, owner=head_of_service)
    kept = KeyActionFactory(objective=action.objective, owner=head_of_service)
    services.key_action_retire(user=sro, key_action=action, expected_version=action.version, reason=" Superseded. ")
    saved = KeyAction.objects.get(pk=action.pk)
    assert (saved.retired_reason, saved.retired_by) == ("Superseded.", sro)
    assert [row.action for row in my_actions(user=head_of_service)] == [kept]
    blocks = plan_themes_for_report(user=sro, plan=plan, financial_year=2021)
    assert [row.action for row in blocks[0].objectives[0].actions] == [kept]


def test_retiring_needs_a_reason_and_happens_once(sro, plan):
    action = KeyActionFactory(objective__theme__plan=plan)
    with pytest.raises(ValidationError, match="give a reason"):
        services.key_action_retire(user=sro, key_action=action, expected_version=action.version, reason="  ")
    services.key_action_retire(user=sro, key_action=action, expected_version=action.version, reason="Done.")
    with pytest.raises(ValidationError, match="already retired"):
        services.key_action_retire(user=sro, key_action=action, expected_version=action.version, reason="Again.")


def test_a_retired_action_can_no_longer_be_updated_by_its_owner(sro, head_of_service, plan):
    from plans.permissions import can_edit_key_action

    action = KeyActionFactory(objective__theme__plan=plan, owner=head_of_service)
    services.key_action_retire(user=sro, key_action=action, expected_version=action.version, reason="Done.")
    assert not can_edit_key_action(head_of_service, KeyAction.objects.get(pk=action.pk))
