"""Shared fixtures: one signed-in user per role, and the real seed data loaded once per test."""

import pytest
from django.core.management import call_command

from core import roles
from tests.factories import UserFactory
from tests.oidc_provider.fixture import oidc_provider  # noqa: F401 (the local OpenID provider, session-wide)
from tests.two_factor import sign_in_verified


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database also gets the cache table (the KPI and risk imports keep uploads there)."""
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def cache_not_culled_by_earlier_tests(monkeypatch):
    """The shared cache counts its table once every CULL_EVERY writes of the process (core.cache): each test
    starts the count again, so that a test's query count never depends on how many writes came before it."""
    import itertools

    import core.cache

    monkeypatch.setattr(core.cache, "_writes", itertools.count(1))


@pytest.fixture
def make_user(db):
    """Return a function that makes a user in the given role groups."""

    def make(username: str, *roles: str, **kwargs):
        return UserFactory(username=username, groups=roles, **kwargs)

    return make


@pytest.fixture
def sro(make_user):
    return make_user("sro", roles.SRO, first_name="Nancy", last_name="Meehan")


@pytest.fixture
def head_of_service(make_user):
    return make_user("becky.thompson", roles.HEAD_OF_SERVICE, first_name="Becky", last_name="Thompson")


@pytest.fixture
def other_head_of_service(make_user):
    return make_user("rachel.setter", roles.HEAD_OF_SERVICE, first_name="Rachel", last_name="Setter")


@pytest.fixture
def performance_user(make_user):
    return make_user("performance", roles.PERFORMANCE_TEAM, is_staff=True)


@pytest.fixture
def admin_user_(make_user):
    return make_user("admin", roles.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, signed in with a verified second factor (required for administrators)."""
    sign_in_verified(client, admin_user)
    return client


@pytest.fixture
def demo(db):
    """Load the real demo data (fixtures from the seeds and the demo users) via setup_demo."""
    call_command("setup_demo", verbosity=0)
