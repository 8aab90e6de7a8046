"""A reminder as an email: its subject, plain text and HTML, with absolute links to the pages to act on."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from plans.models import ReminderSent
from plans.rounds.reminders import Reminder

SITE_URL_MISSING_MESSAGE = (
    "Set SITE_URL to the address people open the tracker at (for example https://tracker.example.gov.uk), so the "
    "reminders' links work; nothing was sent."
)
TEMPLATES = {ReminderSent.Kind.OWNER: "emails/reminder_owner", ReminderSent.Kind.DIGEST: "emails/reminder_digest"}


def site_url() -> str:
    """Return SITE_URL without its trailing slash; ImproperlyConfigured when it is not an http(s) address."""
    url = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise ImproperlyConfigured(SITE_URL_MISSING_MESSAGE)
    return url


def reminder_message(reminder: Reminder, *, base_url: str) -> EmailMultiAlternatives:
    """Return the reminder as an email to its recipient: plain text, with the same words as HTML beside it."""
    person = reminder.recipient
    context = {
        "reminder": reminder,
        "name": person.first_name or person.get_full_name() or person.get_username(),
        "plan": reminder.round.plan,
        "round": reminder.round,
        "quarter": reminder.round.for_quarter.label,
        "lines": [(line, base_url + line.path) for line in reminder.lines],
        "my_actions": base_url + reverse("plans:my_actions"),
        "review": base_url + reverse("plans:round_review", kwargs={"slug": reminder.round.plan.slug}),
        "days_before": settings.REMINDER_DAYS_BEFORE,
    }
    template = TEMPLATES[reminder.kind]
    message = EmailMultiAlternatives(
        subject=reminder.subject,
        body=render_to_string(f"{template}.txt", context),
        to=[person.email],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
