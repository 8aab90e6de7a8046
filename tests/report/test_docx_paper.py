"""The Word version of the report: the same sections in the same order, real headings and tables, a contents
that links to them, and KPI tables too wide for the page cut into parts; at ten times Torbay's size too."""

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
from tests.report.builders import build_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def word(demo, client):
    client.force_login(User.objects.get(username="sro"))
    # The seed's July 2021 report, on the quarter it reports on (the demo's open round is Q2 2021/22).
    response = client.get(reverse("report_docx"), {"year": 2021, "quarter": 1})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"] == (
        'attachment; filename="highlight-report-torbay-2021-highlight-2021-07-13.docx"'
    )
    return docx.Document(io.BytesIO(response.getvalue()))


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
        "Summary",  # first, as on the page and in the PDF
        "At a glance: Q1 2021/22",
        "Since the last board: Q1 2021/22",
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


def _level_one_headings(document) -> list:
    return [p for p in document.paragraphs if p.style.name == "Heading 1"]


def test_the_contents_lists_every_section_and_theme_and_links_to_its_heading(word):
    paragraphs = word.paragraphs
    start = next(n for n, p in enumerate(paragraphs) if p.style.name == "TOC Heading")
    assert paragraphs[start].text == "Contents"
    assert paragraphs[start - 1].text.startswith("Reporting quarter Q1 2021/22")
    entries = [p for p in paragraphs[start + 1 :] if p.style.name == "List Number"]
    headings = _level_one_headings(word)
    assert [p.text for p in entries] == [p.text for p in headings]
    assert len(entries) == 8 + 4  # at a glance, since the last board, the six sections of the seed, the four themes
    for entry, heading in zip(entries, headings, strict=True):
        anchor = entry._p.find(qn("w:hyperlink")).get(qn("w:anchor"))
        assert heading._p.find(qn("w:bookmarkStart")).get(qn("w:name")) == anchor


def _docx(client, user, slug: str):
    client.force_login(user)
    response = client.get(reverse("report_docx"), {"plan": slug})
    assert response.status_code == 200
    return docx.Document(io.BytesIO(response.getvalue()))


def _kpi_tables(document) -> list:
    return [t for t in document.tables if t.rows[0].cells[1].text == "Performance measure"]


def _header(table) -> list[str]:
    return [cell.text for cell in table.rows[0].cells]


def test_a_kpi_table_of_24_months_is_cut_into_financial_years_each_with_ref_and_measure(client, sro):
    build_plan(slug="wide", months=24)
    document = _docx(client, sro, "wide")
    tables = _kpi_tables(document)
    assert len(tables) == 3 * 4
    first, middle, last = (_header(t) for t in tables[:3])
    assert first == ["Ref", "Performance measure", "2019/20", "Jun 19", "Jul 19", "Aug 19", "Sep 19", "Oct 19",
                     "Nov 19", "Dec 19", "Jan 20", "Feb 20", "Mar 20"]  # fmt: skip
    assert middle[:3] == ["Ref", "Performance measure", "Apr 20"]
    assert middle[-1] == "Mar 21"
    assert len(middle) == 2 + 12
    assert last == ["Ref", "Performance measure", "Apr 21", "May 21", "Final 2020/21", "Year to date 2021/22",
                    "Target min", "Target upper", "Trend"]  # fmt: skip
    assert all(t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for t in tables)
    labels = [p.text for p in document.paragraphs if p.text.startswith("Performance measures, part")]
    assert labels[:3] == [
        "Performance measures, part 1 of 3: June 2019 to March 2020 "
        "(outturns, targets, trend and benchmarks in part 3)",
        "Performance measures, part 2 of 3: April 2020 to March 2021 "
        "(outturns, targets, trend and benchmarks in part 3)",
        "Performance measures, part 3 of 3: April 2021 to May 2021",
    ]


def test_ten_times_torbay_opens_with_every_table_and_its_repeating_header_row(client, sro):
    build_plan(slug="large", scale=10)
    document = _docx(client, sro, "large")
    # At a glance, key priorities, medium term developments, risks, RAG guidance; measures and actions per theme.
    assert len(document.tables) == 5 + 2 * 40
    assert all(t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for t in document.tables)
    kpis = _kpi_tables(document)
    assert len(kpis) == 40
    assert sum(len(t.rows) - 1 for t in kpis) == 600
    assert len(_level_one_headings(document)) == 8 + 40  # since the last board (no earlier paper: no table)


def test_a_later_quarters_word_paper_marks_the_earlier_update_as_the_page_does(demo, client):
    client.force_login(User.objects.get(username="sro"))
    response = client.get(reverse("report_docx"), {"year": 2021, "quarter": 2})
    document = docx.Document(io.BytesIO(response.getvalue()))
    narratives = [
        row.cells[-1].text
        for table in document.tables
        for row in table.rows[1:]
        if table.rows[0].cells[-1].text == "Narrative"
    ]
    assert narratives
    assert all(text.startswith("No update for Q2 2021/22.") for text in narratives), narratives[:3]
    with_update = [text for text in narratives if "The latest earlier update, for Q1 2021/22:" in text]
    assert with_update, "the Q1 update is shown, marked as the latest earlier one"
    assert all("(Q1 2021/22)" in text for text in with_update)
