"""On PostgreSQL the cache's table is UNLOGGED (core's createcachetable): make an existing one so."""

from django.core.management import call_command
from django.db import migrations


def cache_table_unlogged(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("plans", "0010_quarter_locks")]

    operations = [migrations.RunPython(cache_table_unlogged, migrations.RunPython.noop)]
