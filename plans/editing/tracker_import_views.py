"""Creating a plan from a tracker spreadsheet: upload → preview (everything it would create, or every problem by
the sheet's row and column) → confirm. The SRO and administrators only; the services authorise again.

The upload is kept between the two steps in the shared (database) cache, as the KPI import keeps its own, so
the confirm may reach another app server; it is kept for the person who uploaded it only."""

from __future__ import annotations

import uuid

from django import forms as django_forms
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from core.calendar import financial_year_label
from core.importing import FileRefused, uploaded_file_read
from plans.editing import forms
from plans.editing.tracker_import import COLUMNS, plan_create_from_tracker, tracker_read
from plans.editing.views import EditorRequiredMixin, PlanCreateView, plan_edit_url

KEPT_FOR_SECONDS = 60 * 60
UPLOAD_EXPIRED = (
    "The spreadsheet you checked is no longer kept (an hour has passed, or it was someone else's). "
    "Upload it again to check it and create the plan."
)
PREVIEW_TEMPLATE = "plans/editing/plan_import_preview.html"
PLAN_FIELDS = ("title", "council", "senior_responsible_officer", "financial_year", "report_date")


def _cache_key(token: str) -> str:
    return f"plans:tracker-import:{token}"


class PlanImportForm(forms.PlanCreateForm):
    submit_label = "Check the spreadsheet"

    def extra_fields(self) -> dict[str, django_forms.Field]:
        upload = django_forms.FileField(
            label="Tracker spreadsheet",
            help_text="An Excel workbook (.xlsx) or CSV file with the columns "
            + ", ".join(COLUMNS.values())
            + ". A row with only “What?” filled in is a heading: a theme when another heading follows it, an "
            "objective when key actions follow it.",
            error_messages={"required": "Choose the spreadsheet to upload."},
        )
        upload.widget.attrs["accept"] = ".xlsx,.csv"
        # After the financial year: the plan's details first, then the file they describe.
        return super().extra_fields() | {"import_file": upload}

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        self.cleaned_data["data"] = uploaded_file_read(upload)
        return upload


def _preview(request, *, sheet, plan_fields: dict, token: str | None):
    return render(
        request,
        PREVIEW_TEMPLATE,
        {
            "sheet": sheet,
            "plan_fields": plan_fields,
            "year_label": financial_year_label(plan_fields["financial_year"]),
            "token": token,
        },
    )


class PlanImportView(PlanCreateView):
    """Upload the spreadsheet with the new plan's name and year; answer with the preview."""

    form_class = PlanImportForm
    template_name = "plans/editing/plan_import.html"
    title = "Create a plan from a spreadsheet"
    intro = (
        "Upload a tracker in the 2016 action tracker's shape. Nothing is created yet: the next page lists the "
        "themes, objectives and key actions it would create, or every problem to fix first."
    )

    def form_valid(self, form):
        upload = form.cleaned_data["import_file"]
        try:
            sheet = tracker_read(data=form.cleaned_data["data"], file_name=upload.name)
        except FileRefused as refused:
            form.add_error("import_file", str(refused.problem))
            return self.form_invalid(form)
        plan_fields = {name: form.cleaned_data[name] for name in PLAN_FIELDS}
        token = None
        if not sheet.problems:
            token = uuid.uuid4().hex
            kept = {"user": self.request.user.pk, "data": form.cleaned_data["data"], "name": upload.name}
            cache.set(_cache_key(token), kept | {"plan": plan_fields}, KEPT_FOR_SECONDS)
        return _preview(self.request, sheet=sheet, plan_fields=plan_fields, token=token)


class PlanImportConfirmView(EditorRequiredMixin, View):
    """Create the plan the preview showed, from the upload kept for it: everything in one transaction, or nothing."""

    http_method_names = ["post"]
    permission_denied_message = PlanImportView.permission_denied_message

    def load(self) -> None:
        pass

    def post(self, request, *args, **kwargs):
        token = request.POST.get("token", "")
        kept = cache.get(_cache_key(token)) if token.isalnum() else None
        if not kept or kept["user"] != request.user.pk:
            messages.error(request, UPLOAD_EXPIRED)
            return HttpResponseRedirect(reverse("plans:plan_import"))
        sheet = tracker_read(data=kept["data"], file_name=kept["name"])
        if sheet.problems:
            return _preview(request, sheet=sheet, plan_fields=kept["plan"], token=None)
        plan = plan_create_from_tracker(user=request.user, sheet=sheet, **kept["plan"])
        cache.delete(_cache_key(token))
        messages.success(
            request,
            f"“{plan.title}” was created with {len(sheet.themes)} themes, {sheet.objective_count} objectives and "
            f"{sheet.action_count} key actions. Check them below, then give the actions their owners.",
        )
        return HttpResponseRedirect(plan_edit_url(plan))
