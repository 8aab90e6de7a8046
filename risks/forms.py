"""Forms for the register's filters, adding a risk or issue, and editing one (crispy, Bootstrap 5)."""

from __future__ import annotations

import copy

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model

from plans.models import KeyAction, Objective, Theme
from risks import permissions
from risks.models import (
    SCALE_MAX,
    SCALE_MIN,
    ControlEffectiveness,
    Risk,
    RiskCategory,
    RiskControl,
    RiskStatus,
    RiskType,
    risk_bands,
)

SCALE = [(n, str(n)) for n in range(SCALE_MIN, SCALE_MAX + 1)]


class RiskFilterForm(forms.Form):
    """The register's filters, read from the query string; an invalid value filters nothing."""

    band = forms.ChoiceField(required=False)
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="Anyone")
    type = forms.ChoiceField(required=False, choices=[("", "Risks and issues"), *RiskType.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Open and closed"), *RiskStatus.choices])
    category = forms.ChoiceField(required=False, choices=[("", "Any category"), *RiskCategory.choices])
    # Set by the heat maps' links and by the action and theme pages, not typed.
    probability = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any"), *SCALE], widget=forms.HiddenInput
    )
    impact = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any"), *SCALE], widget=forms.HiddenInput
    )
    inherent_probability = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any"), *SCALE], widget=forms.HiddenInput
    )
    inherent_impact = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any"), *SCALE], widget=forms.HiddenInput
    )
    theme = forms.ModelChoiceField(queryset=Theme.objects.all(), required=False, widget=forms.HiddenInput)
    key_action = forms.ModelChoiceField(queryset=KeyAction.objects.all(), required=False, widget=forms.HiddenInput)

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
                Column("category", css_class="col-sm-6 col-lg-2"),
                Column("owner", css_class="col-sm-6 col-lg-2"),
                Column("type", css_class="col-sm-6 col-lg-2"),
                Column("status", css_class="col-sm-6 col-lg-2"),
                Column(
                    Submit("", "Apply filters", css_class="btn-secondary"),
                    HTML('<a class="btn btn-link" href="{% url "risks:risk_list" %}">Clear filters</a>'),
                    css_class="col-lg-2 d-flex align-items-end mb-3",
                ),
            ),
            "probability",
            "impact",
            "inherent_probability",
            "inherent_impact",
            "theme",
            "key_action",
        )

    def filters(self) -> dict:
        """Return the valid filters as selector keyword arguments (none when the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


SCORE_HELP = "1 (lowest) to 5 (highest)."
TARGET_BOTH_OR_NEITHER = "Give both a target probability and a target impact, or neither."
REF_TAKEN = "The register already has a risk or issue {ref}. Use another number, such as the one offered."
CONTROL_NEEDS_OWNER = "Choose who owns this control, or clear its description to leave it out."
CONTROL_NEEDS_DESCRIPTION = "Describe the control, or clear its owner to leave it out."


def _person(user) -> str:
    return user.get_full_name() or user.username


class _RiskFields(forms.ModelForm):
    """What adding and editing share: the risk, its three scores, its category and treatment, links."""

    class Meta:
        model = Risk
        fields = [
            "type",
            "description",
            "mitigation",
            "owner",
            "category",
            "treatment",
            "inherent_probability",
            "inherent_impact",
            "probability",
            "impact",
            "target_probability",
            "target_impact",
            "status",
            "themes",
            "objectives",
            "key_actions",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 4}),
            "themes": forms.SelectMultiple(attrs={"size": 4}),
            "objectives": forms.SelectMultiple(attrs={"size": 6}),
            "key_actions": forms.SelectMultiple(attrs={"size": 8}),
        }
        labels = {
            "mitigation": "Mitigation / resolution",
            "type": "Risk or issue",
            "inherent_probability": "Probability",
            "inherent_impact": "Impact",
            "target_probability": "Probability",
            "target_impact": "Impact",
        }

    def _set_up(self, *, plan_id: int) -> None:
        self.fields["themes"].queryset = Theme.objects.filter(plan_id=plan_id)
        self.fields["objectives"].queryset = Objective.objects.filter(theme__plan_id=plan_id).select_related("theme")
        self.fields["key_actions"].queryset = KeyAction.objects.filter(
            objective__theme__plan_id=plan_id
        ).select_related("objective__theme")
        if "owner" in self.fields:
            self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("first_name")
            self.fields["owner"].label_from_instance = _person
        self.fields["category"].help_text = "The plan's appetite for the category says how high a score it accepts."
        self.fields["treatment"].help_text = "Treat (reduce it), tolerate (accept it), transfer it, or terminate it."
        for name in ("probability", "impact", "target_probability", "target_impact"):
            self.fields[name].help_text = SCORE_HELP
        for name in ("inherent_probability", "inherent_impact"):
            self.fields[name].required = True
            self.fields[name].help_text = SCORE_HELP
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page's <form> also holds the controls
        self.helper.disable_csrf = True
        # The server's messages, not the browser's pop-ups, explain what to correct.
        self.helper.attrs = {"novalidate": ""}

    def _layout(self, *first) -> Layout:
        return Layout(
            *first,
            Fieldset(
                "The risk",
                "type",
                "description",
                "mitigation",
                *(["owner"] if "owner" in self.fields else []),
                Row(Column("category", css_class="col-sm-6"), Column("treatment", css_class="col-sm-6")),
            ),
            Fieldset(
                "Inherent score: before any control",
                Row(
                    Column("inherent_probability", css_class="col-sm-4"),
                    Column("inherent_impact", css_class="col-sm-4"),
                ),
            ),
            Fieldset(
                "Current score: with the controls in place",
                Row(Column("probability", css_class="col-sm-4"), Column("impact", css_class="col-sm-4")),
            ),
            Fieldset(
                "Target score: after the treatment",
                Row(Column("target_probability", css_class="col-sm-4"), Column("target_impact", css_class="col-sm-4")),
            ),
            *([Fieldset("Status", "status")] if "status" in self.fields else []),
            Fieldset("What it concerns", Field("themes"), Field("objectives"), Field("key_actions")),
        )

    def clean(self):
        cleaned = super().clean()
        target = (cleaned.get("target_probability"), cleaned.get("target_impact"))
        if (target[0] is None) != (target[1] is None):
            raise forms.ValidationError(TARGET_BOTH_OR_NEITHER)
        return cleaned

    def _post_clean(self):
        # The inherent score is typed on this form, so Risk.clean() checks it as given.
        self.instance.inherent_assessed = True
        super()._post_clean()

    def values(self) -> dict:
        """Return the cleaned values as the services' keyword arguments."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class RiskForm(_RiskFields):
    """A risk as its owner (or an administrator) reviews it; saving it records a review today."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, user, risk: Risk, **kwargs):
        # The form validates a copy: the service compares the changes with the risk as it was read.
        kwargs.setdefault("initial", {})["version"] = risk.version
        super().__init__(*args, instance=copy.copy(risk), **kwargs)
        if not permissions.can_reassign_risk(user):
            del self.fields["owner"]
        self._set_up(plan_id=risk.plan_id)
        self.helper.layout = self._layout("version")

    def changes(self) -> dict:
        """Return the cleaned values as risk_update() keyword arguments."""
        return self.values()


class RiskCreateForm(_RiskFields):
    """A new risk or issue in a plan's register: the next free reference is offered."""

    class Meta(_RiskFields.Meta):
        fields = ["ref", "date_raised", *_RiskFields.Meta.fields]
        widgets = {
            **_RiskFields.Meta.widgets,
            "date_raised": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {**_RiskFields.Meta.labels, "ref": "Reference number"}

    def __init__(self, *args, plan, user, next_ref: int, today, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.update(ref=next_ref, date_raised=today, owner=user.pk)
        super().__init__(*args, instance=Risk(plan=plan), **kwargs)
        self._set_up(plan_id=plan.pk)
        self.fields["ref"].help_text = f"The register's number for it; {next_ref} is the next free one."
        self.fields["date_raised"].help_text = "The day it was raised."
        self.fields["owner"].help_text = "Who answers for the risk and may review it."
        del self.fields["status"]
        self.helper.layout = self._layout(
            Row(Column("ref", css_class="col-sm-4"), Column("date_raised", css_class="col-sm-4"))
        )

    def validate_unique(self):
        # The plan is not a field of the form; the reference must still be free in its register.
        if (
            "ref" in self.cleaned_data
            and Risk.objects.filter(plan=self.instance.plan, ref=self.cleaned_data["ref"]).exists()
        ):
            self.add_error(
                "ref",
                REF_TAKEN.format(ref=self.cleaned_data["ref"]),
            )


class ControlForm(forms.Form):
    """One control: what it is, who owns it, how well it works. A row left empty is left out."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Control")
    owner = forms.ModelChoiceField(queryset=None, required=False, label="Control owner")
    effectiveness = forms.ChoiceField(choices=ControlEffectiveness.choices, initial=ControlEffectiveness.NOT_ASSESSED)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = _person
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        cleaned = super().clean()
        description, owner = (cleaned.get("description") or "").strip(), cleaned.get("owner")
        if description and owner is None:
            self.add_error("owner", CONTROL_NEEDS_OWNER)
        elif owner is not None and not description and not cleaned.get("id"):
            self.add_error("description", CONTROL_NEEDS_DESCRIPTION)
        return cleaned


class BaseControlFormSet(forms.BaseFormSet):
    def __init__(self, *args, people, **kwargs):
        self.people = people
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"people": self.people}

    def control_changes(self, existing: dict[int, RiskControl]) -> dict:
        """Return what to write: {"add": [values], "change": [(control, values)], "remove": [control]}."""
        add, change, remove = [], [], []
        for form in self.forms:
            data = form.cleaned_data
            if not data:
                continue
            control = existing.get(data.get("id"))
            values = {name: data[name] for name in ("description", "owner", "effectiveness")}
            if control is None:
                if data["description"].strip() and not data.get("DELETE"):
                    add.append(values)
            elif data.get("DELETE") or not data["description"].strip():
                remove.append(control)
            else:
                change.append((control, values))
        return {"add": add, "change": change, "remove": remove}


def control_formset(*, data=None, controls=(), extra: int):
    """Return the controls formset: one form per existing control (with a remove box) and `extra` empty ones."""
    people = get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    formset_class = forms.formset_factory(
        ControlForm, formset=BaseControlFormSet, extra=extra, can_delete=bool(controls)
    )
    initial = [
        {"id": c.pk, "description": c.description, "owner": c.owner_id, "effectiveness": c.effectiveness}
        for c in controls
    ]
    return formset_class(data=data, initial=initial, prefix="controls", people=people)


class AppetiteForm(forms.Form):
    """The plan's appetite for each category: one choice per category, empty for none set."""

    def __init__(self, *args, levels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in RiskCategory.choices:
            self.fields[value] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", "No appetite set"), *_appetite_choices()],
                initial=levels.get(value, ""),
            )
        self.helper = FormHelper()
        self.helper.form_id = "appetite-form"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Row(*(Column(value, css_class="col-sm-6 col-lg-4") for value in RiskCategory.values)),
            Submit("save", "Save the appetite"),
        )


def _appetite_choices() -> list[tuple[str, str]]:
    from risks.models import APPETITE_MAX_SCORE, AppetiteLevel

    return [(level, f"{AppetiteLevel(level).label} (up to {score})") for level, score in APPETITE_MAX_SCORE.items()]
