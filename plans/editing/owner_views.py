"""The page of key action owners who are not yet users: invite each (administrators), or link the name to a
person who has an account (the SRO and administrators)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from core.roles import HEAD_OF_SERVICE, is_administrator
from core.views import RowPermissionRequiredMixin
from plans import permissions
from plans import selectors as plan_selectors
from plans.editing import owners, selectors

LINKED = (
    "{count} key action{s} kept under “{name}” now belong{verb} to {person}, who can update {them} from My actions."
)
PERSON_MISSING = "Choose the person who is “{name}” from the list, then press Link."


def invite_url(owner: owners.OwnerName) -> str:
    """Return the invite form's address, prefilled for the owner's name as a head of service."""
    query = {"first_name": owner.first_name, "last_name": owner.last_name, "owner_name": owner.name}
    return f"{reverse('people:invite')}?{urlencode({**query, 'role': HEAD_OF_SERVICE})}"


class OwnersView(RowPermissionRequiredMixin, TemplateView):
    """Owner names of current key actions that no account owns, with how many each owns."""

    template_name = "plans/editing/owners.html"
    permission_denied_message = owners.NOT_ALLOWED

    def test_func(self) -> bool:
        return permissions.can_edit_plan(self.request.user)

    def get_context_data(self, **kwargs):
        plans = plan_selectors.report_plan_list(user=self.request.user)
        wanted = self.request.GET.get("plan") or self.request.POST.get("plan")
        plan = next((p for p in plans if p.slug == wanted), plans[0] if plans else None)
        rows = [(owner, invite_url(owner)) for owner in owners.owner_names_without_account(plan=plan)]
        return super().get_context_data(
            plans=plans,
            plan=plan,
            rows=rows,
            people=list(selectors.action_owner_choices()),
            can_invite=is_administrator(self.request.user),
            **kwargs,
        )

    def post(self, request):
        name = request.POST.get("owner_name", "")
        person = selectors.action_owner_choices().filter(pk=request.POST.get("person") or None).first()
        try:
            if person is None:
                raise ValidationError({"person": PERSON_MISSING.format(name=name)})
            count = owners.key_action_owner_link(user=request.user, owner_name=name, person=person)
        except ValidationError as error:
            context = self.get_context_data(error=" ".join(error.messages), posted_name=name)
            context["posted_person"] = person.pk if person else None
            return self.render_to_response(context, status=400)
        label = person.get_full_name() or person.get_username()
        plural = count != 1
        messages.success(
            request,
            LINKED.format(
                count=count,
                s="s" if plural else "",
                name=name,
                verb="" if plural else "s",
                person=label,
                them="them" if plural else "it",
            ),
        )
        plan = request.POST.get("plan", "")
        return HttpResponseRedirect(reverse("plans:owners") + (f"?{urlencode({'plan': plan})}" if plan else ""))
