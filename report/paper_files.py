"""Build a committee paper's files (its HTML, PDF and Word) for one choice, outside any request.

One builder for every paper: the stored papers (report.stored_papers) write its files under the
version of the data they were built from; a paper frozen for good (a "publish" step) can write the
same files under a permanent folder with `write_paper_files(choice, kinds, folder=...)`.

The paper is the same for every reader (every signed-in reader reads every plan, and the paper shows
no edit links), so it is built for no one in particular.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags

from core.calendar import FinancialQuarter
from plans import selectors as plan_selectors
from plans.models import Plan
from report.context import ReportContext
from report.panels import report_html

# What each kind of file is called and served as.
SUFFIXES = {"html": "html", "pdf": "pdf", "docx": "docx"}
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# The PDF's stylesheets are read from disk (report.pdf.StaticFilesFetcher); only their paths matter.
PAPER_BASE_URL = "http://paper.invalid/"


@dataclass(frozen=True)
class PaperChoice:
    """What a paper shows: the plan, the reporting quarter, the date as at (None: now) and the months."""

    plan: Plan
    quarter: FinancialQuarter
    as_at: datetime.date | None = None
    all_months: bool = True  # the papers show every month of figures

    @property
    def parts(self) -> str:
        """Return the choice as text, the same for the same choice in every process."""
        as_at = self.as_at.isoformat() if self.as_at else "now"
        months = "all" if self.all_months else "year"
        quarter = f"{self.quarter.financial_year}-Q{self.quarter.quarter}"
        return f"plan={self.plan.pk}:{quarter}:as_at={as_at}:months={months}"

    def file_name(self, kind: str) -> str:
        """Return the name a reader's download is saved as, e.g. highlight-report-torbay-2021-07-13.pdf."""
        day = self.as_at or self.plan.report_date or timezone.localdate()
        return f"highlight-report-{self.plan.slug}-{day:%Y-%m-%d}.{SUFFIXES[kind]}"


def _report_context(choice: PaperChoice) -> ReportContext:
    then = plan_selectors.plan_as_at(plan=choice.plan, as_at=choice.as_at)
    return ReportContext(
        user=AnonymousUser(),
        plan=choice.plan,
        plan_then=then.plan,
        quarter=choice.quarter,
        as_at=choice.as_at,
        pdf=True,
        all_months=choice.all_months,
    )


def paper_html(choice: PaperChoice, *, published_at: datetime.datetime | None = None) -> str:
    """Return the paper as the HTML document the PDF is laid out from (saying when it was published, if it was)."""
    report_context = _report_context(choice)
    context = {
        "plan": choice.plan,
        "plan_then": report_context.plan_then,
        "quarter": choice.quarter,
        "as_at": choice.as_at,
        "pdf": True,
        "panels": report_html(report_context),
        "produced_at": timezone.localtime(),
        "protective_marking": settings.PROTECTIVE_MARKING,
        "published_at": published_at,
    }
    return render_to_string("report/pdf.html", context)


def paper_pdf(html: str) -> bytes:
    """Return the PDF of the paper's HTML."""
    # WeasyPrint is imported only when a PDF is built: it is slow to load and logs as it does.
    from report.pdf import html_to_pdf

    return html_to_pdf(html=html, base_url=PAPER_BASE_URL)


def paper_docx(choice: PaperChoice, *, published_at: datetime.datetime | None = None) -> bytes:
    """Return the paper as a Word document, built from the report's data (not its HTML)."""
    from report.docx import report_docx

    report_context = _report_context(choice)
    status_context = {"quarter": choice.quarter, "as_at": choice.as_at, "published_at": published_at}
    status = render_to_string("report/_status_line.html", status_context)
    return report_docx(
        report_context=report_context,
        title=f"Highlight report: {report_context.plan_then.title}",
        status_line=strip_tags(status).split("\n")[0].strip(),
    )


def paper_contents(choice: PaperChoice, kinds: tuple[str, ...]) -> dict[str, bytes]:
    """Return the paper's files by kind ("html", "pdf", "docx"): the PDF comes with the HTML it was laid out from."""
    files: dict[str, bytes] = {}
    if "pdf" in kinds or "html" in kinds:
        html = paper_html(choice)
        files["html"] = html.encode()
        if "pdf" in kinds:
            files["pdf"] = paper_pdf(html)
    if "docx" in kinds:
        files["docx"] = paper_docx(choice)
    return files


def write_paper_files(choice: PaperChoice, kinds: tuple[str, ...], *, folder: str) -> dict[str, str]:
    """Build the paper's files and save them in storage under `folder`; return their storage names by kind."""
    names = {}
    for kind, content in paper_contents(choice, kinds).items():
        wanted = f"{folder.rstrip('/')}/{choice.file_name(kind)}"
        if default_storage.exists(wanted):  # a build of the same version before this one stopped midway
            default_storage.delete(wanted)
        names[kind] = default_storage.save(wanted, ContentFile(content))
    return names
