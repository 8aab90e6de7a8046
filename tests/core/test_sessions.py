"""Sessions end after 30 minutes unused and 8 hours after signing in, with a message saying so."""

import time

import pytest
from django.urls import reverse

from core.sessions import LAST_ACTIVITY_KEY, SIGNED_IN_AT_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, sro):
    client.force_login(sro)
    assert client.get(reverse("plans:plan_list")).status_code == 200
    return client


def move_back(client, key: str, seconds: int) -> None:
    """Move a time stored in the session into the past, as if that long had passed."""
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_signing_in_starts_both_clocks(client, sro):
    client.post(reverse("login"), {"username": "sro", "password": "improve-2021"})
    now = int(time.time())
    assert abs(client.session[LAST_ACTIVITY_KEY] - now) <= 2
    assert abs(client.session[SIGNED_IN_AT_KEY] - now) <= 2


def test_a_session_from_before_the_clocks_gets_them_on_its_next_request(signed_in):
    session = signed_in.session
    del session[LAST_ACTIVITY_KEY], session[SIGNED_IN_AT_KEY]
    session.save()
    signed_in.get(reverse("plans:plan_list"))
    now = int(time.time())
    assert abs(signed_in.session[LAST_ACTIVITY_KEY] - now) <= 2
    assert abs(signed_in.session[SIGNED_IN_AT_KEY] - now) <= 2


def test_a_session_unused_for_29_minutes_goes_on(signed_in):
    move_back(signed_in, LAST_ACTIVITY_KEY, 29 * 60)
    assert signed_in.get(reverse("plans:plan_list")).status_code == 200
    assert abs(signed_in.session[LAST_ACTIVITY_KEY] - int(time.time())) <= 2


def test_a_session_unused_for_31_minutes_ends_and_says_why_on_the_sign_in_page(signed_in):
    move_back(signed_in, LAST_ACTIVITY_KEY, 31 * 60)
    response = signed_in.get(reverse("plans:plan_list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('plans:plan_list')}"
    assert "_auth_user_id" not in signed_in.session
    page = signed_in.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity. Sign in again." in page


def test_the_idle_limit_comes_from_the_setting(signed_in, settings):
    settings.SESSION_IDLE_TIMEOUT = 10 * 60
    move_back(signed_in, LAST_ACTIVITY_KEY, 11 * 60)
    response = signed_in.get(reverse("plans:plan_list"), follow=True)
    assert "after 10 minutes without activity" in response.content.decode()


def test_a_session_in_constant_use_still_ends_eight_hours_after_signing_in(signed_in):
    move_back(signed_in, SIGNED_IN_AT_KEY, 8 * 60 * 60 + 60)
    response = signed_in.get(reverse("plans:plan_list"), follow=True)
    assert response.wsgi_request.user.is_anonymous
    assert "You were signed out 8 hours after signing in. Sign in again." in response.content.decode()


def test_requests_within_a_minute_do_not_write_the_session(signed_in):
    move_back(signed_in, LAST_ACTIVITY_KEY, 10)
    stored = signed_in.session[LAST_ACTIVITY_KEY]
    signed_in.get(reverse("plans:plan_list"))
    assert signed_in.session[LAST_ACTIVITY_KEY] == stored
    assert signed_in.get(reverse("plans:plan_list")).cookies.get("sessionid") is None


def test_a_request_a_minute_later_moves_the_last_activity(signed_in):
    move_back(signed_in, LAST_ACTIVITY_KEY, 61)
    signed_in.get(reverse("plans:plan_list"))
    assert abs(signed_in.session[LAST_ACTIVITY_KEY] - int(time.time())) <= 2
