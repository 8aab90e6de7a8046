"""Publishing a round's paper and locking its quarter (issue 10): the paper is frozen (it does not change when the
live data does), the lock refuses saves and keeps what was typed, reopening takes a reason, republishing makes
the next version; who may publish and reopen; /published/ and a paper's page."""

from __future__ import annotations

import datetime
import subprocess
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from core import roles
from core.calendar import FinancialQuarter
from plans import services
from plans.models import Plan, QuarterLock, QuarterRag, ReportingRound
from plans.rounds import locks
from report import publishing
from report.models import PublishedPaper
from tests.factories import KeyActionFactory
from tests.plans.test_rounds import open_round, plan_of
from tests.plans.test_rounds import submit as save_update

# Transactional: the PDF is queued once the paper is committed (and built at once, as the tests run tasks).
pytestmark = pytest.mark.django_db(transaction=True)

Q2 = FinancialQuarter(2021, 2)


@pytest.fixture
def board_member(make_user):
    return make_user("member", roles.BOARD_MEMBER, first_name="Cllr", last_name="Member")


@pytest.fixture
def action(head_of_service):
    return KeyActionFactory(owner=head_of_service, description="Embed triage", objective__theme__plan__slug="torbay")


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def pdf_text(name: str) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=read(name), capture_output=True, check=True).stdout.decode()


@pytest.fixture
def published(sro, head_of_service, action):
    """Q2 2021/22 of the plan published as version 1, with Becky's update saying 'Triage live.'."""
    open_round(sro, plan_of(action))
    save_update(head_of_service, action, progress="Triage live.")
    return publishing.paper_publish(user=sro, plan=plan_of(action), quarter=Q2)


def test_publishing_freezes_the_paper_locks_the_quarter_and_closes_the_round(published, action):
    paper = published
    assert (paper.version, paper.board_date, paper.pdf_status) == (1, datetime.date(2021, 10, 28), "ready")
    assert "Triage live." in read(paper.html_file).decode()
    assert "as published on" in read(paper.html_file).decode()
    assert "Triage live." in pdf_text(paper.pdf_file)
    assert read(paper.docx_file).startswith(b"PK")
    assert paper.html_file.startswith("papers/published/torbay/2021-q2/v1/")
    assert [row["update"]["progress"] for row in paper.data["actions"]] == ["Triage live."]
    assert paper.data["actions"][0]["rag"] == "green"
    assert ReportingRound.objects.get().status == ReportingRound.Status.CLOSED
    plan = plan_of(action)
    assert (plan.round_financial_year, plan.round_quarter) == (None, None)
    assert QuarterLock.objects.get(plan=plan).reopened_at is None


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's writers go one at a time from the start of their transaction"
)
def test_an_update_saved_while_its_quarter_is_published_waits_for_the_lock_and_is_refused(
    sro, head_of_service, action, monkeypatch
):
    open_round(sro, plan_of(action))
    freezing, results = threading.Event(), []
    freeze = publishing.paper_data

    def slow_freeze(report_context):
        freezing.set()
        time.sleep(1)  # the update comes while the paper is frozen: its quarter locked, not yet committed
        return freeze(report_context)

    monkeypatch.setattr(publishing, "paper_data", slow_freeze)

    def publish() -> None:
        try:
            publishing.paper_publish(user=sro, plan=plan_of(action), quarter=Q2)
        finally:
            connection.close()

    def update() -> None:
        freezing.wait(10)
        try:
            save_update(head_of_service, action, progress="Saved while it was published.")
            results.append("saved")
        except ValidationError as error:
            results.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=publish), threading.Thread(target=update)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # It waited for the publish to commit, then saw the lock: not saved into a quarter whose paper went without it.
    assert results == [locks.QUARTER_LOCKED_MESSAGE.format(quarter=Q2.label)]
    assert "Saved while it was published." not in str(PublishedPaper.objects.get().data)


