"""The register in the admin: import (upload → preview → confirm) and export in the seeds' layout.

The import and export pages are `risks.spreadsheet.admin_views`, which own their URLs (Data Hub's
way), the same shape as the KPI import's.

Saves and deletes go through the services; bulk delete is switched off because it would skip them
and the history.
"""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.importing import SpreadsheetAdminMixin
from risks import services
from risks.models import Risk
from risks.spreadsheet.admin_views import RiskSpreadsheetAdmin


@admin.register(Risk)
class RiskAdmin(SpreadsheetAdminMixin, SimpleHistoryAdmin):
    spreadsheet_admin_class = RiskSpreadsheetAdmin
    list_display = ("ref", "type", "plan", "short_description", "owner", "score", "status", "next_review_date")
    list_display_links = ("ref", "short_description")
    list_filter = ("plan", "type", "status", "owner")
    list_select_related = ("plan", "owner")
    search_fields = ("description", "mitigation")
    readonly_fields = ("score", "target_score", "version")
    filter_horizontal = ("themes", "objectives", "key_actions")
    ordering = ("plan", "-score", "ref")

    @admin.display(description="Description")
    def short_description(self, risk: Risk) -> str:
        return risk.description if len(risk.description) <= 90 else risk.description[:87] + "…"

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "plan") if obj is not None else fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        values = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in services.EDITABLE_FIELDS | services.LINK_FIELDS
        }
        if change:
            risk = Risk.objects.get(pk=obj.pk)
            services.risk_update(user=request.user, risk=risk, **values)
            obj.version = risk.version
        else:
            created = services.risk_create(user=request.user, plan=form.cleaned_data["plan"], **values)
            obj.pk, obj.score, obj.target_score = created.pk, created.score, created.target_score

    def save_related(self, request, form, formsets, change):
        # Links were saved by the service in save_model().
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.risk_delete(user=request.user, risk=obj)
