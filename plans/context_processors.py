"""Template context: which roles the signed-in user holds (for showing links, never for enforcing)."""

from core.roles import is_administrator, is_head_of_service, is_performance_team


def roles(request):
    """Return flags for the navigation; views and services enforce the rules themselves."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_is_administrator": is_administrator(user),
        "user_is_head_of_service": is_head_of_service(user),
        "user_is_performance_team": is_performance_team(user),
    }
