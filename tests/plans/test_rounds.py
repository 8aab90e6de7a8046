"""Reporting rounds (issue 10): opening a round, each action's update due → submitted → returned or signed off,
who may make each change, explain-the-red, and the pages that show it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core import roles
from plans import selectors, services
from plans.models import ActionUpdate, Plan, ReportingRound, Submission
from plans.rounds import services as rounds
from plans.rounds.selectors import deadline_words, my_tasks, review_page
from tests.factories import (
    ActionUpdateFactory,
    KeyActionFactory,
    ObjectiveFactory,
    PlanFactory,
    QuarterRagFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2021, 10, 15)
BOARD = datetime.date(2021, 10, 28)
WHY = {"barriers": "Two posts vacant.", "next_steps": "Recruit by November."}


@pytest.fixture
def improvement_lead(make_user):
    return make_user("improvement.lead", roles.IMPROVEMENT_LEAD, first_name="Imogen", last_name="Lead")


@pytest.fixture
def action(head_of_service):
    """Becky's action on a plan reporting on Q1 2021/22 (report dated 13 July 2021)."""
    return KeyActionFactory(owner=head_of_service, description="Embed triage")


def open_round(user, plan, *, year=2021, quarter=2, deadline=DEADLINE, board=BOARD) -> ReportingRound:
    return rounds.round_open(
        user=user, plan=plan, financial_year=year, quarter=quarter, deadline=deadline, board_date=board
    )


def submit(user, action, *, rag="green", quarter=2, progress="Triage live.", **texts) -> services.UpdateResult:
    action.refresh_from_db()
    return services.key_action_update_add(
        user=user,
        key_action=action,
        expected_version=action.version,
        financial_year=2021,
        quarter=quarter,
        rag=rag,
        progress=progress,
        **{**WHY, **texts},
    )


def plan_of(action) -> Plan:
    return Plan.objects.get(pk=action.objective.theme.plan_id)


# Opening a round ---------------------------------------------------------------------------------------


def test_an_open_round_sets_the_plans_reporting_quarter(sro, action):
    plan = plan_of(action)
    assert selectors.plan_reporting_quarter(plan).label == "Q1 2021/22"
    open_round(sro, plan)
    assert selectors.plan_reporting_quarter(plan_of(action)).label == "Q2 2021/22"


@pytest.mark.parametrize(
    ("role", "may"),
    [
        pytest.param("sro", True, id="the SRO"),
        pytest.param("admin_user_", True, id="an administrator"),
        pytest.param("improvement_lead", False, id="an improvement lead"),
        pytest.param("head_of_service", False, id="a head of service"),
        pytest.param("performance_user", False, id="the performance team"),
    ],
)
def test_who_may_open_a_round(request, action, role, may):
    user = request.getfixturevalue(role)
    if may:
        assert open_round(user, plan_of(action)).status == ReportingRound.Status.OPEN
    else:
        with pytest.raises(PermissionDenied):
            open_round(user, plan_of(action))
        assert not ReportingRound.objects.exists()


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        pytest.param(
            (2021, 2),
            {"year": 2021, "quarter": 3},
            "Torbay plan already has a round open, for Q2 2021/22. Publish or close that round before opening another.",
            id="a second open round",
        ),
        pytest.param(
            None,
            {"deadline": datetime.date(2021, 11, 1)},
            "The deadline for updates must fall on or before the board date",
            id="a deadline after the board date",
        ),
        pytest.param(
            None,
            {"year": 2025},
            "Choose a quarter of the plan's years, from 2020/21 to 2022/23",
            id="a quarter outside the plan's years",
        ),
    ],
)
def test_opening_a_round_is_refused_with_a_sentence(sro, action, first, second, message):
    plan = plan_of(action)
    plan.title = "Torbay plan"
    plan.save()
    if first:
        open_round(sro, plan, year=first[0], quarter=first[1])
    with pytest.raises(ValidationError) as error:
        open_round(sro, plan_of(action), **second)
    assert message in " ".join(error.value.messages)
    assert ReportingRound.objects.count() == (1 if first else 0)


