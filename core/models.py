"""Core keeps no data of its own; this model exists only to carry permissions that belong to no app's rows."""

from django.db import models


class AuditTrail(models.Model):
    """The audit page's permission (core.view_audit): the history it reads lives in each app's tables."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_audit", "Can read the audit page and export it")]

    def __str__(self) -> str:
        return "Audit trail"
