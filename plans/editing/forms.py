"""The forms of editing a plan in the app: each refuses bad input with a sentence saying what to do, and
keeps what was typed. Narratives go to the services as typed; the models sanitise them once."""

from __future__ import annotations

import html
import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Layout, Submit
from django import forms
from django.contrib.auth.models import User

from core.calendar import financial_year_label
from plans.forms import NARRATIVE_HELP
from plans.models import NARRATIVE_LIMIT_HELP, Rag, narrative_too_long_message

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"]
DATE_INVALID_MESSAGE = "Give {what} as a date, for example 31/03/2022."
STALE_FORM_MESSAGE = "This form is missing what it was opened on: open the page again, then make your changes."
RAG_OR_NONE = [("", "Not set"), *Rag.choices]
_ONLY_PARAGRAPHS = re.compile(r"^(?:</?p>|<br>|[^<])*$")


def editable_text(stored: str) -> str:
    """Return stored narrative HTML as the text to edit in a box: plain text for paragraphs and line breaks
    only (so "R&amp;D" reads "R&D" and is escaped once again on saving), the HTML itself for lists and
    emphasis, which the sanitiser keeps as they are."""
    stored = (stored or "").strip()
    if not _ONLY_PARAGRAPHS.match(stored):
        return stored
    text = re.sub(r"</p>\s*<p>", "\n\n", stored)
    text = text.replace("<br>", "\n").replace("<p>", "").replace("</p>", "")
    return html.unescape(text)


def date_field(label: str, *, what: str, required: bool = False, help_text: str = "") -> forms.DateField:
    """A date typed or picked: the browser's date picker, day-first dates typed, a sentence when it is none."""
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=help_text,
        error_messages={"invalid": DATE_INVALID_MESSAGE.format(what=what), "required": f"Give {what}."},
    )


def narrative_field(label: str, *, required: bool = False, rows: int = 8, what: str = "") -> forms.CharField:
    # No max_length: browsers would cut pasted text at `maxlength` silently. The limit is checked below.
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=f"{NARRATIVE_HELP} {NARRATIVE_LIMIT_HELP}",
        error_messages={"required": f"Write {what or label.lower()}."},
    )


def text_field(label: str, *, max_length: int, what: str, required: bool = True, help_text: str = "") -> forms.Field:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        error_messages={
            "required": f"Give {what}.",
            "max_length": f"{label} is at most {max_length} characters: shorten it.",
        },
    )


class EditForm(forms.Form):
    """A form with a hidden version (core.locking), narrative fields checked for length, and a Save button."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": STALE_FORM_MESSAGE,
            "invalid": STALE_FORM_MESSAGE,
        },
    )
    narratives: tuple[str, ...] = ()
    submit_label = "Save changes"

    def __init__(self, *args, cancel_url: str = "", versioned: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not versioned:  # adding a row: there is no version to check yet
            del self.fields["version"]
        self.fields.update(self.extra_fields())
        self.helper = FormHelper()
        self.helper.form_tag = False
        buttons = [Submit("save", self.submit_label, css_class="btn-primary")]
        if cancel_url:
            buttons.append(HTML(f'<a class="btn btn-link" href="{cancel_url}">Cancel</a>'))
        self.helper.layout = Layout(*self.fields, *buttons)

    def extra_fields(self) -> dict[str, forms.Field]:
        """Fields that depend on the form's arguments, added after the declared ones."""
        return {}

    def clean(self):
        cleaned = super().clean()
        if "version" in self.errors:  # a hidden field's error is shown above the form
            self.add_error(None, STALE_FORM_MESSAGE)
        for name in self.narratives:
            value = cleaned.get(name)
            message = value and narrative_too_long_message(self.fields[name].label, value)
            if message:
                self.add_error(name, message)
        return cleaned


def rag_field(label: str, what: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=RAG_OR_NONE,
        required=False,
        widget=forms.RadioSelect,
        help_text="Red: significant delay or not delivering. Amber: minor delay or limited evidence. Green: on track.",
        error_messages={"invalid_choice": f"Choose Red, Amber, Green or Not set for {what}."},
    )


class PlanSummaryForm(EditForm):
    narratives = ("overall_narrative",)

    overall_status = rag_field("Overall status", "the overall status")
    overall_narrative = narrative_field("Overall progress narrative")
    report_date = date_field("Date of report", what="the date of the report")


class KeyPriorityForm(EditForm):
    ref = text_field("Ref", max_length=20, what="the priority's reference, for example 6")
    description = forms.CharField(
        label="Description of immediate improvement",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Describe the improvement."},
    )
    owner_name = text_field("Owner", max_length=200, what="the owner", required=False)
    by_when = text_field(
        "By when", max_length=120, what="when", required=False, help_text="As the report says it: March 2022."
    )


