"""The page editing one Ofsted recommendation: its RAG, comments, snapshot date and the key actions
answering it. The SRO and administrators only; the service authorises again."""

from __future__ import annotations

from django.urls import reverse

from plans import recommendations as reads
from plans.editing import forms, recommendations
from plans.editing.views import EditFormView


class RecommendationEditView(EditFormView):
    form_class = recommendations.RecommendationForm
    intro = (
        "Its progress RAG rating and comments at the snapshot date, and the key actions that answer it. "
        "The report lists the recommendations with links to those actions, and each action's page names "
        "the recommendations it answers."
    )

    def load(self) -> None:
        self.obj = reads.recommendation_get(user=self.request.user, pk=self.kwargs["pk"])
        self.plan = self.obj.plan
        self.title = f"Edit Ofsted recommendation {self.obj.number}"

    def form_kwargs(self) -> dict:
        return super().form_kwargs() | {"actions": reads.recommendation_action_choices(recommendation=self.obj)}

    def initial_from(self, obj) -> dict:
        return {
            "rag": obj.rag,
            "comments": forms.editable_text(obj.comments),
            "snapshot_date": obj.snapshot_date,
            "key_actions": reads.LinkedActions(obj.key_actions.select_related("objective__theme")),
        }

    def get_success_url(self) -> str:
        return reverse("plans:plan_detail", kwargs={"slug": self.plan.slug}) + f"#recommendation-{self.obj.number}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(recommendation=self.obj, **kwargs)

    def save(self, data: dict) -> str:
        recommendations.ofsted_recommendation_update(
            user=self.request.user,
            recommendation=self.obj,
            expected_version=data["version"],
            rag=data["rag"],
            comments=data["comments"],
            snapshot_date=data["snapshot_date"],
            key_actions=data["key_actions"],
        )
        return f"Ofsted recommendation {self.obj.number} was saved."
