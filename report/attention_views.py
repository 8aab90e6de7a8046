"""Needs my attention: the first page each person sees after signing in, a section for each role they hold.

A head of service: their updates due, overdue and returned. A reviewer (the SRO, an improvement lead, an
administrator): updates awaiting sign-off, and Red or Amber updates without barriers or next steps. The SRO and
administrators: each plan's open round, its progress by owner. Board members are refused, as on every page but
the papers (core.access.RoleRequiredMiddleware).
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from core.roles import is_head_of_service
from plans import permissions
from plans.rounds.attention import rounds_attention
from plans.rounds.selectors import Status, my_tasks
from report.changes import board_changes_for_plans

NOTHING_FOR_OWNER = "Nothing needs you: none of your updates is due, overdue or returned in an open round."
NO_ROUND_FOR_OWNER = "No reporting round is open for your key actions, so no updates are due from you."
NOTHING_TO_SIGN_OFF = "No updates are waiting for sign-off."
NOTHING_UNEXPLAINED = "No Red or Amber update is waiting for sign-off without barriers and next steps."
NO_ACTIONS_FOR_OWNER = "You do not own any key actions, so no updates are due from you."
NO_SECTION = (
    "Nothing on this page is for your role: it lists the updates heads of service owe and reviewers sign off. "
    "The highlight report, KPIs and risks are in the menu."
)


class AttentionView(LoginRequiredMixin, TemplateView):
    """What needs the signed-in person: one section for each of their roles, read in a fixed number of queries."""

    template_name = "report/attention.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        owner = is_head_of_service(user)
        reviewer = permissions.can_review_updates(user)
        sro = permissions.can_open_round(user)
        tasks = my_tasks(user=user) if owner else None
        rounds = rounds_attention(user=user) if reviewer or sro else None
        mine = {"returned": [], "overdue": [], "due": []}
        if tasks is not None:
            for row in tasks.rows:
                if row.status == Status.RETURNED:
                    mine["returned"].append(row)
                elif row.status == Status.DUE:
                    mine["overdue" if row.overdue else "due"].append(row)
        if sro and rounds is not None:
            # What changed since each open round's plan last went to the board (report.changes).
            open_plans = rounds.open_plans
            changes = board_changes_for_plans((p.plan, p.round.for_quarter) for p in open_plans)
            for progress in open_plans:
                progress.board_changes = changes[progress.plan.pk]
        count = sum(len(rows) for rows in mine.values()) + (len(rounds.awaiting) if reviewer else 0)
        return super().get_context_data(
            tasks=tasks,
            mine=mine,
            mine_any=any(mine.values()),
            rounds=rounds,
            show_owner=owner,
            show_reviewer=reviewer,
            show_progress=sro,
            attention_count=count,
            messages_text={
                "nothing_for_owner": NOTHING_FOR_OWNER,
                "no_round_for_owner": NO_ROUND_FOR_OWNER,
                "no_actions_for_owner": NO_ACTIONS_FOR_OWNER,
                "nothing_to_sign_off": NOTHING_TO_SIGN_OFF,
                "nothing_unexplained": NOTHING_UNEXPLAINED,
                "no_section": NO_SECTION,
            },
            **kwargs,
        )


attention_view = AttentionView.as_view()
