"""Keep every risk's current and target scores as they are, and give each an inherent score.

Registers kept before this had one score (the current one): the inherent score is copied from it,
and `inherent_assessed` is False so the pages can say it was not assessed separately. The history
rows get the same, so the register as it stood on a past date still reads whole.
"""

from django.db import migrations
from django.db.models import F


def inherent_from_current(apps, schema_editor):
    for name in ("Risk", "HistoricalRisk"):
        model = apps.get_model("risks", name)
        model.objects.filter(inherent_score__isnull=True).update(
            inherent_probability=F("probability"),
            inherent_impact=F("impact"),
            inherent_score=F("score"),
            inherent_assessed=False,
        )


class Migration(migrations.Migration):
    dependencies = [("risks", "0002_orange_book_fields")]

    operations = [migrations.RunPython(inherent_from_current, migrations.RunPython.noop)]
