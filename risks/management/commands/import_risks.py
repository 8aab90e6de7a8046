"""Import a risk register file (.xlsx or .csv, the seeds' columns) into a plan, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from import_export.formats.base_formats import CSV, XLSX

from core.importing import FileRefused, upload_check
from plans.models import Plan
from risks.resources import RiskResource


class Command(BaseCommand):
    help = "Import a risk register (.xlsx or .csv, the seed's headings) into a plan; any problem writes nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--plan", required=True, help="The plan's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report, writing nothing.")

    def handle(self, *args, path: Path, plan: str, dry_run: bool, **options):
        try:
            target = Plan.objects.get(slug=plan)
        except Plan.DoesNotExist as error:
            raise CommandError(f"There is no plan with the slug “{plan}”. Check the slug, then try again.") from error
        file_format = XLSX() if path.suffix.lower() == ".xlsx" else CSV(encoding="utf-8-sig")
        raw = path.read_bytes()
        try:
            upload_check(data=raw)
        except FileRefused as refused:
            raise CommandError(f"Nothing was imported: {refused.problem.message}") from refused
        data = raw if file_format.is_binary() else raw.decode("utf-8-sig")
        dataset = file_format.create_dataset(data)
        # The same resource as the admin: user=None is a system job, recorded without a person.
        result = RiskResource(plan=target).import_data(
            dataset, dry_run=dry_run, rollback_on_validation_errors=True, file_name=path.name, user=None
        )
        problems = [
            message for error in result.base_errors for message in getattr(error.error, "messages", [str(error.error)])
        ]
        problems += [
            message for row in result.invalid_rows for messages in row.error_dict.values() for message in messages
        ]
        problems += [f"Row {number + 1}: {error.error}" for number, errors in result.row_errors() for error in errors]
        if problems:
            raise CommandError("Nothing was imported:\n" + "\n".join(problems))
        totals = result.totals
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(f"{verb}: {totals['new']} new, {totals['update']} updated, {totals['skip']} unchanged.")
