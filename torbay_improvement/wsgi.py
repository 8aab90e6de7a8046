"""WSGI entry point; production uses torbay_improvement.settings.production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torbay_improvement.settings.production")

application = get_wsgi_application()
