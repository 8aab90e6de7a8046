"""The register, a risk's page, adding a risk or issue, and the review (edit) form: authorise → select → present."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from core.locking import EditConflict
from core.views import RowPermissionRequiredMixin
from plans.models import Plan
from risks import charts, permissions, selectors, services
from risks.forms import AppetiteForm, RiskCreateForm, RiskFilterForm, RiskForm, control_formset
from risks.models import APPETITE_MAX_SCORE, AppetiteLevel, RiskAppetite, review_months_for_score, risk_bands

SAVED_MESSAGE = "Your review of {risk} has been saved. The next review is due by {due:%d/%m/%Y}."
ADDED_MESSAGE = "{risk} has been added to the register. Its first review is due by {due:%d/%m/%Y}."
APPETITE_SAVED = "The risk appetite of {plan} has been saved. The register flags each current score above it."
CHECK_BELOW = "Nothing has been saved yet. Correct what is marked below, then save again."


def _scoring_guide() -> dict:
    return {
        "bands": risk_bands(),
        "review_rules": [(band.label, review_months_for_score(band.low)) for band in reversed(risk_bands())],
        "appetite_scale": [(AppetiteLevel(level).label, score) for level, score in APPETITE_MAX_SCORE.items()],
    }


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class RiskListView(LoginRequiredMixin, TemplateView):
    """The register, highest score first, with filters and the inherent and current heat maps of open risks."""

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
            filter_theme=filters.get("theme"),
            filter_action=filters.get("key_action"),
            risks=risks,
            plan=plan,
            heatmaps=[
                selectors.risk_heatmap(user=user, plan=plan, kind="inherent"),
                selectors.risk_heatmap(user=user, plan=plan, kind="current"),
            ],
            can_add=permissions.can_create_risk(user),
            can_set_appetite=permissions.can_set_appetite(user),
            **_scoring_guide(),
            **kwargs,
        )


class RiskDetailView(LoginRequiredMixin, TemplateView):
    """One risk: its three scores, controls, appetite, review, links, and every score over time."""

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
            can_edit=permissions.can_edit_risk(user, risk),
            **_scoring_guide(),
            **kwargs,
        )


class RiskAddChooserView(RowPermissionRequiredMixin, TemplateView):
    """Which plan's register a new risk goes in."""

    template_name = "risks/risk_add_choose.html"
    permission_denied_message = services.CANNOT_CREATE_MESSAGE

    def test_func(self) -> bool:
        return permissions.can_create_risk(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(plans=list(Plan.objects.order_by("-report_date", "title")), **kwargs)


class RiskCreateView(RowPermissionRequiredMixin, FormView):
    """Add a risk or issue to a plan's register with its three scores and its controls."""

    template_name = "risks/risk_form.html"
    form_class = RiskCreateForm
    permission_denied_message = services.CANNOT_CREATE_MESSAGE

    def test_func(self) -> bool:
        self.plan = get_object_or_404(Plan, slug=self.kwargs["plan"])
        return permissions.can_create_risk(self.request.user)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {
            "plan": self.plan,
            "user": self.request.user,
            "next_ref": selectors.risk_next_ref(plan=self.plan),
            "today": timezone.localdate(),
        }

    def get_context_data(self, **kwargs):
        kwargs.setdefault("controls", control_formset(extra=2))
        return super().get_context_data(plan=self.plan, adding=True, **_scoring_guide(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        controls = control_formset(data=request.POST, extra=2)
        if not (form.is_valid() & controls.is_valid()):
            return self._refused(form, controls)
        try:
            risk = services.risk_create(
                user=request.user,
                plan=self.plan,
                controls=controls.control_changes({})["add"],
                **form.values(),
            )
        except ValidationError as error:
            _errors_to_form(form, error)
            return self._refused(form, controls)
        messages.success(request, ADDED_MESSAGE.format(risk=risk, due=risk.next_review_date))
        return redirect(risk)

    def _refused(self, form, controls):
        messages.error(self.request, CHECK_BELOW)
        return self.render_to_response(self.get_context_data(form=form, controls=controls))


class RiskUpdateView(RowPermissionRequiredMixin, FormView):
    """The owner (or an administrator) reviews a risk; anyone else gets 403 and nothing changes."""

    template_name = "risks/risk_form.html"
    form_class = RiskForm
    permission_denied_message = services.NOT_YOUR_RISK_MESSAGE

    def test_func(self) -> bool:
        # Unknown risks are 404 before anything is said about who may edit them.
        self.risk = selectors.risk_get(user=self.request.user, pk=self.kwargs["pk"])
        return permissions.can_edit_risk(self.request.user, self.risk)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user, "risk": self.risk}

    def _controls(self, data=None):
        return control_formset(data=data, controls=list(self.risk.controls.all()), extra=1)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("controls", self._controls())
        return super().get_context_data(risk=self.risk, plan=self.risk.plan, **_scoring_guide(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        controls = self._controls(request.POST)
        if not (form.is_valid() & controls.is_valid()):
            return self._refused(form, controls)
        try:
            with transaction.atomic():
                risk = services.risk_update(
                    user=request.user,
                    risk=self.risk,
                    version=form.cleaned_data["version"],
                    reviewed=True,
                    **form.changes(),
                )
                services.risk_controls_apply(
                    user=request.user,
                    risk=risk,
                    **controls.control_changes({c.pk: c for c in self.risk.controls.all()}),
                )
        except EditConflict:
            form.add_error(None, services.STALE_RISK_MESSAGE)
            return self._refused(form, controls)
        except ValidationError as error:
            _errors_to_form(form, error)
            return self._refused(form, controls)
        messages.success(request, SAVED_MESSAGE.format(risk=risk, due=risk.next_review_date))
        return redirect(risk)

    def _refused(self, form, controls):
        messages.error(self.request, CHECK_BELOW)
        return self.render_to_response(self.get_context_data(form=form, controls=controls))


class RiskAppetiteView(RowPermissionRequiredMixin, FormView):
    """The SRO (or an administrator) sets the plan's appetite for each category of risk."""

    template_name = "risks/appetite_form.html"
    form_class = AppetiteForm
    permission_denied_message = services.CANNOT_SET_APPETITE_MESSAGE

    def test_func(self) -> bool:
        self.plan = get_object_or_404(Plan, slug=self.kwargs["plan"])
        return permissions.can_set_appetite(self.request.user)

    def get_form_kwargs(self):
        levels = dict(RiskAppetite.objects.filter(plan=self.plan).values_list("category", "level"))
        return super().get_form_kwargs() | {"levels": levels}

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=self.plan, **_scoring_guide(), **kwargs)

    def form_valid(self, form):
        with transaction.atomic():
            for category, level in form.cleaned_data.items():
                services.risk_appetite_set(user=self.request.user, plan=self.plan, category=category, level=level)
        messages.success(self.request, APPETITE_SAVED.format(plan=self.plan.title))
        return redirect(f"{reverse('risks:risk_list')}?plan={self.plan.slug}")
