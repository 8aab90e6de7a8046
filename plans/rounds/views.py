"""The round's pages: the SRO opens a round; the SRO or an improvement lead signs off or returns updates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.views.generic import FormView, TemplateView

from core.calendar import FinancialQuarter
from core.views import RowPermissionRequiredMixin
from plans import permissions, selectors
from plans.models import Submission
from plans.rounds import selectors as rounds_selectors
from plans.rounds import services
from plans.rounds.forms import ReviewForm, RoundOpenForm

ROUND_OPENED_MESSAGE = (
    "The {quarter} round is open. Heads of service see their updates due by {deadline} on My actions; "
    "submitted updates will wait for sign-off here."
)
SIGNED_OFF_MESSAGE = "You signed off the update on “{action}”."
RETURNED_MESSAGE = "You returned the update on “{action}” to {owner} with your comment."
REVIEW_PROBLEM_MESSAGE = "The update on “{action}” was not changed: {problem}"


def _next_quarter(quarter: FinancialQuarter) -> FinancialQuarter:
    if quarter.quarter == 4:
        return FinancialQuarter(quarter.financial_year + 1, 1)
    return FinancialQuarter(quarter.financial_year, quarter.quarter + 1)


class RoundOpenView(RowPermissionRequiredMixin, FormView):
    """The SRO or an administrator opens the plan's reporting round for a quarter."""

    template_name = "plans/round_open.html"
    form_class = RoundOpenForm
    permission_denied_message = services.NOT_ROUND_OPENER_MESSAGE

    def test_func(self) -> bool:
        self.plan = selectors.plan_get(user=self.request.user, slug=self.kwargs["slug"])
        return permissions.can_open_round(self.request.user)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "years": selectors.plan_update_years(plan=self.plan)}

    def get_initial(self):
        following = _next_quarter(selectors.plan_reporting_quarter(self.plan))
        return {"financial_year": following.financial_year, "quarter": following.quarter}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            round_ = services.round_open(
                user=self.request.user,
                plan=self.plan,
                financial_year=data["financial_year"],
                quarter=data["quarter"],
                deadline=data["deadline"],
                board_date=data["board_date"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, problems in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, problems)
            else:
                form.add_error(None, error.messages)
            return self.form_invalid(form)
        deadline = date_format(round_.deadline, "j F Y")
        messages.success(self.request, ROUND_OPENED_MESSAGE.format(quarter=round_.for_quarter.label, deadline=deadline))
        return HttpResponseRedirect(reverse("plans:round_review", kwargs={"slug": self.plan.slug}))

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=self.plan, open_round=selectors.plan_open_round(self.plan), **kwargs)


class RoundReviewView(RowPermissionRequiredMixin, TemplateView):
    """Every update submitted in the plan's open round, beside last quarter's: sign off, or return with a comment."""

    template_name = "plans/round_review.html"
    permission_denied_message = services.NOT_A_REVIEWER_MESSAGE

    def test_func(self) -> bool:
        self.plan = selectors.plan_get(user=self.request.user, slug=self.kwargs["slug"])
        return permissions.can_review_updates(self.request.user)

    def post(self, request, *args, **kwargs):
        form = ReviewForm(request.POST)
        form.is_valid()
        pk, decision = form.cleaned_data.get("submission"), form.cleaned_data.get("decision")
        submission = (
            Submission.objects.select_related("key_action__owner", "round").filter(pk=pk, round__plan=self.plan).first()
            if pk is not None and decision is not None
            else None
        )
        if submission is None:
            raise Http404("No such update.")
        action = str(submission.key_action)
        if "comment" in form.errors:
            return self._refused(submission, " ".join(form.errors["comment"]), request.POST.get("comment", ""), action)
        try:
            if form.cleaned_data["decision"] == "approve":
                services.submission_approve(user=request.user, submission=submission)
                messages.success(request, SIGNED_OFF_MESSAGE.format(action=action))
            else:
                services.submission_return(
                    user=request.user, submission=submission, comment=form.cleaned_data["comment"]
                )
                owner = submission.key_action.owner
                name = (owner.get_full_name() or owner.get_username()) if owner else "its owner"
                messages.success(request, RETURNED_MESSAGE.format(action=action, owner=name))
        except ValidationError as error:
            return self._refused(submission, " ".join(error.messages), form.cleaned_data["comment"], action)
        except PermissionDenied as error:  # their own update: the page hides its buttons, the service refuses
            return self._refused(submission, str(error), form.cleaned_data["comment"], action)
        return HttpResponseRedirect(request.path)

    def _refused(self, submission: Submission, problem: str, comment: str, action: str):
        """Show the page again with the problem beside the update, keeping what the reviewer typed."""
        message = REVIEW_PROBLEM_MESSAGE.format(action=action, problem=problem)
        return self.render_to_response(self.get_context_data(failed=submission.pk, problem=message, comment=comment))

    def get_context_data(self, **kwargs):
        page = rounds_selectors.review_page(plan=self.plan)
        user = self.request.user
        return super().get_context_data(
            plan=self.plan,
            page=page,
            can_open_round=permissions.can_open_round(user),
            # Four eyes: updates the reviewer wrote show why there are no buttons instead of the buttons.
            own_submissions={
                row.submission.pk
                for row in page.awaiting
                if services.submission_written_by(user=user, submission=row.submission)
            },
            own_update_message=services.OWN_UPDATE_MESSAGE,
            **kwargs,
        )
