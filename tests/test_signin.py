"""Signing in: the lockout after repeated failures (django-axes), by username and by address."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

RIGHT = "improve-2021"
LIMIT = 5


def sign_in(client, username, password, address="192.0.2.10", **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, username, times=LIMIT, address="192.0.2.10", **headers):
    for _ in range(times):
        response = sign_in(client, username, "wrong password", address, **headers)
        assert response.status_code in {200, 429}


def test_the_right_password_after_five_wrong_ones_is_refused_with_the_lockout_page(client, sro):
    fail(client, "sro")
    response = sign_in(client, "sro", RIGHT)
    body = response.content.decode()
    assert response.status_code == 429
    assert "Sign-in locked for 15 minutes" in body
    assert "ask your improvement lead or administrator" in body
    assert 'aria-label="Main"' in body  # the site's layout, not a bare error
    assert not signed_in(client)


@override_settings(SUPPORT_CONTACT="servicedesk@example.gov.uk")
def test_the_lockout_page_names_the_support_contact(client, sro):
    fail(client, "sro", LIMIT + 1)
    assert "servicedesk@example.gov.uk" in sign_in(client, "sro", RIGHT).content.decode()


def test_four_wrong_passwords_do_not_lock_and_a_success_clears_the_count(client, sro):
    fail(client, "sro", LIMIT - 1)
    assert sign_in(client, "sro", RIGHT).status_code == 302
    client.post(reverse("logout"))
    fail(client, "sro", LIMIT - 1)
    assert sign_in(client, "sro", RIGHT).status_code == 302


def test_after_the_cool_off_the_right_password_signs_in(client, sro):
    fail(client, "sro")
    assert sign_in(client, "sro", RIGHT).status_code == 429
    # Fifteen minutes pass: the failures are moved back in time in the database.
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
    response = sign_in(client, "sro", RIGHT)
    assert response.status_code == 302
    assert signed_in(client)


def test_one_persons_failures_do_not_lock_out_another_person_at_another_address(client, sro, head_of_service):
    fail(client, "sro", LIMIT + 2, address="192.0.2.10")
    response = sign_in(client, "becky.thompson", RIGHT, address="192.0.2.20")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_locked_username_stays_locked_from_another_address(client, sro):
    fail(client, "sro", address="192.0.2.10")
    assert sign_in(client, "sro", RIGHT, address="198.51.100.7").status_code == 429


def test_one_address_trying_many_usernames_is_locked_out(client, sro):
    for number in range(LIMIT):
        sign_in(client, f"guess{number}", "wrong password", address="192.0.2.66")
    assert sign_in(client, "sro", RIGHT, address="192.0.2.66").status_code == 429
    assert sign_in(client, "sro", RIGHT, address="192.0.2.10").status_code == 302


def test_without_proxy_settings_a_forwarded_for_header_is_not_believed(client, sro):
    for number in range(LIMIT):
        sign_in(client, f"guess{number}", "wrong", address="10.0.0.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    assert sign_in(client, "sro", RIGHT, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


@override_settings(AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"), AXES_IPWARE_PROXY_COUNT=0)
def test_behind_the_proxy_two_forwarded_clients_are_told_apart(client, sro):
    proxy = "10.0.0.2"
    for number in range(LIMIT):
        sign_in(client, f"guess{number}", "wrong", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert sign_in(client, "sro", RIGHT, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    assert sign_in(client, "sro", RIGHT, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302


def test_a_wrong_password_reads_the_same_whether_or_not_the_account_exists(client, sro):
    known = sign_in(client, "sro", "wrong password").context["form"].non_field_errors()
    unknown = sign_in(client, "nobody-here", "wrong password").context["form"].non_field_errors()
    assert known == unknown
    assert "Please enter a correct username and password" in known[0]


@pytest.mark.parametrize("username", ["sro", "becky.thompson", "rachel.setter", "performance", "admin"])
def test_the_demo_password_passes_the_password_rules_for_each_demo_user(username, settings):
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password

    assert settings.DEMO_PASSWORD == RIGHT
    validate_password(RIGHT, User(username=username))


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("improve-202", id="eleven characters"),
        pytest.param("password1234", id="a common password"),
        pytest.param("483920175639", id="only digits"),
        pytest.param("nancy.meehan1", id="like the username"),
    ],
)
def test_a_weak_password_is_refused(password):
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(password, User(username="nancy.meehan", first_name="Nancy", last_name="Meehan"))


def test_passwords_must_have_at_least_twelve_characters():
    from django.contrib.auth.password_validation import password_validators_help_texts

    assert any("at least 12 characters" in text for text in password_validators_help_texts())
