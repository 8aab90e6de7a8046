"""The committee papers are built by a background task and kept in storage under the version of the data
they were built from: served from the store while current, rebuilt after any change to what they show
(and only then), one build however many ask, and a page saying the paper is being prepared meanwhile."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult

from kpis.models import Measure
from kpis.services import measure_value_set
from plans.services import key_action_update_add
from report import cache as report_cache
from report import stored_papers
from report.models import PaperBuild
from report.tasks import build_paper
from risks import services as risk_services
from tests.factories import KeyActionFactory, PlanFactory, ThemeFactory
from tests.risks.factories import RiskFactory

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
QUERY = {"plan": "torbay", "year": 2021, "quarter": 1}


@pytest.fixture
def plan(head_of_service, sro):
    """A small plan with a key action (Becky Thompson's), a measure and a risk (the SRO's)."""
    plan = PlanFactory(slug="torbay", title="Torbay highlight report")
    theme = ThemeFactory(plan=plan, number=1, title="Theme title 1")
    KeyActionFactory(objective__theme=theme, owner=head_of_service, owner_name="Becky Thompson")
    Measure.objects.create(plan=plan, theme=theme, ref="1.1", title="Timely assessments")
    RiskFactory(plan=plan, owner=sro, ref=1, probability=3, impact=4)
    return plan


@pytest.fixture
def signed_in(client, sro):
    client.force_login(sro)
    return client


@pytest.fixture
def builds_enqueued():
    """Every paper build enqueued while the test runs, by key (the task backends' own signal)."""
    keys: list[str] = []

    def count(sender, task_result, **kwargs):
        if task_result.task.func is build_paper.func:
            keys.append(task_result.args[0])

    task_enqueued.connect(count, weak=False)
    yield keys
    task_enqueued.disconnect(count)


@pytest.fixture
def queued_only(settings):
    """The database backend, with no worker running: a build stays queued until the test runs it."""
    settings.TASKS = DATABASE_TASKS


def _get(client, name="report_docx", **extra):
    return client.get(reverse(name), {**QUERY, **extra})


def _word_text(response) -> str:
    document = docx.Document(io.BytesIO(response.getvalue()))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


# Served while current ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "magic"), [("report_pdf", b"%PDF"), ("report_docx", b"PK")])
def test_a_current_paper_is_served_from_the_store_without_building_it_again(
    signed_in, plan, builds_enqueued, name, magic
):
    first = _get(signed_in, name)
    again = _get(signed_in, name)

    assert first.status_code == again.status_code == 200
    content = first.getvalue()
    assert content.startswith(magic)
    assert again.getvalue() == content
    assert len(builds_enqueued) == 1
    (build,) = PaperBuild.objects.all()
    assert build.status == PaperBuild.Status.READY
    assert default_storage.exists(build.files[name.removeprefix("report_")])


def test_every_reader_gets_the_same_stored_paper(client, plan, sro, head_of_service, builds_enqueued):
    client.force_login(sro)
    first = _get(client)
    client.force_login(head_of_service)
    again = _get(client)
    assert again.getvalue() == first.getvalue()
    assert len(builds_enqueued) == 1


def test_the_same_choice_asked_in_other_words_is_the_same_paper(signed_in, plan, builds_enqueued):
    """The plan's own quarter and every month are what the link gives anyway: the same paper."""
    _get(signed_in)
    signed_in.get(reverse("report_docx"), {"plan": "torbay"})
    signed_in.get(reverse("report_docx"), {**QUERY, "months": "all"})
    assert len(builds_enqueued) == 1


def test_another_quarter_or_date_is_another_paper(signed_in, plan, builds_enqueued):
    _get(signed_in)
    _get(signed_in, quarter=2)
    _get(signed_in, as_at=timezone.localdate().isoformat())
    assert len(builds_enqueued) == 3


# Rebuilt when what it shows changes, and only then --------------------------------------------------


def _update_an_action(plan, head_of_service, sro):
    action = plan.themes.get().objectives.get().key_actions.get()
    key_action_update_add(
        user=head_of_service,
        key_action=action,
        expected_version=action.version,
        financial_year=2021,
        quarter=1,
        rag="red",
        progress="<p>Caseloads reviewed in every team.</p>",
        barriers="<p>Two teams over capacity.</p>",  # a Red RAG needs barriers and next steps
        next_steps="<p>Rebalance by March.</p>",
    )
    return "Caseloads reviewed in every team."


def _set_a_kpi_value(plan, head_of_service, sro):
    measure_value_set(measure=Measure.objects.get(plan=plan), month=datetime.date(2021, 5, 1), value=87)
    return "87"


def _rescore_a_risk(plan, head_of_service, sro):
    risk = plan.risks.get()
    risk_services.risk_update(
        user=sro,
        risk=risk,
        inherent_probability=5,
        inherent_impact=5,
        probability=5,
        impact=5,
        reason="Worse since May.",
    )
    return "25"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_update_an_action, id="an action update"),
        pytest.param(_set_a_kpi_value, id="a KPI value"),
        pytest.param(_rescore_a_risk, id="a risk score"),
    ],
)
def test_a_stored_paper_is_built_again_when_data_it_shows_changes(
    signed_in, plan, head_of_service, sro, builds_enqueued, change
):
    before = _word_text(_get(signed_in))
    shown = change(plan, head_of_service, sro)
    after = _word_text(_get(signed_in))

    assert len(builds_enqueued) == 2
    assert builds_enqueued[0] != builds_enqueued[1]
    assert shown in after
    assert after != before


