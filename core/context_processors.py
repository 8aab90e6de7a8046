"""Template context every page may need: who to ask for help."""

from django.conf import settings


def support(request):
    """Return the support contact (SUPPORT_CONTACT), shown where a person is told to ask someone."""
    return {"support_contact": settings.SUPPORT_CONTACT}
