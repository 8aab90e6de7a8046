"""The shared cache: Django's database cache, each write in one statement.

Django's DatabaseCache counts the table's rows, looks the key up and then updates or inserts it, in a
transaction of its own: four round trips and a commit for every write. The report writes the cache on every
rebuild (its lock, its bundle, the lock again), so on PostgreSQL those round trips were a third of the first
view after an action update. Here `set` and `add` are one upsert each (INSERT … ON CONFLICT, on PostgreSQL
and SQLite alike), and the table is counted, to cull it past MAX_ENTRIES, once every CULL_EVERY writes of a
process rather than on every write. `touch` and any other database keep Django's way.
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
_writes = count()


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache, with `set` and `add` in one statement each."""

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT):
        connection = connections[router.db_for_write(self.cache_model_class)]
        if mode == "touch" or connection.vendor not in UPSERT_VENDORS:
            return super()._base_set(mode, key, value, timeout)
        timeout = self.get_backend_timeout(timeout)
        now = tz_now().replace(microsecond=0)
        zone = UTC if settings.USE_TZ else None
        expires = datetime.max.replace(tzinfo=zone) if timeout is None else datetime.fromtimestamp(timeout, tz=zone)
        expires = expires.replace(microsecond=0)
        quote = connection.ops.quote_name
        table, key_column, value_column, expires_column = (
            quote(name) for name in (self._table, "cache_key", "value", "expires")
        )
        # `add` replaces only an expired entry; `set` any.
        only_expired = f" WHERE {table}.{expires_column} < %s" if mode == "add" else ""
        sql = (
            f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) VALUES (%s, %s, %s) "
            f"ON CONFLICT ({key_column}) DO UPDATE SET {value_column} = excluded.{value_column}, "
            f"{expires_column} = excluded.{expires_column}{only_expired}"
        )
        pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        adapt = connection.ops.adapt_datetimefield_value
        params = [key, pickled, adapt(expires)] + ([adapt(now)] if mode == "add" else [])
        with connection.cursor() as cursor:
            if next(_writes) % CULL_EVERY == 0:
                self._cull_if_full(connection.alias, cursor, now)
            cursor.execute(sql, params)
            return cursor.rowcount > 0

    def _cull_if_full(self, db, cursor, now) -> None:
        cursor.execute(f"SELECT COUNT(*) FROM {connections[db].ops.quote_name(self._table)}")
        entries = cursor.fetchone()[0]
        if entries > self._max_entries:
            self._cull(db, cursor, now, entries)
