"""The one authorisation layer the views share (cookiecutter-django: one mixin deep), and the admin's door."""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from core.access import landing_url


class RowPermissionRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """A view of one row that only some may act on: `test_func` says who.

    Signed-out visitors go to the sign-in page; a signed-in person who may not act gets 403 with
    `permission_denied_message`, and nothing changes.
    """

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            raise PermissionDenied(self.get_permission_denied_message())
        return super().handle_no_permission()


ADMIN_ACCESS_NEEDED = (
    "You need admin access to open the admin. Ask your improvement lead or administrator if your work needs it."
)


@login_not_required
def admin_login(request):
    """Stand in for the admin's own login box: the app has one sign-in page, and one 403 page.

    Signed out, go to the app's sign-in and come back; signed in without staff access, 403 in the
    site's layout; staff, on to the admin.
    """
    next_path = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()}):
        next_path = ""
    if not request.user.is_authenticated:
        return redirect_to_login(next_path or reverse("admin:index"))
    if request.user.is_active and request.user.is_staff:
        return redirect(next_path or reverse("admin:index"))
    raise PermissionDenied(ADMIN_ACCESS_NEEDED)


class SignInView(LoginView):
    """Django's sign-in, which sends a board member to the published papers (the one place they may read)."""

    redirect_authenticated_user = True

    def get_success_url(self):
        return landing_url(self.request.user, super().get_success_url())
