"""Import a risk register file (.xlsx or .csv, the seeds' columns) into a plan, all or nothing."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.importing import FileRefused, path_read
from plans.models import Plan
from risks import services
from risks.spreadsheet.preview import register_import_preview


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
        # The same pipeline as the admin; user=None is a system job, recorded without a person.
        try:
            data = path_read(path)
        except FileRefused as refused:
            raise CommandError(refused.problem.message) from refused
        preview = register_import_preview(plan=target, data=data, file_name=path.name)
        if not preview.is_valid:
            listed = [str(problem) for problem in preview.problems]
            raise CommandError(
                "\n".join(["Nothing was imported:", *listed, preview.problems.not_listed_sentence]).strip()
            )
        if not dry_run:
            try:
                services.register_import_apply(user=None, preview=preview)
            except ValidationError as error:
                raise CommandError("Nothing was imported:\n" + "\n".join(error.messages)) from error
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(f"{verb}: {preview.summary()}")
