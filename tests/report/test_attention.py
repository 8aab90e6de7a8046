"""Needs my attention (issue 10): what each role sees, the round's figures by owner, where each person lands after
signing in, and the page's queries at two sizes of data."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core import roles
from core.access import ATTENTION_URL, BOARD_HOME_URL, landing_url
from plans import services
from plans.models import Plan, Submission
from plans.rounds import services as rounds
from plans.rounds.attention import rounds_attention
from report import attention_views
from tests.factories import KeyActionFactory, ObjectiveFactory, PlanFactory, ThemeFactory, UserFactory
from tests.test_sso import sign_in_with_sso, sso  # noqa: F401 (the SSO fixture, and the way round)
from tests.two_factor import authenticator, code_for, sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "improve-2021"
WHY = {"barriers": "<p>Two posts vacant.</p>", "next_steps": "<p>Recruit by November.</p>"}
COMMENT = "Say when Paignton restarts."
YOUR_UPDATES = '<h2 id="mine-heading"'
TO_SIGN_OFF = '<h2 id="review-heading"'
EACH_PLAN = '<h2 id="progress-heading"'


@pytest.fixture
def improvement_lead(make_user):
    return make_user("improvement.lead", roles.IMPROVEMENT_LEAD, first_name="Imogen", last_name="Lead")


@pytest.fixture
def board_member(make_user):
    return make_user("member", roles.BOARD_MEMBER)


@pytest.fixture(autouse=True)
def role_groups(db):
    roles.roles_ensure()  # the SRO's and improvement lead's permissions to open rounds and sign off


def submit(owner, action, *, rag="green", **texts):
    action.refresh_from_db()
    return services.key_action_update_add(
        user=owner,
        key_action=action,
        expected_version=action.version,
        financial_year=2021,
        quarter=2,
        rag=rag,
        progress="<p>Triage live.</p>",
        **{**WHY, **texts},
    )


def submission_of(action) -> Submission:
    return Submission.objects.get(key_action=action)


def open_round(sro, plan, *, deadline: datetime.date):
    return rounds.round_open(
        user=sro,
        plan=plan,
        financial_year=2021,
        quarter=2,
        deadline=deadline,
        board_date=max(deadline, timezone.localdate()) + datetime.timedelta(days=14),
    )


def new_plan(slug: str, title: str, actions: list[tuple[object, str]]) -> tuple[Plan, list]:
    """A plan with one key action for each (owner, description)."""
    plan = PlanFactory(slug=slug, title=title)
    objective = ObjectiveFactory(theme=ThemeFactory(plan=plan, number=1))
    made = [
        KeyActionFactory(objective=objective, owner=owner, description=text, order=n)
        for n, (owner, text) in enumerate(actions)
    ]
    return plan, made


@pytest.fixture
def built(sro, head_of_service, other_head_of_service, improvement_lead):
    """A plan whose Q2 2021/22 round's deadline passed three days ago: Becky owns four actions (one submitted,
    one signed off, one returned, one not started) and Rachel two (one submitted Red without barriers, which the
    plan allows, one not started); an action with no owner in the tracker has nothing submitted. A second plan
    has no open round."""
    becky, rachel = head_of_service, other_head_of_service
    plan, actions = new_plan(
        "children-2021",
        "Children's services 2021",
        [
            (becky, "Embed triage"),
            (becky, "Recruit social workers"),
            (becky, "Audit case files"),
            (becky, "Launch the family hub"),
            (rachel, "Cut agency use"),
            (rachel, "Train team leaders"),
            (None, "Refresh the sufficiency strategy"),
        ],
    )
    Plan.objects.filter(pk=plan.pk).update(explain_red=False)
    plan.refresh_from_db()
    open_round(sro, plan, deadline=timezone.localdate() - datetime.timedelta(days=3))
    triage, recruit, audit, _hub, agency, _train, _strategy = actions
    submit(becky, triage)
    submit(becky, recruit)
    submit(becky, audit, rag="amber")
    submit(rachel, agency, rag="red", barriers="")
    rounds.submission_approve(user=improvement_lead, submission=submission_of(recruit))
    rounds.submission_return(user=improvement_lead, submission=submission_of(audit), comment=COMMENT)
    PlanFactory(slug="old-plan", title="An earlier plan")
    return {"plan": plan, "actions": actions}


def page_for(client, user) -> str:
    sign_in(client, user)
    response = client.get(reverse("attention"))
    assert response.status_code == 200
    return response.content.decode()


# What each role sees ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sections"),
    [
        pytest.param("head_of_service", {YOUR_UPDATES}, id="head of service: their updates"),
        pytest.param("improvement_lead", {TO_SIGN_OFF}, id="improvement lead: updates to sign off"),
        pytest.param("sro", {TO_SIGN_OFF, EACH_PLAN}, id="SRO: sign-off and each plan's round"),
        pytest.param("admin_user_", {TO_SIGN_OFF, EACH_PLAN}, id="administrator: as the SRO"),
        pytest.param("sro_and_head", {YOUR_UPDATES, EACH_PLAN}, id="SRO who is a head of service: both, no review"),
        pytest.param("performance_user", set(), id="performance team: no section"),
    ],
)
def test_each_role_sees_its_own_sections(client, request, built, make_user, who, sections):
    if who == "sro_and_head":
        user = make_user("both", roles.SRO, roles.HEAD_OF_SERVICE)
    else:
        user = request.getfixturevalue(who)
    body = page_for(client, user)
    shown = {section for section in (YOUR_UPDATES, TO_SIGN_OFF, EACH_PLAN) if section in body}
    assert shown == sections
    assert (attention_views.NO_SECTION in body) == (not sections)


def test_a_board_member_gets_the_board_only_page(client, board_member):
    client.force_login(board_member)
    response = client.get(reverse("attention"))
    assert response.status_code == 403
    assert BOARD_HOME_URL in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("attention"))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=/attention/")


def test_the_head_of_service_sees_their_returned_overdue_and_due_updates_each_linked_to_its_form(
    client, built, head_of_service
):
    triage, recruit, audit, hub = built["actions"][:4]
    body = page_for(client, head_of_service)
    returned = re.search(r'<tr id="returned-(\d+)">(.*?)</tr>', body, re.S)
    assert int(returned[1]) == audit.pk
    assert f"“{COMMENT}”" in returned[2]
    assert reverse("plans:action_update", args=[audit.pk]) in returned[2]
    assert "Returned, overdue" in returned[2]
    overdue = re.search(r'<tr id="overdue-(\d+)">(.*?)</tr>', body, re.S)
    assert int(overdue[1]) == hub.pk
    assert "3 days overdue" in overdue[2]
    assert reverse("plans:action_update", args=[hub.pk]) in overdue[2]
    # Submitted and signed-off updates need nothing from Becky; Rachel's are not hers.
    for done in (triage, recruit):
        assert f'id="overdue-{done.pk}"' not in body
        assert f'id="due-{done.pk}"' not in body
    assert "Cut agency use" not in body
    assert "2 items need you" in body  # the heading's sentence, and the menu's words for screen readers
    assert 'aria-current="page">Needs my attention <span class="badge' in body
    assert "(2 items need you)</span>" in body


def test_a_head_of_service_with_everything_submitted_is_told_nothing_needs_them(client, sro, head_of_service):
    plan, (action,) = new_plan("p", "A plan", [(head_of_service, "Embed triage")])
    open_round(sro, plan, deadline=timezone.localdate() + datetime.timedelta(days=7))
    submit(head_of_service, action)
    body = page_for(client, head_of_service)
    assert attention_views.NOTHING_FOR_OWNER in body
    assert "Nothing needs you now." in body


def test_a_head_of_service_whose_plans_have_no_round_is_told_so(client, head_of_service):
    new_plan("p", "A plan", [(head_of_service, "Embed triage")])
    assert attention_views.NO_ROUND_FOR_OWNER in page_for(client, head_of_service)


def test_due_before_the_deadline_says_how_many_days_are_left(client, sro, head_of_service):
    plan, (action,) = new_plan("p", "A plan", [(head_of_service, "Embed triage")])
    open_round(sro, plan, deadline=timezone.localdate() + datetime.timedelta(days=5))
    body = page_for(client, head_of_service)
    row = re.search(rf'<tr id="due-{action.pk}">(.*?)</tr>', body, re.S)[1]
    assert "<strong>Due</strong>" in row
    assert "Due in 5 days" in row


def test_the_reviewer_sees_updates_awaiting_sign_off_and_the_red_without_barriers(client, built, improvement_lead):
    triage, _recruit, _audit, _hub, agency = built["actions"][:5]
    plan = built["plan"]
    body = page_for(client, improvement_lead)
    awaiting = re.findall(r'<tr id="awaiting-(\d+)">(.*?)</tr>', body, re.S)
    assert [int(pk) for pk, _ in awaiting] == [submission_of(triage).pk, submission_of(agency).pk]
    review = reverse("plans:round_review", args=[plan.slug])
    assert f"{review}#submission-{submission_of(agency).pk}" in awaiting[1][1]
    assert '<span class="rag rag-red">Red</span>' in awaiting[1][1]
    assert "Rachel Setter" in awaiting[1][1]
    unexplained = re.findall(r'<tr id="unexplained-(\d+)">(.*?)</tr>', body, re.S)
    assert [int(pk) for pk, _ in unexplained] == [submission_of(agency).pk]
    assert "No barriers" in unexplained[0][1]
    assert "(2 items need you)" in body


def test_a_reviewer_is_not_asked_to_sign_off_their_own_update(client, sro, improvement_lead):
    """Four eyes: an improvement lead who owns an action and submitted its update finds it awaiting someone else,
    not them; the SRO finds it awaiting her."""
    plan, (own,) = new_plan("own-plan", "Own plan", [(improvement_lead, "Run the front door")])
    open_round(sro, plan, deadline=timezone.localdate() + datetime.timedelta(days=5))
    submit(improvement_lead, own)
    mine = page_for(client, improvement_lead)
    assert re.findall(r'<tr id="awaiting-(\d+)">', mine) == []
    assert attention_views.NOTHING_TO_SIGN_OFF in mine
    client.logout()
    theirs = page_for(client, sro)
    assert re.findall(r'<tr id="awaiting-(\d+)">', theirs) == [str(submission_of(own).pk)]


def test_a_reviewer_with_nothing_waiting_is_told_so_in_sentences(client, improvement_lead):
    body = page_for(client, improvement_lead)
    assert attention_views.NOTHING_TO_SIGN_OFF in body
    assert attention_views.NOTHING_UNEXPLAINED in body


# The SRO's figures by owner -------------------------------------------------------------------------------


def owner_rows(body: str, plan: Plan) -> dict[str, list[str]]:
    section = body.split(f'id="plan-{plan.slug}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<tr>\s*<th scope="row" class="fw-normal">(.*?)</th>(.*?)</tr>', section, re.S)
    return {
        name: [re.sub(r"<.*?>", "", cell).strip() for cell in re.findall(r"<td.*?</td>", cells, re.S)]
        for name, cells in rows
    }


def test_the_sro_sees_the_rounds_figures_by_owner(client, built, sro):
    plan = built["plan"]
    body = page_for(client, sro)
    # Actions, submitted (awaiting sign-off), signed off, returned, due, overdue: each action in one of them.
    assert owner_rows(body, plan) == {
        "Becky Thompson": ["4", "1", "1", "1", "0", "1 overdue"],
        "Rachel Setter": ["2", "1", "0", "0", "0", "1 overdue"],
        "No owner named": ["1", "0", "0", "0", "0", "1 overdue"],
    }
    section = body.split(f'id="plan-{plan.slug}"', 1)[1].split("</section>", 1)[0]
    assert (
        re.sub(r"\s+", " ", re.sub(r"<.*?>", "", section)).count(
            "2 submitted, awaiting sign-off; 1 signed off; 1 returned to their owner; 0 due; 3 overdue"
        )
        == 1
    )
    assert "(passed 3 days ago)" in re.sub(r"<.*?>", "", section)
    assert reverse("plans:round_review", args=[plan.slug]) in section
    assert reverse("plans:round_reminders", args=[plan.slug]) in section
    old = body.split('id="plan-old-plan"', 1)[1].split("</section>", 1)[0]
    assert "No reporting round is open for An earlier plan." in old
    assert reverse("plans:round_open", args=["old-plan"]) in old


def test_the_figures_add_up_to_the_actions_and_due_turns_overdue_after_the_deadline(built, sro):
    plan = built["plan"]
    deadline = plan.rounds.get().deadline
    for today, due, overdue in ((deadline, 3, 0), (deadline + datetime.timedelta(days=1), 0, 3)):
        (progress,) = rounds_attention(user=sro, today=today).open_plans
        totals = progress.totals
        assert (totals.due, totals.overdue) == (due, overdue)
        assert totals.submitted + totals.signed_off + totals.returned + totals.due + totals.overdue == totals.actions
        assert sum(owner.actions for owner in progress.owners) == totals.actions == 7


def test_a_retired_action_is_not_counted(built, sro):
    hub = built["actions"][3]
    type(hub).objects.filter(pk=hub.pk).update(retired_at=timezone.now())
    (progress,) = rounds_attention(user=sro).open_plans
    assert progress.totals.actions == 6
    assert next(owner for owner in progress.owners if owner.name == "Becky Thompson").overdue == 0


# Where each person lands after signing in --------------------------------------------------------------


def password_sign_in(client, username: str, next_path: str | None = None) -> str:
    url = reverse("login") + (f"?next={next_path}" if next_path is not None else "")
    response = client.post(url, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]
    return response["Location"]


@pytest.mark.parametrize(
    ("username", "groups", "landing"),
    [
        pytest.param("becky", (roles.HEAD_OF_SERVICE,), ATTENTION_URL, id="head of service"),
        pytest.param("imogen", (roles.IMPROVEMENT_LEAD,), ATTENTION_URL, id="improvement lead"),
        pytest.param("nancy", (roles.SRO,), ATTENTION_URL, id="SRO"),
        pytest.param("site.admin", (roles.ADMINISTRATOR,), ATTENTION_URL, id="administrator"),
        pytest.param("member", (roles.BOARD_MEMBER,), BOARD_HOME_URL, id="board member"),
        pytest.param("performance", (roles.PERFORMANCE_TEAM,), "/", id="performance team: the report"),
        pytest.param("new.starter", (), "/", id="no role: the no-role page at the front"),
    ],
)
@pytest.mark.parametrize("next_path", [None, "/"], ids=["no next", "next is the front page"])
def test_each_role_lands_on_its_first_page(client, username, groups, landing, next_path):
    UserFactory(username=username, groups=groups)
    assert password_sign_in(client, username, next_path) == landing


@pytest.mark.parametrize("username", ["becky", "nancy", "member"])
def test_a_page_the_person_asked_for_is_honoured(client, username):
    UserFactory(username=username, groups=(roles.BOARD_MEMBER if username == "member" else roles.SRO,))
    wanted = "/published/" if username == "member" else "/risks/?status=open"
    assert password_sign_in(client, username, wanted) == wanted


def test_the_sign_in_page_sends_someone_already_signed_in_to_their_first_page(client, head_of_service):
    client.force_login(head_of_service)
    response = client.get(reverse("login"))
    assert response["Location"] == ATTENTION_URL


def test_two_step_verification_goes_on_to_the_attention_page(client, sro):
    device = authenticator(sro)
    landing = password_sign_in(client, "sro")
    assert landing == ATTENTION_URL
    verify = client.get(landing)["Location"]
    assert verify == f"{reverse('mfa:verify')}?next=%2Fattention%2F"
    response = client.post(verify, {"code": code_for(device)})
    assert response["Location"] == ATTENTION_URL
    assert client.get(ATTENTION_URL).status_code == 200


def test_two_step_verification_without_a_next_goes_to_the_persons_first_page(client, sro, board_member):
    for person, first_page in ((sro, ATTENTION_URL), (board_member, BOARD_HOME_URL)):
        device = authenticator(person)
        password_sign_in(client, person.username)
        assert client.post(reverse("mfa:verify"), {"code": code_for(device)})["Location"] == first_page
        client.logout()


def test_single_sign_on_lands_a_head_of_service_on_the_attention_page(client, sso, head_of_service):  # noqa: F811
    head_of_service.email = "becky.thompson@torbay.gov.uk"  # as the provider has her (tests/oidc_provider)
    head_of_service.save()
    assert sign_in_with_sso(client, sso, "becky")["Location"] == ATTENTION_URL


def test_landing_url_keeps_a_page_with_a_query_and_sends_the_front_page_home(head_of_service):
    assert landing_url(head_of_service, "/?year=2021&quarter=1") == "/?year=2021&quarter=1"
    assert landing_url(head_of_service, "http://testserver/") == ATTENTION_URL
    assert reverse("attention") == ATTENTION_URL


# The menu ----------------------------------------------------------------------------------------------


def test_the_menu_links_to_the_page_for_its_roles_only_and_counts_on_the_page_alone(
    client, built, head_of_service, performance_user, board_member
):
    link = f'<a class="nav-link" href="{ATTENTION_URL}"'
    client.force_login(head_of_service)
    other_page = client.get(reverse("plans:my_actions")).content.decode()
    assert f"{link}>Needs my attention</a>" in other_page  # no count: it would cost other pages queries
    client.force_login(performance_user)
    assert link not in client.get(reverse("plans:plan_list")).content.decode()
    client.force_login(board_member)
    assert link not in client.get(reverse("published:list")).content.decode()


# Queries at two sizes of data --------------------------------------------------------------------------


def build_plans(size: int, sro, becky, rachel) -> None:
    """`size` plans with open rounds, each with 2 × size actions for Becky and for Rachel: half submitted."""
    for p in range(size):
        owners = [(owner, f"{owner.first_name}'s {n}") for owner in (becky, rachel) for n in range(2 * size)]
        plan, actions = new_plan(f"plan-{size}-{p}", f"Plan {p}", owners)
        open_round(sro, plan, deadline=timezone.localdate() + datetime.timedelta(days=7))
        for action in actions[::2]:
            submit(action.owner, action, rag="amber")


# Each: session, user, groups. A head of service: whether they may open rounds (their own and their groups'
# permissions), then their actions with plans, the plans' open rounds, their RAGs, the submissions. A reviewer or
# the SRO: the two permission queries, then plans, open rounds, actions, submissions, RAGs. An administrator: no
# permission query, the verified second factor's device.
# The SRO and administrators: one more, for the papers their open rounds compare with (none here).
QUERIES = {"head_of_service": 9, "improvement_lead": 10, "sro": 11, "admin_user_": 10}


@pytest.mark.parametrize("who", list(QUERIES))
@pytest.mark.parametrize("size", [1, 10])
def test_the_page_runs_a_fixed_number_of_queries_for_each_role(
    client, request, sro, head_of_service, other_head_of_service, django_assert_num_queries, who, size
):
    build_plans(size, sro, head_of_service, other_head_of_service)
    user = request.getfixturevalue(who)
    sign_in(client, user)
    with django_assert_num_queries(QUERIES[who]):
        response = client.get(reverse("attention"))
    body = response.content.decode()
    if who == "head_of_service":
        assert body.count('<tr id="due-') == size * size  # half of 2 × size per plan
    else:
        assert body.count('<tr id="awaiting-') == size * 2 * size
    if who in ("sro", "admin_user_"):
        assert body.count('<th scope="row" class="fw-normal">Becky Thompson</th>') == size


def test_the_sro_sees_what_changed_since_the_last_board_for_each_open_round(client, sro, head_of_service):
    """The Q1 paper went to the board; in the Q2 round Becky's action turns Red: the SRO's page says so under the
    plan, linked to the action on that plan's report, beside the updates still missing."""
    from core.calendar import FinancialQuarter
    from report.publishing import paper_record

    plan, (triage, recruit) = new_plan("board-plan", "Board plan", [(head_of_service, "Embed triage")] * 2)
    paper_record(user=sro, plan=plan, quarter=FinancialQuarter(2021, 1), board_date=None)
    open_round(sro, plan, deadline=timezone.localdate() + datetime.timedelta(days=5))
    submit(head_of_service, triage, rag="red")
    body = page_for(client, sro)
    section = body.split('id="plan-board-plan"', 1)[1].split("</section>", 1)[0]
    assert "Since the last board" in section
    assert 'id="board-plan-changes-new-red"' in section
    report = "/?plan=board-plan&amp;year=2021&amp;quarter=2"
    assert f'href="{report}#action-{triage.pk}"' in section
    new_red = section.split('id="board-plan-changes-new-red"', 1)[1].split("</details>", 1)[0]
    assert '<span class="rag rag-red">Red</span>' in new_red
    assert f"#action-{recruit.pk}" not in new_red
    no_update = section.split('id="board-plan-changes-no-update"', 1)[1].split("</details>", 1)[0]
    assert f"#action-{recruit.pk}" in no_update


def test_a_head_of_service_is_not_shown_the_boards_changes(client, sro, head_of_service):
    from core.calendar import FinancialQuarter
    from report.publishing import paper_record

    plan, (triage,) = new_plan("board-plan", "Board plan", [(head_of_service, "Embed triage")])
    paper_record(user=sro, plan=plan, quarter=FinancialQuarter(2021, 1), board_date=None)
    open_round(sro, plan, deadline=timezone.localdate() + datetime.timedelta(days=5))
    assert "Since the last board" not in page_for(client, head_of_service)
