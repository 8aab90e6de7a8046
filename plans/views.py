from django.views.generic import TemplateView


class PlanListView(TemplateView):
    template_name = "base.html"


PlanDetailView = MyActionsView = KeyActionDetailView = KeyActionUpdateView = PlanListView
