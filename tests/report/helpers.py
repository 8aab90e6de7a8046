"""Reading the report's HTML in tests."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone


def element_by_id(html: str, element_id: str, tag: str = "tr") -> str:
    """Return the HTML of the (non-nested) <tag id="element_id"> … </tag>, or fail."""
    match = re.search(rf'<{tag}[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</{tag}>', html, re.S)
    assert match, f'No <{tag} id="{element_id}"> on the page.'
    return match.group(1)


def h2_ids(html: str) -> list[str]:
    """Return the ids of the page's level-2 headings, in order."""
    return re.findall(r'<h2 id="([^"]+)"', html)


def text_of(html: str) -> str:
    """Return the page's text with tags removed and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def moment(day: datetime.date) -> datetime.datetime:
    """Return noon of `day` in the council's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
