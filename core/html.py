"""Narrative HTML: sanitised once, on the way in, with an explicit allow-list."""

import re

import nh3
from django.utils.html import escape

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "br"}
_TAG = re.compile(r"<[a-zA-Z/!]")


def plain_text_to_html(value: str) -> str:
    """Return plain text as HTML: a blank line starts a paragraph, a line break is kept.

    A single line stays a bare (escaped) line, so short texts such as descriptions gain no markup.
    """
    value = value.strip().replace("\r\n", "\n")
    if "\n" not in value:
        return escape(value)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value) if p.strip()]
    return "".join("<p>" + escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def sanitize_html(value: str) -> str:
    """Return `value` as safe HTML: only the allow-listed tags, no attributes, no scripts.

    Text typed without any markup is turned into paragraphs first, so its line breaks survive.
    """
    if not value or not value.strip():
        return ""
    if not _TAG.search(value):
        value = plain_text_to_html(value)
    return nh3.clean(value, tags=ALLOWED_TAGS, attributes={}, strip_comments=True).strip()
