"""Whether a narrative says a RAG other than the one set.

Seed 000's theme 2 sets its overview RAG to Amber while its narrative ends "This theme is therefore
rated 'red'". The report keeps the value set and shows the SRO that the two disagree; this module
only reads the text: a rating word ("rated", "rating", "RAG", "status", "graded"), then within a few
words Red, Amber or Green as a word of its own (not "reddish" or "Redbridge").
"""

from __future__ import annotations

import html
import re

from django.utils.html import strip_tags

from plans.models import Rag

RAG_MENTION = re.compile(
    r"\b(?:rated|rating|rag|status|graded|assessed\s+as)\b(?:\W+\w+){0,4}?\W+(red|amber|green)\b",
    re.IGNORECASE,
)


def rags_mentioned(text: str) -> list[Rag]:
    """Return the RAGs a narrative (HTML or plain text) says something is rated, in order, each once."""
    plain = html.unescape(strip_tags(text or ""))
    return list(dict.fromkeys(Rag(match.group(1).lower()) for match in RAG_MENTION.finditer(plain)))


def narrative_mentions_other_rag(text: str, rag: str) -> Rag | None:
    """Return the RAG the narrative gives when it is not `rag`, the one set; None when the narrative gives
    none, or gives `rag` too."""
    mentioned = rags_mentioned(text)
    if not mentioned or rag in mentioned:
        return None
    return mentioned[0]
