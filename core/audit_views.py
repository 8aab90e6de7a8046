"""The audit page (/audit/) and its CSV: who changed what, when, from what to what, for the SRO and administrators."""

from __future__ import annotations

import csv

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row, Submit
from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView

from core.audit import AuditFilter, audit_entries, audit_keys, audit_people, audit_plan_choices
from core.importing import escape_formula
from core.permissions import can_view_audit
from core.views import RowPermissionRequiredMixin

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
NOT_ALLOWED_MESSAGE = (
    "Only the Senior Responsible Officer and administrators can read the audit page. "
    "Ask one of them if you need to know who changed something."
)
DATE_MESSAGE = "Enter the date as day/month/year, for example 6/12/2026, or leave it empty."
DATES_REVERSED_MESSAGE = "The “to” date is before the “from” date: put the earlier date in “From”."
PERSON_MESSAGE = "That person is not in the list: choose someone from it, or Anyone."
PLAN_MESSAGE = "That plan is not in the list: choose a plan from it, or Any plan."
CORRECT_FILTERS_MESSAGE = "Correct the filters above to see the changes."
EXPORT_LIMIT_MESSAGE = (
    "The CSV holds the newest {limit:,} of these {count:,} changes: narrow the dates to export older ones."
)


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": DATE_MESSAGE},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="Day/month/year, for example 6/12/2026.",
    )


class AuditFilterForm(forms.Form):
    """The audit page's filters, read from the query string; what was typed stays in the boxes."""

    person = forms.TypedChoiceField(
        label="Person", required=False, coerce=int, empty_value=None, error_messages={"invalid_choice": PERSON_MESSAGE}
    )
    plan = forms.TypedChoiceField(
        label="Plan", required=False, coerce=int, empty_value=None, error_messages={"invalid_choice": PLAN_MESSAGE}
    )
    since = _date_field("From")
    until = _date_field("To")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Anyone"), *audit_people()]
        self.fields["plan"].choices = [("", "Any plan"), *audit_plan_choices()]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "audit-filters"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("person", css_class="col-sm-6 col-lg-3"),
                Column("plan", css_class="col-sm-6 col-lg-3"),
                Column("since", css_class="col-sm-6 col-lg-2"),
                Column("until", css_class="col-sm-6 col-lg-2"),
                Column(
                    Submit("", "Apply filters", css_class="btn-secondary"),
                    HTML('<a class="btn btn-link" href="{% url "audit:list" %}">Clear filters</a>'),
                    css_class="col-lg-2 d-flex align-items-start mt-lg-4 mb-3",
                ),
            )
        )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", DATES_REVERSED_MESSAGE)
        return data

    def audit_filter(self) -> AuditFilter:
        """Return the filter the valid form describes."""
        data = self.cleaned_data
        return AuditFilter(
            person_id=data.get("person"), plan_id=data.get("plan"), since=data.get("since"), until=data.get("until")
        )


class AuditAccessMixin(RowPermissionRequiredMixin):
    permission_denied_message = NOT_ALLOWED_MESSAGE

    def test_func(self) -> bool:
        return can_view_audit(self.request.user)

    def filter_form(self) -> AuditFilterForm:
        form = AuditFilterForm(self.request.GET)
        form.is_valid()
        return form


class AuditView(AuditAccessMixin, TemplateView):
    """Every change, newest first, filtered by person, plan and dates, a page at a time."""

    template_name = "core/audit.html"

    def get_context_data(self, **kwargs):
        form = self.filter_form()
        context = {"form": form, "correct_filters_message": CORRECT_FILTERS_MESSAGE}
        if form.is_valid():
            paginator = Paginator(audit_keys(form.audit_filter()), PAGE_SIZE)
            page = paginator.get_page(self.request.GET.get("page"))
            query = self.request.GET.copy()
            query.pop("page", None)
            context.update(
                page=page,
                entries=audit_entries(page.object_list),
                query=query.urlencode(),
                export_url=f"{reverse('audit:export')}?{query.urlencode()}",
                export_note=EXPORT_LIMIT_MESSAGE.format(limit=EXPORT_LIMIT, count=paginator.count)
                if paginator.count > EXPORT_LIMIT
                else "",
            )
        return super().get_context_data(**context, **kwargs)


CSV_HEADER = ["When", "Who", "What", "Name", "Plan", "Change", "Field", "From", "To", "Reason"]


class AuditExportView(AuditAccessMixin, TemplateView):
    """The filtered changes as CSV, one line per field changed, newest first (at most EXPORT_LIMIT changes)."""

    def get(self, request, *args, **kwargs):
        form = self.filter_form()
        if not form.is_valid():
            return HttpResponseRedirect(f"{reverse('audit:list')}?{request.GET.urlencode()}")
        plans = dict(audit_plan_choices())
        entries = audit_entries(audit_keys(form.audit_filter())[:EXPORT_LIMIT])
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_HEADER)
        for entry in entries:
            start = [
                timezone.localtime(entry.when).strftime("%Y-%m-%d %H:%M:%S"),
                entry.who,
                entry.what,
                entry.name,
                plans.get(entry.plan_id, ""),
                entry.kind,
            ]
            for change in entry.changes or [None]:
                fields = [change.label, change.before, change.after] if change else ["", "", ""]
                writer.writerow([escape_formula(cell) for cell in [*start, *fields, entry.reason]])
        return response


app_name = "audit"
urlpatterns = [
    path("", AuditView.as_view(), name="list"),
    path("export.csv", AuditExportView.as_view(), name="export"),
]
