"""The register in the admin: import (upload → preview → confirm) and export in the seeds' layout.

Saves and deletes go through the services; bulk delete is switched off because it would skip them
and the history.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ConfirmImportForm, ImportForm
from simple_history.admin import SimpleHistoryAdmin

from core.importing import uploaded_file_read
from plans.models import Plan
from risks import services
from risks.models import Risk
from risks.resources import ROW_REFUSED, RiskResource

IMPORT_REFUSED = "The file was not imported: {count} problem{s} found. " + ROW_REFUSED


class RiskImportForm(ImportForm):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), help_text="The plan whose risk register the file holds.")
    field_order = ["plan", "resource", "import_file", "format"]

    def clean_import_file(self):
        """Refuse a file over the size limits before django-import-export parses it."""
        upload = self.cleaned_data["import_file"]
        uploaded_file_read(upload)
        return upload


class RiskConfirmImportForm(ConfirmImportForm):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), widget=forms.HiddenInput)


@admin.register(Risk)
class RiskAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [RiskResource]
    import_formats = [XLSX, CSV]
    export_formats = [XLSX, CSV]
    import_template_name = "admin/risks/risk/import.html"
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

    # Import: the plan travels from the upload form to the confirm form and into the resource.

    def get_import_form_class(self, request):
        return RiskImportForm

    def get_confirm_form_class(self, request):
        return RiskConfirmImportForm

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["plan"] = import_form.cleaned_data["plan"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", None) or {}
        return {"plan": cleaned.get("plan")}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {}

    def get_import_data_kwargs(self, **kwargs):
        # A confirmed import writes every row or none (NOTES.md: validation errors alone would
        # otherwise leave the valid rows saved).
        return super().get_import_data_kwargs(**kwargs) | {"rollback_on_validation_errors": True}

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            count = (
                len(result.base_errors) + sum(row.error_count for row in result.invalid_rows) + len(result.row_errors())
            )
            messages.error(request, IMPORT_REFUSED.format(count=count, s="" if count == 1 else "s"))
            return HttpResponseRedirect(reverse("admin:risks_risk_import", current_app=self.admin_site.name))
        return super().process_result(result, request)