def test_a_published_paper_does_not_change_when_the_live_data_does(published, sro, head_of_service, action):
    html, pdf, data = read(published.html_file), pdf_text(published.pdf_file), published.data
    publishing.paper_reopen(user=sro, paper=published, reason="Becky's figures were a month old.")
    save_update(head_of_service, action, progress="Triage live in every team.", rag="amber")
    first = PublishedPaper.objects.get(pk=published.pk)
    assert read(first.html_file) == html
    assert pdf_text(first.pdf_file) == pdf
    assert first.data == data
    assert "Triage live in every team." not in html.decode()


def test_a_locked_quarter_refuses_updates_and_rags_in_a_sentence(published, head_of_service, admin_user_, action):
    with pytest.raises(ValidationError) as refused:
        save_update(head_of_service, action, progress="A late change.")
    assert refused.value.messages == [locks.QUARTER_LOCKED_MESSAGE.format(quarter="Q2 2021/22")]
    rag = QuarterRag.objects.get(key_action=action, financial_year=2021, quarter=2)
    rag.rag = "red"
    with pytest.raises(ValidationError):
        services.quarter_rag_save(user=admin_user_, quarter_rag=rag)
    assert QuarterRag.objects.get(pk=rag.pk).rag == "green"
    # Another quarter of the same plan is not locked.
    action.refresh_from_db()
    services.key_action_update_add(
        user=head_of_service,
        key_action=action,
        expected_version=action.version,
        financial_year=2021,
        quarter=3,
        rag="green",
        progress="Q3 starts.",
    )


def test_the_update_form_refuses_a_locked_quarter_and_keeps_what_was_typed(client, published, head_of_service, action):
    client.force_login(head_of_service)
    # With the round closed, the form opens on the plan's own reporting quarter: here set to the one published.
    Plan.objects.filter(pk=plan_of(action).pk).update(reporting_year=2021, reporting_quarter=2)
    opened = client.get(reverse("plans:action_update", kwargs={"pk": action.pk})).content.decode()
    assert "Q2 2021/22 is locked: its paper went to the board, so an update for it will not be saved." in opened
    action.refresh_from_db()
    form = {"version": action.version, "financial_year": 2021, "quarter": 2, "rag": "green"}
    form |= {"progress": "Words I must not lose.", "barriers": "", "next_steps": ""}
    response = client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), form)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Q2 2021/22 is locked: its paper went to the board" in body
    assert "Words I must not lose." in body


def test_reopen_with_a_reason_then_republish_makes_version_2_and_version_1_stays(
    client, published, sro, head_of_service, action
):
    publishing.paper_reopen(user=sro, paper=published, reason="Becky's figures were a month old.")
    save_update(head_of_service, action, progress="Triage live in every team.")
    second = publishing.paper_publish(user=sro, plan=plan_of(action), quarter=Q2)
    assert second.version == 2
    assert second.board_date == datetime.date(2021, 10, 28)
    assert "Triage live in every team." in read(second.html_file).decode()
    assert "Triage live in every team." in pdf_text(second.pdf_file)
    assert QuarterLock.objects.get().reopened_at is None
    client.force_login(head_of_service)
    first_page = client.get(reverse("published:paper", kwargs=published.url_kwargs)).content.decode()
    assert "Reopened on" in first_page
    assert "by Nancy Meehan because “Becky’s figures were a month old.”" in first_page.replace("&#x27;", "’")
    assert client.get(reverse("published:html", kwargs=published.url_kwargs)).content == read(published.html_file)
    assert client.get(reverse("published:pdf", kwargs=second.url_kwargs)).status_code == 200


@pytest.mark.parametrize(
    "reason",
    [pytest.param("", id="no reason"), pytest.param("   ", id="only spaces"), pytest.param("x" * 2001, id="too long")],
)
def test_reopening_needs_a_reason_and_the_page_keeps_it(client, published, sro, reason):
    client.force_login(sro)
    response = client.post(reverse("published:reopen", kwargs=published.url_kwargs), {"reason": reason})
    assert response.status_code == 400
    assert 'id="reopen-problem"' in response.content.decode()
    assert QuarterLock.objects.get().reopened_at is None


