"""Text kept as typed: "R&D spend < budget & rising" typed in the update form reads the same on the
action page, the report, the PDF and the Word paper — sanitised once, never shown escaped."""

from __future__ import annotations

import datetime
import io
import subprocess

import docx
import pytest
from django.urls import reverse

from plans.models import ActionUpdate
from tests.factories import KeyActionFactory, ObjectiveFactory, PlanFactory, ThemeFactory

pytestmark = pytest.mark.django_db

TYPED = "R&D spend < budget & rising"


@pytest.fixture
def typed_update(client, head_of_service):
    plan = PlanFactory(slug="as-typed", report_date=datetime.date(2021, 7, 13))
    objective = ObjectiveFactory(theme=ThemeFactory(plan=plan, number=1), description="Strengthen the front door")
    action = KeyActionFactory(objective=objective, owner=head_of_service, description="Embed triage")
    client.force_login(head_of_service)
    response = client.post(
        reverse("plans:action_update", kwargs={"pk": action.pk}),
        {
            "version": action.version,
            "financial_year": 2021,
            "quarter": 1,
            "rag": "green",
            "progress": TYPED,
            "barriers": "",
            "next_steps": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return action


def test_the_stored_narrative_is_escaped_once(typed_update):
    assert ActionUpdate.objects.get(key_action=typed_update).progress == "R&amp;D spend &lt; budget &amp; rising"


@pytest.mark.parametrize("page", ["action", "report"])
def test_the_pages_show_it_as_typed(client, typed_update, sro, page):
    client.force_login(sro)
    if page == "action":
        url = reverse("plans:action_detail", kwargs={"pk": typed_update.pk})
    else:
        url = reverse("report") + "?plan=as-typed&year=2021&quarter=1"
    html = client.get(url).content.decode()

    assert "R&amp;D spend &lt; budget &amp; rising" in html  # the browser shows R&D spend < budget & rising
    assert "&amp;amp;" not in html
    assert "&amp;lt;" not in html


def test_the_word_paper_has_it_as_typed(client, typed_update, sro):
    client.force_login(sro)
    response = client.get(reverse("report_docx"), {"plan": "as-typed", "year": 2021, "quarter": 1})
    document = docx.Document(io.BytesIO(response.getvalue()))
    text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)

    assert TYPED in text
    assert "&amp;" not in text


def test_the_pdf_has_it_as_typed(client, typed_update, sro, tmp_path):
    client.force_login(sro)
    response = client.get(reverse("report_pdf"), {"plan": "as-typed", "year": 2021, "quarter": 1})
    path = tmp_path / "paper.pdf"
    path.write_bytes(response.getvalue())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout

    assert TYPED in " ".join(text.split())
    assert "&amp;" not in text
