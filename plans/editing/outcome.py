"""The 2016 tracker's outcome column (issue 13): the owner of a key action on a tracker-shaped plan updates its
"Outcome – (report for Q1, Q2, Q3, Q4)" in the app; administrators may too; anyone else is refused, in the
view and in the service. Saved with optimistic locking, like every edit of a key action."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.locking import version_claim
from plans import permissions
from plans import selectors as plan_selectors
from plans.editing.forms import EditForm, editable_text, narrative_field
from plans.editing.services import STALE_MESSAGE, _check_narratives, _save
from plans.editing.views import EditFormView
from plans.models import KeyAction

OUTCOME_NOT_ALLOWED = (
    "Only the key action's owner (or an administrator) can update its outcome. "
    "Ask them, or ask an administrator to make you its owner, if the outcome needs changing."
)
NOT_A_TRACKER_ROW = (
    "This key action has no tracker columns (How?, success measures, baseline, target or outcome), so it has no "
    "outcome to update: add a narrative update instead."
)


def can_update_outcome(user, key_action: KeyAction) -> bool:
    """Return whether the user may update the action's outcome: its owner or an administrator, on a tracker row."""
    return key_action.is_tracker_row and permissions.can_edit_key_action(user, key_action)


def key_action_outcome_update(*, user: User, key_action: KeyAction, expected_version: int, outcome: str) -> KeyAction:
    """Set a tracker row's outcome as its owner writes it; return the action saved, its version moved on."""
    if not key_action.is_tracker_row:
        raise PermissionDenied(NOT_A_TRACKER_ROW)
    if not permissions.can_edit_key_action(user, key_action):
        raise PermissionDenied(OUTCOME_NOT_ALLOWED)
    key_action.outcome = outcome
    _check_narratives(key_action, ("outcome",))
    with transaction.atomic():
        key_action.version = version_claim(
            KeyAction.objects, pk=key_action.pk, expected_version=expected_version, message=STALE_MESSAGE
        )
        _save(key_action, user=user)
    return key_action


class OutcomeForm(EditForm):
    narratives = ("outcome",)
    submit_label = "Save the outcome"

    outcome = narrative_field("Outcome – (report for Q1, Q2, Q3, Q4)", rows=8, what="the outcome")


class OutcomeEditView(EditFormView):
    form_class = OutcomeForm
    template_name = "plans/action_outcome.html"
    title = "Update the outcome"
    intro = (
        "The tracker's outcome column: what the action has achieved so far, reported each quarter. "
        "It shows on the action's page; the quarterly RAG and narrative are updated on their own form."
    )
    permission_denied_message = OUTCOME_NOT_ALLOWED

    def load(self) -> None:
        self.obj = plan_selectors.key_action_get(user=self.request.user, pk=self.kwargs["pk"])
        self.plan = self.obj.objective.theme.plan

    def test_func(self) -> bool:
        self.load()
        if not self.obj.is_tracker_row:
            self.permission_denied_message = NOT_A_TRACKER_ROW
        return can_update_outcome(self.request.user, self.obj)

    def initial_from(self, obj) -> dict:
        return {"outcome": editable_text(obj.outcome)}

    def get_success_url(self) -> str:
        return self.obj.get_absolute_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(action=self.obj, **kwargs)

    def save(self, data: dict) -> str:
        key_action_outcome_update(
            user=self.request.user, key_action=self.obj, expected_version=data["version"], outcome=data["outcome"]
        )
        return "The outcome was saved. It shows on the action's page."
