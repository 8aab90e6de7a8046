"""The reminders emailed for a plan's rounds (manage.py send_reminders): who, when, what, and whether each went."""

from __future__ import annotations

from django.views.generic import TemplateView

from core.views import RowPermissionRequiredMixin
from plans import permissions, selectors
from plans.models import ReminderSent
from plans.rounds.reminders import reminders_sent_for_plan

NOT_ALLOWED_MESSAGE = (
    "Only the SRO, improvement leads and administrators can read the reminders sent. Ask one of them if you need "
    "to know whether someone was reminded."
)


class RemindersSentView(RowPermissionRequiredMixin, TemplateView):
    """Every reminder sent for the plan's rounds, newest first, a page at a time."""

    template_name = "plans/rounds/reminders.html"
    permission_denied_message = NOT_ALLOWED_MESSAGE

    def test_func(self) -> bool:
        self.plan = selectors.plan_get(user=self.request.user, slug=self.kwargs["slug"])
        return permissions.can_read_reminders(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            plan=self.plan,
            page=reminders_sent_for_plan(plan=self.plan, page=self.request.GET.get("page")),
            Outcome=ReminderSent.Outcome,
            **kwargs,
        )
