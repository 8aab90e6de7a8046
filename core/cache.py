"""The shared cache: Django's database cache, each write in one statement.

Django's DatabaseCache counts the table's rows, looks the key up and then updates or inserts it, in a
transaction of its own: four round trips and a commit for every write, and `set_many` writes its keys one
by one. The report writes the cache on every rebuild (its lock, its parts, the lock again), so on PostgreSQL
those round trips were a third of the first view after an action update. Here `set` and `add` are one upsert
each (INSERT … ON CONFLICT, on PostgreSQL and SQLite alike), `set_many` one for up to SET_MANY_ROWS keys,
and the table is counted, to cull it past MAX_ENTRIES, once every CULL_EVERY writes of a process rather than
on every write; `set_many_freeing` frees a lock in the write it guarded. `touch` and any other database keep
Django's way.
"""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime
from itertools import count

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils.timezone import now as tz_now

UPSERT_VENDORS = ("postgresql", "sqlite")
# The table may pass MAX_ENTRIES by this many writes of each process before it is culled.
CULL_EVERY = 100
# Rows a set_many writes in one statement (three parameters each: well within SQLite's limit).
SET_MANY_ROWS = 500
_writes = count()


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache, with `set`, `add` and `set_many` in one statement each."""

    def _connection(self):
        connection = connections[router.db_for_write(self.cache_model_class)]
        return connection if connection.vendor in UPSERT_VENDORS else None

    def _expires(self, timeout) -> datetime:
        timeout = self.get_backend_timeout(timeout)
        zone = UTC if settings.USE_TZ else None
        expires = datetime.max.replace(tzinfo=zone) if timeout is None else datetime.fromtimestamp(timeout, tz=zone)
        return expires.replace(microsecond=0)

    def _upsert(self, connection, rows: list[tuple[str, object, datetime]], *, add: bool = False) -> int:
        """Write (key, value, expires) rows in one statement; with `add`, replace only expired entries. Return the
        rows written."""
        quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
        table, key_column, value_column, expires_column = (
            quote(name) for name in (self._table, "cache_key", "value", "expires")
        )
        now = tz_now().replace(microsecond=0)
        only_expired = f" WHERE {table}.{expires_column} < %s" if add else ""
        sql = (
            f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) VALUES "
            + ", ".join(["(%s, %s, %s)"] * len(rows))
            + f" ON CONFLICT ({key_column}) DO UPDATE SET {value_column} = excluded.{value_column}, "
            f"{expires_column} = excluded.{expires_column}{only_expired}"
        )
        params = []
        for key, value, expires in rows:
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            params += [key, pickled, adapt(expires)]
        params += [adapt(now)] if add else []
        with connection.cursor() as cursor:
            if next(_writes) % CULL_EVERY == 0:
                self._cull_if_full(connection.alias, cursor, now)
            cursor.execute(sql, params)
            return cursor.rowcount

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT):
        connection = self._connection()
        if mode == "touch" or connection is None:
            return super()._base_set(mode, key, value, timeout)
        # `add` replaces only an expired entry; `set` any.
        return self._upsert(connection, [(key, value, self._expires(timeout))], add=mode == "add") > 0

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        connection = self._connection()
        if connection is None or not data:
            return super().set_many(data, timeout=timeout, version=version)
        expires = self._expires(timeout)
        rows = [(self.make_and_validate_key(key, version=version), value, expires) for key, value in data.items()]
        for start in range(0, len(rows), SET_MANY_ROWS):
            self._upsert(connection, rows[start : start + SET_MANY_ROWS])
        return []

    def set_many_freeing(self, data: dict, lock: str, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        """Set the entries of `data` and free `lock` (taken with `add` to guard this write) in the same statement,
        for up to SET_MANY_ROWS - 1 entries: the lock is written as expired, which `get` finds missing and `add`
        takes."""
        connection = self._connection()
        if connection is None or len(data) >= SET_MANY_ROWS:
            self.set_many(data, timeout=timeout, version=version)
            self.delete(lock, version=version)
            return
        expires = self._expires(timeout)
        rows = [(self.make_and_validate_key(key, version=version), value, expires) for key, value in data.items()]
        freed = self._expires(-1)
        self._upsert(connection, [*rows, (self.make_and_validate_key(lock, version=version), None, freed)])

    def _cull_if_full(self, db, cursor, now) -> None:
        cursor.execute(f"SELECT COUNT(*) FROM {connections[db].ops.quote_name(self._table)}")
        entries = cursor.fetchone()[0]
        if entries > self._max_entries:
            self._cull(db, cursor, now, entries)


def cache_set_many_freeing(cache, data: dict, lock: str, *, timeout=DEFAULT_TIMEOUT) -> None:
    """Set `data` in `cache` and free `lock`: in one statement with this backend (DatabaseCache.set_many_freeing),
    in two with any other (a test's in-memory cache)."""
    set_many_freeing = getattr(cache, "set_many_freeing", None)
    if set_many_freeing is None:
        cache.set_many(data, timeout=timeout)
        cache.delete(lock)
    else:
        set_many_freeing(data, lock, timeout=timeout)
