"""Reminders by email (issue 10): who is reminded of what, at most once a day, recorded, and shown to the SRO.

The suite's mail backend is locmem (pytest-django), so `mail.outbox` holds what was sent.
"""

from __future__ import annotations

import datetime
import email
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from core import roles
from plans.models import ActionUpdate, Plan, QuarterRag, ReminderSent, ReportingRound, Submission
from plans.rounds import services as rounds
from plans.rounds.reminder_services import ReminderResult, reminders_send
from plans.rounds.reminders import NOT_A_USER_MESSAGE, reminders_due
from tests.factories import KeyActionFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2021, 10, 15)
BOARD = datetime.date(2021, 10, 28)
SITE = "https://tracker.example.gov.uk"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.REMINDER_DAYS_BEFORE = 3


def with_email(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def becky(head_of_service):
    return with_email(head_of_service, "becky.thompson@example.gov.uk")


@pytest.fixture
def rachel(other_head_of_service):
    return with_email(other_head_of_service, "rachel.setter@example.gov.uk")


@pytest.fixture
def sro_with_email(sro):
    return with_email(sro, "nancy.meehan@example.gov.uk")


@pytest.fixture
def lead(make_user):
    return make_user("improvement.lead", roles.IMPROVEMENT_LEAD, first_name="Imogen", email="lead@example.gov.uk")


@pytest.fixture
def action(becky):
    return KeyActionFactory(owner=becky, description="<p>Embed triage at the front door</p>")


@pytest.fixture
def round_(sro_with_email, action) -> ReportingRound:
    sro = sro_with_email
    plan = Plan.objects.get(pk=action.objective.theme.plan_id)
    return rounds.round_open(user=sro, plan=plan, financial_year=2021, quarter=2, deadline=DEADLINE, board_date=BOARD)


def days(n: int) -> datetime.date:
    """The day `n` days after the deadline (before it, when negative)."""
    return DEADLINE + datetime.timedelta(days=n)


def submission(round_, action, status, *, rag="green", barriers="", comment=""):
    update = ActionUpdate.objects.create(
        key_action=action,
        financial_year=2021,
        quarter=2,
        progress="<p>Triage live.</p>",
        barriers=barriers,
        author=action.owner,
        created_at=timezone.now(),
    )
    QuarterRag.objects.create(key_action=action, financial_year=2021, quarter=2, rag=rag, set_at=timezone.now())
    return Submission.objects.create(
        round=round_, key_action=action, status=status, update=update, comment=comment, submitted_at=timezone.now()
    )


def owner_reminders(today):
    return [r for r in reminders_due(today=today, days_before=3).reminders if r.kind == ReminderSent.Kind.OWNER]


# Who is reminded -------------------------------------------------------------------------------------------


def _not_yet_a_user(action):
    action.owner, action.owner_name = None, "Karen Ogle"
    action.save()


def _no_email(action):
    action.owner.email = ""
    action.owner.save()


def _inactive(action):
    action.owner.is_active = False
    action.owner.save()


def _retired(action):
    action.retired_at = timezone.now()
    action.save()


def _closed(action):
    ReportingRound.objects.update(status=ReportingRound.Status.CLOSED)


@pytest.mark.parametrize(
    ("today", "status", "change", "state", "skipped"),
    [
        pytest.param(days(-3), None, None, "Due in 3 days, by 15 October 2021", "", id="due soon"),
        pytest.param(days(-4), None, None, None, "", id="not yet: the deadline is 4 days away"),
        pytest.param(days(0), None, None, "Due today, 15 October 2021", "", id="due today"),
        pytest.param(days(2), None, None, "2 days overdue: the deadline was 15 October 2021", "", id="overdue"),
        pytest.param(
            days(-1),
            Submission.Status.RETURNED,
            None,
            "Returned with the comment “Say which localities.”. Due tomorrow, 15 October 2021",
            "",
            id="returned",
        ),
        pytest.param(days(2), Submission.Status.SUBMITTED, None, None, "", id="submitted"),
        pytest.param(days(2), Submission.Status.SIGNED_OFF, None, None, "", id="signed off"),
        pytest.param(days(2), None, _retired, None, "", id="retired action"),
        pytest.param(days(2), None, _closed, None, "", id="round closed"),
        pytest.param(days(2), None, _no_email, None, "Becky Thompson has no email address", id="no email"),
        pytest.param(days(2), None, _inactive, None, "Becky Thompson is deactivated", id="inactive"),
        pytest.param(
            days(2),
            None,
            _not_yet_a_user,
            None,
            "Karen Ogle owns 1 update due in the Q2 2021/22 round of Improvement plan",
            id="owner named only, not yet a user",
        ),
    ],
)
def test_which_owners_are_reminded(round_, action, today, status, change, state, skipped):
    if status:
        submission(round_, action, status, comment="Say which localities." if status == "returned" else "")
    if change:
        change(action)
    selection = reminders_due(today=today, days_before=3)
    reminded = [r for r in selection.reminders if r.kind == ReminderSent.Kind.OWNER]
    if state is None:
        assert reminded == []
    else:
        [reminder] = reminded
        assert reminder.recipient == action.owner
        assert [(line.description, line.state) for line in reminder.lines] == [
            ("Embed triage at the front door", state)
        ]
    assert (skipped in " ".join(selection.skipped)) if skipped else selection.skipped == []


def test_an_owner_gets_one_reminder_listing_every_action_due(round_, action, becky):
    other = KeyActionFactory(owner=becky, objective=action.objective, description="Audit case files")
    [reminder] = owner_reminders(days(-2))
    assert [line.description for line in reminder.lines] == ["Embed triage at the front door", "Audit case files"]
    assert [line.path for line in reminder.lines] == [f"/actions/{action.pk}/update/", f"/actions/{other.pk}/update/"]
    assert reminder.subject == "Your Q2 2021/22 updates are due by 15 October"


@pytest.mark.parametrize(
    ("today", "subject"),
    [
        pytest.param(days(-1), "Your Q2 2021/22 update is due by 15 October", id="one due"),
        pytest.param(days(1), "1 Q2 2021/22 update is overdue", id="one overdue"),
    ],
)
def test_the_subject_says_when_updates_are_due_or_how_many_are_overdue(round_, action, today, subject):
    [reminder] = owner_reminders(today)
    assert reminder.subject == subject


def test_owners_not_yet_users_are_counted_in_one_sentence(round_, action):
    for _ in range(2):
        KeyActionFactory(owner=None, owner_name="Karen Ogle", objective=action.objective)
    plan = round_.plan.title
    expected = NOT_A_USER_MESSAGE.format(name="Karen Ogle", count=2, s="s", round=f"the Q2 2021/22 round of {plan}")
    assert reminders_due(today=days(1), days_before=3).skipped == [expected]


# The reviewer's digest ----------------------------------------------------------------------------------------


def test_each_reviewer_gets_a_digest_of_what_awaits_sign_off(round_, action, sro_with_email, lead, rachel):
    round_.plan.explain_red = False
    round_.plan.save()
    waiting = submission(round_, action, Submission.Status.SUBMITTED, rag="red")
    signed = KeyActionFactory(owner=rachel, objective=action.objective)
    submission(round_, signed, Submission.Status.SIGNED_OFF)
    run = reminders_send(today=days(-10))
    assert [(r.reminder.recipient, r.status) for r in run.results] == [
        (sro_with_email, ReminderResult.SENT),
        (lead, ReminderResult.SENT),
    ]
    message = mail.outbox[0]
    assert message.subject == "1 Q2 2021/22 update awaits your sign-off"
    assert (
        f"1 update to {round_.plan.title} for Q2 2021/22 is waiting for your sign-off, before the improvement "
        in message.body
    )
    assert "1 of them is Red or Amber without barriers or next steps." in message.body
    assert "Embed triage at the front door" in message.body
    assert "Red, submitted by Becky Thompson on" in message.body
    assert "This Red update has no barriers or next steps" in message.body
    assert f"{SITE}/plans/{round_.plan.slug}/review/" in message.body
    record = ReminderSent.objects.get(recipient=lead)
    assert record.listed[0]["action"] == action.pk
    assert waiting.status == Submission.Status.SUBMITTED


def test_no_digest_while_nothing_awaits_sign_off(round_, action, sro_with_email, lead):
    assert reminders_send(today=days(-10)).results == []
    assert mail.outbox == []


# Sending, once a day --------------------------------------------------------------------------------------------


def test_running_twice_sends_nothing_new_and_the_next_day_sends_again(round_, action, rachel):
    KeyActionFactory(owner=rachel, objective=action.objective)
    first = reminders_send(today=days(1))
    assert [r.status for r in first.results] == [ReminderResult.SENT] * 2
    assert sorted(m.to[0] for m in mail.outbox) == ["becky.thompson@example.gov.uk", "rachel.setter@example.gov.uk"]
    second = reminders_send(today=days(1))
    assert [r.status for r in second.results] == [ReminderResult.ALREADY] * 2
    assert len(mail.outbox) == 2
    assert ReminderSent.objects.count() == 2
    reminders_send(today=days(2))
    assert len(mail.outbox) == 4
    assert ReminderSent.objects.filter(day=days(2), outcome=ReminderSent.Outcome.SENT).count() == 2


@pytest.mark.parametrize(
    ("claimed", "status"),
    [
        pytest.param(datetime.timedelta(minutes=1), ReminderResult.ALREADY, id="another run sending it now"),
        pytest.param(datetime.timedelta(hours=1), ReminderResult.SENT, id="a run stopped while sending it"),
    ],
)
def test_a_reminder_another_run_is_sending_is_left_to_it_unless_that_run_stopped(
    round_, action, becky, claimed, status
):
    ReminderSent.objects.create(
        round=round_,
        recipient=becky,
        recipient_name="Becky Thompson",
        recipient_email=becky.email,
        kind=ReminderSent.Kind.OWNER,
        day=days(1),
        sent_at=timezone.now() - claimed,
        subject="Sending elsewhere",
    )
    assert [r.status for r in reminders_send(today=days(1)).results] == [status]
    assert len(mail.outbox) == (status == ReminderResult.SENT)
    assert ReminderSent.objects.get().outcome == (
        ReminderSent.Outcome.SENT if status == ReminderResult.SENT else ReminderSent.Outcome.SENDING
    )


FAILING = {"becky.thompson@example.gov.uk"}


class FailingForOneBackend(LocmemBackend):
    """The locmem backend, refusing the addresses in FAILING as an SMTP server would."""

    def send_messages(self, messages):
        for message in messages:
            refused = set(message.recipients()) & FAILING
            if refused:
                raise smtplib.SMTPRecipientsRefused({address: (550, b"Mailbox unavailable") for address in refused})
        return super().send_messages(messages)


def test_one_address_failing_stops_no_one_else_is_recorded_and_retried(settings, round_, action, rachel):
    settings.EMAIL_BACKEND = f"{__name__}.FailingForOneBackend"
    KeyActionFactory(owner=rachel, objective=action.objective)
    with pytest.raises(CommandError, match="1 reminder could not be sent"):
        call_command("send_reminders", "--today", days(1).isoformat(), stdout=(out := _Out()))
    assert [m.to for m in mail.outbox] == [["rachel.setter@example.gov.uk"]]
    failed = ReminderSent.objects.get(recipient_email="becky.thompson@example.gov.uk")
    assert failed.outcome == ReminderSent.Outcome.FAILED
    assert "SMTPRecipientsRefused" in failed.error
    assert "Failed to send to Becky Thompson <becky.thompson@example.gov.uk>" in out.text
    FAILING.clear()
    try:
        call_command("send_reminders", "--today", days(1).isoformat(), stdout=(out := _Out()))
    finally:
        FAILING.add("becky.thompson@example.gov.uk")
    failed.refresh_from_db()
    assert (failed.outcome, failed.attempts, failed.error) == (ReminderSent.Outcome.SENT, 2, "")
    assert [m.to for m in mail.outbox][1:] == [["becky.thompson@example.gov.uk"]]
    assert "Sent 1 reminder; 1 already sent today." in out.text


# The email's words --------------------------------------------------------------------------------------------


def test_descriptions_are_plain_words_in_the_text_and_escaped_in_the_html(round_, action):
    action.description = "<p>R&amp;D &lt;script&gt;alert(1)&lt;/script&gt; <strong>now</strong></p>"
    action.save()
    reminders_send(today=days(1))
    [message] = mail.outbox
    assert "R&D <script>alert(1)</script> now" in message.body
    html = message.alternatives[0].content
    assert "R&amp;D &lt;script&gt;alert(1)&lt;/script&gt; now" in html
    assert "<script>" not in html
    assert f'<a href="{SITE}/actions/{action.pk}/update/">Write the update</a>' in html


def test_without_site_url_nothing_is_sent_and_the_command_says_what_to_set(settings, round_, action):
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match="Set SITE_URL to the address people open the tracker at"):
        call_command("send_reminders", "--today", days(1).isoformat(), stdout=_Out())
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


