"""/healthz for the council's load balancer: the database answers and every migration is applied."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# Once every migration is found applied, this process's code never needs another: skip reading them.
_migrated_connections: set[str] = set()


def health_checks(db=connection) -> dict[str, str]:
    """Return each check's result, "ok" or what is wrong, for the database connection `db`."""
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return {"database": f"unreachable: {type(error).__name__}", "migrations": "not checked"}
    if db.alias in _migrated_connections and db is connection:
        return {"database": "ok", "migrations": "ok"}
    executor = MigrationExecutor(db)
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        return {"database": "ok", "migrations": f"{len(unapplied)} not applied"}
    if db is connection:
        _migrated_connections.add(db.alias)
    return {"database": "ok", "migrations": "ok"}


@login_not_required
@require_safe
@never_cache
def healthz(request):
    """200 with {"database": "ok", "migrations": "ok"} when the app can serve; 503 with what is wrong."""
    checks = health_checks()
    healthy = all(result == "ok" for result in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)