def test_publishing_twice_and_publishing_without_a_round_are_refused(published, sro, action):
    with pytest.raises(ValidationError) as twice:
        publishing.paper_publish(user=sro, plan=plan_of(action), quarter=Q2)
    assert "was published as version 1 and is locked" in twice.value.messages[0]
    with pytest.raises(ValidationError) as no_round:
        publishing.paper_publish(user=sro, plan=plan_of(action), quarter=FinancialQuarter(2021, 3))
    assert "has no open round for Q3 2021/22" in no_round.value.messages[0]


def test_only_the_latest_version_can_be_reopened(published, sro, action):
    publishing.paper_reopen(user=sro, paper=published, reason="A correction.")
    publishing.paper_publish(user=sro, plan=plan_of(action), quarter=Q2)
    with pytest.raises(ValidationError):
        publishing.paper_reopen(user=sro, paper=PublishedPaper.objects.get(version=1), reason="Again.")


# Who may publish and reopen: the SRO and administrators --------------------------------------------------

ACTORS = {
    "sro": True,
    "admin_user_": True,
    "head_of_service": False,
    "improvement_lead": False,
    "performance_user": False,
    "board_member": False,
}


@pytest.fixture
def actors(sro, admin_user_, head_of_service, performance_user, board_member, make_user):
    return {
        "sro": sro,
        "admin_user_": admin_user_,
        "head_of_service": head_of_service,
        "improvement_lead": make_user("improvement.lead", roles.IMPROVEMENT_LEAD),
        "performance_user": performance_user,
        "board_member": board_member,
    }


@pytest.mark.parametrize(("actor", "may"), ACTORS.items())
def test_who_may_publish(actors, action, actor, may):
    open_round(actors["sro"], plan_of(action))
    if may:
        assert publishing.paper_publish(user=actors[actor], plan=plan_of(action), quarter=Q2).version == 1
    else:
        with pytest.raises(PermissionDenied):
            publishing.paper_publish(user=actors[actor], plan=plan_of(action), quarter=Q2)
        assert not PublishedPaper.objects.exists()
        assert ReportingRound.objects.get().status == ReportingRound.Status.OPEN


@pytest.mark.parametrize(("actor", "may"), ACTORS.items())
def test_who_may_reopen(actors, published, actor, may):
    if may:
        publishing.paper_reopen(user=actors[actor], paper=published, reason="A correction.")
        assert QuarterLock.objects.get().reopened_at is not None
    else:
        with pytest.raises(PermissionDenied):
            publishing.paper_reopen(user=actors[actor], paper=published, reason="A correction.")
        assert QuarterLock.objects.get().reopened_at is None


@pytest.mark.parametrize(("actor", "may"), ACTORS.items())
def test_who_may_publish_and_reopen_in_the_pages(client, actors, action, actor, may):
    from tests.two_factor import sign_in

    open_round(actors["sro"], plan_of(action))
    sign_in(client, actors[actor])
    publish = client.post(reverse("published:publish", kwargs={"slug": "torbay", "year": 2021, "quarter": 2}))
    assert publish.status_code == (302 if may else 403)
    if not may:
        publishing.paper_publish(user=actors["sro"], plan=plan_of(action), quarter=Q2)
    paper = PublishedPaper.objects.get()
    reopen = client.post(reverse("published:reopen", kwargs=paper.url_kwargs), {"reason": "A correction."})
    assert reopen.status_code == (302 if may else 403)
    assert (QuarterLock.objects.get().reopened_at is None) is not may


# The board's view ---------------------------------------------------------------------------------------


def test_a_board_member_lands_on_the_published_papers_and_reads_them(client, board_member, published):
    response = client.post(reverse("login"), {"username": "member", "password": "improve-2021"})
    assert response["Location"] == "/published/"
    listing = client.get("/published/").content.decode()
    assert reverse("published:paper", kwargs=published.url_kwargs) in listing
    assert "My actions" not in listing
    for name in ("paper", "html", "pdf", "docx"):
        assert client.get(reverse(f"published:{name}", kwargs=published.url_kwargs)).status_code == 200


