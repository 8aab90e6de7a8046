"""The round's forms: opening a round, and the reviewer's decision on one update."""

from __future__ import annotations

from django import forms

from core.calendar import FinancialQuarter
from plans.forms import QUARTER_CHOICES, financial_year_choices
from plans.rounds.services import quarter_outside_plan_message

COMMENT_LIMIT = 5000
COMMENT_TOO_LONG_MESSAGE = (
    f"Shorten the comment to {COMMENT_LIMIT:,} characters or fewer, then return the update again."
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_MESSAGE = "Enter the date as day, month and year, for example 15/10/2021."


class RoundOpenForm(forms.Form):
    financial_year = forms.TypedChoiceField(coerce=int, label="Financial year")
    quarter = forms.TypedChoiceField(choices=QUARTER_CHOICES, coerce=int, label="Quarter")
    deadline = forms.DateField(
        widget=DATE_INPUT,
        label="Deadline for updates",
        help_text="Heads of service submit their updates by the end of this day.",
        error_messages={"required": "Enter the deadline for updates.", "invalid": DATE_MESSAGE},
    )
    board_date = forms.DateField(
        widget=DATE_INPUT,
        label="Board date",
        help_text="The day the improvement board meets; on or after the deadline.",
        error_messages={"required": "Enter the board date.", "invalid": DATE_MESSAGE},
    )

    def __init__(self, *args, years: range, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].choices = financial_year_choices(years)
        self.fields["financial_year"].error_messages["invalid_choice"] = quarter_outside_plan_message(years)
        self.fields["quarter"].error_messages["invalid_choice"] = "Choose a quarter from Q1 to Q4."

    def chosen_quarter(self) -> FinancialQuarter:
        return FinancialQuarter(self.cleaned_data["financial_year"], self.cleaned_data["quarter"])


class ReviewForm(forms.Form):
    submission = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", "Sign off"), ("return", "Return")])
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=COMMENT_LIMIT,
        error_messages={"max_length": COMMENT_TOO_LONG_MESSAGE},
    )
