"""{% sso_sign_in next %}: the "Sign in with your council account" button, shown only when single sign-on is on."""

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("components/sso_sign_in.html")
def sso_sign_in(next_url: str = ""):
    """Return the button's context: whether single sign-on is on, and where to go after signing in."""
    return {"sso_enabled": settings.OIDC_ENABLED, "next": next_url}