def test_a_board_member_is_told_what_they_can_read_elsewhere(client, board_member):
    client.force_login(board_member)
    response = client.get(reverse("report"))
    assert response.status_code == 403
    assert "Go to the published papers" in response.content.decode()
    assert 'href="/published/"' in response.content.decode()


def _papers(sro, count: int, start: int):
    for number in range(start, start + count):
        plan = KeyActionFactory(objective__theme__plan__slug=f"plan-{number}").objective.theme.plan
        publishing.paper_record(user=sro, plan=plan, quarter=Q2, board_date=datetime.date(2021, 10, number % 28 + 1))


def test_the_published_list_reads_in_a_fixed_number_of_queries(client, sro, board_member, django_assert_num_queries):
    client.force_login(board_member)
    _papers(sro, 1, 1)
    with django_assert_num_queries(4):  # session, user, their roles, the papers with their plans and publishers
        assert client.get("/published/").status_code == 200
    _papers(sro, 3, 2)
    with django_assert_num_queries(4):
        body = client.get("/published/").content.decode()
    assert body.count('href="/published/plan-') == 12  # four papers: each its page, its PDF and its Word file


def test_setup_demo_records_the_seed_report_as_the_published_q1_paper_once():
    call_command("setup_demo", verbosity=0)
    call_command("setup_demo", verbosity=0)
    paper = PublishedPaper.objects.select_related("plan").get()
    assert (paper.plan.slug, paper.financial_year, paper.quarter, paper.version) == (
        "torbay-2021-highlight",
        2021,
        1,
        1,
    )
    assert paper.board_date == paper.plan.report_date
    assert paper.pdf_status == PublishedPaper.PdfStatus.READY
    assert locks.quarter_is_locked(plan_id=paper.plan_id, financial_year=2021, quarter=1)
    assert ReportingRound.objects.get(plan=paper.plan).for_quarter == Q2  # the Q2 round stays open
    assert ReportingRound.objects.get(plan=paper.plan).status == ReportingRound.Status.OPEN


def test_a_failed_pdf_is_built_again_from_the_frozen_paper_by_the_sro(client, published, sro, head_of_service):
    PublishedPaper.objects.filter(pk=published.pk).update(pdf_status="failed", pdf_file="", pdf_error="Stopped.")
    client.force_login(head_of_service)
    paper_url = reverse("published:paper", kwargs=published.url_kwargs)
    assert "Ask the SRO to build it again" in client.get(paper_url).content.decode()
    assert client.post(reverse("published:pdf_retry", kwargs=published.url_kwargs)).status_code == 403
    client.force_login(sro)
    assert client.post(reverse("published:pdf_retry", kwargs=published.url_kwargs)).status_code == 302
    again = PublishedPaper.objects.get(pk=published.pk)
    assert again.pdf_status == "ready"
    assert "Triage live." in pdf_text(again.pdf_file)


def test_a_locked_quarters_rag_changed_in_the_admin_is_refused_beside_the_form(client, published, admin_user_, action):
    from tests.two_factor import sign_in

    sign_in(client, admin_user_)
    rag = QuarterRag.objects.get(key_action=action, financial_year=2021, quarter=2)
    url = reverse("admin:plans_quarterrag_change", args=[rag.pk])
    data = {"key_action": action.pk, "financial_year": 2021, "quarter": 2, "rag": "red"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Q2 2021/22 is locked: its paper went to the board" in response.content.decode()
    assert QuarterRag.objects.get(pk=rag.pk).rag == "green"


def test_a_pdf_left_unbuilt_by_a_stopped_worker_counts_as_failed_and_is_built_again(client, published, sro):
    long_ago = published.published_at - datetime.timedelta(hours=1)
    PublishedPaper.objects.filter(pk=published.pk).update(pdf_status="building", pdf_file="", published_at=long_ago)
    client.force_login(sro)
    page = client.get(reverse("published:paper", kwargs=published.url_kwargs))
    assert "Refresh" not in page
    assert "Build the PDF again" in page.content.decode()
    client.post(reverse("published:pdf_retry", kwargs=published.url_kwargs))
    assert PublishedPaper.objects.get(pk=published.pk).pdf_status == "ready"
