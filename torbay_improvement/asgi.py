"""ASGI entry point; production uses torbay_improvement.settings.production."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torbay_improvement.settings.production")

application = get_asgi_application()
