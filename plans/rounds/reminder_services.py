"""Sending the day's reminders (manage.py send_reminders): each one claimed, sent and recorded on its own, so
running twice sends nothing new and one address that fails stops no one else's."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from plans.models import Plan, ReminderSent
from plans.rounds.reminder_emails import reminder_message, site_url
from plans.rounds.reminders import Reminder, reminders_due

Outcome = ReminderSent.Outcome
# A reminder still "sending" this long after it was claimed was cut off (the run was stopped): claim it again.
STALE_SENDING = datetime.timedelta(minutes=30)


@dataclass(frozen=True)
class ReminderResult:
    """What became of one reminder: sent, failed (with the error), already sent today, or would be sent."""

    SENT = "sent"
    FAILED = "failed"
    ALREADY = "already sent"
    WOULD_SEND = "would send"

    reminder: Reminder
    status: str
    error: str = ""

    @property
    def recipient(self) -> str:
        person = self.reminder.recipient
        return f"{person.get_full_name() or person.get_username()} <{person.email}>"


@dataclass
class RemindersRun:
    results: list[ReminderResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)


def reminders_send(
    *, today: datetime.date | None = None, plan: Plan | None = None, dry_run: bool = False
) -> RemindersRun:
    """Send today's reminders (plans.rounds.reminders.reminders_due) not sent yet today, recording each one; return
    what became of each. A dry run sends and records nothing. ImproperlyConfigured without SITE_URL."""
    today = today or timezone.localdate()
    base_url = site_url()
    selection = reminders_due(today=today, days_before=settings.REMINDER_DAYS_BEFORE, plan=plan)
    run = RemindersRun(skipped=selection.skipped)
    for reminder in selection.reminders:
        message = reminder_message(reminder, base_url=base_url)
        if dry_run:
            already = _records(reminder, today).filter(outcome=Outcome.SENT).exists()
            run.results.append(
                ReminderResult(reminder, ReminderResult.ALREADY if already else ReminderResult.WOULD_SEND)
            )
            continue
        record = _claim(reminder, today)
        if record is None:
            run.results.append(ReminderResult(reminder, ReminderResult.ALREADY))
            continue
        try:
            message.send()
        except Exception as error:  # SMTP refusals, timeouts, a wrong address: record it and go on to the next
            _finish(record, outcome=Outcome.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
            run.results.append(ReminderResult(reminder, ReminderResult.FAILED, error=record.error))
        else:
            _finish(record, outcome=Outcome.SENT, error="")
            run.results.append(ReminderResult(reminder, ReminderResult.SENT))
    return run


def _records(reminder: Reminder, today: datetime.date):
    return ReminderSent.objects.filter(
        recipient=reminder.recipient, kind=reminder.kind, round=reminder.round, day=today
    )


def _claim(reminder: Reminder, today: datetime.date) -> ReminderSent | None:
    """Record the reminder as being sent and return the record; None when today's was sent (or is being sent).

    The unique constraint decides between two runs at once; a reminder that failed earlier today, or whose run
    stopped while sending it, is claimed again.
    """
    person = reminder.recipient
    fields = {
        "recipient_name": person.get_full_name() or person.get_username(),
        "recipient_email": person.email,
        "sent_at": timezone.now(),
        "subject": reminder.subject,
        "listed": [line.as_record() for line in reminder.lines],
        "outcome": Outcome.SENDING,
        "error": "",
    }
    record = ReminderSent(recipient=person, kind=reminder.kind, round=reminder.round, day=today, **fields)
    record.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            record.save()
            return record
    except IntegrityError:
        pass
    stale = Q(outcome=Outcome.SENDING, sent_at__lt=fields["sent_at"] - STALE_SENDING)
    retried = _records(reminder, today).filter(Q(outcome=Outcome.FAILED) | stale)
    if retried.update(**fields, attempts=F("attempts") + 1) == 0:
        return None
    return _records(reminder, today).get()


def _finish(record: ReminderSent, *, outcome: str, error: str) -> None:
    record.outcome, record.error, record.sent_at = outcome, error, timezone.now()
    record.save(update_fields=["outcome", "error", "sent_at"])