def test_the_database_holds_one_open_round_per_plan(sro, action):
    from django.db import IntegrityError, transaction

    open_round(sro, plan_of(action))
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingRound.objects.create(
            plan=plan_of(action),
            financial_year=2021,
            quarter=3,
            deadline=DEADLINE,
            board_date=BOARD,
            opened_at=datetime.datetime(2021, 10, 1, tzinfo=datetime.UTC),
        )


def test_the_open_form_refuses_a_second_round_keeping_what_was_typed(client, sro, action):
    open_round(sro, plan_of(action))
    client.force_login(sro)
    data = {"financial_year": 2021, "quarter": 3, "deadline": "2022-01-14", "board_date": "2022-01-27"}
    response = client.post(reverse("plans:round_open", args=[plan_of(action).slug]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "already has a round open, for Q2 2021/22" in body
    assert 'value="2022-01-14"' in body
    assert 'value="2022-01-27"' in body


def test_the_open_form_refuses_a_deadline_after_the_board_date_against_the_field(client, sro, action):
    client.force_login(sro)
    data = {"financial_year": 2021, "quarter": 2, "deadline": "2021-11-01", "board_date": "2021-10-28"}
    response = client.post(reverse("plans:round_open", args=[plan_of(action).slug]), data)
    assert "must fall on or before the board date" in str(response.context["form"].errors["deadline"])
    assert not ReportingRound.objects.exists()


def test_the_sro_opens_a_round_and_goes_to_its_review_page(client, sro, action):
    client.force_login(sro)
    data = {"financial_year": 2021, "quarter": 2, "deadline": "2021-10-15", "board_date": "2021-10-28"}
    response = client.post(reverse("plans:round_open", args=[plan_of(action).slug]), data, follow=True)
    body = response.content.decode()
    assert "The Q2 2021/22 round is open. Heads of service see their updates due by 15 October 2021" in body
    assert "Review updates: Q2 2021/22" in body
    round_ = ReportingRound.objects.get()
    assert (round_.opened_by, round_.history.get().history_user) == (sro, sro)


# The states of an update, and who moves them ---------------------------------------------------------------


def test_a_save_for_the_rounds_quarter_submits_it_and_one_for_another_does_not(sro, head_of_service, action):
    open_round(sro, plan_of(action))
    assert submit(head_of_service, action, quarter=1).submission is None
    result = submit(head_of_service, action, quarter=2)
    assert result.submission.status == Submission.Status.SUBMITTED
    assert result.submission.update == result.update


def test_returned_resubmitted_and_signed_off_each_kept_in_history_with_who_and_the_comment(
    sro, head_of_service, improvement_lead, action
):
    open_round(sro, plan_of(action))
    submission = submit(head_of_service, action).submission
    rounds.submission_return(user=improvement_lead, submission=submission, comment="Say which localities.")
    submission.refresh_from_db()
    assert (submission.status, submission.comment) == (Submission.Status.RETURNED, "Say which localities.")
    submission = submit(head_of_service, action, progress="Triage live in Torquay and Paignton.").submission
    assert submission.status == Submission.Status.SUBMITTED
    rounds.submission_approve(user=sro, submission=submission)
    history = list(
        submission.history.order_by("history_date").values_list("status", "history_user__username", "comment")
    )
    assert history == [
        ("submitted", "becky.thompson", ""),
        ("returned", "improvement.lead", "Say which localities."),
        ("submitted", "becky.thompson", "Say which localities."),
        ("signed_off", "sro", "Say which localities."),
    ]


def test_a_signed_off_update_saved_again_waits_for_sign_off_again(sro, head_of_service, action):
    open_round(sro, plan_of(action))
    rounds.submission_approve(user=sro, submission=submit(head_of_service, action).submission)
    assert submit(head_of_service, action, progress="A late correction.").submission.status == "submitted"


@pytest.mark.parametrize(
    ("role", "own", "may_submit", "may_review"),
    [
        pytest.param("head_of_service", False, True, False, id="the owner, a head of service"),
        pytest.param("other_head_of_service", False, False, False, id="another head of service"),
        pytest.param("sro", False, False, True, id="the SRO"),
        pytest.param("improvement_lead", False, False, True, id="an improvement lead"),
        pytest.param("performance_user", False, False, False, id="the performance team"),
        pytest.param("admin_user_", False, True, True, id="an administrator"),
        # Four eyes: a reviewer who wrote the update (an action of their own, or an administrator writing one in
        # its owner's place) may not decide it.
        pytest.param("sro", True, True, False, id="the SRO, on their own update"),
        pytest.param("improvement_lead", True, True, False, id="an improvement lead, on their own update"),
        pytest.param("admin_user_", True, True, False, id="an administrator, on their own update"),
    ],
)
@pytest.mark.parametrize("decision", ["approve", "return"])
def test_who_may_submit_sign_off_and_return(
    request, sro, head_of_service, action, role, own, may_submit, may_review, decision
):
    user = request.getfixturevalue(role)
    if own and role != "admin_user_":
        action.owner = user
        action.save()
    open_round(sro, plan_of(action))
    if may_submit:
        assert submit(user, action).submission.status == "submitted"
    else:
        with pytest.raises(PermissionDenied):
            submit(user, action)
    author = user if own else head_of_service
    submission = submit(author, action).submission
    review = (
        (lambda: rounds.submission_approve(user=user, submission=submission))
        if decision == "approve"
        else (lambda: rounds.submission_return(user=user, submission=submission, comment="Add the figures."))
    )
    if may_review:
        assert review().status == ("signed_off" if decision == "approve" else "returned")
    else:
        with pytest.raises(PermissionDenied) as refused:
            review()
        if own:
            assert str(refused.value) == rounds.OWN_UPDATE_MESSAGE
        submission.refresh_from_db()
        assert submission.status == "submitted"


def test_another_reviewer_decides_an_update_a_reviewer_wrote(sro, improvement_lead, action):
    action.owner = improvement_lead
    action.save()
    open_round(sro, plan_of(action))
    submission = submit(improvement_lead, action).submission
    with pytest.raises(PermissionDenied):
        rounds.submission_approve(user=improvement_lead, submission=submission)
    assert rounds.submission_approve(user=sro, submission=submission).reviewed_by == sro


@pytest.mark.parametrize("state", ["returned", "signed_off"])
@pytest.mark.parametrize("decision", ["approve", "return"])
def test_nobody_reviews_an_update_that_is_not_waiting_for_sign_off(sro, head_of_service, action, state, decision):
    open_round(sro, plan_of(action))
    submission = submit(head_of_service, action).submission
    if state == "returned":
        rounds.submission_return(user=sro, submission=submission, comment="Add the figures.")
    else:
        rounds.submission_approve(user=sro, submission=submission)
    review = {
        "approve": lambda: rounds.submission_approve(user=sro, submission=submission),
        "return": lambda: rounds.submission_return(user=sro, submission=submission, comment="Again."),
    }[decision]
    with pytest.raises(ValidationError) as error:
        review()
    assert "This update is no longer waiting for sign-off" in error.value.messages[0]


def test_returning_needs_a_comment(sro, head_of_service, action):
    open_round(sro, plan_of(action))
    submission = submit(head_of_service, action).submission
    with pytest.raises(ValidationError) as error:
        rounds.submission_return(user=sro, submission=submission, comment="   ")
    assert error.value.message_dict["comment"] == [rounds.RETURN_NEEDS_COMMENT_MESSAGE]
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_a_head_of_service_given_the_review_permission_still_never_reviews(sro, head_of_service, action):
    from django.contrib.auth.models import Group

    head_of_service.groups.add(Group.objects.get(name=roles.IMPROVEMENT_LEAD))
    open_round(sro, plan_of(action))
    submission = submit(head_of_service, action).submission
    with pytest.raises(PermissionDenied):
        rounds.submission_approve(user=head_of_service, submission=submission)


# Explain the red -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rag", "texts", "missing"),
    [
        pytest.param("red", {"barriers": "", "next_steps": ""}, {"barriers", "next_steps"}, id="Red, neither"),
        pytest.param(
            "amber", {"barriers": "Vacancies.", "next_steps": "<p> </p>"}, {"next_steps"}, id="Amber, no steps"
        ),
        pytest.param("green", {"barriers": "", "next_steps": ""}, set(), id="Green needs neither"),
    ],
)
def test_red_and_amber_need_barriers_and_next_steps(head_of_service, action, rag, texts, missing):
    if missing:
        with pytest.raises(ValidationError) as error:
            submit(head_of_service, action, rag=rag, **texts)
        assert set(error.value.message_dict) == missing
        assert not ActionUpdate.objects.exists()
    else:
        assert submit(head_of_service, action, rag=rag, **texts).update.pk


def test_a_plan_may_turn_explain_the_red_off(head_of_service, action):
    Plan.objects.filter(pk=action.objective.theme.plan_id).update(explain_red=False)
    action.refresh_from_db()
    assert submit(head_of_service, action, rag="red", barriers="", next_steps="").update.pk


def test_the_form_refuses_red_without_barriers_keeping_what_was_typed(client, head_of_service, action):
    client.force_login(head_of_service)
    data = {
        "version": action.version,
        "financial_year": 2021,
        "quarter": 1,
        "rag": "red",
        "progress": "Triage pilot paused & under review.",
        "barriers": "",
        "next_steps": "Restart in January.",
    }
    response = client.post(reverse("plans:action_update", args=[action.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        "A Red RAG needs an explanation: write the barriers holding the action back here, so the board sees why "
        "and what happens next." in body
    )
    assert "Triage pilot paused &amp; under review." in body
    assert "Restart in January." in body
    assert response.context["form"]["rag"].value() == "red"
    assert "A Red or Amber status needs barriers and next steps" in body
    assert not ActionUpdate.objects.exists()


# The pages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (5, "Due in 5 days, by 15 October 2021"),
        (1, "Due tomorrow, 15 October 2021"),
        (0, "Due today, 15 October 2021"),
        (-1, "1 day overdue: the deadline was 15 October 2021"),
        (-3, "3 days overdue: the deadline was 15 October 2021"),
    ],
)
def test_the_deadline_in_words(days, words):
    assert deadline_words(DEADLINE, DEADLINE - datetime.timedelta(days=days)) == words


def test_my_actions_is_the_rounds_task_list(client, sro, head_of_service, improvement_lead):
    plan = PlanFactory()
    objective = ObjectiveFactory(theme=ThemeFactory(plan=plan))
    due, returned, signed = (
        KeyActionFactory(objective=objective, owner=head_of_service, description=text)
        for text in ("Due one", "Returned one", "Signed one")
    )
    open_round(sro, plan, deadline=datetime.date.today() - datetime.timedelta(days=2), board=datetime.date.today())
    rounds.submission_return(user=sro, submission=submit(head_of_service, returned).submission, comment="Add dates.")
    rounds.submission_approve(user=improvement_lead, submission=submit(head_of_service, signed).submission)
    tasks = {task.row.action.description: task for task in my_tasks(user=head_of_service).rows}
    assert (tasks["Due one"].status, tasks["Due one"].overdue) == ("due", True)
    assert tasks["Returned one"].comment == "Add dates."
    assert tasks["Signed one"].status_label == "Signed off"
    client.force_login(head_of_service)
    body = client.get(reverse("plans:my_actions")).content.decode()
    assert "<strong>2</strong> updates overdue" in body  # the due one and the returned one, past the deadline
    assert "<strong>1</strong> update returned to you with a comment" in body
    assert "2 days overdue: the deadline was" in body
    assert "Reviewer’s comment: “Add dates.”" in body
    assert "Revise update" in body


def build_round(size: int, owner, sro) -> Plan:
    plan = PlanFactory(slug=f"round-{size}")
    for t in range(size):
        theme = ThemeFactory(plan=plan, number=t + 1)
        for _ in range(size):
            objective = ObjectiveFactory(theme=theme)
            for _ in range(size):
                action = KeyActionFactory(objective=objective, owner=owner)
                QuarterRagFactory(key_action=action, financial_year=2021, quarter=1)
                ActionUpdateFactory(key_action=action, financial_year=2021, quarter=1)
    open_round(sro, plan)
    for action in plan_actions(plan):
        submit(owner, action, rag="amber")
    return plan


def plan_actions(plan):
    from plans.models import KeyAction

    return list(KeyAction.objects.filter(objective__theme__plan=plan))


@pytest.mark.parametrize("size", [1, 3])
def test_my_actions_in_a_round_runs_a_fixed_number_of_queries(
    client, sro, head_of_service, django_assert_num_queries, size
):
    build_round(size, head_of_service, sro)
    client.force_login(head_of_service)
    # session, user, groups, the actions with their plans, the plans' open rounds, their RAGs, the submissions.
    with django_assert_num_queries(7):
        response = client.get(reverse("plans:my_actions"))
    assert response.content.decode().count("Submitted, awaiting sign-off") == size**3


@pytest.mark.parametrize("size", [1, 3])
def test_the_review_page_runs_a_fixed_number_of_queries(client, sro, head_of_service, django_assert_num_queries, size):
    plan = build_round(size, head_of_service, sro)
    client.force_login(sro)
    # session, user, groups, the plan, its open round, the submissions with their actions, updates and
    # owners, this and last quarter's RAGs, last quarter's updates, the count still due, and whether the
    # reviewer may open rounds (their own and their groups' permissions).
    with django_assert_num_queries(11):
        response = client.get(reverse("plans:round_review", args=[plan.slug]))
    body = response.content.decode()
    assert body.count('name="decision" value="approve"') == size**3
    assert body.count("Previous quarter (Q1 2021/22)") == size**3


def test_the_review_page_lists_submitted_updates_beside_last_quarters(client, sro, head_of_service, action):
    QuarterRagFactory(key_action=action, financial_year=2021, quarter=1, rag="green")
    ActionUpdateFactory(key_action=action, financial_year=2021, quarter=1, progress="<p>Q1 words.</p>")
    open_round(sro, plan_of(action))
    submit(head_of_service, action, rag="red", progress="Q2 words.")
    client.force_login(sro)
    body = client.get(reverse("plans:round_review", args=[plan_of(action).slug])).content.decode()
    assert "Q1 words." in body
    assert "Q2 words." in body
    assert '<span class="rag rag-green">Green</span>' in body
    assert '<span class="rag rag-red">Red</span>' in body
    assert "<strong>1</strong> update awaiting sign-off" in body


def test_returning_without_a_comment_on_the_page_is_refused_and_the_reviewer_is_told(
    client, sro, head_of_service, action
):
    open_round(sro, plan_of(action))
    submission = submit(head_of_service, action).submission
    client.force_login(sro)
    url = reverse("plans:round_review", args=[plan_of(action).slug])
    response = client.post(url, {"submission": submission.pk, "decision": "return", "comment": ""})
    assert response.status_code == 200
    assert rounds.RETURN_NEEDS_COMMENT_MESSAGE in response.content.decode()
    response = client.post(
        url, {"submission": submission.pk, "decision": "return", "comment": "Add figures."}, follow=True
    )
    assert "You returned the update on “Embed triage” to Becky Thompson with your comment." in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == "returned"


def test_the_review_page_shows_no_buttons_on_the_reviewers_own_update_and_says_why(
    client, sro, improvement_lead, head_of_service, action
):
    theirs = KeyActionFactory(objective=action.objective, owner=improvement_lead, description="Audit case files")
    open_round(sro, plan_of(action))
    submit(head_of_service, action)
    own = submit(improvement_lead, theirs).submission
    url = reverse("plans:round_review", args=[plan_of(action).slug])
    client.force_login(improvement_lead)
    body = client.get(url).content.decode()
    card = body[body.index(f'id="submission-{own.pk}"') :].split("</article>")[0]
    assert 'name="decision"' not in card
    assert rounds.OWN_UPDATE_MESSAGE in card
    assert body.count('name="decision" value="approve"') == 1  # Becky's update, which another wrote
    assert body.count(rounds.OWN_UPDATE_MESSAGE) == 1
    refused = client.post(url, {"submission": own.pk, "decision": "return", "comment": "Looks wrong."})
    assert refused.status_code == 200
    assert f"The update on “Audit case files” was not changed: {rounds.OWN_UPDATE_MESSAGE}" in refused.content.decode()
    own.refresh_from_db()
    assert own.status == "submitted"
    client.force_login(sro)
    body = client.get(url).content.decode()
    assert rounds.OWN_UPDATE_MESSAGE not in body
    assert body.count('name="decision" value="approve"') == 2


def test_a_head_of_service_posting_a_decision_changes_nothing(client, sro, head_of_service, action):
    open_round(sro, plan_of(action))
    submission = submit(head_of_service, action).submission
    client.force_login(head_of_service)
    url = reverse("plans:round_review", args=[plan_of(action).slug])
    assert client.post(url, {"submission": submission.pk, "decision": "approve"}).status_code == 403
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_the_report_marks_an_update_awaiting_sign_off_in_words(client, sro, head_of_service, action):
    open_round(sro, plan_of(action))
    client.force_login(sro)
    assert "Update awaiting sign-off" not in client.get(reverse("report")).content.decode()
    submission = submit(head_of_service, action).submission
    assert "Update awaiting sign-off" in client.get(reverse("report")).content.decode()
    rounds.submission_approve(user=sro, submission=submission)
    assert "Update awaiting sign-off" not in client.get(reverse("report")).content.decode()


def test_the_update_form_shows_the_round_and_the_reviewers_comment(client, sro, head_of_service, action):
    open_round(sro, plan_of(action))
    rounds.submission_return(user=sro, submission=submit(head_of_service, action).submission, comment="Add dates.")
    client.force_login(head_of_service)
    body = client.get(reverse("plans:action_update", args=[action.pk])).content.decode()
    assert "Q2 2021/22 round: Returned" in body
    assert "The reviewer’s comment:</strong> “Add dates.”" in body


def test_review_page_without_a_round_says_how_to_open_one(client, sro, action):
    client.force_login(sro)
    body = client.get(reverse("plans:round_review", args=[plan_of(action).slug])).content.decode()
    assert "No reporting round is open for" in body
    assert reverse("plans:round_open", args=[plan_of(action).slug]) in body


def test_review_page_shows_reds_without_explanation(sro, head_of_service, action):
    Plan.objects.filter(pk=action.objective.theme.plan_id).update(explain_red=False)
    action.refresh_from_db()
    open_round(sro, plan_of(action))
    submit(head_of_service, action, rag="red", barriers="", next_steps="")
    page = review_page(plan=plan_of(action))
    assert [row.action.pk for row in page.unexplained] == [action.pk]


def test_a_comment_too_long_is_refused_and_kept(client, sro, head_of_service, action):
    open_round(sro, plan_of(action))
    submission = submit(head_of_service, action).submission
    client.force_login(sro)
    url = reverse("plans:round_review", args=[plan_of(action).slug])
    typed = "Add the figures. " + "x" * 5000
    response = client.post(url, {"submission": submission.pk, "decision": "return", "comment": typed})
    body = response.content.decode()
    assert "Shorten the comment to 5,000 characters or fewer, then return the update again." in body
    assert typed in body
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_signing_off_an_update_someone_else_reviewed_first_says_so(
    client, sro, improvement_lead, head_of_service, action
):
    open_round(sro, plan_of(action))
    submission = submit(head_of_service, action).submission
    rounds.submission_return(user=improvement_lead, submission=submission, comment="Add the figures.")
    client.force_login(sro)
    url = reverse("plans:round_review", args=[plan_of(action).slug])
    body = client.post(url, {"submission": submission.pk, "decision": "approve"}).content.decode()
    assert (
        "The update on “Embed triage” was not changed: This update is no longer waiting for sign-off: it is returned."
        in body
    )


def test_a_round_in_a_year_outside_the_plan_is_refused_on_the_form(client, sro, action):
    client.force_login(sro)
    data = {"financial_year": 2030, "quarter": 2, "deadline": "2030-10-15", "board_date": "2030-10-28"}
    response = client.post(reverse("plans:round_open", args=[plan_of(action).slug]), data)
    message = "Choose a quarter of the plan's years, from 2020/21 to 2022/23"
    assert response.context["form"].errors["financial_year"][0].startswith(message)


@pytest.mark.parametrize("scale", [pytest.param(1, id="Torbay size"), pytest.param(3, id="three times Torbay")])
def test_an_open_round_and_its_marks_cost_the_report_no_query(client, sro, scale, django_assert_num_queries):
    """The round's quarter is kept on the plan and "awaiting sign-off" is a subquery: the report's count stands."""
    from tests.report.builders import build_plan
    from tests.report.test_report_queries import REPORT_QUERIES

    plan = build_plan(slug="sized", scale=scale)
    open_round(sro, plan)
    actions = plan_actions(plan)[:scale]
    for action in actions:
        submit(action.owner, action)
    client.force_login(sro)
    with django_assert_num_queries(REPORT_QUERIES):
        response = client.get(reverse("report"))
    assert response.content.decode().count("Update awaiting sign-off") == scale
    assert "At a glance: Q2 2021/22" in response.content.decode()
