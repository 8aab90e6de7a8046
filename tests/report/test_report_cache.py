"""The cached report never shows data older than the last change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from plans import services
from plans.models import Objective
from tests.factories import KeyActionFactory
from tests.kpis.import_fixtures import as_csv, measures, plan, seed_rows  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(head_of_service):
    return KeyActionFactory(owner=head_of_service, objective__theme__plan__slug="cached")


def report(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("report"), {"year": 2021, "quarter": 2}).content.decode()


def test_an_update_saved_after_the_report_was_cached_is_on_the_next_report(client, sro, head_of_service, action):
    assert "Cleared the backlog" not in report(client, sro)
    services.key_action_update_add(
        user=head_of_service,
        key_action=action,
        expected_version=action.version,
        financial_year=2021,
        quarter=2,
        rag="green",
        progress="Cleared the backlog.",
    )
    body = report(client, sro)
    assert "Cleared the backlog." in body
    assert '<span class="rag rag-green">Green</span>' in body


def test_an_admin_edit_of_an_objective_is_on_the_next_report(client, sro, action):
    assert "Renamed objective" not in report(client, sro)
    objective = Objective.objects.get(pk=action.objective_id)
    objective.description = "Renamed objective"
    objective.save()  # as the admin does
    assert "Renamed objective" in report(client, sro)


def test_each_person_gets_their_own_report(client, sro, head_of_service, action):
    update_link = reverse("plans:action_update", kwargs={"pk": action.pk})
    assert update_link not in report(client, sro)
    assert update_link in report(client, head_of_service)
    assert update_link not in report(client, sro)


def test_a_deleted_action_leaves_the_next_report(client, sro, action):
    action.description = "Soon to go"
    action.save()
    assert "Soon to go" in report(client, sro)
    action.delete()
    assert "Soon to go" not in report(client, sro)


def test_a_kpi_import_replaces_the_data_token(tmp_path, plan, measures):  # noqa: F811
    from django.core.management import call_command

    from report.cache import report_data_token

    before = report_data_token()
    path = tmp_path / "kpis.csv"
    path.write_bytes(as_csv(seed_rows()))
    call_command("import_kpis", str(path), plan=plan.slug)
    assert report_data_token() != before


def test_a_refused_kpi_file_keeps_the_data_token(tmp_path, plan, measures):  # noqa: F811
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from report.cache import report_data_token

    before = report_data_token()
    path = tmp_path / "kpis.csv"
    path.write_bytes(b"not,a,kpi,file\n")
    with pytest.raises(CommandError):
        call_command("import_kpis", str(path), plan=plan.slug)
    assert report_data_token() == before


def test_a_release_that_changes_the_reports_code_or_templates_does_not_serve_reports_cached_before(settings, tmp_path):
    from report.cache import code_version

    (tmp_path / "templates" / "report").mkdir(parents=True)
    template = tmp_path / "templates" / "report" / "report.html"
    template.write_text("<h1>Highlight report</h1>")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "selectors.py").write_text("ROWS = 1\n")
    settings.BASE_DIR = tmp_path
    code_version.cache_clear()
    try:
        before = code_version()
        template.write_text("<h1>Highlight report</h1><p>New</p>")
        code_version.cache_clear()
        after_template = code_version()
        (tmp_path / "plans" / "selectors.py").write_text("ROWS = 2\n")
        code_version.cache_clear()
        after_code = code_version()
    finally:
        code_version.cache_clear()

    assert len({before, after_template, after_code}) == 3


# A save bumps the same data versions several times (its row, its history row, the rows saved with it): within a
# transaction each is written once until the versions are read again.


def cache_writes(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith(('INSERT INTO "django_cache"', 'UPDATE "django_cache"')))


def test_an_action_update_writes_each_data_version_it_bumps_once(head_of_service, action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        services.key_action_update_add(
            user=head_of_service,
            key_action=action,
            expected_version=action.version,
            financial_year=2021,
            quarter=2,
            rag="green",
            progress="Once each.",
        )
    # Its theme's actions and ANY, though the update, its RAG, the action and their history rows each bump them.
    assert cache_writes(captured.captured_queries) == 2


def test_a_data_version_bumped_again_after_a_read_changes_again():
    from core.data_versions import data_versions_bump, data_versions_read

    data_versions_bump("test:name")
    first = data_versions_read(["test:name"])
    data_versions_bump("test:name")
    second = data_versions_read(["test:name"])
    assert second["test:name"] != first["test:name"]
    assert second["any"] != first["any"]


def test_a_bump_rolled_back_with_its_savepoint_is_made_again():
    from django.db import transaction

    from core.data_versions import data_versions_bump, data_versions_read

    before = data_versions_read(["test:name"])["test:name"]
    with transaction.atomic():
        data_versions_bump("test:other")  # a bump that stays
        try:
            with transaction.atomic():
                data_versions_bump("test:name")  # written in the cache table, rolled back with the savepoint
                raise RuntimeError
        except RuntimeError:
            pass
        data_versions_bump("test:name")
        assert data_versions_read(["test:name"])["test:name"] != before
