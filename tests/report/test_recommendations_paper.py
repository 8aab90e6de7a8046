"""The 2016 tracker's PDF paper carries the Ofsted recommendations (issue 13): listed in its contents after the
RAG guidance, each with its RAG in words and the actions answering it, and no page cut off at the edge."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction

from tests.report.test_pdf_paper import _pages_touching_the_edge, _pdf, _text_by_page

pytestmark = pytest.mark.django_db

TRACKER = "torbay-2016-action-tracker"


@pytest.fixture(scope="module")
def tracker_pdf(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("setup_demo", verbosity=0)
        content = _pdf(User.objects.get(username="sro"), {"plan": TRACKER, "year": "2016", "quarter": "2"})
        transaction.set_rollback(True)
    path = tmp_path_factory.mktemp("tracker") / "tracker.pdf"
    path.write_bytes(content)
    return path


def test_the_tracker_paper_lists_the_recommendations_with_their_rag_and_answering_actions(tracker_pdf, tmp_path):
    pages = _text_by_page(tracker_pdf)
    contents = pages[0]
    # After the summary, at a glance and what changed since the last board.
    assert "8. Guidance for RAG status" in contents
    assert "9. Ofsted recommendations" in contents
    text = " ".join(" ".join(pages).split())
    assert "Progress snapshot: 1 March 2017" in text
    assert "Key actions answering it" in text
    assert "Theme 6: Corporate Parenting board" in text
    count, touching = _pages_touching_the_edge(tracker_pdf, tmp_path)
    assert count > 1
    assert touching == []
