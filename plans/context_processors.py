"""Template context: which roles the signed-in user holds (for showing links, never for enforcing)."""

from plans import permissions


def roles(request):
    """Return flags for the navigation; views and services enforce the rules themselves."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_is_administrator": permissions.is_administrator(user),
        "user_is_head_of_service": permissions.is_head_of_service(user),
        "user_is_performance_team": permissions.is_performance_team(user),
    }