def test_a_stored_paper_is_not_built_again_when_someone_signs_in(client, plan, sro, head_of_service, builds_enqueued):
    client.force_login(sro)
    _get(client)
    client.logout()
    signed = client.post(reverse("login"), {"username": head_of_service.username, "password": "improve-2021"})
    assert signed.status_code == 302
    head_of_service.refresh_from_db()
    assert head_of_service.last_login is not None  # a row was written: not one the report shows
    _get(client)
    assert len(builds_enqueued) == 1


def test_old_versions_rows_and_files_are_removed_by_the_next_build(signed_in, plan, head_of_service, sro):
    _get(signed_in)
    (old,) = PaperBuild.objects.all()
    _update_an_action(plan, head_of_service, sro)
    _get(signed_in)

    (new,) = PaperBuild.objects.all()
    assert new.version != old.version
    assert not default_storage.exists(old.files["docx"])
    assert default_storage.exists(new.files["docx"])
    assert default_storage.listdir(stored_papers.PAPERS_FOLDER)[0] == [new.version]


def test_a_build_keeps_its_own_version_when_its_worker_thinks_another_is_current(signed_in, plan):
    """A worker already on a new release (another code version) removes older papers, but not the one it just
    built for readers whose web servers still ask for it."""
    _get(signed_in)
    build = PaperBuild.objects.get()
    other_release = "0123456789abcdef"
    default_storage.save(f"{stored_papers.PAPERS_FOLDER}/{other_release}/x/docx/old.docx", io.BytesIO(b"PK"))

    cache.delete(report_cache.TOKEN_KEY)  # this process now sees another version as current
    assert stored_papers.data_version() != build.version

    stored_papers.remove_old_papers(keep=build.version)
    assert PaperBuild.objects.filter(pk=build.pk).exists()
    assert default_storage.exists(build.files["docx"])
    assert default_storage.listdir(stored_papers.PAPERS_FOLDER)[0] == [build.version]
    stored_papers.remove_old_papers()
    assert not PaperBuild.objects.exists()


def test_a_stored_paper_whose_file_went_missing_is_built_again(signed_in, plan, builds_enqueued):
    _get(signed_in)
    default_storage.delete(PaperBuild.objects.get().files["docx"])
    response = _get(signed_in)
    assert response.status_code == 200
    assert response.getvalue().startswith(b"PK")
    assert len(builds_enqueued) == 2


# Being prepared -------------------------------------------------------------------------------------


def test_a_paper_not_built_yet_is_queued_once_and_the_page_says_so(signed_in, plan, queued_only):
    response = _get(signed_in, "report_pdf")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Your PDF is being prepared" in body
    assert "<strong>Queued</strong> for 0 seconds" in body
    assert 'aria-label="Main"' in body  # in the site's layout
    assert "<script>" not in body
    assert response["Refresh"] == f"3; url={reverse('report_pdf')}?plan=torbay&year=2021&quarter=1&waiting=1"
    assert response["Cache-Control"] == "no-store"
    (build,) = PaperBuild.objects.all()
    assert build.status == PaperBuild.Status.QUEUED
    assert DBTaskResult.objects.get().id.hex == build.task_id.replace("-", "")


def test_two_requests_for_the_same_missing_paper_enqueue_one_build(client, plan, sro, head_of_service, queued_only):
    client.force_login(sro)
    _get(client, "report_pdf")
    client.force_login(head_of_service)
    _get(client, "report_pdf", waiting="1")
    assert PaperBuild.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_the_database_keeps_one_build_row_per_key_whichever_process_asks(signed_in, plan, queued_only):
    """Another process racing this one to create the row fails on the unique key, and get_or_create reads the
    row that won instead."""
    _get(signed_in, "report_pdf")
    build = PaperBuild.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperBuild.objects.create(
            key=build.key, version=build.version, kind=build.kind, plan=plan, financial_year=2021, quarter=1
        )


def test_the_page_says_how_long_a_build_has_run(signed_in, plan, queued_only):
    _get(signed_in, "report_pdf")
    two_minutes_ago = timezone.now() - datetime.timedelta(minutes=2)
    PaperBuild.objects.update(status=PaperBuild.Status.BUILDING, started_at=two_minutes_ago)
    body = _get(signed_in, "report_pdf", waiting="1").content.decode()
    assert "<strong>Being built</strong>: 2 minutes so far." in body


def test_a_paper_queued_for_long_says_the_builder_may_not_be_running(signed_in, plan, queued_only, settings):
    settings.SUPPORT_CONTACT = "servicedesk@example.gov.uk"
    _get(signed_in, "report_pdf")
    PaperBuild.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=5))
    body = _get(signed_in, "report_pdf", waiting="1").content.decode()
    assert "<strong>Queued</strong> for 5 minutes" in body
    assert "the paper builder may not be running: tell your improvement lead or administrator" in body
    assert "(servicedesk@example.gov.uk)" in body


