"""On SQLite (the zero-setup default) two writers at once wait for each other; neither fails."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from tests.core.connections import connection_to
from torbay_improvement.settings.base import SQLITE_OPTIONS


def sqlite_connection(path, options) -> DatabaseWrapper:
    return connection_to(
        DatabaseWrapper, alias=ALIAS, ENGINE="django.db.backends.sqlite3", NAME=str(path), OPTIONS=dict(options)
    )


ALIAS = "writers-test"


@pytest.fixture(autouse=True)
def real_connections(django_db_blocker):
    """These tests open their own SQLite files, outside the test database pytest-django guards."""
    with django_db_blocker.unblock():
        yield


def two_writers(path, options) -> list[str]:
    """Two connections each read then write in one transaction, the first holding it for half a second."""
    setup = sqlite_connection(path, options)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE figures (n INTEGER)")
    setup.close()
    results: list[str] = []
    first_has_written = threading.Event()

    def write(hold: float, wait_for_first: bool) -> None:
        db = sqlite_connection(path, options)
        connections[ALIAS] = db  # this thread's connection under the alias, for transaction.atomic
        try:
            if wait_for_first:
                first_has_written.wait(5)
            with transaction.atomic(using=ALIAS), db.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM figures")  # a read first, as a confirm checks first
                if not wait_for_first:
                    first_has_written.set()
                    time.sleep(0.1)  # the second begins while the first has read, before it writes
                cursor.execute("INSERT INTO figures VALUES (1)")
                time.sleep(hold)
            results.append("written")
        except Exception as error:  # the failure is what the test reports
            results.append(f"{type(error).__name__}: {error}")
            first_has_written.set()
        finally:
            db.close()

    threads = [threading.Thread(target=write, args=(0.5, False)), threading.Thread(target=write, args=(0, True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_writers_at_once_both_write_with_the_apps_sqlite_options(tmp_path):
    assert two_writers(tmp_path / "tracker.sqlite3", SQLITE_OPTIONS) == ["written", "written"]


def test_without_them_the_second_writer_fails_at_once(tmp_path):
    # The control: SQLite's defaults (no busy timeout beyond Python's, deferred transactions) fail,
    # so the test above shows what the options do.
    results = two_writers(tmp_path / "tracker.sqlite3", {"timeout": 0.05})
    assert any("database is locked" in result for result in results), results
