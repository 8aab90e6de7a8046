"""The register file with the Orange Book's columns: exported after the seeds' nine, read back where
present (today's nine-column files still import, tests/risks/test_admin_import_export.py)."""

import csv
import datetime
import io

import pytest

from risks import services, spreadsheet
from risks.models import Risk
from risks.spreadsheet.columns import EXPORT_COLUMNS, OPTIONAL_COLUMNS
from tests.factories import KeyActionFactory, ThemeFactory
from tests.risks.factories import added_risk
from tests.risks.test_admin_import_export import confirm, csv_file, export, upload
from tests.two_factor import sign_in

pytestmark = pytest.mark.django_db

HEADERS = [*spreadsheet.COLUMNS, *OPTIONAL_COLUMNS]
ROW = ["1", "Risk", "If the service response is inadequate, then harm.", "Robust monitoring.", "January 2020"]


@pytest.fixture
def importer(client, admin_user_, cache_table):
    sign_in(client, admin_user_)
    return client


@pytest.fixture
def linked_risk(plan, sro, head_of_service):
    theme = ThemeFactory(plan=plan, number=1, title="Safeguarding practice")
    action = KeyActionFactory(objective__theme=theme, description="<p>Weekly audit of casework</p>")
    services.risk_appetite_set(user=None, plan=plan, category="safeguarding", level="cautious")
    return added_risk(
        plan,
        sro,
        ref=1,
        description="If the service response is inadequate, then harm.",
        date_raised_precision="month",
        category="safeguarding",
        inherent_probability=5,
        inherent_impact=5,
        probability=4,
        impact=5,
        target_probability=2,
        target_impact=5,
        themes=[theme],
        key_actions=[action],
        controls=[{"description": "Weekly audit.", "owner": head_of_service, "effectiveness": "partial"}],
        recorded_at=datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC),
    )


def _exported(importer):
    return list(csv.reader(io.StringIO(export(importer).content.decode("utf-8-sig"))))


def test_the_export_adds_scores_category_appetite_review_controls_and_links(importer, linked_risk):
    heading, row = _exported(importer)
    assert heading == list(EXPORT_COLUMNS)
    cells = dict(zip(heading, row, strict=True))
    assert cells["Risk Score"] == "20"
    assert (cells["Inherent Probability"], cells["Inherent Impact"], cells["Inherent Score"]) == ("5", "5", "25")
    assert (cells["Target Probability"], cells["Target Impact"], cells["Target Score"]) == ("2", "5", "10")
    assert (cells["Category"], cells["Treatment"], cells["Status"]) == ("Safeguarding", "Treat", "Open")
    assert cells["Appetite"] == "Cautious (up to 8): above appetite"
    assert (cells["Last Reviewed"], cells["Next Review"]) == ("01/12/2026", "01/01/2027")
    assert cells["Controls"] == "Weekly audit. (Becky Thompson; Partially effective)"
    assert cells["Themes"] == "Theme 1: Safeguarding practice"
    assert cells["Key Actions"] == "Weekly audit of casework"


def test_the_export_leaves_an_inherent_score_copied_from_current_empty(importer, plan, sro):
    added_risk(
        plan,
        sro,
        ref=1,
        description="If x, then y.",
        probability=3,
        impact=3,
    )
    heading, row = _exported(importer)
    cells = dict(zip(heading, row, strict=True))
    assert (cells["Inherent Probability"], cells["Inherent Score"], cells["Target Score"]) == ("", "", "")


def test_the_full_export_imports_back_unchanged(importer, plan, linked_risk):
    file = csv_file(_exported(importer)[1:], headers=EXPORT_COLUMNS, name="export.csv")
    preview = upload(importer, plan, file)
    assert preview.context["preview"].summary() == "0 new, 0 updated, 1 unchanged."
    confirm(importer, preview)
    risk = Risk.objects.get()
    assert (risk.version, risk.history.count(), risk.controls.count(), risk.themes.count()) == (1, 1, 1, 1)


def test_the_new_columns_are_read_where_present(importer, plan, sro):
    row = [*ROW, "Nancy Meehan", "4", "4", "16", "Workforce", "Tolerate", "5", "4", "20", "2", "4", "8"]
    confirm(importer, upload(importer, plan, csv_file([row], headers=HEADERS)))
    risk = Risk.objects.get()
    assert (risk.category, risk.treatment, risk.inherent_assessed) == ("workforce", "tolerate", True)
    assert (risk.inherent_score, risk.score, risk.target_score) == (20, 16, 8)


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        pytest.param(
            {"Category": "Weather"}, "Category", "“Weather” is not a category the register knows.", id="category"
        ),
        pytest.param({"Treatment": "Ignore"}, "Treatment", "“Ignore” is not a treatment", id="treatment"),
        pytest.param(
            {"Inherent Impact": ""},
            "Inherent Impact",
            "Give both the inherent probability and the inherent impact",
            id="inherent half empty",
        ),
        pytest.param(
            {"Target Score": "9"}, "Target Score", "The score 9 is not probability 2 × impact 4 = 8.", id="target score"
        ),
        pytest.param(
            {"Inherent Probability": "7"}, "Inherent Probability", "not a whole number from 1 to 5", id="off scale"
        ),
        pytest.param(
            {"Inherent Probability": "2", "Inherent Impact": "2", "Inherent Score": ""},
            "Inherent Probability",
            "The current score (16) is above the inherent score (4).",
            id="current above inherent",
        ),
    ],
)
def test_a_bad_new_column_refuses_the_file_by_row_and_column(importer, plan, sro, changes, column, message):
    values = dict(
        zip(
            HEADERS,
            [*ROW, "Nancy Meehan", "4", "4", "16", "Workforce", "Treat", "5", "4", "20", "2", "4", "8"],
            strict=True,
        )
    )
    values |= changes
    response = upload(importer, plan, csv_file([list(values.values())], headers=HEADERS))
    html = response.content.decode()
    if "current above inherent" in message or column == "Inherent Probability" and "above" in message:
        # The file reads; the services refuse it on confirm, by row and column.
        response = importer.post(
            "/admin/risks/risk/process_import/",
            {n: response.context["confirm_form"].initial.get(n, "") for n in response.context["confirm_form"].fields},
            follow=True,
        )
        html = response.content.decode()
    assert message in html.replace("&#x27;", "'").replace("&quot;", '"')
    assert column in html
    assert not Risk.objects.exists()
