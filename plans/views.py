"""Plans pages: authorise → select → present."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.views.generic import FormView, TemplateView

from core.calendar import FinancialQuarter, financial_year_label
from core.locking import EditConflict
from core.views import RowPermissionRequiredMixin
from plans import permissions, selectors, services
from plans.forms import ActionUpdateForm
from plans.panels import objective_rows_html
from plans.rounds import locks
from plans.rounds import selectors as rounds_selectors

UPDATE_SAVED_MESSAGE = "Your update was saved."
UPDATE_FOR_OTHER_QUARTER_MESSAGE = (
    "This update is for {chosen}; it will appear on the {chosen} report, not the current {reporting} report. "
    "If you meant it for {reporting}, add an update for {reporting} as well."
)


class PlanListView(LoginRequiredMixin, TemplateView):
    template_name = "plans/plan_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            plans=list(selectors.plan_list(user=self.request.user)),
            can_edit_plan=permissions.can_edit_plan(self.request.user),
            **kwargs,
        )


class PlanDetailView(LoginRequiredMixin, TemplateView):
    template_name = "plans/plan_detail.html"

    def get_context_data(self, **kwargs):
        plan = selectors.plan_get(user=self.request.user, slug=self.kwargs["slug"])
        years = selectors.plan_financial_years(plan=plan)
        default_year = selectors.plan_reporting_quarter(plan).financial_year
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
                (block, objective_rows_html(block))
                for block in selectors.plan_themes_for_report(user=self.request.user, plan=plan, financial_year=year)
            ],
            **asdict(selectors.plan_page_lists(plan=plan)),
            can_edit_plan=permissions.can_edit_plan(self.request.user),
            can_review_updates=permissions.can_review_updates(self.request.user),
            can_open_round=permissions.can_open_round(self.request.user),
            open_round=selectors.plan_open_round(plan),
            **kwargs,
        )


class MyActionsView(LoginRequiredMixin, TemplateView):
    template_name = "plans/my_actions.html"

    def get_context_data(self, **kwargs):
        tasks = rounds_selectors.my_tasks(user=self.request.user)
        quarters = sorted({task.row.quarter for task in tasks.rows})
        # One reporting quarter for every plan (the usual case) is named once, above the table.
        return super().get_context_data(
            tasks=tasks, rows=tasks.rows, quarter=quarters[0] if len(quarters) == 1 else None, **kwargs
        )


class KeyActionDetailView(LoginRequiredMixin, TemplateView):
    template_name = "plans/action_detail.html"

    def get_context_data(self, **kwargs):
        page = selectors.key_action_page(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            action=page.action,
            plan=page.action.objective.theme.plan,
            rags=page.rags,
            updates=page.updates,
            history=page.history,
            can_edit=page.can_edit,
            ofsted_recommendations=page.ofsted_recommendations,
            can_edit_plan=permissions.can_edit_plan(self.request.user),
            **kwargs,
        )


class KeyActionUpdateView(RowPermissionRequiredMixin, FormView):
    """A head of service adds a narrative update and sets a quarter's RAG on an action they own."""

    template_name = "plans/action_update.html"
    form_class = ActionUpdateForm
    permission_denied_message = services.NOT_YOUR_ACTION_MESSAGE

    def test_func(self) -> bool:
        # Unknown actions are 404 before anything is said about who may edit them.
        self.action = selectors.key_action_get(user=self.request.user, pk=self.kwargs["pk"])
        return permissions.can_edit_key_action(self.request.user, self.action)

    @property
    def reporting_quarter(self) -> FinancialQuarter:
        return selectors.plan_reporting_quarter(self.action.objective.theme.plan)

    @property
    def editing(self) -> selectors.KeyActionEditing:
        if not hasattr(self, "_editing"):
            self._editing = selectors.key_action_editing(key_action=self.action, quarter=self.reporting_quarter)
        return self._editing

    @property
    def years(self) -> range:
        if not hasattr(self, "_years"):
            self._years = selectors.plan_update_years(plan=self.action.objective.theme.plan)
        return self._years

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), **self._form_context()}

    def _form_context(self) -> dict:
        plan = self.action.objective.theme.plan
        return {"reporting_quarter": self.reporting_quarter, "years": self.years, "plan": plan}

    def get_initial(self):
        quarter = self.reporting_quarter
        return {
            "version": self.action.version,
            "financial_year": quarter.financial_year,
            "quarter": quarter.quarter,
            "rag": self.editing.current_rag,
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
            form = self.get_form_class()(data=data, **self._form_context())
            form.is_valid()
            form.add_error(None, conflict.message)
            return self.form_invalid(form, conflict=True)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, UPDATE_SAVED_MESSAGE)
        chosen, reporting = FinancialQuarter(data["financial_year"], data["quarter"]), self.reporting_quarter
        if chosen != reporting:
            message = UPDATE_FOR_OTHER_QUARTER_MESSAGE.format(chosen=chosen.label, reporting=reporting.label)
            messages.warning(self.request, message)
        return HttpResponseRedirect(self.action.get_absolute_url())

    def form_invalid(self, form, conflict: bool = False):
        return self.render_to_response(self.get_context_data(form=form, conflict=conflict))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action=self.action,
            plan=self.action.objective.theme.plan,
            latest_update=self.editing.latest_update,
            reporting_quarter=self.reporting_quarter,
            task=rounds_selectors.action_task(key_action=self.action),
            quarter_locked=locks.quarter_is_locked(
                plan_id=self.action.objective.theme.plan_id,
                financial_year=self.reporting_quarter.financial_year,
                quarter=self.reporting_quarter.quarter,
            ),
            **kwargs,
        )
