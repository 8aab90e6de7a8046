"""Ofsted recommendations in the app (issue 13): the SRO and administrators set each one's RAG, comments and
snapshot date, and link the key actions that answer it; the report and the action's page show the links.

The service authorises, checks the actions belong to the recommendation's plan, and saves with optimistic
locking (core.locking) like the rest of plans.editing; the link keeps its history (simple-history's m2m).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from plans.editing.forms import EditForm, date_field, narrative_field, rag_field
from plans.editing.services import _authorise, _save_claimed
from plans.models import KeyAction, OfstedRecommendation
from plans.recommendations import action_label

ACTION_OF_ANOTHER_PLAN_MESSAGE = (
    "Only key actions of {plan} can answer its recommendations: untick any other action and save again."
)
ACTIONS_HELP = (
    "Tick every key action of this plan that answers the recommendation; the report and each action's page show "
    "the link."
)
NO_ACTIONS_HELP = "This plan has no key actions yet: add them on the plan's editing page, then link them here."
ACTION_CHOICE_MESSAGE = "One of the ticked key actions is no longer in this plan: untick it and save again."


# --- The write ------------------------------------------------------------------------------------


def ofsted_recommendation_update(
    *,
    user: User,
    recommendation: OfstedRecommendation,
    expected_version: int,
    rag: str,
    comments: str,
    snapshot_date: datetime.date | None,
    key_actions: Iterable[KeyAction],
) -> OfstedRecommendation:
    """Set a recommendation's RAG, comments, snapshot date and answering key actions; return it saved."""
    _authorise(user)
    actions = list(key_actions)
    wanted = {action.pk for action in actions}
    in_plan = set(
        KeyAction.objects.filter(pk__in=wanted, objective__theme__plan_id=recommendation.plan_id).values_list(
            "pk", flat=True
        )
    )
    if wanted - in_plan:
        raise ValidationError({"key_actions": ACTION_OF_ANOTHER_PLAN_MESSAGE.format(plan=recommendation.plan.title)})
    recommendation.rag, recommendation.comments, recommendation.snapshot_date = rag, comments, snapshot_date
    with transaction.atomic():
        _save_claimed(recommendation, user=user, expected_version=expected_version, narratives=("comments",))
        # The link's history (simple-history's m2m record) names who changed it, as the save's does.
        recommendation._history_user = user
        recommendation.key_actions.set(actions)
    return recommendation


def ofsted_recommendation_save(*, user: User, recommendation: OfstedRecommendation) -> OfstedRecommendation:
    """Validate and save a recommendation edited as a whole (the admin); return it, its version moved on, so a
    form opened in the app before this save is stale."""
    with transaction.atomic():
        if recommendation.pk:
            current = OfstedRecommendation.objects.select_for_update().filter(pk=recommendation.pk)
            recommendation.version = (current.values_list("version", flat=True).first() or 0) + 1
        recommendation.full_clean()
        recommendation._history_user = user
        recommendation.save()
    return recommendation


# --- The form -------------------------------------------------------------------------------------


class ActionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: KeyAction) -> str:
        return action_label(obj)


class RecommendationForm(EditForm):
    rag = rag_field("RAG rating", "the recommendation's RAG rating")
    comments = narrative_field("Comments", rows=6, what="the comments")
    snapshot_date = date_field(
        "Snapshot date",
        what="the snapshot date",
        help_text="The date the RAG rating and comments describe progress at.",
    )
    narratives = ("comments",)

    def __init__(self, *args, actions: QuerySet[KeyAction], **kwargs):
        self.actions = actions
        super().__init__(*args, **kwargs)

    def extra_fields(self) -> dict[str, forms.Field]:
        return {
            "key_actions": ActionChoiceField(
                queryset=self.actions,
                required=False,
                label="Key actions answering it",
                help_text=ACTIONS_HELP if self.actions.exists() else NO_ACTIONS_HELP,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": ACTION_CHOICE_MESSAGE, "invalid_pk_value": ACTION_CHOICE_MESSAGE},
            )
        }
