"""The published papers' permanent URLs: /published/<plan>/<year>-q<quarter>/v<version>/ and its files."""

from django.urls import path, register_converter

from core.access import board_readable
from report import published_views as views


class QuarterConverter:
    regex = "[1-4]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(QuarterConverter, "q")

app_name = "published"
PAPER = "<slug:slug>/<int:year>-q<q:quarter>/v<int:version>/"
urlpatterns = [
    path("", board_readable(views.PublishedListView.as_view()), name="list"),
    path(PAPER, board_readable(views.PublishedPaperView.as_view()), name="paper"),
    path(f"{PAPER}paper/", board_readable(views.PublishedFileView.as_view(kind="html")), name="html"),
    path(f"{PAPER}pdf/", board_readable(views.PublishedFileView.as_view(kind="pdf")), name="pdf"),
    path(f"{PAPER}docx/", board_readable(views.PublishedFileView.as_view(kind="docx")), name="docx"),
    path(f"{PAPER}reopen/", views.ReopenView.as_view(), name="reopen"),
    path(f"{PAPER}pdf/again/", views.PdfRetryView.as_view(), name="pdf_retry"),
    path("<slug:slug>/<int:year>-q<q:quarter>/publish/", views.PublishView.as_view(), name="publish"),
]
