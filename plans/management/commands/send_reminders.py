"""manage.py send_reminders: email each owner whose updates are due soon or overdue, and each reviewer what awaits
sign-off, at most once a day each; safe to run hourly (README: Reminders)."""

from __future__ import annotations

import argparse
import datetime

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from plans.models import Plan
from plans.rounds.reminder_services import ReminderResult, reminders_send

TODAY_MESSAGE = "Give --today as year-month-day, for example 2021-10-18."
NO_PLAN_MESSAGE = "No plan has the slug “{slug}”. The plan's address, /plans/<slug>/, shows its slug."
FAILED_MESSAGE = (
    "{count} reminder{s} could not be sent (above, with the reason). Each is recorded on the plan's Reminders page; "
    "the next run tries again."
)
NOTHING_NEW_MESSAGE = "Nothing new to send: every reminder due today has been sent already."
NOTHING_DUE_MESSAGE = "No reminders are due today."

SAID = {
    ReminderResult.SENT: "Sent to {to}: {subject}",
    ReminderResult.ALREADY: "Already sent today to {to}: {subject}",
    ReminderResult.WOULD_SEND: "Would send to {to}: {subject}",
    ReminderResult.FAILED: "Failed to send to {to}: {subject}. {error}",
}


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(TODAY_MESSAGE) from None


class Command(BaseCommand):
    help = (
        "Email each owner whose updates are due within REMINDER_DAYS_BEFORE days or overdue, and each reviewer the "
        "updates awaiting sign-off; at most once a day each, so it is safe to run hourly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be sent; send and record nothing.")
        parser.add_argument("--plan", metavar="SLUG", help="Only this plan's open round.")
        parser.add_argument("--today", metavar="YYYY-MM-DD", type=_day, help="Send as if today were this day.")

    def handle(self, *args, dry_run: bool, plan: str | None, today: datetime.date | None, **options):
        chosen = None
        if plan:
            chosen = Plan.objects.filter(slug=plan).first()
            if chosen is None:
                raise CommandError(NO_PLAN_MESSAGE.format(slug=plan))
        try:
            run = reminders_send(today=today, plan=chosen, dry_run=dry_run)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        for result in run.results:
            words = {"to": result.recipient, "subject": result.reminder.subject, "error": result.error}
            line = SAID[result.status].format(**words)
            self.stdout.write(self.style.ERROR(line) if result.status == ReminderResult.FAILED else line)
        for sentence in run.skipped:
            self.stdout.write(f"Skipped: {sentence}")
        self.stdout.write(self._summary(run, dry_run=dry_run))
        failed = run.count(ReminderResult.FAILED)
        if failed:
            raise CommandError(FAILED_MESSAGE.format(count=failed, s="s" if failed != 1 else ""))

    def _summary(self, run, *, dry_run: bool) -> str:
        sent, already = run.count(ReminderResult.SENT), run.count(ReminderResult.ALREADY)
        would, failed = run.count(ReminderResult.WOULD_SEND), run.count(ReminderResult.FAILED)
        if not run.results:
            return NOTHING_DUE_MESSAGE
        if not (sent or would or failed):
            return NOTHING_NEW_MESSAGE
        verb = f"Would send {would}" if dry_run else f"Sent {sent}"
        parts = [f"{verb} reminder{'s' if (would if dry_run else sent) != 1 else ''}"]
        if already:
            parts.append(f"{already} already sent today")
        if failed:
            parts.append(f"{failed} failed")
        if run.skipped:
            parts.append(f"{len(run.skipped)} skipped (above)")
        return "; ".join(parts) + "."
