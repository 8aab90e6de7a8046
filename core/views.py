"""The one authorisation layer the views share (cookiecutter-django: one mixin deep)."""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied


class RowPermissionRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """A view of one row that only some may act on: `test_func` says who.

    Signed-out visitors go to the sign-in page; a signed-in person who may not act gets 403 with
    `permission_denied_message`, and nothing changes.
    """

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            raise PermissionDenied(self.get_permission_denied_message())
        return super().handle_no_permission()
