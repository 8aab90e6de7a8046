"""403, 404 and 500 answer with pages in the site's layout that say what to do next."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.factories import KeyActionFactory

pytestmark = pytest.mark.django_db

MENU = 'aria-label="Main"'


def test_a_missing_page_is_a_404_in_the_sites_layout_with_its_menu(client, sro):
    client.force_login(sro)
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body
    assert MENU in body
    assert reverse("plans:plan_list") in body  # the menu for a signed-in person


def test_a_missing_page_signed_out_is_a_404_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_forbidden_page_is_a_403_in_the_sites_layout_with_its_reason(client, head_of_service, other_head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    client.force_login(other_head_of_service)
    response = client.get(reverse("plans:action_update", kwargs={"pk": action.pk}))
    body = response.content.decode()
    assert response.status_code == 403
    assert "You cannot open this page" in body
    assert MENU in body
    assert reverse("plans:plan_list") in body


def test_a_failing_view_answers_with_the_500_page(client, sro, settings):
    settings.ROOT_URLCONF = "tests.urls_that_fail"
    client.raise_request_exception = False
    client.force_login(sro)
    response = client.get("/broken/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert MENU in body


def test_the_500_page_renders_without_a_request_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
