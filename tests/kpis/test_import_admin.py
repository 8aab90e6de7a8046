"""The KPI import in the Django admin: upload -> preview -> confirm, through the shared cache, by permission."""

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import roles
from core.importing import MAX_ROWS, MAX_UNPACKED_BYTES, TOO_MANY_ROWS, UNPACKED_TOO_LARGE
from kpis.models import KpiImport, MeasureValue
from kpis.spreadsheet import kpi_import_confirm
from kpis.spreadsheet.messages import FIGURES_CHANGED_SINCE_PREVIEW, NOT_A_NUMBER
from tests.kpis.import_fixtures import (  # noqa: F401
    as_csv,
    as_xlsx,
    cache_table,
    measures,
    plan,
    seed_rows,
    too_many_rows,
    zip_bomb,
)
from tests.two_factor import sign_in_verified

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:kpis_measure_import")
CONFIRM_URL = reverse("admin:kpis_measure_process_import")
EXPORT_URL = reverse("admin:kpis_measure_export")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="kpis", codename__in=codenames))
    return user


@pytest.fixture
def importer(performance_user, cache_table):  # noqa: F811
    """A performance team member as setup_demo makes them: staff, with the import/export/view permissions."""
    return grant(performance_user, "import_measure", "export_measure", "view_measure")


def upload(client, plan, data, name="June KPIs.xlsx"):  # noqa: F811
    return client.post(IMPORT_URL, {"plan": plan.pk, "import_file": SimpleUploadedFile(name, data, XLSX)})


def test_performance_team_uploads_previews_and_confirms(client, importer, plan, measures):  # noqa: F811
    client.force_login(importer)

    response = upload(client, plan, as_xlsx(seed_rows()))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Preview of “June KPIs.xlsx”" in content
    assert "4 measures read: 36 new monthly values, 0 changed, 0 unchanged" in content
    assert "Jul 2020: 9.6%" in content
    assert not MeasureValue.objects.exists()  # the preview writes nothing
    confirm = response.context["confirm_form"].initial

    # The confirm step may reach another app server: only the shared cache carries the file.
    response = client.post(CONFIRM_URL, confirm)

    assert response.status_code == 302
    assert MeasureValue.objects.count() == 36
    record = KpiImport.objects.get()
    assert (record.file_name, record.imported_by, record.source, record.values_created) == (
        "June KPIs.xlsx",
        importer,
        "admin",
        36,
    )
    assert MeasureValue.history.filter(history_user=importer).count() == 36
    assert cache.get("django-import-export-" + confirm["import_file_name"]) is None


def test_preview_shows_changed_months_old_to_new(client, importer, plan, measures):  # noqa: F811
    kpi_import_confirm(plan=plan, file_name="first.xlsx", data=as_xlsx(seed_rows()))
    client.force_login(importer)
    rows = [["Ref", "Performance Measure", "Aug 20", "Sep 20"], ["1.1", "x", "6.0%", "4.3%"]]

    response = upload(client, plan, as_csv(rows), name="fix.csv")

    content = response.content.decode()
    assert "Aug 2020: 5.8% → 6%" in content
    assert "0 new monthly values, 1 changed, 1 unchanged" in content


def test_a_refused_file_lists_every_problem_by_row_and_column_and_keeps_nothing(client, importer, plan, measures):  # noqa: F811
    client.force_login(importer)
    rows = seed_rows()
    rows[6][4] = "12O%"
    rows[7][5] = "twenty"

    response = upload(client, plan, as_csv(rows), name="bad.csv")

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    problems = [(p.row, p.column, p.message) for p in response.context["preview"].problems]
    assert problems == [
        (7, "Jul 20", NOT_A_NUMBER.format(text="12O%")),
        (8, "Aug 20", NOT_A_NUMBER.format(text="twenty")),
    ]
    content = response.content.decode()
    assert "<td>7</td><td>Jul 20</td>" in content
    assert "Correct these 2 problems" in content
    assert not MeasureValue.objects.exists()


def test_confirm_checks_the_file_again_against_the_database(client, importer, plan, measures):  # noqa: F811
    client.force_login(importer)
    confirm = upload(client, plan, as_xlsx(seed_rows())).context["confirm_form"].initial
    measures["2.31"].delete()  # the file no longer matches the plan

    response = client.post(CONFIRM_URL, confirm)

    assert response.status_code == 200
    assert [p.row for p in response.context["preview"].problems] == [12]
    assert not MeasureValue.objects.exists()


def test_an_upload_cannot_be_confirmed_by_someone_else(client, importer, make_user, plan, measures):  # noqa: F811
    client.force_login(importer)
    confirm = upload(client, plan, as_xlsx(seed_rows())).context["confirm_form"].initial
    colleague = grant(make_user("colleague", roles.PERFORMANCE_TEAM, is_staff=True), "import_measure")
    client.force_login(colleague)

    response = client.post(CONFIRM_URL, confirm)

    assert response.status_code == 403
    assert not MeasureValue.objects.exists()


@pytest.fixture
def staff_head_of_service(head_of_service):
    head_of_service.is_staff = True
    head_of_service.save()
    return grant(head_of_service, "view_measure")


