"""The register, a risk's page and its edit form: authorise → select → present."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from core.locking import EditConflict
from core.views import RowPermissionRequiredMixin
from risks import charts, permissions, selectors, services
from risks.forms import RiskFilterForm, RiskForm
from risks.models import risk_bands

SAVED_MESSAGE = "Your changes to {risk} have been saved."


class RiskListView(LoginRequiredMixin, TemplateView):
    """The register, highest score first, with filters and the heat map of open risks."""

    template_name = "risks/risk_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        plan = selectors.risk_plan_get(user=user, slug=self.request.GET.get("plan"))
        form = RiskFilterForm(
            self.request.GET or None,
            owners=selectors.risk_owner_list(user=user),  # a form field's queryset
        )
        filters = form.filters()
        risks = list(selectors.risk_list(user=user, plan=plan, **filters))
        return super().get_context_data(
            filter_form=form,
            filtered=bool(filters),
            risks=risks,
            plan=plan,
            heatmap=selectors.risk_heatmap(user=user, plan=plan),
            bands=risk_bands(),
            **kwargs,
        )


class RiskDetailView(LoginRequiredMixin, TemplateView):
    """One risk: its details, links, and score over time as a chart and a table."""

    template_name = "risks/risk_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        risk = selectors.risk_get(user=user, pk=self.kwargs["pk"])
        history = selectors.risk_score_history(risk=risk)
        figure = charts.risk_score_figure(
            history, bands=risk_bands(), target_score=risk.target_score, now=timezone.now()
        )
        return super().get_context_data(
            risk=risk,
            history=history,
            figure=figure,
            bands=risk_bands(),
            can_edit=permissions.can_edit_risk(user, risk),
            **kwargs,
        )


class RiskUpdateView(RowPermissionRequiredMixin, FormView):
    """The owner (or an administrator) edits a risk; anyone else gets 403 and nothing changes."""

    template_name = "risks/risk_form.html"
    form_class = RiskForm
    permission_denied_message = services.NOT_YOUR_RISK_MESSAGE

    def test_func(self) -> bool:
        # Unknown risks are 404 before anything is said about who may edit them.
        self.risk = selectors.risk_get(user=self.request.user, pk=self.kwargs["pk"])
        return permissions.can_edit_risk(self.request.user, self.risk)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user, "risk": self.risk}

    def get_context_data(self, **kwargs):
        return super().get_context_data(risk=self.risk, bands=risk_bands(), **kwargs)

    def form_valid(self, form):
        try:
            risk = services.risk_update(
                user=self.request.user,
                risk=self.risk,
                version=form.cleaned_data["version"],
                **form.changes(),
            )
        except EditConflict:
            form.add_error(None, services.STALE_RISK_MESSAGE)
            return self.form_invalid(form)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, SAVED_MESSAGE.format(risk=risk))
        return redirect(risk)
