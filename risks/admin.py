"""The register in the admin: import (upload → preview → confirm) and export in the seeds' layout.

The import and export pages are `risks.spreadsheet.admin_views`, which own their URLs (Data Hub's
way), the same shape as the KPI import's.

Saves and deletes go through the services; bulk delete is switched off because it would skip them
and the history.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.importing import SpreadsheetAdminMixin
from risks import services
from risks.models import Risk, RiskAppetite, RiskControl
from risks.spreadsheet.admin_views import RiskSpreadsheetAdmin

# Left empty, these keep what the risk has: the treatment its default, the inherent score the current
# one (until someone assesses it).
OPTIONAL_IN_ADMIN = ("treatment", "inherent_probability", "inherent_impact")


class RiskAdminForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = "__all__"  # noqa: DJ007 - the admin shows every field of the row

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in OPTIONAL_IN_ADMIN:
            if name in self.fields:
                self.fields[name].required = False


@admin.register(Risk)
class RiskAdmin(SpreadsheetAdminMixin, SimpleHistoryAdmin):
    spreadsheet_admin_class = RiskSpreadsheetAdmin
    form = RiskAdminForm
    list_display = ("ref", "type", "plan", "short_description", "owner", "score", "status", "next_review_date")
    list_display_links = ("ref", "short_description")
    list_filter = ("plan", "type", "status", "owner")
    list_select_related = ("plan", "owner")
    search_fields = ("description", "mitigation")
    readonly_fields = ("inherent_score", "score", "target_score", "version")
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
            and not (name in OPTIONAL_IN_ADMIN and value in (None, ""))
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


class ServiceSavedAdmin(SimpleHistoryAdmin):
    """Saves and deletes through the services; bulk delete off, since it would skip them."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(RiskControl)
class RiskControlAdmin(ServiceSavedAdmin):
    list_display = ("risk", "description", "owner", "effectiveness")
    list_select_related = ("risk", "owner")
    list_filter = ("effectiveness",)

    def get_readonly_fields(self, request, obj=None):
        return ("risk",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in ("description", "owner", "effectiveness")}
        if change:
            services.risk_control_update(user=request.user, control=RiskControl.objects.get(pk=obj.pk), **values)
        else:
            obj.pk = services.risk_control_add(user=request.user, risk=form.cleaned_data["risk"], **values).pk

    def delete_model(self, request, obj):
        services.risk_control_delete(user=request.user, control=obj)


@admin.register(RiskAppetite)
class RiskAppetiteAdmin(ServiceSavedAdmin):
    list_display = ("plan", "category", "level")
    list_filter = ("plan", "level")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        plan, category = (obj.plan, obj.category) if change else (data["plan"], data["category"])
        obj.pk = services.risk_appetite_set(user=request.user, plan=plan, category=category, level=data["level"]).pk

    def get_readonly_fields(self, request, obj=None):
        return ("plan", "category") if obj is not None else ()

    def delete_model(self, request, obj):
        services.risk_appetite_set(user=request.user, plan=obj.plan, category=obj.category, level="")
