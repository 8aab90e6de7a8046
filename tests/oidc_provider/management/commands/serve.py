"""Create the provider's database, its people and the app's client registration, then serve it."""

import os

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application

from tests.oidc_provider.people import CLIENT_ID, CLIENT_SECRET, PASSWORD, PEOPLE


class Command(BaseCommand):
    help = "Migrate, create the test people and the app's client, and serve the provider (runserver --noreload)."

    def add_arguments(self, parser):
        parser.add_argument("addrport")

    def handle(self, *args, addrport, **options):
        call_command("migrate", verbosity=0)
        for username, email, first_name, last_name in PEOPLE:
            User.objects.create_user(username, email, PASSWORD, first_name=first_name, last_name=last_name)
        Application.objects.create(
            name="Improvement Tracker",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
            redirect_uris=os.environ["OIDC_PROVIDER_REDIRECT_URIS"],
            post_logout_redirect_uris=os.environ["OIDC_PROVIDER_REDIRECT_URIS"],
        )
        call_command("runserver", addrport, use_reloader=False, use_threading=True)