@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_the_queued_paper_and_the_waiting_page_then_downloads_it(signed_in, plan, queued_only):
    _get(signed_in, "report_docx")
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)

    build = PaperBuild.objects.get()
    assert build.status == PaperBuild.Status.READY
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    ready = _get(signed_in, "report_docx", waiting="1")
    assert "Your Word document is ready" in ready.content.decode()
    assert ready["Refresh"] == f"0; url={reverse('report_docx')}?plan=torbay&year=2021&quarter=1"
    download = _get(signed_in, "report_docx")
    assert download["Content-Disposition"] == 'attachment; filename="highlight-report-torbay-2021-07-13.docx"'
    assert "Theme title 1" in _word_text(download)


# Failed ---------------------------------------------------------------------------------------------


def _fail_weasyprint(monkeypatch):
    """WeasyPrint giving up (as it does when the worker runs out of memory)."""
    from report import pdf

    def out_of_memory(**kwargs):
        raise MemoryError("no room to lay out the document")

    monkeypatch.setattr(pdf, "html_to_pdf", out_of_memory)


def test_a_failed_build_says_so_with_a_try_again_button_and_no_refresh(signed_in, plan, monkeypatch, settings):
    settings.SUPPORT_CONTACT = "servicedesk@example.gov.uk"
    _fail_weasyprint(monkeypatch)
    response = _get(signed_in, "report_pdf")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Your PDF could not be prepared" in body
    assert "The PDF could not be built." in body
    assert "Try again. If it fails again, tell your improvement lead or administrator (servicedesk@example.gov.uk)" in (
        body
    )
    assert f'<form method="post" action="{reverse("report_pdf")}?plan=torbay&amp;year=2021&amp;quarter=1"' in body
    assert ">Try again</button>" in body
    assert "Refresh" not in response
    build = PaperBuild.objects.get()
    assert build.status == PaperBuild.Status.FAILED
    assert build.error == "MemoryError: no room to lay out the document"


def test_a_failed_build_is_not_tried_again_until_asked(signed_in, plan, monkeypatch, builds_enqueued):
    _fail_weasyprint(monkeypatch)
    _get(signed_in, "report_pdf")
    _get(signed_in, "report_pdf")
    assert len(builds_enqueued) == 1


def test_try_again_queues_another_build_and_waits_for_it(signed_in, plan, monkeypatch, builds_enqueued):
    _fail_weasyprint(monkeypatch)
    _get(signed_in, "report_pdf")
    monkeypatch.undo()

    response = signed_in.post(f"{reverse('report_pdf')}?plan=torbay&year=2021&quarter=1")
    assert response.status_code == 303
    assert response["Location"] == f"{reverse('report_pdf')}?plan=torbay&year=2021&quarter=1&waiting=1"
    assert len(builds_enqueued) == 2
    assert PaperBuild.objects.get().status == PaperBuild.Status.READY
    assert _get(signed_in, "report_pdf").getvalue().startswith(b"%PDF")


def test_a_build_that_stopped_midway_counts_as_failed_and_may_be_tried_again(signed_in, plan, queued_only):
    _get(signed_in, "report_pdf")
    PaperBuild.objects.update(
        status=PaperBuild.Status.BUILDING, started_at=timezone.now() - stored_papers.BUILD_LIMIT * 2
    )
    body = _get(signed_in, "report_pdf", waiting="1").content.decode()
    assert "the build stopped without finishing, perhaps because the server restarted while it ran" in body
    signed_in.post(f"{reverse('report_pdf')}?plan=torbay&year=2021&quarter=1")
    assert PaperBuild.objects.get().status == PaperBuild.Status.QUEUED
    assert DBTaskResult.objects.count() == 2


def test_try_again_on_a_paper_being_built_queues_nothing_more(signed_in, plan, queued_only):
    _get(signed_in, "report_pdf")
    signed_in.post(f"{reverse('report_pdf')}?plan=torbay&year=2021&quarter=1")
    assert DBTaskResult.objects.count() == 1


# Who may ---------------------------------------------------------------------------------------------


def test_a_person_in_no_role_can_neither_download_nor_queue_a_paper(client, plan, make_user, builds_enqueued):
    client.force_login(make_user("new.starter"))
    assert _get(client, "report_pdf").status_code == 403
    assert client.post(f"{reverse('report_pdf')}?plan=torbay").status_code == 403
    assert builds_enqueued == []
    assert not PaperBuild.objects.exists()


def test_a_signed_out_visitor_can_not_queue_a_paper(client, plan, builds_enqueued):
    response = client.post(f"{reverse('report_docx')}?plan=torbay")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert builds_enqueued == []


def test_a_paper_of_a_plan_that_does_not_exist_is_not_found(signed_in, plan, builds_enqueued):
    assert signed_in.get(reverse("report_pdf"), {"plan": "nowhere"}).status_code == 404
    assert builds_enqueued == []