# The command ---------------------------------------------------------------------------------------------------


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def run_command(*args) -> str:
    out = _Out()
    call_command("send_reminders", *args, stdout=out)
    return out.text


def test_the_command_says_what_it_sent_skipped_and_then_that_nothing_is_new(round_, action):
    KeyActionFactory(owner=None, owner_name="Karen Ogle", objective=action.objective)
    text = run_command("--today", days(1).isoformat())
    assert "Sent to Becky Thompson <becky.thompson@example.gov.uk>: 1 Q2 2021/22 update is overdue" in text
    assert "Skipped: Karen Ogle owns 1 update due in" in text
    assert "Sent 1 reminder; 1 skipped (above)." in text
    again = run_command("--today", days(1).isoformat())
    assert "Already sent today to Becky Thompson" in again
    assert "Nothing new to send: every reminder due today has been sent already." in again
    assert len(mail.outbox) == 1


def test_a_dry_run_sends_and_records_nothing(round_, action):
    text = run_command("--dry-run", "--today", days(1).isoformat())
    assert "Would send to Becky Thompson <becky.thompson@example.gov.uk>: 1 Q2 2021/22 update is overdue" in text
    assert "Would send 1 reminder." in text
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_the_command_keeps_to_one_plan(round_, action, sro):
    other = KeyActionFactory(owner=action.owner)
    rounds.round_open(
        user=sro, plan=other.objective.theme.plan, financial_year=2021, quarter=2, deadline=DEADLINE, board_date=BOARD
    )
    run_command("--plan", round_.plan.slug, "--today", days(1).isoformat())
    assert [r.round for r in ReminderSent.objects.all()] == [round_]


