"""Every role on every page: a table of role × URL × expected status, on one small plan.

Becky Thompson (head of service) owns the key action; Nancy Meehan (the SRO) owns the risk; the
performance team may import KPIs in the admin; the administrator may do everything.
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from core import roles
from kpis.models import Measure, MeasureValue
from plans.models import KeyPriority, OfstedRecommendation
from report.models import PublishedPaper
from risks.models import Risk
from tests.factories import KeyActionFactory
from tests.oidc_provider.fixture import sso_on
from tests.risks.factories import RiskFactory
from tests.two_factor import authenticator, sign_in

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "no_role",
    "sro",
    "head_of_service",
    "other_head_of_service",
    "performance_user",
    "admin_user_",
    "improvement_lead",
    "board_member",
)
SIGNED_IN = ROLES[1:]
# A signed-in person in no role group reads nothing: every page answers with the no-role page (403). A board
# member reads the published papers only: every other page answers with a page pointing them there (403).
READ = {**dict.fromkeys(SIGNED_IN, 200), "no_role": 403, "board_member": 403}


def only(*allowed: str, denied: int = 403) -> dict[str, int]:
    return {
        **{role: 200 if role in allowed else denied for role in SIGNED_IN},
        "no_role": 403,
        "board_member": 200 if "board_member" in allowed else 403,
    }


def _slug(world) -> str:
    return world["action"].objective.theme.plan.slug


EDITORS = only("sro", "admin_user_")


# (name, URL builder, expected status per signed-in role). Signed out, every page sends the
# visitor to a login page.
PAGES = [
    ("report", lambda w: reverse("report"), READ),
    ("report PDF", lambda w: reverse("report_pdf"), READ),
    ("report Word", lambda w: reverse("report_docx"), READ),
    # The page a paper being prepared refreshes to (here built at once: the tests run tasks immediately).
    ("report PDF being prepared", lambda w: f"{reverse('report_pdf')}?waiting=1", READ),
    ("plan list", lambda w: reverse("plans:plan_list"), READ),
    ("plan", lambda w: reverse("plans:plan_detail", kwargs={"slug": w["action"].objective.theme.plan.slug}), READ),
    ("my actions", lambda w: reverse("plans:my_actions"), READ),
    ("key action", lambda w: reverse("plans:action_detail", kwargs={"pk": w["action"].pk}), READ),
    (
        "key action update form",
        lambda w: reverse("plans:action_update", kwargs={"pk": w["action"].pk}),
        only("head_of_service", "admin_user_"),
    ),
    # The 2016 tracker's outcome column (issue 13): the action's owner and administrators.
    (
        "key action outcome form",
        lambda w: reverse("plans:action_outcome", kwargs={"pk": w["tracker_row"].pk}),
        only("head_of_service", "admin_user_"),
    ),
    # Editing the plan (issue 13): the SRO and administrators only; the move and retire buttons take POST only.
    *[
        (f"plan editing: {name}", url, {**EDITORS, **extra})
        for name, url, extra in [
            ("plan", lambda w: reverse("plans:plan_edit", args=[_slug(w)]), {}),
            ("create plan", lambda w: reverse("plans:plan_create"), {}),
            ("create plan from a spreadsheet", lambda w: reverse("plans:plan_import"), {}),
            (
                "create plan from a spreadsheet: confirm",
                lambda w: reverse("plans:plan_import_confirm"),
                {"sro": 405, "admin_user_": 405},
            ),
            ("roll forward", lambda w: reverse("plans:plan_roll_forward", args=[_slug(w)]), {}),
            ("summary", lambda w: reverse("plans:plan_summary_edit", args=[_slug(w)]), {}),
            ("add theme", lambda w: reverse("plans:theme_add", args=[_slug(w)]), {}),
            ("add priority", lambda w: reverse("plans:listed_add", args=[_slug(w), "priorities"]), {}),
            ("add development", lambda w: reverse("plans:listed_add", args=[_slug(w), "developments"]), {}),
            ("priority", lambda w: reverse("plans:listed_edit", args=[_slug(w), "priorities", w["priority"].pk]), {}),
            (
                "move priority",
                lambda w: reverse("plans:listed_move", args=[_slug(w), "priorities", w["priority"].pk]),
                {"sro": 405, "admin_user_": 405},
            ),
            (
                "retire priority",
                lambda w: reverse("plans:listed_retire", args=[_slug(w), "priorities", w["priority"].pk]),
                {"sro": 405, "admin_user_": 405},
            ),
            ("theme", lambda w: reverse("plans:theme_edit", args=[w["action"].objective.theme_id]), {}),
            ("add objective", lambda w: reverse("plans:objective_add", args=[w["action"].objective.theme_id]), {}),
            ("objective", lambda w: reverse("plans:objective_edit", args=[w["action"].objective_id]), {}),
            ("add action", lambda w: reverse("plans:action_add", args=[w["action"].objective_id]), {}),
            ("action", lambda w: reverse("plans:action_edit", args=[w["action"].pk]), {}),
            ("retire action", lambda w: reverse("plans:action_retire", args=[w["action"].pk]), {}),
            ("recommendation", lambda w: reverse("plans:recommendation_edit", args=[w["recommendation"].pk]), {}),
        ]
    ],
    # Owners not yet users (issue 13): the SRO and administrators, who choose owners; only administrators invite.
    ("owners not yet users", lambda w: reverse("plans:owners"), EDITORS),
    # People (issue 13): administrators only; the buttons take POST only.
    ("people", lambda w: reverse("people:list"), only("admin_user_")),
    ("invite a person", lambda w: reverse("people:invite"), only("admin_user_")),
    ("a person", lambda w: reverse("people:person", args=[w["users"]["head_of_service"].pk]), only("admin_user_")),
    *[
        (
            f"person: {name}",
            lambda w, name=name: reverse(f"people:{name}", args=[w["users"]["head_of_service"].pk]),
            {**only("admin_user_"), "admin_user_": 405},
        )
        for name in ("deactivate", "reactivate", "invite_again")
    ],
    # Reporting rounds (issue 10): the SRO and administrators open one; they and improvement leads review.
    ("open a reporting round", lambda w: reverse("plans:round_open", args=[_slug(w)]), EDITORS),
    (
        "review updates",
        lambda w: reverse("plans:round_review", args=[_slug(w)]),
        only("sro", "admin_user_", "improvement_lead"),
    ),
    # The reminders emailed for a plan's rounds (issue 10): those who open rounds or sign off their updates.
    (
        "reminders sent",
        lambda w: reverse("plans:round_reminders", args=[_slug(w)]),
        only("sro", "admin_user_", "improvement_lead"),
    ),
    ("KPI tables", lambda w: reverse("kpis:measure_list"), READ),
    ("KPI measure", lambda w: reverse("kpis:measure_detail", kwargs={"pk": w["measure"].pk}), READ),
    ("risk register", lambda w: reverse("risks:risk_list"), READ),
    ("risk", lambda w: reverse("risks:risk_detail", kwargs={"pk": w["risk"].pk}), READ),
    ("risk edit form", lambda w: reverse("risks:risk_edit", kwargs={"pk": w["risk"].pk}), only("sro", "admin_user_")),
    ("add a risk: choose the plan", lambda w: reverse("risks:risk_add_choose"), only("sro", "admin_user_")),
    (
        "add a risk",
        lambda w: reverse("risks:risk_add", kwargs={"plan": w["risk"].plan.slug}),
        only("sro", "admin_user_"),
    ),
    (
        "risk appetite",
        lambda w: reverse("risks:risk_appetite", kwargs={"plan": w["risk"].plan.slug}),
        only("sro", "admin_user_"),
    ),
    # The audit page and its CSV (issue 13): the SRO and administrators only.
    ("audit", lambda w: reverse("audit:list"), EDITORS),
    ("audit CSV", lambda w: reverse("audit:export"), EDITORS),
    # The admin: staff only (others are told they need admin access), and the import needs the permission.
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
    # Two-step verification: everyone with a role may set it up. Here only the administrator has an
    # authenticator (verified), so the others' recovery-code and turn-off pages send them on (302), the
    # code page sends everyone on, and the administrator may not turn it off.
    # A board member sets it up like anyone else.
    ("two-step status", lambda w: reverse("mfa:status"), {**READ, "board_member": 200}),
    ("two-step set up", lambda w: reverse("mfa:setup"), {**READ, "board_member": 200}),
    (
        "two-step recovery codes",
        lambda w: reverse("mfa:recovery_codes"),
        {**only("admin_user_", denied=302), "board_member": 302},
    ),
    (
        "two-step turn off",
        lambda w: reverse("mfa:turn_off"),
        {**only(denied=302), "admin_user_": 403, "board_member": 302},
    ),
    ("two-step code", lambda w: reverse("mfa:verify"), {**only(denied=302), "board_member": 302}),
    # Published papers (issue 10): everyone with a role reads them, board members included; the SRO and
    # administrators publish a round and reopen a quarter (reopening takes POST only).
    ("published papers", lambda w: reverse("published:list"), {**READ, "board_member": 200}),
    *[
        (
            f"published paper: {name}",
            lambda w, name=name: reverse(f"published:{name}", kwargs=w["paper"].url_kwargs),
            {**READ, "board_member": 200},
        )
        for name in ("paper", "html", "pdf", "docx")
    ],
    (
        "publish a quarter",
        lambda w: reverse("published:publish", kwargs={"slug": _slug(w), "year": 2021, "quarter": 2}),
        EDITORS,
    ),
    (
        "build a published PDF again",
        lambda w: reverse("published:pdf_retry", kwargs=w["paper"].url_kwargs),
        {**EDITORS, "sro": 405, "admin_user_": 405},
    ),
    (
        "reopen a quarter",
        lambda w: reverse("published:reopen", kwargs=w["paper"].url_kwargs),
        {**EDITORS, "sro": 405, "admin_user_": 405},
    ),
]
CASES = [
    pytest.param(name, url, role, expected.get(role), id=f"{name} as {role}")
    for name, url, expected in PAGES
    for role in ROLES
]


@pytest.fixture
def world(make_user, sro, head_of_service, other_head_of_service, performance_user, admin_user_):
    action = KeyActionFactory(owner=head_of_service, objective__theme__plan__slug="torbay")
    plan = action.objective.theme.plan
    measure = Measure.objects.create(plan=plan, theme=action.objective.theme, ref="2.15", title="Timely assessments")
    MeasureValue.objects.create(measure=measure, month=datetime.date(2021, 5, 1), value=81)
    risk = RiskFactory(plan=plan, owner=sro)
    users = {
        "no_role": make_user("new.starter"),
        "sro": sro,
        "head_of_service": head_of_service,
        "other_head_of_service": other_head_of_service,
        "performance_user": performance_user,
        "admin_user_": admin_user_,
        "improvement_lead": make_user("improvement.lead", roles.IMPROVEMENT_LEAD),
        "board_member": make_user("member", roles.BOARD_MEMBER),
    }
    priority = KeyPriority.objects.create(plan=plan, ref="1", description="Embed the front door")
    recommendation = OfstedRecommendation.objects.create(plan=plan, number=1, recommendation="Lead well")
    # An action of the 2016 tracker's shape (How? filled in), whose owner may update its outcome.
    tracker_row = KeyActionFactory(owner=head_of_service, objective=action.objective, how="<p>Revise standards</p>")
    # A published paper (its files stand-ins: building a PDF for every case would take minutes).
    files = {
        kind: default_storage.save(f"access/paper.{kind}", ContentFile(b"paper")) for kind in ("html", "pdf", "docx")
    }
    paper = PublishedPaper.objects.create(
        plan=plan,
        financial_year=2021,
        quarter=1,
        version=1,
        published_at=timezone.now(),
        html_file=files["html"],
        pdf_file=files["pdf"],
        docx_file=files["docx"],
        pdf_status=PublishedPaper.PdfStatus.READY,
    )
    return {
        "paper": paper,
        "action": action,
        "measure": measure,
        "risk": risk,
        "users": users,
        "priority": priority,
        "recommendation": recommendation,
        "tracker_row": tracker_row,
    }


@pytest.mark.parametrize(("page", "url", "role", "expected"), CASES)
def test_every_role_on_every_page(client, world, page, url, role, expected):
    path = url(world)
    if role != "anonymous":
        sign_in(client, world["users"][role])
    response = client.get(path)
    if role == "anonymous":
        assert response.status_code == 302
        assert "login/" in response["Location"]
    elif expected == 302 and path.startswith("/accounts/two-step/"):
        # Nothing to show them there: on to their two-step page or the report, never to sign in again.
        assert response.status_code == 302
        assert not response["Location"].startswith(reverse("login"))
    elif expected == 302:
        # Signed in but not staff: the admin sends them to its door, which says they need admin access.
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        refused = client.get(response["Location"])
        assert refused.status_code == 403
        assert "You need admin access to open the admin." in refused.content.decode()
    else:
        assert response.status_code == expected
    if role == "no_role":
        assert "Your account has no role yet." in response.content.decode()
    if role == "board_member" and expected == 403:
        assert "Go to the published papers" in response.content.decode()


def test_nothing_changes_when_a_reader_posts_to_an_edit_form(client, world):
    client.force_login(world["users"]["other_head_of_service"])
    action, risk = world["action"], world["risk"]
    assert client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), {"rag": "red"}).status_code == 403
    assert client.post(reverse("risks:risk_edit", kwargs={"pk": risk.pk}), {"probability": 1}).status_code == 403
    assert not action.updates.exists()
    assert Risk.objects.get(pk=risk.pk).probability == risk.probability


@pytest.fixture
def new_starter(make_user):
    return make_user("new.starter")


def test_a_person_in_no_role_is_told_whom_to_ask_after_signing_in(client, new_starter, settings):
    settings.SUPPORT_CONTACT = "servicedesk@example.gov.uk"
    response = client.post(reverse("login"), {"username": "new.starter", "password": "improve-2021"}, follow=True)
    body = response.content.decode()
    assert response.status_code == 403
    assert (
        "Your account has no role yet. Ask your improvement lead or administrator (servicedesk@example.gov.uk) "
        "to give you one." in body
    )
    assert 'aria-label="Main"' in body


@pytest.mark.parametrize(
    ("method", "name", "status"),
    [
        pytest.param("post", "logout", 302, id="signing out"),
        pytest.param("get", "no_role", 403, id="the no-role page"),
        pytest.param("get", "healthz", 200, id="the health check"),
    ],
)
def test_a_person_in_no_role_may_still_open(client, new_starter, method, name, status):
    client.force_login(new_starter)
    response = getattr(client, method)(reverse(name))
    assert response.status_code == status


def test_a_group_that_is_no_role_gives_no_access(client, make_user):
    client.force_login(make_user("book.club", "Book club"))
    assert client.get(reverse("plans:plan_list")).status_code == 403


def test_a_superuser_in_no_group_reads_everything(client, make_user):
    sign_in(client, make_user("root", is_superuser=True, is_staff=True))
    assert client.get(reverse("plans:plan_list")).status_code == 200
    assert client.get(reverse("no_role")).status_code == 200


def test_a_signed_out_visitor_opening_the_admin_goes_to_the_apps_sign_in(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('login')}?next={reverse('admin:index')}"
    assert 'action="/accounts/login/"' in response.content.decode()


def test_the_admins_login_box_sends_signed_out_visitors_to_the_apps_sign_in(client):
    response = client.get(reverse("admin:login"), {"next": "/admin/kpis/measure/"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/admin/kpis/measure/"


def test_the_admins_login_box_will_not_send_anyone_to_another_site(client):
    response = client.get(reverse("admin:login"), {"next": "https://evil.example/"})
    assert response["Location"] == f"{reverse('login')}?next={reverse('admin:index')}"


def test_staff_at_the_admins_login_box_go_on_to_the_admin(client, performance_user):
    client.force_login(performance_user)
    response = client.get(reverse("admin:login"), {"next": "/admin/kpis/measure/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/kpis/measure/"


def test_a_non_staff_person_opening_the_admin_is_told_they_need_admin_access(client, sro):
    client.force_login(sro)
    response = client.get(reverse("admin:index"), follow=True)
    body = response.content.decode()
    assert response.status_code == 403
    assert "You need admin access to open the admin." in body
    assert 'aria-label="Main"' in body
    assert 'name="password"' not in body  # not the admin's own login box


def test_posting_a_password_to_the_admins_login_signs_no_one_in(client, admin_user_):
    response = client.post(reverse("admin:login"), {"username": "admin", "password": "improve-2021"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_administrator_signed_in_without_a_second_factor_is_sent_to_set_it_up(client, world):
    """The table above signs the administrator in with a verified second factor; without one, no page opens."""
    admin = world["users"]["admin_user_"]
    client.force_login(admin)
    for path in (reverse("report"), reverse("admin:index")):
        assert client.get(path)["Location"].startswith(reverse("mfa:setup"))
    authenticator(admin)
    for path in (reverse("report"), reverse("admin:index")):
        assert client.get(path)["Location"].startswith(reverse("mfa:verify"))


SSO_ENDPOINTS = {
    "OIDC_RP_CLIENT_ID": "tracker",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.example/token",
    "OIDC_OP_USER_ENDPOINT": "https://login.example/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.example/keys",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("sso", [False, True], ids=["SSO off", "SSO on"])
def test_single_sign_on_addresses_are_the_same_for_every_role(client, world, settings, role, sso):
    """Off: not found for anyone. On: anyone may go to the provider (signed in or not, with a role or not), and a
    return that this browser did not start goes back to the sign-in page."""
    if sso:
        sso_on(settings, SSO_ENDPOINTS)
    if role != "anonymous":
        sign_in(client, world["users"][role])
    start = client.get("/oidc/authenticate/")
    back = client.get("/oidc/callback/", {"code": "x", "state": "y"})
    if not sso:
        assert (start.status_code, back.status_code) == (404, 404)
        return
    assert start.status_code == 302
    assert start["Location"].startswith("https://login.example/authorize?")
    assert back.status_code == 302
    assert back["Location"] == reverse("login")


def test_an_invitation_link_opens_signed_out_and_says_when_it_no_longer_works(client, world):
    """The invited person has no password yet: their one-time link is the one page here open to anyone."""
    response = client.get(reverse("people:invitation", args=["MQ", "bad-token"]))
    assert response.status_code == 200
    assert "This invitation link no longer works" in response.content.decode()
