"""The SRO's highlight report on screen: authorise → select → present (the papers: report.paper_views)."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from core.calendar import FinancialQuarter, financial_year_label, financial_year_of
from plans import selectors as plan_selectors
from plans.models import Plan
from report import cache as report_cache
from report.context import ReportContext
from report.panels import report_panels

AS_AT_UNREADABLE_MESSAGE = (
    "The date “{value}” could not be read. Give it as year-month-day, for example 2021-07-13. "
    "The report below is as it stands now."
)
AS_AT_FUTURE_MESSAGE = (
    "{day} is in the future, so there is no record yet of how the report will stand then. "
    "Choose today or an earlier date. The report below is as it stands now."
)
AS_AT_BEFORE_FIRST_RECORD_MESSAGE = (
    "The tracker has no record of this plan before {first}, the day it was loaded, so the report below "
    "is as it stood on {first}. Choose that date or a later one."
)
QUARTER_UNREADABLE_MESSAGE = (
    "The reporting quarter could not be read: choose a financial year and a quarter from 1 to 4. "
    "The report below is for {quarter}, the quarter the plan's report covers."
)
NO_PLAN_MESSAGE = "There are no plans yet. An administrator can load them with manage.py setup_demo or in the admin."
PLAN_NOT_FOUND_MESSAGE = "There is no plan with that name. Choose a plan from the list."

QUARTER_YEARS = range(2000, 2101)
# Where the report's panels go in the rendered page. They are put in after the template has rendered it: at ten
# times Torbay's size they are 2 MB of HTML, which the template engine would copy at every level it is nested in
# (the loop, the if, the block, the base template), a third of the time of the report opened again. The page's
# own text is escaped, so nothing in it can read as this comment.
PANELS_PLACE = "<!--report-panels-->"


def _day(day: datetime.date) -> str:
    return date_format(day, "j F Y")


@dataclass
class ReportRequest:
    """What the query string asks for, checked: the plan, the reporting quarter, the date as at."""

    plans: list[Plan]
    plan: Plan | None
    quarter: FinancialQuarter | None = None
    as_at: datetime.date | None = None
    notices: list[str] = field(default_factory=list)
    # What the form shows back: the as_at typed, even when it could not be used.
    as_at_input: str = ""
    quarters_with_news: list[FinancialQuarter] = field(default_factory=list)
    # ?months=all: the KPI tables show every month, not only the reporting year's.
    all_months: bool = False


def _parse_quarter(query, default: FinancialQuarter) -> tuple[FinancialQuarter, bool]:
    """Return the quarter asked for (or the default when none is asked for) and whether it was readable."""
    year, quarter = query.get("year", "").strip(), query.get("quarter", "").strip()
    if not year and not quarter:
        return default, True
    try:
        chosen = FinancialQuarter(int(year or default.financial_year), int(quarter or default.quarter))
    except ValueError:
        return default, False
    if chosen.quarter not in (1, 2, 3, 4) or chosen.financial_year not in QUARTER_YEARS:
        return default, False
    return chosen, True


def report_request(*, user, query) -> ReportRequest:
    """Return the plan, quarter and as-at date the query string asks for, with a notice for each bad input."""
    plans = plan_selectors.report_plan_list(user=user)
    slug = query.get("plan", "").strip()
    if slug:
        plan = next((p for p in plans if p.slug == slug), None)
        if plan is None:
            raise Http404(PLAN_NOT_FOUND_MESSAGE)
    else:
        plan = plans[0] if plans else None
    request = ReportRequest(
        plans=plans,
        plan=plan,
        as_at_input=query.get("as_at", "").strip(),
        all_months=query.get("months", "").strip() == "all",
    )
    if plan is None:
        request.notices.append(NO_PLAN_MESSAGE)
        return request
    request.quarters_with_news = plan_selectors.report_quarters_with_news(plan=plan)
    default = plan_selectors.plan_reporting_quarter(plan)
    request.quarter, readable = _parse_quarter(query, default)
    if not readable:
        request.notices.append(QUARTER_UNREADABLE_MESSAGE.format(quarter=default.label))
    if request.as_at_input:
        try:
            as_at = datetime.date.fromisoformat(request.as_at_input)
        except ValueError:
            request.notices.append(AS_AT_UNREADABLE_MESSAGE.format(value=request.as_at_input))
        else:
            if as_at > timezone.localdate():
                request.notices.append(AS_AT_FUTURE_MESSAGE.format(day=_day(as_at)))
            else:
                request.as_at = as_at
    return request


class HighlightReportView(LoginRequiredMixin, TemplateView):
    """The report: every section of the July 2021 highlight report, live, for any plan, quarter and date."""

    template_name = "report/report.html"
    pdf = False
    panels_html: str | None = None  # set by panels(), put into the page once it is rendered
    every_month = False  # the papers show every month; the page the reporting year's unless asked

    def report_context_data(self) -> dict:
        request = report_request(user=self.request.user, query=self.request.GET)
        context = {"report_request": request, "plans": request.plans, "pdf": self.pdf}
        if request.plan is None:
            return context
        then = plan_selectors.plan_as_at(plan=request.plan, as_at=request.as_at)
        if request.as_at and then.first_recorded and request.as_at < then.first_recorded:
            request.notices.append(AS_AT_BEFORE_FIRST_RECORD_MESSAGE.format(first=_day(then.first_recorded)))
            request.as_at = then.first_recorded
        report_context = ReportContext(
            user=self.request.user,
            plan=request.plan,
            plan_then=then.plan,
            quarter=request.quarter,
            as_at=request.as_at,
            pdf=self.pdf,
            all_months=request.all_months or self.every_month,
        )
        years = {q.financial_year for q in request.quarters_with_news} | {request.quarter.financial_year}
        if request.plan.report_date:
            years.add(financial_year_of(request.plan.report_date))
        context.update(
            plan=request.plan,
            plan_then=then.plan,
            quarter=request.quarter,
            as_at=request.as_at,
            years=[(year, financial_year_label(year)) for year in sorted(years, reverse=True)],
            panels=self.panels(report_context),
        )
        return context

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.report_context_data(), **kwargs)

    def panels(self, report_context: ReportContext) -> list:
        """Return where the panels go (PANELS_PLACE); the panels themselves, each part from the cache while no data
        it shows has changed, go there once the page is rendered."""
        self.panels_html = report_cache.cached_report_html(
            report_context, today=timezone.localdate(), panels_of=report_panels
        )
        return [mark_safe(PANELS_PLACE)]

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.panels_html is not None:
            response.add_post_render_callback(functools.partial(_panels_put_in, html=self.panels_html))
        return response


def _panels_put_in(response, *, html: str) -> None:
    before, place, after = response.content.partition(PANELS_PLACE.encode())
    if not place:
        raise ValueError("The report's template has no place for its panels.")
    response.content = b"".join((before, html.encode(), after))
