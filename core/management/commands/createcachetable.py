"""Django's createcachetable, and on PostgreSQL the cache's table UNLOGGED.

A cache row need not survive a crash (PostgreSQL empties an unlogged table after one, and the cache is
built again), so its writes skip the write-ahead log and its commits wait for no flush to disk: the report
writes the cache on every rebuild. An existing logged table is made unlogged too.
"""

from django.core.management.commands import createcachetable
from django.db import connections


class Command(createcachetable.Command):
    help = createcachetable.Command.help + " On PostgreSQL the tables are UNLOGGED (a cache survives no crash)."

    def create_table(self, database, tablename, dry_run):
        super().create_table(database, tablename, dry_run)
        connection = connections[database]
        if dry_run or connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT relpersistence FROM pg_class WHERE oid = to_regclass(%s)", [tablename])
            found = cursor.fetchone()
            if found and found[0] == "p":
                cursor.execute(f"ALTER TABLE {connection.ops.quote_name(tablename)} SET UNLOGGED")
                if self.verbosity > 1:
                    self.stdout.write(f"Cache table '{tablename}' made unlogged.")
