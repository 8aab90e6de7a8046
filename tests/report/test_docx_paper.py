"""The Word version of the demo report: the same sections in the same order, real headings and tables."""

from __future__ import annotations

import io
import re

import docx
import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import strip_tags
from docx.oxml.ns import qn

from plans.models import ActionUpdate, Theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def word(demo, client):
    client.force_login(User.objects.get(username="sro"))
    response = client.get(reverse("report_docx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"] == (
        'attachment; filename="highlight-report-torbay-2021-highlight-2021-07-13.docx"'
    )
    return docx.Document(io.BytesIO(response.content))


def _cells(document) -> list[str]:
    return [cell.text for table in document.tables for row in table.rows for cell in row.cells]


def test_headings_are_word_headings_in_the_seeds_order(word):
    headings = [p.text for p in word.paragraphs if p.style.name.startswith(("Heading 1", "Title"))]
    themes = [
        f"Theme {word_}: {t.title}"
        for word_, t in zip(
            ("One", "Two", "Three", "Four"),
            Theme.objects.filter(plan__slug="torbay-2021-highlight").order_by("number"),
            strict=True,
        )
    ]
    assert headings == [
        "Children's Services Improvement – Highlight Report",
        "At a glance: Q1 2021/22",
        "Summary",
        "Overall progress narrative",
        "Key priorities",
        "Medium term developments",
        "Issues and risks",
        "Guidance for RAG status",
        *themes,
    ]
    assert word.core_properties.title.startswith("Highlight report: ")


def test_tables_have_header_rows_word_repeats_and_rag_as_words(word):
    register = next(t for t in word.tables if t.rows[0].cells[-1].text == "Risk score")
    assert register.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    first = [cell.text for cell in register.rows[1].cells]
    assert (first[0], first[-1]) == ("1", "20 High")
    cells = _cells(word)
    assert "34.3% Amber" in cells
    assert "Not set" in cells


def _widths(table) -> list[int]:
    return [cell.width for cell in table.rows[0].cells]


def test_columns_are_sized_for_what_they_hold_not_shared_equally(word):
    """Opened in LibreOffice, equal columns broke measure names into syllables and squeezed narratives."""
    actions = next(t for t in word.tables if t.rows[0].cells[-1].text == "Narrative")
    objective, action, *quarters, narrative = _widths(actions)
    assert narrative > 4 * max(quarters)
    assert action > 3 * max(quarters)
    kpis = next(t for t in word.tables if t.rows[0].cells[1].text == "Performance measure")
    ref, measure, *figures = _widths(kpis)
    assert measure > 2 * max(figures)
    page = word.sections[0].page_width - word.sections[0].left_margin - word.sections[0].right_margin
    for table in (actions, kpis):
        assert sum(_widths(table)) <= page


def test_every_narratives_last_words_are_in_the_document(word):
    text = re.sub(r"\s+", "", " ".join([p.text for p in word.paragraphs] + _cells(word)))
    missing = []
    for update in ActionUpdate.objects.all():
        words = strip_tags(update.progress or update.next_steps or update.barriers).replace("&amp;", "&").split()
        ending = "".join(words[-3:])
        if ending and ending not in text:
            missing.append(ending)
    assert missing == []


def test_the_report_links_to_the_word_version_of_the_same_choice(client, demo):
    client.force_login(User.objects.get(username="sro"))
    html = client.get(reverse("report"), {"quarter": "1", "year": "2021"}).content.decode()
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>Download Word', html).group(1).replace("&amp;", "&")
    assert link == f"{reverse('report_docx')}?plan=torbay-2021-highlight&year=2021&quarter=1"


def test_a_target_in_words_is_written_once_in_the_word_table(word):
    placements = next(
        [cell.text for cell in row.cells] for table in word.tables for row in table.rows if row.cells[0].text == "1.1"
    )
    assert placements.count("TBC") == 1
    assert placements[-3:] == ["TBC", "", "↑"]
