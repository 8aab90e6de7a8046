"""Reset a person's two-step verification when they have lost their phone and their recovery codes."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from core.mfa import two_factor_reset


class Command(BaseCommand):
    help = (
        "Remove USERNAME's authenticator app and recovery codes (recorded in the admin log). They set "
        "two-step verification up again at their next sign-in if they must use it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--by", help="the administrator doing the reset, named in the admin log")

    def handle(self, *args, username, by=None, **options):
        person = self._user(username)
        administrator = self._user(by) if by else None
        try:
            two_factor_reset(person=person, by=administrator, via="with manage.py reset_two_factor")
        except PermissionDenied as error:
            raise CommandError(f"{by} is not an administrator. {error}") from None
        self.stdout.write(f"Reset two-step verification for {username}.")

    @staticmethod
    def _user(username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"There is no user {username!r}. Give the username as it is in the admin.") from None
