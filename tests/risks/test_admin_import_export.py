"""The admin's import (upload → preview → confirm) and export, driven through the real admin views."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from core import roles
from risks import spreadsheet
from risks.models import Risk
from tests.risks.factories import RiskFactory
from tests.two_factor import sign_in_verified

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:risks_risk_import")
CONFIRM_URL = reverse("admin:risks_risk_process_import")
EXPORT_URL = reverse("admin:risks_risk_export")
CSV_FORMAT, XLSX_FORMAT = "csv", "xlsx"

SEED_ROWS = [
    [
        1,
        "Risk",
        "If the service response is inadequate, then children may come to significant harm.",
        "Robust monitoring.",
        "January 2020",
        "Nancy Meehan",
        4,
        5,
        20,
    ],
    [
        5,
        "Risk",
        "If the pace of progress is not fast enough, then Ofsted may take additional measures.",
        "Ensure sufficient resourcing.",
        "January 2020",
        "Nancy Meehan",
        5,
        5,
        25,
    ],
    [
        9,
        "Risk",
        "Risk to children due to Covid pandemic.",
        "Robust oversight ... support via",
        "October 2020",
        "nancy meehan",
        3,
        4,
        12,
    ],
    [11, "Issue", "Inspection raised concerns.", "Commissioned further work.", "13/07/21", "sro", 3, 4, 12],
]


def csv_file(rows, headers=spreadsheet.COLUMNS, name="register.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, headers=spreadsheet.COLUMNS, name="register.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, plan, file, file_format=CSV_FORMAT):
    return client.post(IMPORT_URL, {"plan": plan.pk, "import_file": file})


def confirm(client, preview):
    form = preview.context["confirm_form"]
    return client.post(CONFIRM_URL, {name: form.initial.get(name, "") for name in form.fields})


def export(client, file_format=CSV_FORMAT, plan=None):
    from plans.models import Plan

    return client.post(EXPORT_URL, {"format": file_format, "plan": (plan or Plan.objects.get()).pk})


@pytest.fixture
def importer(client, admin_user_, cache_table):
    sign_in_verified(client, admin_user_)
    return client


@pytest.mark.parametrize(
    ("file_format", "make_file"),
    [pytest.param(CSV_FORMAT, csv_file, id="csv"), pytest.param(XLSX_FORMAT, xlsx_file, id="xlsx")],
)
def test_import_previews_then_writes_every_row_on_confirm(importer, plan, sro, admin_user_, file_format, make_file):
    preview = upload(importer, plan, make_file(SEED_ROWS), file_format)
    assert preview.status_code == 200
    assert preview.context["confirm_form"] is not None
    assert "Preview" in preview.content.decode()
    assert not Risk.objects.exists()  # the preview writes nothing

    response = confirm(importer, preview)
    assert response.status_code == 302
    risks = {risk.ref: risk for risk in Risk.objects.filter(plan=plan)}
    assert {ref: (r.score, r.owner, r.type) for ref, r in risks.items()} == {
        1: (20, sro, "risk"),
        5: (25, sro, "risk"),
        9: (12, sro, "risk"),
        11: (12, sro, "issue"),
    }
    assert risks[1].date_raised == datetime.date(2020, 1, 1)
    assert risks[1].date_raised_display == "January 2020"
    assert risks[11].date_raised == datetime.date(2021, 7, 13)
    assert risks[9].mitigation.endswith("support via")
    history = risks[1].history.get()
    assert history.history_user == admin_user_
    assert history.history_change_reason.startswith("Imported from register.")


def test_reimport_updates_changed_rows_skips_unchanged_and_keeps_history(importer, plan, sro):
    confirm(importer, upload(importer, plan, csv_file(SEED_ROWS)))
    changed = [row[:] for row in SEED_ROWS]
    changed[0][6:9] = [3, 5, 15]
    confirm(importer, upload(importer, plan, csv_file(changed)))
    risk = Risk.objects.get(plan=plan, ref=1)
    assert (risk.probability, risk.score, risk.version) == (3, 15, 2)
    assert [h.score for h in risk.history.order_by("history_date")] == [20, 15]
    assert Risk.objects.get(plan=plan, ref=5).history.count() == 1


def _with_cell(row_index, column, value):
    rows = [row[:] for row in SEED_ROWS]
    rows[row_index][spreadsheet.COLUMNS.index(column)] = value
    return rows


def problems_shown(response) -> list[str]:
    """Return each problem the page lists, as the sentence its row, column and message cells make."""
    html = response.content.decode()
    problems = [str(problem) for problem in response.context["preview"].problems]
    assert all(escape(problem.message) in html for problem in response.context["preview"].problems)
    return problems


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        pytest.param(
            _with_cell(1, "Risk Score", 24),
            "Row 3, column “Risk Score”: The score 24 is not probability 5 × impact 5 = 25",
            id="score disagrees",
        ),
        pytest.param(
            _with_cell(0, "Probability", 6),
            "Row 2, column “Probability”: “6” is not a whole number from 1 to 5",
            id="probability above 5",
        ),
        pytest.param(
            _with_cell(2, "Impact", 0),
            "Row 4, column “Impact”: “0” is not a whole number from 1 to 5",
            id="impact below 1",
        ),
        pytest.param(
            _with_cell(3, "Owner", "Karen Ogle"),
            "Row 5, column “Owner”: No user is called “Karen Ogle”",
            id="unknown owner",
        ),
        pytest.param(
            _with_cell(0, "Date Raised", "Spring 2020"),
            "Row 2, column “Date Raised”: “Spring 2020” is not a date we can read",
            id="unreadable date",
        ),
    ],
)
def test_a_file_with_a_problem_is_refused_whole_and_nothing_is_written(importer, plan, sro, rows, problem):
    preview = upload(importer, plan, csv_file(rows))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert any(shown.startswith(problem) for shown in problems_shown(preview))
    assert "Nothing has been imported" in html
    assert preview.context.get("confirm_form") is None
    assert not Risk.objects.exists()
    assert not Risk.history.exists()


def test_every_problem_in_the_file_is_listed_by_row_and_column(importer, plan, sro):
    rows = _with_cell(1, "Risk Score", 24)
    rows[0][spreadsheet.COLUMNS.index("Owner")] = "Nobody"
    rows[3][spreadsheet.COLUMNS.index("Date Raised")] = "sometime"
    rows[3][spreadsheet.COLUMNS.index("Impact")] = 9
    shown = " ".join(problems_shown(upload(importer, plan, csv_file(rows))))
    for expected in (
        "Row 2, column “Owner”",
        "Row 3, column “Risk Score”",
        "Row 5, column “Date Raised”",
        "Row 5, column “Impact”",
    ):
        assert expected in shown
    assert not Risk.objects.exists()


def test_missing_columns_refuse_the_file(importer, plan, sro):
    headers = [h for h in spreadsheet.COLUMNS if h != "Impact"]
    rows = [row[:7] + row[8:] for row in SEED_ROWS]
    html = upload(importer, plan, csv_file(rows, headers=headers)).content.decode()
    assert "The file has no “Impact” column" in html
    assert not Risk.objects.exists()


def test_confirm_checks_the_file_again_and_writes_nothing_if_it_went_bad_after_the_preview(importer, plan, sro):
    preview = upload(importer, plan, csv_file(SEED_ROWS))
    sro.is_active = False  # the owner leaves between preview and confirm
    sro.save()
    response = confirm(importer, preview)
    assert response.status_code == 200
    assert any("No user is called “Nancy Meehan”" in shown for shown in problems_shown(response))
    assert not Risk.objects.exists()


def test_a_risk_changed_after_the_preview_shows_the_new_preview_and_writes_nothing(importer, plan, sro):
    confirm(importer, upload(importer, plan, csv_file(SEED_ROWS)))
    changed = [row[:] for row in SEED_ROWS]
    changed[0][6:9] = [3, 5, 15]
    preview = upload(importer, plan, csv_file(changed))
    risk = Risk.objects.get(plan=plan, ref=1)
    from risks import services

    services.risk_update(user=None, risk=risk, mitigation="Changed by someone else meanwhile.")
    response = confirm(importer, preview)
    assert response.status_code == 200
    assert "The register changed after" in response.content.decode()
    assert Risk.objects.get(plan=plan, ref=1).probability == 4  # nothing written
    assert confirm(importer, response).status_code == 302  # the new preview confirms
    assert Risk.objects.get(plan=plan, ref=1).probability == 3


def test_a_confirm_cannot_import_another_users_upload(importer, client, plan, sro, make_user, cache_table):
    preview = upload(importer, plan, csv_file(SEED_ROWS))
    form = preview.context["confirm_form"]
    other = make_user("colleague", is_staff=True, is_superuser=True)
    sign_in_verified(client, other)
    response = client.post(CONFIRM_URL, {name: form.initial.get(name, "") for name in form.fields})
    assert response.status_code == 403
    assert not Risk.objects.exists()


def test_staff_without_the_import_permission_cannot_import(client, make_user, cache_table, plan):
    # In a role (one without the risk import), so that it is the permission that refuses, not the role rule.
    clerk = make_user("clerk", roles.PERFORMANCE_TEAM, is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_risk"))
    client.force_login(clerk)
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, plan, csv_file(SEED_ROWS)).status_code == 403
    assert client.get(EXPORT_URL).status_code == 403
    assert not Risk.objects.exists()


def test_staff_with_the_import_permission_can_reach_the_import(client, make_user, cache_table):
    clerk = make_user("clerk", roles.PERFORMANCE_TEAM, is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_risk", "import_risk"]))
    client.force_login(clerk)
    assert client.get(IMPORT_URL).status_code == 200


def test_export_uses_the_seed_layout_and_escapes_formula_cells(importer, plan, sro):
    RiskFactory(
        plan=plan,
        owner=sro,
        ref=1,
        description='=HYPERLINK("http://evil")',
        mitigation="-1+1",
        date_raised=datetime.date(2020, 1, 1),
        date_raised_precision="month",
        probability=4,
        impact=5,
        score=20,
    )
    RiskFactory(
        plan=plan,
        owner=sro,
        ref=2,
        description="@SUM(A1)",
        mitigation="\tTabbed",
        date_raised=datetime.date(2021, 7, 13),
        probability=1,
        impact=2,
        score=2,
        type="issue",
    )
    response = export(importer)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # The seeds' nine columns first; the Orange Book's follow (tests/risks/test_orange_book_spreadsheet.py).
    assert rows[0][:9] == list(spreadsheet.COLUMNS)
    assert rows[1][:9] == [
        "1",
        "Risk",
        '\'=HYPERLINK("http://evil")',
        "'-1+1",
        "January 2020",
        "Nancy Meehan",
        "4",
        "5",
        "20",
    ]
    assert rows[2][:9] == ["2", "Issue", "'@SUM(A1)", "'\tTabbed", "13/07/2021", "Nancy Meehan", "1", "2", "2"]


def test_an_export_imports_back_unchanged(importer, plan, sro):
    RiskFactory(
        plan=plan,
        owner=sro,
        ref=1,
        description="=1+1",
        date_raised=datetime.date(2020, 1, 1),
        date_raised_precision="month",
        probability=4,
        impact=5,
        score=20,
    )
    exported = export(importer).content
    file = SimpleUploadedFile("export.csv", exported, content_type="text/csv")
    preview = upload(importer, plan, file)
    assert preview.context["confirm_form"] is not None
    confirm(importer, preview)
    risk = Risk.objects.get()
    assert (risk.description, risk.version, risk.history.count()) == ("=1+1", 1, 1)


def test_xlsx_export_writes_formula_cells_as_escaped_text(importer, plan, sro):
    RiskFactory(plan=plan, owner=sro, ref=1, description="=cmd|' /C calc'!A0", mitigation="+SUM(1)")
    response = export(importer, XLSX_FORMAT)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, row = list(sheet.iter_rows(values_only=True))[:2]
    assert list(header)[:9] == list(spreadsheet.COLUMNS)
    assert row[2] == "'=cmd|' /C calc'!A0"
    assert row[3] == "'+SUM(1)"
    assert row[0] == 1  # numbers stay numbers
    assert sheet.cell(row=2, column=3).data_type == "s"


def test_admin_change_form_saves_through_the_service_with_history(importer, plan, sro, admin_user_):
    risk = RiskFactory(plan=plan, owner=sro, ref=1, probability=4, impact=5, score=20)
    url = reverse("admin:risks_risk_change", args=[risk.pk])
    data = {
        "ref": 1,
        "type": "risk",
        "description": risk.description,
        "mitigation": "New words.",
        "owner": sro.pk,
        "date_raised": "2020-01-01",
        "date_raised_precision": "month",
        "probability": 2,
        "impact": 5,
        "status": "open",
    }
    response = importer.post(url, data)
    assert response.status_code == 302
    risk.refresh_from_db()
    assert (risk.score, risk.mitigation, risk.version) == (10, "New words.", 2)
    assert risk.history.first().history_user == admin_user_


def _zip_bomb(size: int) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * size)
    return buffer.getvalue()


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_parsed(importer, plan, sro, monkeypatch):
    from core import importing

    monkeypatch.setattr(importing, "MAX_UNPACKED_BYTES", 1_000_000)
    bomb = SimpleUploadedFile("register.xlsx", _zip_bomb(2_000_000))
    html = upload(importer, plan, bomb, XLSX_FORMAT).content.decode()
    assert "unpacks to more than 50 MB" in html
    assert not Risk.objects.exists()


def test_a_register_over_the_row_limit_is_refused_whole(importer, plan, sro, monkeypatch):
    from core import importing

    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    response = upload(importer, plan, csv_file(SEED_ROWS))
    assert "more than 3 rows" in response.content.decode()
    assert not Risk.objects.exists()


def test_the_command_refuses_a_zip_bomb_and_writes_nothing(tmp_path, plan, sro, monkeypatch):
    from django.core.management import CommandError, call_command

    from core import importing

    monkeypatch.setattr(importing, "MAX_UNPACKED_BYTES", 1_000_000)
    path = tmp_path / "register.xlsx"
    path.write_bytes(_zip_bomb(2_000_000))
    with pytest.raises(CommandError, match="unpacks to more than 50 MB"):
        call_command("import_risks", str(path), "--plan", plan.slug)
    assert not Risk.objects.exists()
