"""Import a KPI spreadsheet from the command line through the same pipeline as the admin."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.importing import FileRefused, path_read
from kpis import spreadsheet
from plans.models import Plan

NO_PLAN = "There is no plan to import into. Create the plan first (setup_demo, or the admin)."
UNKNOWN_PLAN = "No plan has the slug “{slug}”. Use one of: {slugs}."
UNKNOWN_USER = "No user is called “{username}”. Give an existing username with --user, or leave it out."
REFUSED = "The file was not imported and nothing was changed: {count} problem(s). Correct them and run again."


class Command(BaseCommand):
    help = "Import a KPI spreadsheet (.xlsx or .csv, one row per measure, a column per month) into a plan."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx or .csv file.")
        parser.add_argument("--plan", help="The plan's slug (default: the plan with the latest report date).")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and show the changes only.")
        parser.add_argument("--user", help="Username to record as the importer (in the import record and history).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file at {path}. Check the path.")
        plan = _plan(options["plan"])
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(UNKNOWN_USER.format(username=options["user"]))
        try:
            data = path_read(path)
        except FileRefused as refused:
            raise CommandError(refused.problem.message) from refused
        if options["dry_run"]:
            preview, record = spreadsheet.kpi_import_preview(plan=plan, file_name=path.name, data=data), None
        else:
            preview, record = spreadsheet.kpi_import_confirm(
                plan=plan, file_name=path.name, data=data, user=user, source="command line"
            )
        if preview.problems:
            self._refuse(preview.problems)
        if options["verbosity"] >= 2:
            for item in preview.measures:
                for change in item.new:
                    self.stdout.write(f"{item.measure.ref} {change.month:%b %Y}: new {change.new}")
                for change in item.changed:
                    self.stdout.write(f"{item.measure.ref} {change.month:%b %Y}: {change.old} → {change.new}")
                for change in item.other_changes:
                    self.stdout.write(f"{item.measure.ref} {change.label}: {change.old or 'blank'} → {change.new}")
        prefix = "Dry run, nothing written: " if record is None else f"Imported into {plan.slug}: "
        self.stdout.write(prefix + preview.summary())

    def _refuse(self, problems):
        for problem in problems:
            self.stderr.write(str(problem))
        if problems.not_listed:
            self.stderr.write(problems.not_listed_sentence)
        raise CommandError(REFUSED.format(count=problems.total))


def _plan(slug: str | None) -> Plan:
    if slug:
        plan = Plan.objects.filter(slug=slug).first()
        if plan is None:
            slugs = ", ".join(Plan.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(UNKNOWN_PLAN.format(slug=slug, slugs=slugs))
        return plan
    plan = spreadsheet.kpi_import_default_plan()
    if plan is None:
        raise CommandError(NO_PLAN)
    return plan
