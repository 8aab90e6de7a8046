"""KPI pages: authorise → select → present."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from kpis import selectors
from kpis.rag import RAG_RULE, RAG_RULE_TARGETS


class MeasureListView(LoginRequiredMixin, TemplateView):
    """Every measure of a plan, theme by theme, as the highlight report's tables."""

    template_name = "kpis/measure_list.html"

    def get_context_data(self, **kwargs):
        plans = selectors.plan_list_with_measures(user=self.request.user)
        plan = selectors.plan_choose(plans=plans, slug=self.request.GET.get("plan"))
        return super().get_context_data(
            plans=plans,
            plan=plan,
            tables=selectors.measure_tables_for_plan(plan=plan) if plan else [],
            rag_rule=RAG_RULE,
            rag_rule_targets=RAG_RULE_TARGETS,
            **kwargs,
        )


class MeasureDetailView(LoginRequiredMixin, TemplateView):
    """One measure: its chart, values, years, benchmarks, data notes and import history."""

    template_name = "kpis/measure_detail.html"

    def get_context_data(self, **kwargs):
        detail = selectors.measure_get_for_detail(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            detail=detail,
            measure=detail.measure,
            rag_rule=RAG_RULE,
            rag_rule_targets=RAG_RULE_TARGETS,
            **kwargs,
        )
