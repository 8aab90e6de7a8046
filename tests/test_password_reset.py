"""Password reset by email, through Django's file mail backend (real emails, written to files):
the same answer whether or not an account has the address, a link that works once, the password rules."""

from __future__ import annotations

import re
from email import message_from_bytes

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-longer-pass-phrase-2026"


@pytest.fixture
def mailbox(settings, tmp_path):
    """Every email the app sends in the test, as a file in a folder of its own."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


def sent(mailbox) -> list:
    """Return the emails written so far, parsed."""
    if not mailbox.exists():
        return []
    messages = []
    for path in sorted(mailbox.iterdir()):
        # One file may hold several messages, each followed by a line of dashes.
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                messages.append(message_from_bytes(chunk.strip()))
    return messages


def ask_for_reset(client, email: str):
    return client.post(reverse("password_reset"), {"email": email}, follow=True)


def test_a_person_resets_their_password_with_the_emailed_link_once(client, head_of_service, mailbox):
    head_of_service.email = "becky.thompson@torbay.gov.uk"
    head_of_service.save()

    page = ask_for_reset(client, "Becky.Thompson@torbay.gov.uk")

    assert "Check your email" in page.content.decode()
    [email] = sent(mailbox)
    assert email["To"] == "becky.thompson@torbay.gov.uk"
    assert email["Subject"] == "Improvement Tracker: choose a new password"
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", email.get_payload()).group(1)

    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")

    head_of_service.refresh_from_db()
    assert head_of_service.check_password(NEW_PASSWORD)
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, head_of_service, mailbox):
    head_of_service.email = "becky.thompson@torbay.gov.uk"
    head_of_service.save()

    known = ask_for_reset(client, "becky.thompson@torbay.gov.uk")
    unknown = ask_for_reset(client, "nobody@torbay.gov.uk")

    assert known.redirect_chain == unknown.redirect_chain
    assert known.content.decode().replace(str(known.context["csrf_token"]), "") == unknown.content.decode().replace(
        str(unknown.context["csrf_token"]), ""
    )
    assert len(sent(mailbox)) == 1, "only the known address is sent a link"


def test_the_new_password_must_meet_the_password_rules_and_nothing_typed_is_kept(client, head_of_service, mailbox):
    head_of_service.email = "becky.thompson@torbay.gov.uk"
    head_of_service.save()
    ask_for_reset(client, head_of_service.email)
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", sent(mailbox)[0].get_payload()).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(form_url, {"new_password1": "short-pass", "new_password2": "short-pass"})

    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    head_of_service.refresh_from_db()
    assert head_of_service.check_password("improve-2021")


def test_the_sign_in_page_links_to_the_reset(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in page
