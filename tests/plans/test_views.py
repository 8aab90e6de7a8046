import pytest
from django.urls import reverse

from plans.models import ActionUpdate, KeyAction, QuarterRag
from tests.factories import (
    ActionUpdateFactory,
    KeyActionFactory,
    ObjectiveFactory,
    PlanFactory,
    QuarterRagFactory,
    ThemeFactory,
)
from tests.two_factor import sign_in, sign_in_verified

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "sro", "head_of_service", "other_head_of_service", "performance_user", "admin_user_")


@pytest.fixture
def world(request, sro, head_of_service, other_head_of_service, performance_user, admin_user_):
    """A plan with one action owned by becky.thompson, and a client per role."""
    action = KeyActionFactory(owner=head_of_service, objective__theme__plan__slug="torbay")
    users = {
        "sro": sro,
        "head_of_service": head_of_service,
        "other_head_of_service": other_head_of_service,
        "performance_user": performance_user,
        "admin_user_": admin_user_,
    }
    return action, users


def client_for(client, users, role):
    if role != "anonymous":
        sign_in(client, users[role])
    return client


# Every page, every role: (url name, kwargs builder, {role: expected status}).
PAGES = [
    ("plans:plan_list", lambda a: {}, dict.fromkeys(ROLES[1:], 200)),
    ("plans:plan_detail", lambda a: {"slug": "torbay"}, dict.fromkeys(ROLES[1:], 200)),
    ("plans:my_actions", lambda a: {}, dict.fromkeys(ROLES[1:], 200)),
    ("plans:action_detail", lambda a: {"pk": a.pk}, dict.fromkeys(ROLES[1:], 200)),
    (
        "plans:action_update",
        lambda a: {"pk": a.pk},
        {
            "sro": 403,
            "head_of_service": 200,
            "other_head_of_service": 403,
            "performance_user": 403,
            "admin_user_": 200,
        },
    ),
]
CASES = [
    pytest.param(name, kwargs, role, expected.get(role), id=f"{name} as {role}")
    for name, kwargs, expected in PAGES
    for role in ROLES
]


@pytest.mark.parametrize(("url_name", "kwargs", "role", "expected"), CASES)
def test_every_role_on_every_page(client, world, url_name, kwargs, role, expected):
    action, users = world
    url = reverse(url_name, kwargs=kwargs(action))
    response = client_for(client, users, role).get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected


def test_unknown_plan_and_action_are_404(client, sro):
    client.force_login(sro)
    assert client.get(reverse("plans:plan_detail", kwargs={"slug": "nope"})).status_code == 404
    assert client.get(reverse("plans:action_detail", kwargs={"pk": 999999})).status_code == 404


def post_data(action, **overrides):
    data = {
        "version": action.version,
        "financial_year": 2021,
        "quarter": 2,
        "rag": "amber",
        "progress": "Recruited two social workers.",
        "barriers": "Vacancies.",
        "next_steps": "Induct them.",
    }
    data.update(overrides)
    return data


def test_head_of_service_posting_to_another_owners_action_gets_403_and_nothing_changes(client, other_head_of_service):
    action = KeyActionFactory()
    client.force_login(other_head_of_service)
    response = client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), post_data(action))
    assert response.status_code == 403
    assert not ActionUpdate.objects.exists()
    assert not QuarterRag.objects.exists()
    assert KeyAction.objects.get(pk=action.pk).version == action.version


def test_owner_saves_an_update_and_sees_it_on_the_action(client, head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    client.force_login(head_of_service)
    response = client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), post_data(action), follow=True)
    assert response.status_code == 200
    assert "Your update was saved." in response.content.decode()
    assert "Recruited two social workers." in response.content.decode()
    assert QuarterRag.objects.get(key_action=action, financial_year=2021, quarter=2).rag == "amber"


TYPED = {"barriers": "Sickness in the team."}


@pytest.mark.parametrize(
    ("overrides", "message", "kept"),
    [
        pytest.param(
            {"progress": "<script>alert(1)</script>", "next_steps": " ", "barriers": ""},
            "fill in at least one of",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            id="empty update (only markup)",
        ),
        pytest.param(
            {"quarter": "5", **TYPED}, "Choose a quarter from Q1 to Q4.", TYPED["barriers"], id="unknown quarter"
        ),
        pytest.param(
            {"rag": "purple", **TYPED}, "Choose Red, Amber or Green.", TYPED["barriers"], id="RAG not red/amber/green"
        ),
        pytest.param({"rag": "", **TYPED}, "Choose the quarter&#x27;s RAG status", TYPED["barriers"], id="no RAG"),
        pytest.param(
            {"financial_year": "1900", **TYPED},
            "Choose a financial year of the plan, from",
            TYPED["barriers"],
            id="unknown year",
        ),
    ],
)
def test_invalid_input_is_a_form_error_that_keeps_what_was_typed(client, head_of_service, overrides, message, kept):
    action = KeyActionFactory(owner=head_of_service)
    client.force_login(head_of_service)
    response = client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), post_data(action, **overrides))
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert kept in body
    assert not ActionUpdate.objects.exists()
    assert not QuarterRag.objects.exists()


