"""Plans pages: authorise → select → present."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.views.generic import FormView, TemplateView

from core.calendar import financial_year_label, financial_year_of
from core.locking import EditConflict
from plans import permissions, selectors, services
from plans.forms import ActionUpdateForm
from plans.panels import objective_rows


class PlanListView(TemplateView):
    template_name = "plans/plan_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(plans=selectors.plan_list(user=self.request.user), **kwargs)


class PlanDetailView(TemplateView):
    template_name = "plans/plan_detail.html"

    def get_context_data(self, **kwargs):
        plan = selectors.plan_get(user=self.request.user, slug=self.kwargs["slug"])
        years = selectors.plan_financial_years(plan=plan)
        default_year = financial_year_of(plan.report_date) if plan.report_date else selectors.current_quarter()[0]
        try:
            year = int(self.request.GET.get("year", default_year))
        except ValueError:
            year = default_year
        if year not in years:
            year = default_year
        return super().get_context_data(
            plan=plan,
            financial_year=year,
            financial_year_label=financial_year_label(year),
            years=[(y, financial_year_label(y)) for y in years],
            themes=[
                (block, objective_rows(block))
                for block in selectors.plan_themes_for_report(user=self.request.user, plan=plan, financial_year=year)
            ],
            key_priorities=plan.key_priorities.all(),
            medium_term_developments=plan.medium_term_developments.all(),
            rag_guidance=plan.rag_guidance.all(),
            ofsted_recommendations=plan.ofsted_recommendations.all(),
            **kwargs,
        )


class MyActionsView(TemplateView):
    template_name = "plans/my_actions.html"

    def get_context_data(self, **kwargs):
        year, quarter = selectors.current_quarter()
        return super().get_context_data(
            rows=selectors.my_actions(user=self.request.user, financial_year=year, quarter=quarter),
            financial_year_label=financial_year_label(year),
            quarter=quarter,
            **kwargs,
        )


class KeyActionDetailView(TemplateView):
    template_name = "plans/action_detail.html"

    def get_context_data(self, **kwargs):
        action = selectors.key_action_get(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            action=action,
            plan=action.objective.theme.plan,
            rags=action.quarter_rags.order_by("-financial_year", "quarter"),
            updates=action.updates.select_related("author").order_by("-created_at", "-id"),
            history=selectors.key_action_history(key_action=action),
            can_edit=permissions.can_edit_key_action(self.request.user, action),
            **kwargs,
        )


class KeyActionUpdateView(FormView):
    """A head of service adds a narrative update and sets a quarter's RAG on an action they own."""

    template_name = "plans/action_update.html"
    form_class = ActionUpdateForm

    def dispatch(self, request, *args, **kwargs):
        # LoginRequiredMiddleware has already sent signed-out visitors to the login page.
        self.action = selectors.key_action_get(user=request.user, pk=kwargs["pk"])
        if not permissions.can_edit_key_action(request.user, self.action):
            raise PermissionDenied(services.NOT_YOUR_ACTION_MESSAGE)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        year, quarter = selectors.current_quarter()
        current = self.action.quarter_rags.filter(financial_year=year, quarter=quarter).first()
        return {
            "version": self.action.version,
            "financial_year": year,
            "quarter": quarter,
            "rag": current.rag if current else None,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.key_action_update_add(
                user=self.request.user,
                key_action=self.action,
                expected_version=data["version"],
                financial_year=data["financial_year"],
                quarter=data["quarter"],
                rag=data["rag"],
                progress=data["progress"],
                barriers=data["barriers"],
                next_steps=data["next_steps"],
            )
        except EditConflict as conflict:
            # Keep everything the person typed, but against the version now saved, so that after
            # reading the other update they can save theirs again.
            self.action.refresh_from_db()
            data = self.request.POST.copy()
            data["version"] = str(self.action.version)
            form = self.get_form_class()(data=data)
            form.is_valid()
            form.add_error(None, conflict.message)
            return self.form_invalid(form, conflict=True)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, "Your update was saved.")
        return HttpResponseRedirect(self.action.get_absolute_url())

    def form_invalid(self, form, conflict: bool = False):
        return self.render_to_response(self.get_context_data(form=form, conflict=conflict))

    def get_context_data(self, **kwargs):
        latest = self.action.updates.select_related("author").order_by("-created_at", "-id").first()
        return super().get_context_data(
            action=self.action, plan=self.action.objective.theme.plan, latest_update=latest, **kwargs
        )