def test_the_command_says_nothing_is_due(round_, action):
    assert "No reminders are due today." in run_command("--today", days(-10).isoformat())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--plan", "nope"], "No plan has the slug “nope”.", id="unknown plan"),
        pytest.param(["--today", "18/10/2021"], "Give --today as year-month-day", id="unreadable day"),
    ],
)
def test_the_command_refuses_bad_arguments_with_a_sentence(round_, args, message, capsys):
    with pytest.raises((CommandError, SystemExit)) as error:
        call_command("send_reminders", *args, stdout=_Out())
    said = str(error.value) if isinstance(error.value, CommandError) else capsys.readouterr().err
    assert message in said


def test_a_real_file_backend_writes_the_message_to_disk(settings, tmp_path, round_, action):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.DEFAULT_FROM_EMAIL = "improvement-tracker@torbay.gov.uk"
    run_command("--today", days(1).isoformat())
    [written] = list(tmp_path.iterdir())
    message = email.message_from_bytes(written.read_bytes().split(b"\n" + b"-" * 79 + b"\n")[0])
    assert message["Subject"] == "1 Q2 2021/22 update is overdue"
    assert message["To"] == "becky.thompson@example.gov.uk"
    assert message["From"] == "improvement-tracker@torbay.gov.uk"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert f"Write the update: {SITE}/actions/{action.pk}/update/" in parts["text/plain"]
    assert "1 day overdue: the deadline was 15 October 2021" in parts["text/plain"]
    assert "Write the update</a>" in parts["text/html"]