class MediumTermForm(EditForm):
    ref = text_field("Ref", max_length=20, what="the development's reference, for example 4")
    description = forms.CharField(
        label="Description of development",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Describe the development."},
    )
    by_when = text_field(
        "By when", max_length=120, what="when", required=False, help_text="As the report says it: 01.04.2022."
    )


class ThemeForm(EditForm):
    narratives = ("overview_narrative",)

    title = text_field("Title", max_length=300, what="the theme's title")
    overview_narrative = narrative_field("Overview narrative")
    overview_rag = rag_field("Overview RAG rating", "the theme's overview RAG")


class ThemeAddForm(EditForm):
    submit_label = "Add theme"

    number = forms.IntegerField(
        label="Number",
        min_value=1,
        max_value=99,
        error_messages={
            "required": "Give the theme's number, for example 5.",
            "invalid": "Give the theme's number as a whole number, for example 5.",
            "min_value": "Give a theme number from 1 to 99.",
            "max_value": "Give a theme number from 1 to 99.",
        },
    )
    title = text_field("Title", max_length=300, what="the theme's title")


class ObjectiveForm(EditForm):
    narratives = ("description",)

    lead_officer = text_field("Lead officer", max_length=200, what="the lead officer", required=False)
    description = narrative_field("Description", required=True, rows=4, what="the objective")


def _person_label(person: User) -> str:
    return person.get_full_name() or person.get_username()


class KeyActionForm(EditForm):
    """A key action's description, owner (a head of service, or a name kept as written) and due date."""

    narratives = ("description",)

    description = narrative_field("Description", required=True, rows=4, what="what the action is")
    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=User.objects.none(),
        required=False,
        empty_label="Not a user yet (name below)",
        help_text="The head of service who updates the action each quarter.",
        error_messages={"invalid_choice": "Choose an owner from the list of heads of service."},
    )
    owner_name = text_field(
        "Owner's name, if they have no account yet",
        max_length=200,
        what="the owner's name",
        required=False,
        help_text="Kept as written until they have an account; only an administrator can update their action.",
    )
    due_date = date_field("Due date", what="the due date")

    def __init__(self, *args, people, by_when: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = _person_label
        if by_when:
            self.fields["due_date"].help_text = (
                f"Written before as “{by_when}”, which is not a date: give the date it means. "
                "Left blank, the text is kept."
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("owner") is None:
            cleaned["owner_name"] = (cleaned.get("owner_name") or "").strip()
        return cleaned


class RetireForm(EditForm):
    submit_label = "Retire the action"

    retired_reason = forms.CharField(
        label="Why is it retired?",
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown on the action's page, e.g. “Superseded by 2.4 after the March 2022 review”. "
        + NARRATIVE_LIMIT_HELP,
        error_messages={"required": "Say why the action is retired, so that readers of its page know: give a reason."},
    )

    def clean(self):
        cleaned = super().clean()
        message = cleaned.get("retired_reason") and narrative_too_long_message("The reason", cleaned["retired_reason"])
        if message:
            self.add_error("retired_reason", message)
        return cleaned


def financial_year_field(years: range, *, initial: int) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label="Financial year",
        coerce=int,
        choices=[(year, financial_year_label(year)) for year in years],
        initial=initial,
        help_text="April to March. The plan reports on Q1 of that year; its reporting quarter is changed in the admin.",
        error_messages={"invalid_choice": "Choose a financial year from the list.", "required": "Choose a year."},
    )


class PlanCreateForm(EditForm):
    submit_label = "Create the plan"

    title = text_field("Title", max_length=200, what="the plan's title, for example Children's Services Improvement")
    council = text_field("Council", max_length=120, what="the council's name")
    senior_responsible_officer = text_field(
        "Senior Responsible Officer", max_length=120, what="the SRO's name", required=False
    )
    report_date = date_field("Date of first report", what="the date of the first report")

    def __init__(self, *args, years: range, **kwargs):
        self.years = years
        super().__init__(*args, **kwargs)

    def extra_fields(self) -> dict[str, forms.Field]:
        return {"financial_year": financial_year_field(self.years, initial=self.years[1])}


class RollForwardForm(EditForm):
    submit_label = "Roll the plan forward"

    title = text_field(
        "Title of the new plan",
        max_length=200,
        what="a title",
        required=False,
        help_text="Left blank: the old title and the year.",
    )

    def __init__(self, *args, years: range, **kwargs):
        self.years = years
        super().__init__(*args, **kwargs)

    def extra_fields(self) -> dict[str, forms.Field]:
        return {"financial_year": financial_year_field(self.years, initial=self.years[0])}