def test_second_editor_is_refused_with_a_clear_message_and_keeps_their_text(client, head_of_service, admin_user_):
    action = KeyActionFactory(owner=head_of_service)
    first = post_data(action, progress="First editor's words.")
    second = post_data(action, progress="Second editor's words.", rag="red")
    client.force_login(head_of_service)
    client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), first)
    sign_in_verified(client, admin_user_)
    response = client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), second)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this action while you were editing it" in body
    assert "Second editor&#x27;s words." in body  # kept in the form
    assert "First editor's words." in body  # the other update is shown
    assert [u.progress for u in ActionUpdate.objects.all()] == ["First editor's words."]
    assert QuarterRag.objects.get().rag == "amber"
    # Having read it, the second editor can save again: the form now carries the new version.
    resubmit = post_data(KeyAction.objects.get(pk=action.pk), progress="Second editor's words.", rag="red")
    assert client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), resubmit).status_code == 302
    assert QuarterRag.objects.get().rag == "red"


def test_action_page_shows_history_with_who_and_when(client, head_of_service, sro):
    action = KeyActionFactory(owner=head_of_service)
    client.force_login(head_of_service)
    client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), post_data(action, rag="red"))
    action.refresh_from_db()
    client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), post_data(action, rag="green"))
    client.force_login(sro)
    body = client.get(reverse("plans:action_detail", kwargs={"pk": action.pk})).content.decode()
    assert body.count("Becky Thompson") >= 3
    assert "Q2 2021/22 RAG set" in body
    assert "Q2 2021/22 RAG changed" in body
    assert "Narrative update for Q2 2021/22" in body


def test_rag_is_shown_as_a_word_as_well_as_a_colour(client, sro, head_of_service):
    action = KeyActionFactory(owner=head_of_service, objective__theme__plan__slug="p")
    QuarterRagFactory(key_action=action, financial_year=2021, quarter=1, rag="red")
    client.force_login(sro)
    body = client.get(reverse("plans:plan_detail", kwargs={"slug": "p"}) + "?year=2021").content.decode()
    assert '<span class="rag rag-red">Red</span>' in body


def test_my_actions_lists_only_the_users_own_actions(client, head_of_service, other_head_of_service):
    mine = KeyActionFactory(owner=head_of_service, description="Mine to update")
    KeyActionFactory(owner=other_head_of_service, description="Someone else's")
    client.force_login(head_of_service)
    body = client.get(reverse("plans:my_actions")).content.decode()
    assert "Mine to update" in body
    assert "Someone else" not in body
    assert reverse("plans:action_update", kwargs={"pk": mine.pk}) in body


def build_plan(size: int, owner):
    plan = PlanFactory(slug=f"size-{size}")
    for t in range(size):
        theme = ThemeFactory(plan=plan, number=t + 1)
        for _ in range(size):
            objective = ObjectiveFactory(theme=theme)
            for _ in range(size):
                action = KeyActionFactory(objective=objective, owner=owner)
                for quarter in (1, 2):
                    QuarterRagFactory(key_action=action, financial_year=2021, quarter=quarter)
                ActionUpdateFactory(key_action=action)
                ActionUpdateFactory(key_action=action)
    return plan


@pytest.mark.parametrize("size", [1, 3])
def test_plan_page_runs_a_fixed_number_of_queries(client, head_of_service, django_assert_num_queries, size):
    plan = build_plan(size, head_of_service)
    client.force_login(head_of_service)
    url = reverse("plans:plan_detail", kwargs={"slug": plan.slug}) + "?year=2021"
    # session, user, groups, plan, years (2), themes, objectives, key actions, RAGs, latest updates,
    # priorities, developments, guidance, recommendations, the themes' risks (risks.templatetags), and
    # whether they may edit the plan (their own and their groups' permissions).
    with django_assert_num_queries(18):
        response = client.get(url)
    assert response.status_code == 200
    # Two quarters per action, each theme's overview and the plan's overall status.
    assert response.content.decode().count('class="rag rag-amber"') == 2 * size**3 + size + 1


@pytest.mark.parametrize("size", [1, 3])
def test_my_actions_runs_a_fixed_number_of_queries(client, head_of_service, django_assert_num_queries, size):
    build_plan(size, head_of_service)
    client.force_login(head_of_service)
    # session, user, groups, the actions with their plans, their RAGs in each plan's reporting quarter.
    with django_assert_num_queries(5):
        response = client.get(reverse("plans:my_actions"))
    assert response.content.decode().count("Add update") == size**3


@pytest.mark.parametrize("updates", [pytest.param(1, id="one update"), pytest.param(12, id="twelve updates")])
def test_key_action_pages_run_a_fixed_number_of_queries(client, head_of_service, django_assert_num_queries, updates):
    action = KeyActionFactory(owner=head_of_service)
    for quarter in (1, 2, 3, 4):
        QuarterRagFactory(key_action=action, financial_year=2021, quarter=quarter)
    for _ in range(updates):
        ActionUpdateFactory(key_action=action)
    client.force_login(head_of_service)
    # session, user, groups, the action with its plan and owner, RAGs, updates with authors, and the
    # history: updates, RAG history, action history (3), the linked risks (risks.templatetags), the
    # Ofsted recommendations it answers, and whether they may edit the plan (2).
    with django_assert_num_queries(13):
        response = client.get(reverse("plans:action_detail", kwargs={"pk": action.pk}))
    assert response.status_code == 200
    # session, user, the action, the groups, this quarter's RAG, the latest update, the plan's years (2), and
    # whether the quarter is locked (its paper published).
    with django_assert_num_queries(9):
        response = client.get(reverse("plans:action_update", kwargs={"pk": action.pk}))
    assert response.status_code == 200