# The SRO's page ------------------------------------------------------------------------------------------------


def test_the_page_lists_who_when_what_and_the_outcome_newest_first(client, sro, settings, round_, action, rachel):
    settings.EMAIL_BACKEND = f"{__name__}.FailingForOneBackend"
    reminders_send(today=days(1))
    KeyActionFactory(owner=rachel, objective=action.objective, description="Audit case files")
    reminders_send(today=days(2))
    client.force_login(sro)
    body = client.get(reverse("plans:round_reminders", args=[round_.plan.slug])).content.decode()
    assert "3 reminders." in body
    assert body.index("rachel.setter@example.gov.uk") < body.index("becky.thompson@example.gov.uk")
    assert "Audit case files</a>: 2 days overdue: the deadline was 15 October 2021" in body
    assert 'Failed</strong><div class="small">SMTPRecipientsRefused' in body
    assert "The next run tries again." in body
    # A reminder may list dozens of actions: each list is folded, and on a phone each reminder is one block.
    assert body.count("<details") == 3
    assert "table-stacked" in body


def test_the_review_page_links_to_the_reminders(client, sro, round_):
    client.force_login(sro)
    body = client.get(reverse("plans:round_review", args=[round_.plan.slug])).content.decode()
    assert f'href="{reverse("plans:round_reminders", args=[round_.plan.slug])}"' in body


def test_the_page_says_when_nothing_was_sent(client, lead, round_):
    client.force_login(lead)
    body = client.get(reverse("plans:round_reminders", args=[round_.plan.slug])).content.decode()
    assert "No reminders have been sent for" in body


@pytest.mark.parametrize("size", [1, 60])
def test_the_page_runs_a_fixed_number_of_queries(client, sro, round_, action, django_assert_num_queries, size):
    ReminderSent.objects.bulk_create(
        ReminderSent(
            round=round_,
            recipient=action.owner,
            recipient_name="Becky Thompson",
            recipient_email="becky.thompson@example.gov.uk",
            kind=ReminderSent.Kind.OWNER,
            day=days(n),
            sent_at=timezone.now(),
            subject="1 Q2 2021/22 update is overdue",
            listed=[{"action": action.pk, "description": "Embed triage", "state": "Overdue"}],
            outcome=ReminderSent.Outcome.SENT,
        )
        for n in range(size)
    )
    client.force_login(sro)
    # session, user, the user's groups, the plan, the user's own and their groups' permissions (may they open
    # rounds), the count, the page.
    with django_assert_num_queries(8):
        response = client.get(reverse("plans:round_reminders", args=[round_.plan.slug]))
    assert response.content.decode().count('id="reminder-') == min(size, 50)
