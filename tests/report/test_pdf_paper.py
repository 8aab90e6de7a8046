"""The PDF of the demo report is a paper a clerk can file: every page rendered and looked at by the test.

Each page is rendered to an image (poppler's pdftoppm) and must keep its ink off the right and
bottom edges; every page says "Page N of M"; the seed's figures and narratives are there as text;
the file is tagged for assistive technology. The first page's contents and the bookmarks lead to each
section and theme. The same checks hold for a plan ten times Torbay's size, and a KPI table of 24
months is printed in parts a reader can read.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import strip_tags
from PIL import Image

from core import roles
from plans.models import ActionUpdate, Theme
from plans.panels import THEME_NUMBER_WORDS
from report.paper_views import PaperPdfView
from tests.factories import UserFactory
from tests.report.builders import build_plan, months_to_may_2021

pytestmark = pytest.mark.django_db

DPI = 40
EDGE_PX = 6  # about 4 mm at 40 dpi: inside the 12 mm page margin, where only a cut-off table reaches


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} is missing: scripts/system-packages.sh installs poppler-utils."
    return path


@dataclass(frozen=True)
class Paper:
    path: Path
    sections: list[str]  # the level-2 headings a reader looks for: the seed's sections, then each theme
    narratives: list[str] = ()


SECTIONS = [
    "Summary",
    "Overall progress narrative",
    "Key priority areas",
    "Medium term developments",
    "Issues and risks",
    "Guidance for RAG status",
]


def _pdf(user, query: dict | None = None) -> bytes:
    # A view call, not the test client: a finished request would close the connection mid-transaction.
    request = RequestFactory().get(reverse("report_pdf"), query or {})
    request.user = user
    response = PaperPdfView.as_view()(request)
    assert response.status_code == 200  # built at once (the tests' task backend) and served
    return response.getvalue()


def _sections(plan_slug: str) -> list[str]:
    themes = Theme.objects.filter(plan__slug=plan_slug).order_by("number")
    return [SECTIONS[0], "At a glance: Q1 2021/22", "Since the last board: Q1 2021/22", *SECTIONS[1:]] + [
        f"Theme {THEME_NUMBER_WORDS.get(t.number, t.number)}: {t.title}" for t in themes
    ]


@pytest.fixture(scope="module")
def paper(django_db_setup, django_db_blocker, tmp_path_factory) -> Paper:
    """The demo's PDF, made once for the module (about 15 s) inside a transaction rolled back after."""
    from django.contrib.auth.models import User

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("setup_demo", verbosity=0)
        # The seed's July 2021 report, on the quarter it reports on (the demo's open round is Q2 2021/22).
        content = _pdf(User.objects.get(username="sro"), {"year": 2021, "quarter": 1})
        narratives = [u.progress or u.next_steps or u.barriers for u in ActionUpdate.objects.all()]
        sections = _sections("torbay-2021-highlight")
        transaction.set_rollback(True)
    path = tmp_path_factory.mktemp("paper") / "report.pdf"
    path.write_bytes(content)
    return Paper(path=path, sections=sections, narratives=narratives)


def _built_paper(django_db_blocker, tmp_path_factory, *, slug: str, **size) -> Paper:
    """The PDF of a plan from tests/report/builders.py, made inside a transaction rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_plan(slug=slug, **size)
        content = _pdf(UserFactory(username=f"sro-{slug}", groups=(roles.SRO,)), {"plan": slug})
        sections = _sections(slug)
        transaction.set_rollback(True)
    path = tmp_path_factory.mktemp(slug) / "report.pdf"
    path.write_bytes(content)
    return Paper(path=path, sections=sections)


@pytest.fixture(scope="module")
def wide_paper(django_db_setup, django_db_blocker, tmp_path_factory) -> Paper:
    """Torbay's size with 24 months of figures, twice what fits across the page (about 30 s)."""
    return _built_paper(django_db_blocker, tmp_path_factory, slug="wide", months=24)


