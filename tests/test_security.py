"""Deployment checklist, headers, CSRF and sign-in: the parts every page relies on."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import KeyActionFactory

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_the_deployment_checklist():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "torbay_improvement.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tracker.example.gov.uk",
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only; never in production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "torbay_improvement.settings.production", "SECRET_KEY": ""}
    env.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


@pytest.mark.django_db
def test_pages_send_security_headers_and_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_load_nothing_from_another_site(client, sro):
    client.force_login(sro)
    body = client.get(reverse("plans:plan_list")).content.decode()
    assert "http://" not in body.replace("http://www.w3.org", "")
    assert "https://" not in body


@pytest.mark.django_db
def test_update_form_refuses_a_post_without_a_csrf_token(head_of_service):
    from django.test import Client

    action = KeyActionFactory(owner=head_of_service)
    client = Client(enforce_csrf_checks=True)
    client.force_login(head_of_service)
    response = client.post(
        reverse("plans:action_update", kwargs={"pk": action.pk}),
        {"version": 1, "financial_year": 2021, "quarter": 1, "rag": "red", "progress": "x"},
    )
    assert response.status_code == 403
    assert not action.updates.exists()


@pytest.mark.django_db
def test_signing_in_with_the_right_password_reaches_the_app(client, sro):
    response = client.post(reverse("login"), {"username": "sro", "password": "improve-2021"}, follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.user == sro


@pytest.mark.django_db
def test_a_wrong_password_is_a_clear_error_that_keeps_the_username(client, sro):
    response = client.post(reverse("login"), {"username": "sro", "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a correct username and password" in body
    assert 'value="sro"' in body


@pytest.mark.django_db
def test_signing_out_needs_a_post_and_ends_the_session(client, sro):
    client.force_login(sro)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    response = client.get(reverse("plans:plan_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
