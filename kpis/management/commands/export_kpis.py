"""Export a plan's KPIs in the layout `import_kpis` reads (.xlsx or .csv, chosen by the file name)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kpis import spreadsheet
from kpis.management.commands.import_kpis import _plan

UNKNOWN_FORMAT = "Name the file .xlsx or .csv so the format is clear (got “{name}”)."


class Command(BaseCommand):
    help = "Export a plan's measures, monthly values, yearly figures and benchmarks as .xlsx or .csv."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write: a name ending .xlsx or .csv.")
        parser.add_argument("--plan", help="The plan's slug (default: the plan with the latest report date).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        suffix = path.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise CommandError(UNKNOWN_FORMAT.format(name=path.name))
        plan = _plan(options["plan"])
        exporter = spreadsheet.kpi_export_xlsx if suffix == ".xlsx" else spreadsheet.kpi_export_csv
        path.write_bytes(exporter(plan=plan))
        self.stdout.write(f"Exported {plan.slug} to {path}.")