@pytest.fixture(scope="module")
def large_paper(django_db_setup, django_db_blocker, tmp_path_factory) -> Paper:
    """Ten times Torbay's size: 40 themes, 640 key actions, 600 measures, 100 risks (about 3 minutes)."""
    return _built_paper(django_db_blocker, tmp_path_factory, slug="large", scale=10)


def _pages_touching_the_edge(pdf, tmp_path) -> tuple[int, list[int]]:
    subprocess.run([_poppler("pdftoppm"), "-r", str(DPI), "-gray", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    touching = []
    for number, png in enumerate(pages, start=1):
        image = Image.open(png).convert("L")
        width, height = image.size
        right = image.crop((width - EDGE_PX, 0, width, height))
        bottom = image.crop((0, height - EDGE_PX, width, height))
        if min(right.getextrema()[0], bottom.getextrema()[0]) < 200:
            touching.append(number)
    return len(pages), touching


def _text_by_page(pdf, mode: str = "-layout") -> list[str]:
    """Return each page's text: laid out as printed, or ("-raw") in the order it was written, cell by cell."""
    text = subprocess.run([_poppler("pdftotext"), mode, str(pdf), "-"], check=True, capture_output=True).stdout
    return text.decode().split("\f")[:-1]


def test_no_page_of_the_demo_report_is_cut_off_at_the_right_or_bottom(paper, tmp_path):
    count, touching = _pages_touching_the_edge(paper.path, tmp_path)
    assert count > 20
    assert touching == [], f"{len(touching)} of {count} pages have ink at the right or bottom edge: {touching}"


def test_every_page_says_page_n_of_m_and_carries_the_plan_and_quarter(paper):
    pages = _text_by_page(paper.path)
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        assert "Reporting quarter Q1 2021/22" in text
        assert "Produced " in text


def _squeezed(text: str) -> str:
    return re.sub(r"\s+|-", "", text)


def test_the_seeds_figures_and_every_narratives_last_words_are_in_the_text(paper):
    text = _squeezed("".join(_text_by_page(paper.path, "-raw")))
    for figure in ("34.3%", "35.6%", "12Medium", "LNAmeetingsdiarised"):
        assert figure in text
    assert paper.narratives
    missing = []
    for narrative in paper.narratives:
        words = strip_tags(narrative).replace("&amp;", "&").split()
        ending = _squeezed(" ".join(words[-3:]))
        if ending and ending not in text:
            missing.append(ending)
    assert missing == []


def test_the_pdf_is_tagged_with_its_language_and_title(paper):
    info = subprocess.run([_poppler("pdfinfo"), str(paper.path)], check=True, capture_output=True).stdout.decode()
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert "Title:           Highlight report: Children's Services Improvement" in info


PAPERS = [
    pytest.param("paper", id="the demo"),
    pytest.param("wide_paper", id="24 months of figures"),
    pytest.param("large_paper", id="ten times Torbay"),
]


@pytest.mark.parametrize("which", PAPERS[1:])
def test_no_page_of_a_wide_or_large_plans_paper_is_cut_off_and_every_page_says_page_n_of_m(which, request, tmp_path):
    built = request.getfixturevalue(which)
    count, touching = _pages_touching_the_edge(built.path, tmp_path)
    assert touching == [], f"{len(touching)} of {count} pages have ink at the right or bottom edge: {touching}"
    pages = _text_by_page(built.path)
    assert len(pages) == count
    missing = [n for n, text in enumerate(pages, start=1) if f"Page {n} of {count}" not in text]
    assert missing == []


# The contents and the bookmarks ---------------------------------------------------------------


def _pdf_xml(pdf) -> ElementTree.Element:
    """Return poppler's XML of the PDF: its outline (bookmarks) and each page's text with its links."""
    xml = subprocess.run(
        [_poppler("pdftohtml"), "-xml", "-i", "-q", "-stdout", str(pdf)], check=True, capture_output=True
    )
    return ElementTree.fromstring(xml.stdout)


def _outline(root: ElementTree.Element) -> list[tuple[str, int, int]]:
    """Return each bookmark as (title, page, depth): depth 1 is the outline's top level."""
    items = []

    def walk(outline, depth):
        for element in outline:
            if element.tag == "item":
                items.append((element.text, int(element.get("page")), depth))
            elif element.tag == "outline":
                walk(element, depth + 1)

    walk(root.find("outline"), 1)
    return items


def _internal_links(root: ElementTree.Element) -> dict[str, set[int]]:
    """Return each linked text and the pages its links go to (the PDF's only internal links are the contents)."""
    links: dict[str, set[int]] = {}
    for link in root.iter("a"):
        text = "".join(link.itertext()).strip()
        if text.strip(".") and not text.isdigit():  # not the leader or the page number after the title
            links.setdefault(text, set()).add(int(link.get("href").rsplit("#", 1)[1]))
    return links


@pytest.mark.parametrize("which", PAPERS)
def test_the_bookmarks_are_each_section_and_theme_in_order_pointing_at_its_heading(which, request):
    built = request.getfixturevalue(which)
    outline = _outline(_pdf_xml(built.path))
    assert [(title, depth) for title, _, depth in outline] == [(title, 1) for title in built.sections]
    pages = _text_by_page(built.path)
    for title, page, _ in outline:
        # A heading is a line of its own; the contents' line has a leader and a page number after it.
        printed_on = [n for n, text in enumerate(pages, start=1) if title in map(str.strip, text.splitlines())]
        assert printed_on == [page], f"{title}: bookmark to page {page}, heading on {printed_on}"


@pytest.mark.parametrize("which", PAPERS)
def test_the_first_page_has_the_contents_and_each_entry_links_to_its_headings_page(which, request):
    built = request.getfixturevalue(which)
    root = _pdf_xml(built.path)
    bookmarks = {title: page for title, page, _ in _outline(root)}
    first = _text_by_page(built.path)[0]
    assert first.index("Reporting quarter") < first.index("Contents") < first.index("Page 1 of")
    assert _internal_links(root) == {title: {bookmarks[title]} for title in built.sections}
    text = re.sub(r"\s+", " ", " ".join(_text_by_page(built.path)[:3]))
    for number, title in enumerate(built.sections, start=1):
        printed = re.search(rf"{number}\. {re.escape(title)} ?\.+ (\d+)", text)
        assert printed, f"contents entry {number}. {title} is missing"
        assert int(printed[1]) == bookmarks[title]


# A KPI table wider than the page --------------------------------------------------------------

MEASURE_ROW = re.compile(r"^\s*\d+\.\d+\s+Measure \d+\.\d+\b", re.M)


def test_a_kpi_table_of_24_months_is_printed_in_parts_by_financial_year(wide_paper):
    text = "".join(_text_by_page(wide_paper.path))
    parts = re.findall(r"Performance measures, part (\d) of (\d): (\w+ \d{4}) to (\w+ \d{4})", text)
    assert (
        parts
        == [
            ("1", "3", "June 2019", "March 2020"),
            ("2", "3", "April 2020", "March 2021"),
            ("3", "3", "April 2021", "May 2021"),
        ]
        * 4
    )


def test_every_column_heading_of_a_24_month_table_is_whole_on_one_line(wide_paper):
    """Squeezed into one table, 24 months broke "Jun 19" and "Final 2020/21" over two or three lines."""
    lines = "".join(_text_by_page(wide_paper.path)).splitlines()
    for heading in [date_format(month, "M y") for month in months_to_may_2021(24)] + ["Final 2020/21"]:
        assert sum(heading in line for line in lines) >= 4, f"{heading} is not whole in each theme's table"
    headers = [line for line in lines if "Ref" in line and "Performance measure" in line]
    assert len(headers) >= 3 * 4


def test_every_page_with_kpi_rows_repeats_the_tables_header(wide_paper):
    pages = _text_by_page(wide_paper.path)
    with_rows = [n for n, text in enumerate(pages, start=1) if MEASURE_ROW.search(text)]
    assert len(with_rows) > 4
    assert [n for n in with_rows if "Performance measure" not in pages[n - 1]] == []
