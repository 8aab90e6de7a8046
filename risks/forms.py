"""Forms for the register's filters and for owners editing a risk (crispy, Bootstrap 5)."""

from __future__ import annotations

import copy

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.urls import reverse

from plans.models import KeyAction, Objective, Theme
from risks import permissions
from risks.models import SCALE_MAX, SCALE_MIN, Risk, RiskStatus, RiskType, risk_bands

SCALE = [(n, str(n)) for n in range(SCALE_MIN, SCALE_MAX + 1)]


class RiskFilterForm(forms.Form):
    """The register's filters, read from the query string; an invalid value filters nothing."""

    band = forms.ChoiceField(required=False)
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="Anyone")
    type = forms.ChoiceField(required=False, choices=[("", "Risks and issues"), *RiskType.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Open and closed"), *RiskStatus.choices])
    probability = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any"), *SCALE], widget=forms.HiddenInput
    )
    impact = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any"), *SCALE], widget=forms.HiddenInput
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["band"].choices = [("", "Any band")] + [
            (band.key, f"{band.label} ({band.low}–{band.high})") for band in risk_bands()
        ]
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.username
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "risk-filters"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("band", css_class="col-sm-6 col-lg-2"),
                Column("owner", css_class="col-sm-6 col-lg-3"),
                Column("type", css_class="col-sm-6 col-lg-2"),
                Column("status", css_class="col-sm-6 col-lg-2"),
                Column(
                    Submit("", "Apply filters", css_class="btn-secondary"),
                    HTML('<a class="btn btn-link" href="{% url "risks:risk_list" %}">Clear filters</a>'),
                    css_class="col-lg-3 d-flex align-items-end mb-3",
                ),
            ),
            "probability",
            "impact",
        )

    def filters(self) -> dict:
        """Return the valid filters as selector keyword arguments (none when the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class RiskForm(forms.ModelForm):
    """A risk as its owner edits it; the score follows from probability and impact."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Risk
        fields = [
            "type",
            "description",
            "mitigation",
            "owner",
            "probability",
            "impact",
            "status",
            "next_review_date",
            "target_probability",
            "target_impact",
            "themes",
            "objectives",
            "key_actions",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 4}),
            "next_review_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "themes": forms.SelectMultiple(attrs={"size": 4}),
            "objectives": forms.SelectMultiple(attrs={"size": 6}),
            "key_actions": forms.SelectMultiple(attrs={"size": 8}),
        }
        labels = {"mitigation": "Mitigation / resolution", "type": "Risk or issue"}

    def __init__(self, *args, user, risk: Risk, **kwargs):
        # The form validates a copy: the service compares the changes with the risk as it was read.
        kwargs.setdefault("initial", {})["version"] = risk.version
        super().__init__(*args, instance=copy.copy(risk), **kwargs)
        plan_id = risk.plan_id
        self.fields["themes"].queryset = Theme.objects.filter(plan_id=plan_id)
        self.fields["objectives"].queryset = Objective.objects.filter(theme__plan_id=plan_id).select_related("theme")
        self.fields["key_actions"].queryset = KeyAction.objects.filter(
            objective__theme__plan_id=plan_id
        ).select_related("objective__theme")
        self.fields["owner"].label_from_instance = lambda person: person.get_full_name() or person.username
        if not permissions.can_reassign_risk(user):
            del self.fields["owner"]
        for name in ("probability", "impact", "target_probability", "target_impact"):
            self.fields[name].help_text = "1 (lowest) to 5 (highest)."
        self.fields["next_review_date"].help_text = "The register flags the risk when this date has passed."

        self.helper = FormHelper()
        self.helper.form_id = "risk-form"
        # The server's messages, not the browser's pop-ups, explain what to correct.
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Fieldset(
                "The risk",
                "type",
                "description",
                "mitigation",
                *(["owner"] if "owner" in self.fields else []),
            ),
            Fieldset(
                "Score now",
                Row(Column("probability", css_class="col-sm-4"), Column("impact", css_class="col-sm-4")),
            ),
            Fieldset(
                "Target after mitigation",
                Row(Column("target_probability", css_class="col-sm-4"), Column("target_impact", css_class="col-sm-4")),
            ),
            Fieldset(
                "Review", Row(Column("status", css_class="col-sm-4"), Column("next_review_date", css_class="col-sm-4"))
            ),
            Fieldset("What it concerns", Field("themes"), Field("objectives"), Field("key_actions")),
            "version",
            Submit("save", "Save changes"),
            HTML(f'<a class="btn btn-link" href="{reverse("risks:risk_detail", kwargs={"pk": risk.pk})}">Cancel</a>'),
        )

    def clean(self):
        cleaned = super().clean()
        target = (cleaned.get("target_probability"), cleaned.get("target_impact"))
        if (target[0] is None) != (target[1] is None):
            raise forms.ValidationError("Give both a target probability and a target impact, or neither.")
        return cleaned

    def changes(self) -> dict:
        """Return the cleaned values as risk_update() keyword arguments."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
