"""The ground floor's tables: who changed whose access to the app (issue 13's audit trail), and the
audit page's permission, which belongs to no app's rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class PersonChange(models.Model):
    """One change to a person's access: an invitation, a role granted or removed, a deactivation or reactivation.

    Written only by core.people's services, never edited. `by` is the administrator who made it (kept
    empty if their account is deleted); `role` names the role for a grant or removal.
    """

    class Change(models.TextChoices):
        INVITED = "invited", "Invited"
        ROLE_GRANTED = "role_granted", "Role granted"
        ROLE_REMOVED = "role_removed", "Role removed"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"

    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="person_changes_made"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_changes")
    change = models.CharField(max_length=20, choices=Change.choices)
    role = models.CharField(max_length=40, blank=True)

    # The audit page reads history tables: a change recorded here shows there as it is created.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(change__in=["role_granted", "role_removed"]) | ~models.Q(role=""),
                name="person_change_role_named",
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.get_change_display()}: {self.role}" if self.role else self.get_change_display()
        return f"{what} ({self.person_id}, {self.at:%Y-%m-%d %H:%M})"


class AuditTrail(models.Model):
    """The audit page's permission (core.view_audit): the history it reads lives in each app's tables."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_audit", "Can read the audit page and export it")]

    def __str__(self) -> str:
        return "Audit trail"
