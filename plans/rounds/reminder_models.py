"""The record of every reminder emailed (plans.rounds.reminder_services): who, when, what, and whether it went.

Kept out of plans/models.py, which would pass the 600-line limit with it; plans.models imports it, so Django
sees it as a model of the plans app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReminderSent(models.Model):
    """One reminder email: to whom, for which round and day, its subject, the actions it listed, its outcome.

    At most one per recipient, kind, round and day (a unique constraint): two runs at once cannot both send.
    """

    class Kind(models.TextChoices):
        OWNER = "owner", "Updates due"
        DIGEST = "digest", "Awaiting sign-off"

    class Outcome(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    round = models.ForeignKey("plans.ReportingRound", on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recipient_name = models.CharField(max_length=300, help_text="The recipient's name as it was when sent.")
    recipient_email = models.EmailField(help_text="The address it was sent to.")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    day = models.DateField(help_text="The day it reminds for: one a recipient, kind and round a day.")
    sent_at = models.DateTimeField()
    subject = models.CharField(max_length=300)
    # [{"action": pk, "description": text, "state": words}], as the email listed them.
    listed = models.JSONField(default=list)
    outcome = models.CharField(max_length=7, choices=Outcome.choices, default=Outcome.SENDING)
    error = models.TextField(blank=True, help_text="Why it was not sent, when it failed.")
    attempts = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = "reminder sent"
        verbose_name_plural = "reminders sent"
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "round", "day"], name="one_reminder_per_recipient_kind_round_day"
            ),
            models.CheckConstraint(condition=models.Q(kind__in=["owner", "digest"]), name="reminder_kind_known"),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["sending", "sent", "failed"]), name="reminder_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.recipient_email} on {self.day:%d/%m/%Y}"
