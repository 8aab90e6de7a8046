import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import RequestFactory

from core import roles
from plans import demo

pytestmark = pytest.mark.django_db


def sign_in(username: str, password: str):
    """Authenticate as the sign-in form does: django-axes needs the request."""
    return authenticate(RequestFactory().post("/accounts/login/"), username=username, password=password)


def table_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models() if model._meta.managed}


def test_setup_demo_twice_changes_nothing():
    call_command("setup_demo", verbosity=0)
    first = table_counts()
    call_command("setup_demo", verbosity=0)
    assert table_counts() == first
    assert first["plans.KeyAction"] > 0


@pytest.mark.parametrize(
    ("username", "role", "staff"),
    [
        pytest.param("sro", roles.SRO, False, id="sro"),
        pytest.param("becky.thompson", roles.HEAD_OF_SERVICE, False, id="becky.thompson"),
        pytest.param("rachel.setter", roles.HEAD_OF_SERVICE, False, id="rachel.setter"),
        pytest.param("performance", roles.PERFORMANCE_TEAM, True, id="performance"),
        pytest.param("admin", roles.ADMINISTRATOR, True, id="admin"),
        pytest.param("improvement.lead", roles.IMPROVEMENT_LEAD, False, id="improvement.lead"),
        pytest.param("member", roles.BOARD_MEMBER, False, id="member"),
    ],
)
def test_demo_users_sign_in_with_the_demo_password_in_their_role(username, role, staff, settings):
    demo.users_load(password=settings.DEMO_PASSWORD)
    user = sign_in(username, "improve-2021")
    assert user is not None
    assert role in roles.group_names(user)
    assert user.is_staff is staff


def test_setup_demo_gives_the_demo_users_the_configured_password(settings):
    settings.DEMO_PASSWORD = "another-password-2024"
    call_command("setup_demo", verbosity=0)
    assert sign_in("sro", "another-password-2024") is not None
    assert sign_in("sro", "improve-2021") is None


def test_only_the_administrator_is_a_superuser(settings):
    demo.users_load(password=settings.DEMO_PASSWORD)
    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == ["admin"]


def test_performance_team_may_import_kpis_and_heads_of_service_may_not(settings):
    demo.users_load(password=settings.DEMO_PASSWORD)
    assert User.objects.get(username="performance").has_perm("kpis.import_measure")
    assert not User.objects.get(username="becky.thompson").has_perm("kpis.import_measure")
    assert not User.objects.get(username="sro").has_perm("kpis.import_measure")


def test_setup_demo_opens_the_q2_2021_round_with_updates_due_and_gives_every_user_an_email():
    from plans.models import ReportingRound
    from plans.selectors import plan_reporting_quarter

    call_command("setup_demo", verbosity=0)
    round_ = ReportingRound.objects.get()
    assert (round_.plan.slug, round_.for_quarter.label, round_.status) == (demo.MAIN_PLAN_SLUG, "Q2 2021/22", "open")
    assert round_.deadline < round_.board_date
    assert plan_reporting_quarter(round_.plan).label == "Q2 2021/22"
    assert not User.objects.filter(email="").exists()


def test_setup_demo_gives_existing_users_without_an_email_one():
    call_command("setup_demo", verbosity=0)
    User.objects.filter(username="sro").update(email="")
    call_command("setup_demo", verbosity=0)
    assert User.objects.get(username="sro").email == "sro@example.gov.uk"
