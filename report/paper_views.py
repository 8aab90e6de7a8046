"""The PDF and Word papers: served from storage when current, else built in the background.

A link to a paper (the report's "Download PDF") answers with the stored file when one was built from
the data as it stands. Otherwise it queues one build (report.stored_papers) and shows a page saying the
paper is being prepared, which refreshes itself (a Refresh header: no script) until the paper is ready
and then downloads it; a failed build says so and offers to try again.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.views import View

from plans import selectors as plan_selectors
from report import stored_papers
from report.models import PaperBuild
from report.paper_files import CONTENT_TYPES, PaperChoice
from report.views import NO_PLAN_MESSAGE, report_request

REFRESH_SECONDS = 3
WAITING = "waiting"  # the query parameter the being-prepared page adds when it refreshes itself


def paper_choice_for(*, user, query) -> PaperChoice:
    """Return the plan, quarter and date the query string asks for, as the report page reads them."""
    request = report_request(user=user, query=query)
    if request.plan is None:
        raise Http404(NO_PLAN_MESSAGE)
    as_at = request.as_at
    if as_at:
        first = plan_selectors.plan_as_at(plan=request.plan, as_at=as_at).first_recorded
        if first and as_at < first:
            as_at = first  # as the report page does: nothing is recorded before the plan was loaded
    return PaperChoice(plan=request.plan, quarter=request.quarter, as_at=as_at, all_months=True)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = seconds // 60
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


class PaperView(LoginRequiredMixin, View):
    """One kind of paper for the plan, quarter and date chosen (the report's query string)."""

    kind: str = ""
    template_name = "report/paper_status.html"

    def _query(self, *, waiting: bool) -> str:
        query = {name: value for name, value in self.request.GET.items() if name != WAITING}
        if waiting:
            query[WAITING] = "1"
        return urlencode(query)

    def _url(self, *, waiting: bool) -> str:
        query = self._query(waiting=waiting)
        return f"{self.request.path}?{query}" if query else self.request.path

    def get(self, request, *args, **kwargs):
        choice = paper_choice_for(user=request.user, query=request.GET)
        build = stored_papers.paper_for(choice=choice, kind=self.kind, user=request.user)
        state = stored_papers.paper_state(build)
        if state.ready and not request.GET.get(WAITING):
            return self.file_response(build, choice)
        return self.status_page(state, choice)

    def post(self, request, *args, **kwargs):
        """Try again: forget a failed build and queue another, then wait for it."""
        choice = paper_choice_for(user=request.user, query=request.GET)
        stored_papers.paper_retry(choice=choice, kind=self.kind, user=request.user)
        return HttpResponseRedirect(self._url(waiting=True), status=303)

    def file_response(self, build: PaperBuild, choice: PaperChoice) -> FileResponse:
        return FileResponse(
            default_storage.open(build.files[self.kind], "rb"),
            as_attachment=True,
            filename=choice.file_name(self.kind),
            content_type=CONTENT_TYPES[self.kind],
        )

    def status_page(self, state: stored_papers.PaperState, choice: PaperChoice) -> TemplateResponse:
        context = {
            "state": state,
            "choice": choice,
            "kind_label": PaperBuild.Kind(self.kind).label,
            "waited": _duration(state.waited.total_seconds()),
            "download_url": self._url(waiting=False),
            "action_url": self._url(waiting=False),
            "report_url": f"/?{self._query(waiting=False)}",
            "refresh_seconds": REFRESH_SECONDS,
        }
        response = TemplateResponse(self.request, self.template_name, context)
        if state.ready:  # the page the waiting page refreshed to: start the download
            response["Refresh"] = f"0; url={self._url(waiting=False)}"
        elif not state.failed:
            response["Refresh"] = f"{REFRESH_SECONDS}; url={self._url(waiting=True)}"
        response["Cache-Control"] = "no-store"
        return response


class PaperPdfView(PaperView):
    """The report as a PDF for committee papers."""

    kind = PaperBuild.Kind.PDF


class PaperDocxView(PaperView):
    """The report as a Word document, for committee systems that take Word."""

    kind = PaperBuild.Kind.DOCX