def test_head_of_service_without_the_import_permission_gets_403_and_nothing_changes(
    client,
    importer,
    staff_head_of_service,
    plan,  # noqa: F811
    measures,  # noqa: F811
):
    client.force_login(importer)
    confirm = upload(client, plan, as_xlsx(seed_rows())).context["confirm_form"].initial
    client.force_login(staff_head_of_service)

    responses = [
        client.get(IMPORT_URL),
        upload(client, plan, as_xlsx(seed_rows())),
        client.post(CONFIRM_URL, confirm),
        client.get(EXPORT_URL),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert not MeasureValue.objects.exists()
    assert not KpiImport.objects.exists()


def test_sro_who_is_not_staff_is_sent_to_sign_in_and_nothing_changes(client, sro, cache_table, plan, measures):  # noqa: F811
    client.force_login(sro)

    response = upload(client, plan, as_xlsx(seed_rows()))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not MeasureValue.objects.exists()


def test_administrator_may_import(client, admin_user_, cache_table, plan, measures):  # noqa: F811
    sign_in_verified(client, admin_user_)

    response = upload(client, plan, as_xlsx(seed_rows()))
    client.post(CONFIRM_URL, response.context["confirm_form"].initial)

    assert MeasureValue.objects.count() == 36


def test_changelist_shows_import_and_export_only_with_permission(client, importer, staff_head_of_service):
    client.force_login(importer)
    assert IMPORT_URL in client.get(reverse("admin:kpis_measure_changelist")).content.decode()

    client.force_login(staff_head_of_service)
    content = client.get(reverse("admin:kpis_measure_changelist")).content.decode()
    assert IMPORT_URL not in content
    assert EXPORT_URL not in content


@pytest.mark.parametrize(("file_format", "content_type"), [("xlsx", XLSX), ("csv", "text/csv; charset=utf-8")])
def test_admin_export_downloads_the_import_layout(client, importer, plan, measures, file_format, content_type):  # noqa: F811
    kpi_import_confirm(plan=plan, file_name="first.xlsx", data=as_xlsx(seed_rows()))
    client.force_login(importer)

    response = client.post(EXPORT_URL, {"plan": plan.pk, "format": file_format})

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert f'filename="{plan.slug}-kpis.{file_format}"' in response["Content-Disposition"]
    preview, _ = kpi_import_confirm(plan=plan, file_name=f"back.{file_format}", data=response.content)
    assert not preview.problems
    assert not preview.has_changes


def test_kpi_import_records_are_read_only(client, admin_user_, plan, measures):  # noqa: F811
    _, record = kpi_import_confirm(plan=plan, file_name="first.xlsx", data=as_xlsx(seed_rows()))
    sign_in_verified(client, admin_user_)

    assert client.get(reverse("admin:kpis_kpiimport_change", args=[record.pk])).status_code == 200
    assert client.get(reverse("admin:kpis_kpiimport_add")).status_code == 403
    assert client.get(reverse("admin:kpis_kpiimport_delete", args=[record.pk])).status_code == 403


def test_confirm_writes_the_stored_preview_without_reading_the_file_again(
    client,
    importer,
    plan,  # noqa: F811
    measures,  # noqa: F811
    monkeypatch,
):
    client.force_login(importer)
    confirm = upload(client, plan, as_xlsx(seed_rows())).context["confirm_form"].initial

    def read_again(**kwargs):
        raise AssertionError("the confirm step read the file a second time")

    monkeypatch.setattr("kpis.spreadsheet.diff.kpi_file_read", read_again)
    response = client.post(CONFIRM_URL, confirm)

    assert response.status_code == 302
    assert MeasureValue.objects.count() == 36
    assert MeasureValue.history.filter(history_user=importer).count() == 36
    assert cache.get("django-import-export-" + confirm["import_file_name"] + "-preview") is None


def test_confirm_after_the_figures_changed_shows_the_new_preview_and_writes_nothing(
    client,
    importer,
    plan,  # noqa: F811
    measures,  # noqa: F811
):
    import datetime
    from decimal import Decimal

    from kpis import services

    client.force_login(importer)
    confirm = upload(client, plan, as_xlsx(seed_rows())).context["confirm_form"].initial
    # Someone else enters July's figure while the preview is on screen.
    services.measure_value_set(measure=measures["1.1"], month=datetime.date(2020, 7, 1), value=50)

    response = client.post(CONFIRM_URL, confirm)

    assert response.status_code == 200
    content = response.content.decode()
    assert FIGURES_CHANGED_SINCE_PREVIEW.format(file_name="June KPIs.xlsx") in content
    assert "Jul 2020: 50% → 9.6%" in content
    assert "35 new monthly values, 1 changed, 0 unchanged" in content
    assert MeasureValue.objects.count() == 1
    assert not KpiImport.objects.exists()

    # Confirming the new preview writes it.
    response = client.post(CONFIRM_URL, response.context["confirm_form"].initial)

    assert response.status_code == 302
    assert MeasureValue.objects.get(measure=measures["1.1"], month=datetime.date(2020, 7, 1)).value == Decimal("9.6")
    assert MeasureValue.objects.count() == 36


def test_a_zip_bomb_is_refused_before_it_is_opened(client, importer, plan, measures, monkeypatch):  # noqa: F811
    client.force_login(importer)

    def no_opening(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr("kpis.spreadsheet.reading.load_workbook", no_opening)
    response = upload(client, plan, zip_bomb(MAX_UNPACKED_BYTES + 1), name="bomb.xlsx")

    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [UNPACKED_TOO_LARGE]
    assert "confirm_form" not in response.context
    assert not MeasureValue.objects.exists()


def test_a_file_with_too_many_rows_is_refused(client, importer, plan, measures):  # noqa: F811
    client.force_login(importer)

    response = upload(client, plan, too_many_rows(MAX_ROWS + 1), name="huge.csv")

    assert response.status_code == 200
    assert [p.message for p in response.context["preview"].problems] == [TOO_MANY_ROWS.format(limit=MAX_ROWS)]
    assert "confirm_form" not in response.context
    assert not MeasureValue.objects.exists()
