"""/healthz answers the load balancer: 200 when the database answers and is migrated, 503 with what is wrong."""

from __future__ import annotations

import pytest
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper as SqliteWrapper
from django.urls import reverse

from core.health import health_checks
from tests.core.connections import connection_to as shared_connection_to

pytestmark = pytest.mark.django_db


def connection_to(wrapper, **settings):
    return shared_connection_to(wrapper, alias="health-test", **settings)


def test_healthz_needs_no_sign_in_and_says_the_database_is_migrated(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "migrations": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_a_database_without_the_migrations_is_not_healthy(tmp_path, settings):
    settings.MIGRATION_MODULES = {}  # the suite runs with --no-migrations; this test reads the real ones
    empty = connection_to(SqliteWrapper, ENGINE="django.db.backends.sqlite3", NAME=str(tmp_path / "empty.sqlite3"))
    try:
        checks = health_checks(empty)
    finally:
        empty.close()

    assert checks["database"] == "ok"
    assert checks["migrations"].endswith("not applied")


def test_a_database_that_does_not_answer_is_not_healthy():
    # Nothing listens on port 1: the connection is refused at once, as when the database is down.
    down = connection_to(
        PostgresWrapper, ENGINE="django.db.backends.postgresql", NAME="x", HOST="127.0.0.1", PORT="1", USER="x"
    )

    checks = health_checks(down)

    assert checks["database"].startswith("unreachable")
    assert checks["migrations"] == "not checked"


def test_healthz_answers_503_when_a_check_fails(client, monkeypatch):
    monkeypatch.setattr("core.health.health_checks", lambda: {"database": "ok", "migrations": "3 not applied"})

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["migrations"] == "3 not applied"
