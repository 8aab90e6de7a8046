"""A plan's quarter locked by publishing its paper (plans.rounds.locks), in a module of its own so that
plans/models.py stays under the layout's 600 lines; plans/models.py imports it, so Django finds it there."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.calendar import FinancialQuarter


class QuarterLock(models.Model):
    """A plan's quarter locked by publishing its paper until reopened with a reason (plans.rounds.locks)."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="quarter_locks")
    financial_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    locked_at = models.DateTimeField()
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reopen_reason = models.TextField(blank=True)
    history = HistoricalRecords()  # every lock and reopening: who, when, why

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "financial_year", "quarter"], name="one_lock_per_plan_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="lock_quarter_is_1_to_4"),
            models.CheckConstraint(
                condition=Q(reopened_at__isnull=True) | ~Q(reopen_reason=""), name="reopened_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {FinancialQuarter(self.financial_year, self.quarter).label}"
