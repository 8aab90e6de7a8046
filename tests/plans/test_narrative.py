"""Reading a narrative for a RAG other than the one set (seed 000's theme 2: Amber set, "rated 'red'" written)."""

from __future__ import annotations

import pytest

from plans.models import Rag
from plans.narrative import narrative_mentions_other_rag, rags_mentioned


@pytest.mark.parametrize(
    ("text", "rag", "other"),
    [
        pytest.param(
            "<p>… consistently 'good' service is achieved. This theme is therefore rated 'red'.</p>",
            "amber",
            Rag.RED,
            id="seed theme 2: rated 'red' beside Amber",
        ),
        pytest.param("This theme is therefore rated &#x27;red&#x27;.", "amber", Rag.RED, id="escaped quotes"),
        pytest.param("This theme is rated ‘Red’.", "amber", Rag.RED, id="curly quotes"),
        pytest.param("We have rated red this quarter.", "green", Rag.RED, id="rated red"),
        pytest.param("The theme was rated as green.", "amber", Rag.GREEN, id="rated as"),
        pytest.param("The RAG for this theme is amber.", "red", Rag.AMBER, id="RAG ... amber"),
        pytest.param("RAG status: RED", "green", Rag.RED, id="capitals"),
        pytest.param("It has been graded Green.", "amber", Rag.GREEN, id="graded"),
        pytest.param("This theme is therefore rated 'red'.", "", Rag.RED, id="no RAG set"),
        pytest.param(
            "As a result this theme has an overall rating of 'Amber'.", "amber", None, id="seed theme 1 agrees"
        ),
        pytest.param("This theme is therefore rated 'amber'.", "amber", None, id="seed theme 4 agrees"),
        pytest.param("Rated red last quarter, the theme is now rated amber.", "amber", None, id="says the set one too"),
        pytest.param("The report has a reddish tint.", "amber", None, id="reddish is not red"),
        pytest.param("The status of the Redbridge pilot is unclear.", "amber", None, id="Redbridge is not red"),
        pytest.param("Red tape delayed the amber lights.", "green", None, id="colours with no rating word"),
        pytest.param(
            "Staff rated the training highly, with many more words before green.", "amber", None, id="too far"
        ),
        pytest.param("The service is rated 'good' by Ofsted.", "amber", None, id="rated, but not a RAG"),
        pytest.param("", "amber", None, id="no narrative"),
    ],
)
def test_narrative_mentions_other_rag(text, rag, other):
    assert narrative_mentions_other_rag(text, rag) == other


def test_rags_mentioned_in_order_each_once():
    text = "Rated red in May, rated amber in June, and RAG red again in July."
    assert rags_mentioned(text) == [Rag.RED, Rag.AMBER]
