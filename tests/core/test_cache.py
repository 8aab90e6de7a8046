"""The shared cache (core.cache.DatabaseCache): Django's database cache, each write one statement, and on
PostgreSQL a table that writes no log (core's createcachetable)."""

from itertools import count

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

import core.cache
from core.cache import CULL_EVERY, DatabaseCache, cache_set_many_freeing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    """Rows other tests committed (the browser journeys' server does) would be counted with these."""
    cache.clear()


def entries() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_cache")
        return cursor.fetchone()[0]


def test_set_keeps_a_value_and_replaces_it():
    cache.set("figure", {"rag": "amber"}, timeout=60)
    cache.set("figure", {"rag": "green"}, timeout=60)
    assert cache.get("figure") == {"rag": "green"}
    cache.set("for-ever", 1, timeout=None)
    assert cache.get("for-ever") == 1


def test_add_keeps_a_live_value_and_replaces_an_expired_one():
    assert cache.add("lock", "first", timeout=60) is True
    assert cache.add("lock", "second", timeout=60) is False
    assert cache.get("lock") == "first"
    cache.set("lock", "expired", timeout=-1)
    assert cache.get("lock") is None
    assert cache.add("lock", "taken again", timeout=60) is True
    assert cache.get("lock") == "taken again"


def test_set_and_add_are_each_one_statement(django_assert_num_queries):
    with django_assert_num_queries(1):
        cache.set("report", "bundle", timeout=60)
    with django_assert_num_queries(1):
        cache.add("report:rebuilding", 1, timeout=5)
    with django_assert_num_queries(1):
        cache.add("report:rebuilding", 1, timeout=5)


def test_set_many_writes_every_key_in_one_statement(django_assert_num_queries):
    cache.set("kept", "before", timeout=60)
    with django_assert_num_queries(1):
        assert cache.set_many({"kept": "after", "new": [1, 2], "blob": b"\x00bytes"}, timeout=60) == []
    assert cache.get_many(["kept", "new", "blob"]) == {"kept": "after", "new": [1, 2], "blob": b"\x00bytes"}


def test_set_many_freeing_writes_and_frees_the_lock_in_one_statement(django_assert_num_queries):
    assert cache.add("report:rebuilding", 1, timeout=5) is True
    with django_assert_num_queries(1):
        cache_set_many_freeing(cache, {"report": "bundle", "blob": b"part"}, "report:rebuilding", timeout=60)
    assert cache.get_many(["report", "blob"]) == {"report": "bundle", "blob": b"part"}
    assert cache.get("report:rebuilding") is None
    assert cache.add("report:rebuilding", 2, timeout=5) is True  # free to be taken again


@pytest.mark.parametrize("backend", ["core.cache.DatabaseCache", "django.core.cache.backends.locmem.LocMemCache"])
def test_set_many_freeing_frees_the_lock_with_more_keys_than_one_statement_takes_or_another_backend(
    monkeypatch, backend, settings
):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "django_cache"}}
    monkeypatch.setattr(core.cache, "SET_MANY_ROWS", 3)
    assert cache.add("lock", 1, timeout=5) is True
    cache_set_many_freeing(cache, {f"key-{number}": number for number in range(5)}, "lock", timeout=60)
    assert cache.get("key-4") == 4
    assert cache.add("lock", 2, timeout=5) is True


def test_set_many_writes_more_keys_than_one_statement_takes(monkeypatch):
    monkeypatch.setattr(core.cache, "SET_MANY_ROWS", 3)
    cache.set_many({f"key-{number}": number for number in range(7)}, timeout=60)
    assert entries() == 7
    assert cache.get("key-6") == 6


def test_the_table_is_culled_past_its_most_entries_once_every_so_many_writes(monkeypatch):
    small = DatabaseCache("django_cache", {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}})
    monkeypatch.setattr(core.cache, "_writes", count(1))
    for number in range(CULL_EVERY - 1):
        small.set(f"key-{number}", number, timeout=60)
    assert entries() == CULL_EVERY - 1  # not counted yet: no write culled the table
    small.set("the-counting-write", 0, timeout=60)
    # The counting write found 99 entries, over 10: it culled half of them, then wrote its own.
    assert entries() == (CULL_EVERY - 1) - (CULL_EVERY - 1) // 2 + 1


def test_expired_entries_go_first_when_the_table_is_culled(monkeypatch):
    small = DatabaseCache("django_cache", {"OPTIONS": {"MAX_ENTRIES": 3}})
    monkeypatch.setattr(core.cache, "_writes", count(1))
    for number in range(5):
        small.set(f"expired-{number}", number, timeout=-1)
    small.set("live", 1, timeout=60)
    monkeypatch.setattr(core.cache, "_writes", count(0))
    small.set("counting", 2, timeout=60)
    assert entries() == 2
    assert small.get("live") == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="UNLOGGED tables are PostgreSQL's")
def test_on_postgresql_the_cache_table_writes_no_log_and_an_existing_logged_one_is_made_so():
    def persistence() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT relpersistence FROM pg_class WHERE oid = 'django_cache'::regclass")
            return cursor.fetchone()[0]

    assert persistence() == "u"
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE django_cache SET LOGGED")
    assert persistence() == "p"
    call_command("createcachetable", verbosity=0)
    assert persistence() == "u"
