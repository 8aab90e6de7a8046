"""The People forms: each refuses bad input with a sentence saying what to do, and keeps what was typed."""

from __future__ import annotations

from django import forms

from core import people
from core.roles import ROLES

ROLE_HELP = {
    "SRO": "Reads everything and edits the plan.",
    "Head of service": "Updates the key actions they own.",
    "Performance team": "Imports and exports KPIs in the admin.",
    "Administrator": "Everything, and manages people. Must use two-step verification.",
}


def roles_field(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=[(role, f"{role}: {ROLE_HELP.get(role, '')}") for role in ROLES],
        widget=forms.CheckboxSelectMultiple,
        help_text="Someone in no role can sign in but reads nothing until they are given one.",
        error_messages={"invalid_choice": people.UNKNOWN_ROLE.format(roles=", ".join(ROLES))},
    )


class InviteForm(forms.Form):
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": people.NAME_MISSING.format(which="first")}
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": people.NAME_MISSING.format(which="last")}
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"required": people.EMAIL_MISSING, "invalid": people.EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    roles = roles_field("Roles")
    owner_name = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)


class RolesForm(forms.Form):
    roles = roles_field("The roles they hold")
