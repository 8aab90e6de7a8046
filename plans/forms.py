"""The head of service's quarterly update form."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.utils import timezone

from core.calendar import FinancialQuarter, financial_year_label, financial_year_of
from core.html import sanitize_html
from plans.models import NARRATIVE_LIMIT_HELP, Plan, Rag, narrative_too_long_message
from plans.rounds.services import explain_red_problems
from plans.services import EMPTY_UPDATE_MESSAGE, year_outside_plan_message

QUARTER_CHOICES = [
    (1, "Q1 (April to June)"),
    (2, "Q2 (July to September)"),
    (3, "Q3 (October to December)"),
    (4, "Q4 (January to March)"),
]
RAG_HELP = "Red: significant delay or not delivering. Amber: minor delay or limited evidence. Green: on track."
EXPLAIN_RED_HELP = "A Red or Amber status needs barriers and next steps, so the board sees why and what happens next."
NARRATIVE_HELP = "Plain text or simple formatting: paragraphs, lists, bold and italics."
QUARTER_HELP = (
    "The current report is for {reporting}. An update for another quarter appears on that quarter's report instead."
)
NARRATIVE_FIELDS = ("progress", "barriers", "next_steps")


def financial_year_choices(years: range) -> list[tuple[int, str]]:
    """Return the selectable financial years, newest first."""
    return [(year, financial_year_label(year)) for year in reversed(years)]


class ActionUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    financial_year = forms.TypedChoiceField(coerce=int, label="Financial year")
    quarter = forms.TypedChoiceField(choices=QUARTER_CHOICES, coerce=int, label="Quarter")
    rag = forms.ChoiceField(
        choices=Rag.choices, widget=forms.RadioSelect, label="RAG status for the quarter", help_text=RAG_HELP
    )
    # No max_length: it would put `maxlength` on the box, and browsers cut pasted text there silently.
    # The limit is checked on the server (plans.models.narrative_too_long_message) and shown as a hint.
    progress = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text=f"{NARRATIVE_HELP} {NARRATIVE_LIMIT_HELP}"
    )
    barriers = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text=NARRATIVE_LIMIT_HELP)
    next_steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Next steps", help_text=NARRATIVE_LIMIT_HELP
    )

    error_messages = {
        "empty": EMPTY_UPDATE_MESSAGE,
    }

    def __init__(
        self,
        *args,
        reporting_quarter: FinancialQuarter | None = None,
        years: range | None = None,
        plan: Plan | None = None,
        **kwargs,
    ):
        """`years`: the plan's (plans.selectors.plan_update_years); else the reporting quarter's year and the next.
        `plan`: the action's, whose setting says whether a Red or Amber RAG needs explaining."""
        super().__init__(*args, **kwargs)
        self.reporting_quarter = reporting_quarter
        self.plan = plan
        if plan is not None and plan.explain_red:
            self.fields["rag"].help_text = f"{RAG_HELP} {EXPLAIN_RED_HELP}"
        if years is None:
            first = reporting_quarter.financial_year if reporting_quarter else financial_year_of(timezone.localdate())
            years = range(first, first + 2)
        self.fields["financial_year"].choices = financial_year_choices(years)
        if reporting_quarter is not None:
            self.fields["quarter"].help_text = QUARTER_HELP.format(reporting=reporting_quarter.label)
        self.fields["quarter"].error_messages["invalid_choice"] = "Choose a quarter from Q1 to Q4."
        self.fields["financial_year"].error_messages["invalid_choice"] = year_outside_plan_message(years)
        self.fields["rag"].error_messages["invalid_choice"] = "Choose Red, Amber or Green."
        self.fields["rag"].error_messages["required"] = "Choose the quarter's RAG status: Red, Amber or Green."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "version",
            Div(Div("financial_year", css_class="col-md-3"), Div("quarter", css_class="col-md-4"), css_class="row"),
            Field("rag"),
            "progress",
            "barriers",
            "next_steps",
            Submit("save", "Save update", css_class="btn-primary"),
        )

    def _clean_narrative(self, name: str) -> str:
        value = self.cleaned_data[name]
        message = narrative_too_long_message(self.fields[name].label or name.capitalize(), value)
        if message:
            raise forms.ValidationError(message, code="too_long")
        return value

    def clean_progress(self) -> str:
        return self._clean_narrative("progress")

    def clean_barriers(self) -> str:
        return self._clean_narrative("barriers")

    def clean_next_steps(self) -> str:
        return self._clean_narrative("next_steps")

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in NARRATIVE_FIELDS):
            return cleaned
        texts = [sanitize_html(cleaned.get(name, "")) for name in NARRATIVE_FIELDS]
        if not any(texts):
            raise forms.ValidationError(self.error_messages["empty"], code="empty")
        if self.plan is not None and cleaned.get("rag"):
            _, barriers, next_steps = texts
            problems = explain_red_problems(
                plan=self.plan, rag=cleaned["rag"], barriers=barriers, next_steps=next_steps
            )
            for name, message in problems.items():
                self.add_error(name, message)
        return cleaned
