"""The shared cache lives in the database (see CACHES): create its table with the schema."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("plans", "0002_objective_description_is_html")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
