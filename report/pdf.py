"""HTML to PDF with WeasyPrint, fetching only the application's own static files."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

NOT_STATIC_MESSAGE = "The PDF may load only the application's static files, not {url}."


def _static_file(name: str) -> Path | None:
    """Return the file behind a static name: collected (hashed names, in production) or found in the app."""
    try:
        collected = Path(staticfiles_storage.path(name))
    except NotImplementedError:  # pragma: no cover - remote storage
        collected = None
    if collected is not None and collected.is_file():
        return collected
    found = finders.find(name)
    return Path(found) if found else None


class StaticFilesFetcher(URLFetcher):
    """Serve the PDF's stylesheets from disk, and refuse every other URL.

    Reading from disk needs no HTTP request back to the app; refusing the rest means narrative text
    can never make the server fetch a URL.
    """

    def fetch(self, url, headers=None):
        path = unquote(urlparse(url).path)
        prefix = "/" + settings.STATIC_URL.lstrip("/")
        if not path.startswith(prefix):
            raise ValueError(NOT_STATIC_MESSAGE.format(url=url))
        found = _static_file(path[len(prefix) :])
        if found is None:
            raise ValueError(NOT_STATIC_MESSAGE.format(url=url))
        mime_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=found.read_bytes(), headers={"Content-Type": mime_type})


def html_to_pdf(*, html: str, base_url: str) -> bytes:
    """Return the PDF of an HTML document whose relative URLs resolve against `base_url`.

    Tagged (PDF/UA-1): a structure tree with headings and table headers, its language and title, so
    a screen reader can read the paper as public-sector documents must allow.
    """
    return HTML(string=html, base_url=base_url, url_fetcher=StaticFilesFetcher()).write_pdf(pdf_variant="pdf/ua-1")
