"""The People pages, for administrators: authorise → select → present; writes through core.people, which
authorises again. The invitation page is the invited person's, reached by its one-time link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from core import people, people_selectors
from core.people_forms import InviteForm, RolesForm
from core.roles import ROLES, is_administrator
from core.views import RowPermissionRequiredMixin

INVITED = "{name} was invited: an email to {email} {how}. Their roles are below."
INVITED_SSO = "tells them to sign in with their council account"
INVITED_LINK = "has a link to set their password, which works once within {days} days"
INVITED_AGAIN = "A new invitation was sent to {email}."
ROLES_SAVED = "{name}'s roles were saved."
ROLES_UNCHANGED = "{name}'s roles were already as chosen, so nothing changed."
DEACTIVATED = "{name} was deactivated: they can no longer sign in. Reactivate them here if they need it again."
REACTIVATED = "{name} was reactivated: they can sign in again, in the roles shown."
PASSWORD_SET = "Your password is set. Sign in with your username, {username}, and the password you chose."


def _site(request) -> str:
    return request.build_absolute_uri("/")


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


class AdministratorRequiredMixin(RowPermissionRequiredMixin):
    permission_denied_message = people.NOT_ALLOWED

    def test_func(self) -> bool:
        return is_administrator(self.request.user)


class PeopleListView(AdministratorRequiredMixin, TemplateView):
    """Everyone with an account: name, email, roles, active, last sign-in, two-step set up; filtered by role."""

    template_name = "people/people_list.html"

    def get_context_data(self, **kwargs):
        role = self.request.GET.get("role", "")
        if role not in (*ROLES, people_selectors.NO_ROLE):
            role = ""
        return super().get_context_data(
            people=people_selectors.people_list(role=role),
            roles=ROLES,
            role=role,
            no_role=people_selectors.NO_ROLE,
            **kwargs,
        )


class PersonInviteView(AdministratorRequiredMixin, FormView):
    """Invite someone by email, in the roles chosen; opened prefilled from the owners page (?first_name=...)."""

    template_name = "people/person_invite.html"
    form_class = InviteForm

    def get_initial(self):
        wanted = ("first_name", "last_name", "email", "owner_name")
        initial = {name: self.request.GET[name][:200] for name in wanted if self.request.GET.get(name)}
        initial["roles"] = [role for role in self.request.GET.getlist("role") if role in ROLES]
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(sso_enabled=settings.OIDC_ENABLED, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            person = people.person_invite(by=self.request.user, base_url=_site(self.request), **data)
        except ValidationError as error:
            for name, errors in error.error_dict.items() if hasattr(error, "error_dict") else [(None, error)]:
                form.add_error(name if name in form.fields else None, errors)
            return self.form_invalid(form)
        days = people.invitation_timeout() // (24 * 60 * 60)
        how = INVITED_SSO if settings.OIDC_ENABLED else INVITED_LINK.format(days=days)
        messages.success(self.request, INVITED.format(name=people.display_name(person), email=person.email, how=how))
        return HttpResponseRedirect(reverse("people:person", args=[person.pk]))


class PersonView(AdministratorRequiredMixin, FormView):
    """One person: their roles (a form), deactivate or reactivate, invite again, and the history of their access."""

    template_name = "people/person.html"
    form_class = RolesForm

    def dispatch(self, request, *args, **kwargs):
        self.person = people_selectors.person_get(pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"roles": people_selectors.person_role_names(self.person)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            person=self.person,
            roles=people_selectors.person_role_names(self.person),
            is_self=self.person.pk == self.request.user.pk,
            **kwargs,
        )

    def form_valid(self, form):
        name = people.display_name(self.person)
        try:
            roles = form.cleaned_data["roles"]
            changes = people.person_roles_set(by=self.request.user, person=self.person, roles=roles)
        except ValidationError as error:
            form.add_error("roles", _refusal(error))
            return self.form_invalid(form)
        messages.success(self.request, (ROLES_SAVED if changes else ROLES_UNCHANGED).format(name=name))
        return HttpResponseRedirect(self.request.path)


class PersonButtonView(AdministratorRequiredMixin, View):
    """A button on a person's page (POST only): do it, then back to their page saying what happened."""

    http_method_names = ["post"]

    def act(self, person) -> str:
        raise NotImplementedError

    def post(self, request, pk):
        person = get_object_or_404(people.User, pk=pk)
        try:
            messages.success(request, self.act(person))
        except ValidationError as error:
            messages.error(request, _refusal(error))
        return HttpResponseRedirect(reverse("people:person", args=[pk]))


class PersonDeactivateView(PersonButtonView):
    def act(self, person) -> str:
        people.person_deactivate(by=self.request.user, person=person)
        return DEACTIVATED.format(name=people.display_name(person))


class PersonReactivateView(PersonButtonView):
    def act(self, person) -> str:
        people.person_reactivate(by=self.request.user, person=person)
        return REACTIVATED.format(name=people.display_name(person))


class PersonInviteAgainView(PersonButtonView):
    def act(self, person) -> str:
        people.person_invitation_resend(by=self.request.user, person=person, base_url=_site(self.request))
        return INVITED_AGAIN.format(email=person.email)


class InvitationView(auth_views.PasswordResetConfirmView):
    """The invited person sets their own password from the one-time link (Django's reset page, its own tokens)."""

    template_name = "people/invitation.html"
    token_generator = people.invitation_tokens
    reset_url_token = "set-password"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, PASSWORD_SET.format(username=form.user.get_username()))
        return response
