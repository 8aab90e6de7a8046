"""The published papers: /published/ lists them by plan and board date; each version has a permanent page with
its HTML, PDF and Word files; the SRO or an administrator publishes a round and reopens a quarter there."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core.calendar import FinancialQuarter
from core.views import RowPermissionRequiredMixin
from plans import permissions as plan_permissions
from plans.models import Plan, ReportingRound
from plans.rounds import locks
from report import publishing
from report.models import PublishedPaper
from report.paper_files import CONTENT_TYPES

PUBLISHED_MESSAGE = (
    "{quarter} is published as version {version} and locked. Board members read it at Published papers; "
    "its PDF is ready below in a moment."
)
REOPENED_MESSAGE = "{quarter} is reopened: RAGs and updates can be saved again. Publish it again when they are done."
PDF_REFRESH_SECONDS = 5


@dataclass
class PlanPapers:
    plan: Plan
    papers: list[PublishedPaper] = field(default_factory=list)


def published_papers_by_plan() -> list[PlanPapers]:
    """Return every published paper grouped by plan (by title), newest board date first (one query)."""
    papers = PublishedPaper.objects.select_related("plan", "published_by").order_by(
        "plan__title", "plan_id", "-board_date", "-financial_year", "-quarter", "-version"
    )
    groups: dict[int, PlanPapers] = {}
    for paper in papers:
        groups.setdefault(paper.plan_id, PlanPapers(plan=paper.plan)).papers.append(paper)
    return list(groups.values())


def published_paper_get(*, slug: str, year: int, quarter: int, version: int) -> PublishedPaper:
    """Return one published version, with its plan and who published and reopened it; 404 when there is none."""
    return get_object_or_404(
        PublishedPaper.objects.select_related("plan", "published_by", "reopened_by"),
        plan__slug=slug,
        financial_year=year,
        quarter=quarter,
        version=version,
    )


class PublishedListView(LoginRequiredMixin, TemplateView):
    """Every published paper, by plan and board date."""

    template_name = "report/published_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(groups=published_papers_by_plan(), **kwargs)


class PaperMixin:
    def paper(self) -> PublishedPaper:
        if not hasattr(self, "_paper"):
            self._paper = published_paper_get(**self.kwargs)
        return self._paper


class PublishedPaperView(PaperMixin, LoginRequiredMixin, TemplateView):
    """One version of a quarter's paper: when and by whom published, reopened and why, its files, other versions."""

    template_name = "report/published_paper.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        paper = self.paper()
        if paper.pdf_status != PublishedPaper.PdfStatus.READY and not publishing.pdf_failed(paper):
            response["Refresh"] = str(PDF_REFRESH_SECONDS)
        return response

    def get_context_data(self, **kwargs):
        paper = self.paper()
        versions = list(
            PublishedPaper.objects.filter(
                plan_id=paper.plan_id, financial_year=paper.financial_year, quarter=paper.quarter
            ).order_by("-version")
        )
        may_publish = plan_permissions.can_publish_round(self.request.user)
        latest = versions[0].version == paper.version
        return super().get_context_data(
            paper=paper,
            plan=paper.plan,
            for_quarter=FinancialQuarter(paper.financial_year, paper.quarter),
            versions=versions,
            may_publish=may_publish,
            pdf_failed=publishing.pdf_failed(paper),
            may_reopen=may_publish and latest and paper.reopened_at is None,
            may_republish=may_publish and latest and paper.reopened_at is not None,
            **kwargs,
        )


class PublishedFileView(PaperMixin, LoginRequiredMixin, View):
    """One of the paper's frozen files: its HTML to read in the browser, its PDF or Word file to download."""

    kind = ""

    def get(self, request, *args, **kwargs):
        paper = self.paper()
        name = {"html": paper.html_file, "pdf": paper.pdf_file, "docx": paper.docx_file}[self.kind]
        if not name:  # the PDF is still being laid out: its page says so and refreshes
            return HttpResponseRedirect(reverse("published:paper", kwargs=paper.url_kwargs))
        if self.kind == "html":
            with default_storage.open(name, "rb") as frozen:
                response = HttpResponse(frozen.read(), content_type=CONTENT_TYPES["html"])
            return response
        return FileResponse(
            default_storage.open(name, "rb"),
            as_attachment=True,
            filename=f"{paper.plan.slug}-{paper.financial_year}-q{paper.quarter}-v{paper.version}.{self.kind}",
            content_type=CONTENT_TYPES[self.kind],
        )


class PublishView(RowPermissionRequiredMixin, TemplateView):
    """The SRO or an administrator publishes the plan's round for a quarter (or a reopened quarter again):
    a page saying what publishing does, and its button."""

    template_name = "report/published_confirm.html"
    permission_denied_message = locks.NOT_PUBLISHER_MESSAGE

    def test_func(self) -> bool:
        self.plan = get_object_or_404(Plan, slug=self.kwargs["slug"])
        self.quarter = FinancialQuarter(self.kwargs["year"], self.kwargs["quarter"])
        return plan_permissions.can_publish_round(self.request.user)

    def post(self, request, *args, **kwargs):
        try:
            paper = publishing.paper_publish(user=request.user, plan=self.plan, quarter=self.quarter)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(problems=error.messages), status=400)
        messages.success(request, PUBLISHED_MESSAGE.format(quarter=self.quarter.label, version=paper.version))
        return HttpResponseRedirect(reverse("published:paper", kwargs=paper.url_kwargs))

    def get_context_data(self, **kwargs):
        round_ = ReportingRound.objects.filter(
            plan=self.plan, financial_year=self.quarter.financial_year, quarter=self.quarter.quarter
        ).first()
        return super().get_context_data(plan=self.plan, for_quarter=self.quarter, round=round_, **kwargs)


class ReopenView(RowPermissionRequiredMixin, PublishedPaperView):
    """The SRO or an administrator reopens the paper's quarter with a reason (POST from the paper's page); a
    refusal shows the paper's page again with the reason kept."""

    http_method_names = ["post"]
    permission_denied_message = locks.NOT_PUBLISHER_MESSAGE

    def test_func(self) -> bool:
        return plan_permissions.can_publish_round(self.request.user)

    def post(self, request, *args, **kwargs):
        paper = self.paper()
        reason = request.POST.get("reason", "")
        try:
            publishing.paper_reopen(user=request.user, paper=paper, reason=reason)
        except ValidationError as error:
            context = self.get_context_data(reopen_problems=error.messages, reason=reason)
            return self.render_to_response(context, status=400)
        quarter = FinancialQuarter(paper.financial_year, paper.quarter)
        messages.success(request, REOPENED_MESSAGE.format(quarter=quarter.label))
        return HttpResponseRedirect(reverse("published:paper", kwargs=paper.url_kwargs))


class PdfRetryView(PaperMixin, RowPermissionRequiredMixin, View):
    """The SRO or an administrator asks for a failed PDF to be laid out again from the frozen HTML (POST)."""

    http_method_names = ["post"]
    permission_denied_message = locks.NOT_PUBLISHER_MESSAGE

    def test_func(self) -> bool:
        return plan_permissions.can_publish_round(self.request.user)

    def post(self, request, *args, **kwargs):
        paper = publishing.paper_pdf_retry(user=request.user, paper=self.paper())
        return HttpResponseRedirect(reverse("published:paper", kwargs=paper.url_kwargs))
