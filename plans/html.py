"""Narrative HTML: sanitised once, on the way in, with an explicit allow-list."""

import nh3

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "br"}


def sanitize_html(value: str) -> str:
    """Return `value` with every tag outside the allow-list, every attribute and every script removed."""
    if not value:
        return ""
    return nh3.clean(value, tags=ALLOWED_TAGS, attributes={}, strip_comments=True).strip()
