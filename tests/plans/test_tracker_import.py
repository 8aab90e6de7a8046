"""Creating a plan from a spreadsheet in the 2016 tracker's shape (issue 13): upload, preview every theme,
objective and key action (or every problem, by the sheet's own row and column names), then confirm: all
written in one transaction, or nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.importing import FileRefused
from plans.editing.tracker_import import plan_create_from_tracker, tracker_read
from plans.models import KeyAction, Objective, Plan, Theme

pytestmark = pytest.mark.django_db

# Seed 001's first rows as the tracker's spreadsheet holds them (its title and version above the headings),
# the lost bullets' markup taken off: two themes, three objectives, six key actions.
SEED_001_ROWS = [
    ["What?", "Who?", "How?", "Success measures", "Baseline", "Target/ date", "Outcome – (report for Q1, Q2, Q3, Q4)"],
    ["Children in need of help and protection", "", "", "", "", "", ""],
    [
        "Ensure that assessments are timely, proportionate and effectively identify the risks, and needs and protective factors, leading to appropriate and measurable plans",  # noqa: E501
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "Assessment timescales expected to complete with 20 days, exceptions are 45 days",
        "Head of Service MASH/ SA Head of Service SASF",
        "Assessment Timeliness practice standards to be revised Practice standards to be implemented for Single Assessment and Safeguarding and Supporting Families teams. Performance reporting to specify the distribution of working days from the referral outcome to assessment authorisation.",  # noqa: E501
        "Increase in percentage of assessments completed within 20 days",
        "19% at 20 days (Oct 15) 81% within 45 days (Oct 15)",
        "60% 20 days / Apr 17 90% 45 days / Apr 17",
        "The development of greater proportionality in single assessments has yet to deliver any sizeable or sustained increase in the numbers of assessments completed within 20 days.",  # noqa: E501
    ],
    [
        "S47 assessments to be completed within 15 working days",
        "Head of Service MASH/ SA Head of Service SASF",
        "CP Enquiry (S47) practice standards to be revised Practice standards to be implemented for Single Assessment and Safeguarding and Supporting Families teams. Heads of Service to comply with management oversight appendix within Scheme of Delegation in relation to S47 authorisation. Performance reporting to specify working days from strategy meeting outcome to conclusion of S47",  # noqa: E501
        "All CP investigations completed within timescales % of ICPCs held within 15 working days of initial strategy",
        "75% (Oct 15) 70% (Sept 15)",
        "100% / Apr 17 95% / Apr 17",
        "<p>Similar proportions of investigations are currently overrunning.</p> <p>Performance on this measure shows sustained improvement at to the planned levels</p>",  # noqa: E501
    ],
    [
        "Child's record identifies risk, needs and protective factors",
        "Head of Service MASH/ SA Head of Service SASF",
        "Assessment Quality practice standards to be revised. Practice standards to reflect consistent use of Signs of Safety risk assessment and danger statements. Practice standards to be implemented for Single Assessment and Safeguarding and Supporting Families teams. 5 day Signs of Safety training commissioned for all social work staff during November 2016",  # noqa: E501
        "% of case audits which rated the quality of assessments as at least RI",
        "Base line to be re-worked",
        "90% / Apr 17",
        "Historic audit judgements are recognised as being over optimistic. New baseline based on audits completed in September onwards.",  # noqa: E501
    ],
    [
        "Ensure that timely decisions are made on contacts and referrals and that initial visits to children are prompt",  # noqa: E501
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "All contacts/referrals to be screened within 24 hours.",
        "Head of Service MASH/ SA",
        "MASH operational procedures to be written and implemented within the MASH. Performance reporting to specify distribution of working days from contact to referral outcome.",  # noqa: E501
        "% of contacts where a decision was made within 24 hours",
        "46.6% (Oct 15)",
        "90% / Apr 17",
        "Since Ofsted's last inspection there has been a sustained improvement in the timeliness of initial decision making within the MASH.",  # noqa: E501
    ],
    [
        "Children in need to be seen within 5 working days of referral outcome.",
        "Head of Service MASH/ SA",
        "Child Seen practice standards to be revised Practice standards to be implemented across Single Assessment and Safeguarding and Supporting Families teams. Performance data to specify out of assessments scheduled in that",  # noqa: E501
        "% of referrals where the child was seen within 5 working days (SA)",
        "15.6% (Oct 15)",
        "95% / Apr 17",
        "Compliance whilst improved is still too variable across and within services. The best levels of compliance are within the Assessment Service.",  # noqa: E501
    ],
    ["Partnership working", "", "", "", "", "", ""],
    [
        "With partners, ensure that multi-agency thresholds are understood and consistently applied across the partnership",  # noqa: E501
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "Threshold document appropriately reflects the expectations of TSCB",
        "AD / TSCB",
        "Documentation amended to ensure consistency and aids understanding Document reflects TAF coordinator role",
        "% of contacts that led to a referral",
        "29% (2015/16)",
        "35% April 17",
        "Further longitudinal analysis being completed to address the potential of changing thresholds",
    ],
]
TITLE_ROWS = [["Torbay Children's Services: Improvement Action Tracker"], [], ["Version -20-9-16"], []]


def workbook(rows=None, *, title_rows=TITLE_ROWS) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [*title_rows, *(SEED_001_ROWS if rows is None else rows)]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(rows=None, **kwargs):
    return tracker_read(data=workbook(rows, **kwargs), file_name="tracker.xlsx")


# --- Reading ------------------------------------------------------------------------------------------


def test_seed_001s_rows_read_as_two_themes_three_objectives_and_six_actions():
    sheet = read()
    assert not sheet.problems
    assert [t.title for t in sheet.themes] == ["Children in need of help and protection", "Partnership working"]
    assert [len(o.actions) for t in sheet.themes for o in t.objectives] == [3, 2, 1]
    first = sheet.themes[0].objectives[0].actions[0]
    assert first.row == 8  # the sheet's own row: four title rows, the heading row, the theme and objective
    assert first.fields["who"] == "Head of Service MASH/ SA Head of Service SASF"
    assert first.fields["target"] == "60% 20 days / Apr 17 90% 45 days / Apr 17"
    assert first.fields["outcome"].startswith("The development of greater proportionality")


def _row(what="", who="", how="", measures="", baseline="", target="", outcome=""):
    return [what, who, how, measures, baseline, target, outcome]


HEADER = SEED_001_ROWS[0]

BAD = [
    pytest.param(
        [HEADER, _row("Ensure assessments are timely"), _row("Assess in 20 days", how="Revise standards")],
        "Row 6, column “What?”: This objective has no theme above it.",
        id="objective without a theme",
    ),
    pytest.param(
        [HEADER, _row("Theme"), _row("Objective"), _row("Another"), _row("Act", how="Do")],
        "Row 6: Rows 6, 7 and 8 are headings one after another",
        id="three headings in a row",
    ),
    pytest.param(
        [HEADER, _row("Theme"), _row("Objective"), _row("Act", how="Do"), _row("Last objective")],
        "Row 9, column “What?”: “Last objective” is a heading with no key actions under it",
        id="heading at the end",
    ),
    pytest.param(
        [HEADER, _row("Theme"), _row("Objective"), _row("", who="Becky", how="Do")],
        "Row 8, column “What?”: Say what the key action is: “What?” is empty.",
        id="action without what",
    ),
    pytest.param(
        [HEADER, _row("Theme"), _row("Objective"), _row("Act", how="x" * 20_001)],
        "Row 8, column “How?”: How? is 20,001 characters",
        id="how too long",
    ),
    pytest.param(
        [HEADER, _row("T" * 301), _row("Objective"), _row("Act", how="Do")],
        "Row 6, column “What?”: What? is 301 characters; the limit is 300.",
        id="theme title too long",
    ),
    pytest.param(
        [HEADER, _row("Theme"), _row("O1"), _row("A1", how="Do"), _row("Theme"), _row("O2"), _row("A2", how="Do")],
        "Row 9, column “What?”: The theme “Theme” is already on row 6",
        id="theme repeated",
    ),
    pytest.param(
        [HEADER, _row("Theme"), _row("Objective"), _row("Act", who="W" * 201, how="Do")],
        "Row 8, column “Who?”: Who? is 201 characters; the limit is 200.",
        id="who too long",
    ),
]


@pytest.mark.parametrize(("rows", "message"), BAD)
def test_every_problem_is_placed_by_the_sheets_row_and_column(rows, message):
    sheet = read(rows)
    assert any(str(problem).startswith(message) for problem in sheet.problems), [str(p) for p in sheet.problems]


REFUSED = [
    pytest.param(b"%PDF-1.4 not a sheet\x00\x01", "is not an Excel workbook (.xlsx) or a CSV file", id="pdf"),
    pytest.param(
        workbook([["Ref", "Measure"], ["1", "Timely"]]), "No row starts with the heading “What?”", id="no header"
    ),
    pytest.param(
        workbook([["What?", "Who?", "How?"], ["Theme"]]),
        "Row 5: The heading row has no column “Success measures”, “Baseline”, “Target/ date”",
        id="columns missing",
    ),
]


@pytest.mark.parametrize(("data", "message"), REFUSED)
def test_a_file_that_cannot_be_read_is_refused_with_what_to_do(data, message):
    with pytest.raises(FileRefused) as refused:
        tracker_read(data=data, file_name="tracker.pdf")
    assert message in str(refused.value.problem)


def test_a_csv_in_the_trackers_shape_reads_as_the_workbook_does():
    import csv

    text = io.StringIO()
    csv.writer(text).writerows(SEED_001_ROWS)
    sheet = tracker_read(data=text.getvalue().encode("utf-8"), file_name="tracker.csv")
    assert not sheet.problems
    assert sheet.action_count == 6
    assert sheet.themes[0].objectives[0].actions[0].row == 4


def test_formula_escapes_come_off_and_formulas_are_kept_as_text():
    rows = [HEADER, _row("Theme"), _row("Objective"), _row("'=1+1 cases", how="'-5% on last year")]
    fields = read(rows).themes[0].objectives[0].actions[0].fields
    assert (fields["what"], fields["how"]) == ("=1+1 cases", "-5% on last year")


# --- Writing ------------------------------------------------------------------------------------------

PLAN = {"title": "Tracker 2017", "council": "Torbay Council", "senior_responsible_officer": "", "financial_year": 2017}


def test_the_plan_is_written_with_its_themes_objectives_and_actions(sro, make_user):
    becky = make_user("becky", first_name="Head of Service MASH/ SA", last_name="")
    plan = plan_create_from_tracker(user=sro, sheet=read(), **PLAN)
    assert [t.title for t in plan.themes.order_by("number")] == [
        "Children in need of help and protection",
        "Partnership working",
    ]
    actions = KeyAction.objects.filter(objective__theme__plan=plan).order_by("objective__theme__number", "id")
    assert actions.count() == 6
    first = actions[0]
    assert first.how.startswith("Assessment Timeliness practice standards")
    assert first.baseline == "19% at 20 days (Oct 15) 81% within 45 days (Oct 15)"
    assert first.owner is None
    assert first.owner_name == "Head of Service MASH/ SA Head of Service SASF"
    assert KeyAction.objects.get(objective__theme__plan=plan, description__contains="All contacts").owner == becky


def test_a_head_of_service_cannot_create_a_plan_from_a_spreadsheet(head_of_service):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        plan_create_from_tracker(user=head_of_service, sheet=read(), **PLAN)
    assert not Plan.objects.exists()


def test_nothing_is_written_when_a_row_fails_to_save(sro, monkeypatch):
    from plans.editing import tracker_import

    saved = []
    real_save = tracker_import._save

    def failing_save(instance, *, user):
        if isinstance(instance, KeyAction) and len(saved) == 4:
            raise RuntimeError("the database went away")
        if isinstance(instance, KeyAction):
            saved.append(instance)
        real_save(instance, user=user)

    monkeypatch.setattr(tracker_import, "_save", failing_save)
    with pytest.raises(RuntimeError):
        plan_create_from_tracker(user=sro, sheet=read(), **PLAN)
    assert not Plan.objects.exists()
    assert not Theme.objects.exists()
    assert not Objective.objects.exists()


# --- The pages ------------------------------------------------------------------------------------------


def upload(client, data=None, name="tracker.xlsx", **fields):
    form = {"title": "Tracker 2017", "council": "Torbay Council", "financial_year": "2026"} | fields
    form["import_file"] = SimpleUploadedFile(name, workbook() if data is None else data)
    return client.post(reverse("plans:plan_import"), form)


def test_the_sro_previews_then_confirms_and_the_plan_is_created(client, sro):
    client.force_login(sro)
    response = upload(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Check the plan before it is created" in html
    assert "2 themes, 3 objectives and 6 key actions" in " ".join(html.split())
    assert "Row 8: Assessment timescales expected to complete with 20 days" in html
    assert not Plan.objects.exists()  # nothing yet
    token = html.split('name="token" value="')[1].split('"')[0]
    response = client.post(reverse("plans:plan_import_confirm"), {"token": token})
    plan = Plan.objects.get()
    assert response["Location"] == reverse("plans:plan_edit", args=[plan.slug])
    assert (
        "was created with 2 themes, 3 objectives and 6 key actions" in client.get(response["Location"]).content.decode()
    )
    assert KeyAction.objects.filter(objective__theme__plan=plan).count() == 6
    # The same confirm twice creates nothing more: the upload is gone.
    response = client.post(reverse("plans:plan_import_confirm"), {"token": token}, follow=True)
    assert "is no longer kept" in response.content.decode()
    assert Plan.objects.count() == 1


def test_someone_elses_upload_cannot_be_confirmed(client, sro, admin_user_):
    client.force_login(sro)
    html = upload(client).content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    client.force_login(admin_user_)
    from tests.two_factor import sign_in

    sign_in(client, admin_user_)
    client.post(reverse("plans:plan_import_confirm"), {"token": token})
    assert not Plan.objects.exists()


def test_the_preview_lists_every_problem_and_offers_no_confirm(client, sro):
    client.force_login(sro)
    rows = [HEADER, _row("Objective"), _row("Act", how="Do"), _row("Theme"), _row("O"), _row("X"), _row("A", how="D")]
    html = upload(client, workbook(rows)).content.decode()
    assert "The spreadsheet cannot be used yet" in html
    assert "2 problems to fix in the spreadsheet" in html
    assert "Row 6, column “What?”: This objective has no theme above it." in html
    assert "Rows 8, 9 and 10 are headings one after another" in html
    assert 'name="token"' not in html
    assert "0 key actions" not in html  # no count of what would be created while it cannot be


UPLOAD_BAD = [
    pytest.param({"title": ""}, "Give the plan", id="no title"),
    pytest.param({"financial_year": "1999"}, "Choose a financial year from the list.", id="year"),
]


@pytest.mark.parametrize(("fields", "message"), UPLOAD_BAD)
def test_the_upload_form_refuses_bad_input_and_keeps_what_was_typed(client, sro, fields, message):
    client.force_login(sro)
    html = upload(client, **({"senior_responsible_officer": "Nancy Typed"} | fields)).content.decode()
    assert message in html
    assert "Nancy Typed" in html


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_form(client, sro):
    client.force_login(sro)
    html = upload(client, b"%PDF-1.4\x00\x01", name="plan.pdf", senior_responsible_officer="Kept").content.decode()
    assert "“plan.pdf” is not an Excel workbook (.xlsx) or a CSV file." in html
    assert "Kept" in html
    assert html.index('name="financial_year"') < html.index('name="import_file"')  # the plan, then its file


@pytest.mark.parametrize("size", [1, 10])
def test_the_preview_runs_a_fixed_number_of_queries(client, sro, django_assert_num_queries, size):
    rows = [HEADER]
    for t in range(size):
        rows += [_row(f"Theme {t}"), _row(f"Objective {t}")]
        rows += [_row(f"Action {t}.{a}", how="Do") for a in range(size)]
    client.force_login(sro)
    # session, user, groups, permissions (2), the menu's roles, and keeping the upload in the database cache
    # (one statement: core.cache).
    with django_assert_num_queries(6):
        response = upload(client, workbook(rows))
    assert response.content.decode().count("<li>Row ") == size * size
