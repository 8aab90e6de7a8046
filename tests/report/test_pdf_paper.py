"""The PDF of the demo report is a paper a clerk can file: every page rendered and looked at by the test.

Each page is rendered to an image (poppler's pdftoppm) and must keep its ink off the right and
bottom edges; every page says "Page N of M"; the seed's figures and narratives are there as text;
the file is tagged for assistive technology.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import strip_tags
from PIL import Image

from plans.models import ActionUpdate
from report.views import HighlightReportPdfView

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
    narratives: list[str]


@pytest.fixture(scope="module")
def paper(django_db_setup, django_db_blocker, tmp_path_factory) -> Paper:
    """The demo's PDF, made once for the module (about 5 s) inside a transaction rolled back after."""
    from django.contrib.auth.models import User

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("setup_demo", verbosity=0)
        # A view call, not the test client: a finished request would close the connection mid-transaction.
        request = RequestFactory().get(reverse("report_pdf"))
        request.user = User.objects.get(username="sro")
        response = HighlightReportPdfView.as_view()(request)
        assert response.status_code == 200
        narratives = [u.progress or u.next_steps or u.barriers for u in ActionUpdate.objects.all()]
        transaction.set_rollback(True)
    path = tmp_path_factory.mktemp("paper") / "report.pdf"
    path.write_bytes(response.content)
    return Paper(path=path, narratives=narratives)


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
