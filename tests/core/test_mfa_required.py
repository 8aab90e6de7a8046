"""Two-step verification is required for administrators (before any other page, the admin's included), may be
required for everyone, is skipped for a single sign-on session, and can be reset when a phone is lost."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import mfa, roles
from tests.factories import KeyActionFactory
from tests.two_factor import authenticator, code_for, sign_in_verified

pytestmark = pytest.mark.django_db

SETUP = reverse("mfa:setup")
VERIFY = reverse("mfa:verify")

# One page of each kind: the report and its papers, the apps' pages, the admin, and its import pages.
PAGES = [
    pytest.param(lambda: reverse("report"), id="report"),
    pytest.param(lambda: reverse("report_pdf"), id="report PDF"),
    pytest.param(lambda: reverse("plans:plan_list"), id="plan list"),
    pytest.param(lambda: reverse("plans:my_actions"), id="my actions"),
    pytest.param(lambda: reverse("kpis:measure_list"), id="KPI tables"),
    pytest.param(lambda: reverse("risks:risk_list"), id="risk register"),
    pytest.param(lambda: reverse("mfa:status"), id="two-step status"),
    pytest.param(lambda: reverse("mfa:turn_off"), id="two-step turn off"),
    pytest.param(lambda: reverse("admin:index"), id="admin"),
    pytest.param(lambda: reverse("admin:auth_user_changelist"), id="admin users"),
    pytest.param(lambda: reverse("admin:kpis_measure_import"), id="admin KPI import"),
    pytest.param(lambda: reverse("admin:password_change"), id="admin password change"),
]


@pytest.fixture
def administrator(make_user):
    """An administrator by role group (not a superuser)."""
    return make_user("lead.admin", roles.ADMINISTRATOR, is_staff=True)


def first_stop(client, path: str):
    response = client.get(path)
    assert response.status_code == 302, f"{path} answered {response.status_code}"
    return response["Location"]


@pytest.mark.parametrize("page", PAGES)
def test_an_administrator_without_an_authenticator_is_sent_to_set_one_up_first(client, admin_user_, page):
    client.force_login(admin_user_)
    path = page()
    assert first_stop(client, path) == f"{SETUP}?next={path.replace('/', '%2F')}"


@pytest.mark.parametrize("page", PAGES)
def test_an_administrator_with_an_authenticator_is_sent_to_enter_a_code_first(client, administrator, page):
    authenticator(administrator)
    client.force_login(administrator)
    path = page()
    assert first_stop(client, path) == f"{VERIFY}?next={path.replace('/', '%2F')}"


def test_a_member_of_the_administrator_group_is_asked_as_a_superuser_is(client, administrator):
    client.force_login(administrator)
    assert first_stop(client, reverse("report")).startswith(SETUP)


def test_an_unverified_administrators_post_changes_nothing(client, admin_user_, head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    client.force_login(admin_user_)
    response = client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), {"rag": "red"})
    assert response["Location"].startswith(SETUP)
    assert not action.updates.exists()


def test_an_administrator_signing_in_with_a_password_sets_up_then_goes_on(client, admin_user_, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    response = client.post(f"{reverse('login')}?next=/admin/", {"username": "admin", "password": "improve-2021"})
    assert first_stop(client, response["Location"]) == f"{SETUP}?next=%2Fadmin%2F"
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=admin_user_)
    client.post(SETUP, {"code": code_for(device), "next": "/admin/"})
    assert client.get("/admin/").status_code == 200


def test_an_administrator_with_a_verified_session_reaches_every_page(client, admin_user_):
    sign_in_verified(client, admin_user_)
    assert client.get(reverse("report")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(
    ("method", "name", "status"),
    [
        pytest.param("post", "logout", 302, id="signing out"),
        pytest.param("get", "healthz", 200, id="the health check"),
        pytest.param("get", "password_reset", 200, id="password reset"),
        pytest.param("get", "mfa:setup", 200, id="setting up"),
        pytest.param("get", "mfa:verify", 302, id="the code page (no authenticator yet: on to set up)"),
    ],
)
def test_an_administrator_without_an_authenticator_may_still_open(client, admin_user_, method, name, status):
    client.force_login(admin_user_)
    response = getattr(client, method)(reverse(name))
    assert response.status_code == status
    assert not (status == 302 and name == "logout") or "_auth_user_id" not in client.session


def test_static_files_are_served_to_an_unverified_administrator(static_client, admin_user_):
    static_client.force_login(admin_user_)
    assert static_client.get("/static/css/app.css").status_code == 200


@pytest.fixture
def static_client(client, settings):
    """The test client, with WhiteNoise serving static files from the source folders as runserver does."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    return client


def test_a_person_who_is_not_an_administrator_and_has_no_authenticator_is_not_asked(client, sro, performance_user):
    for person in (sro, performance_user):
        client.force_login(person)
        assert client.get(reverse("report")).status_code == 200
        assert client.get(reverse("mfa:setup")).status_code == 200  # but may set it up


def test_required_for_everyone_sends_anyone_without_an_authenticator_to_set_one_up(client, sro, settings):
    settings.MFA_REQUIRED_FOR_ALL = True
    client.force_login(sro)
    assert first_stop(client, reverse("report")).startswith(SETUP)
    assert "required for everyone" in client.get(SETUP).content.decode()


@pytest.mark.parametrize("person", ["admin_user_", "administrator"])
def test_a_single_sign_on_session_counts_as_verified(client, request, person):
    user = request.getfixturevalue(person)
    client.force_login(user)
    session = client.session
    session[mfa.SIGNIN_METHOD_KEY] = "oidc"
    session.save()
    assert client.get(reverse("report")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("method", ["password", "", "OIDC"])
def test_only_a_single_sign_on_session_is_exempt(client, admin_user_, method):
    client.force_login(admin_user_)
    session = client.session
    session[mfa.SIGNIN_METHOD_KEY] = method
    session.save()
    assert first_stop(client, reverse("report")).startswith(SETUP)


def test_an_administrator_resets_a_lost_phone_in_the_admin_and_the_log_says_so(client, admin_user_, administrator):
    authenticator(administrator)
    StaticDevice.objects.create(user=administrator, name="Recovery codes")
    theirs = client_class_signed_in(administrator)
    sign_in_verified(client, admin_user_)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [administrator.pk]},
        follow=True,
    )
    assert "Reset two-step verification for lead.admin." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=administrator).exists()
    assert not StaticDevice.objects.filter(user=administrator).exists()
    entry = LogEntry.objects.get(object_id=str(administrator.pk))
    assert (entry.user, entry.action_flag) == (admin_user_, CHANGE)
    assert "Reset two-step verification" in entry.change_message
    # Their session verified with the old phone is no longer verified: they set it up again.
    assert first_stop(theirs, reverse("report")).startswith(SETUP)


def client_class_signed_in(user):
    from django.test import Client

    other = Client()
    sign_in_verified(other, user)
    assert other.get(reverse("report")).status_code == 200
    return other


def test_the_reset_action_is_only_for_administrators(client, performance_user, sro):
    authenticator(sro)
    performance_user.user_permissions.add(*_user_admin_permissions())
    client.force_login(performance_user)
    changelist = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "reset_two_factor" not in changelist
    client.post(reverse("admin:auth_user_changelist"), {"action": "reset_two_factor", "_selected_action": [sro.pk]})
    assert TOTPDevice.objects.filter(user=sro).exists()
    with pytest.raises(mfa.PermissionDenied):
        mfa.two_factor_reset(person=sro, by=performance_user, via="in a test")


def _user_admin_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="auth", codename__in=["view_user", "change_user"])


def test_the_users_admin_shows_who_has_two_step_verification_in_the_same_queries_for_more_users(
    client, admin_user_, make_user
):
    sign_in_verified(client, admin_user_)
    url = reverse("admin:auth_user_changelist")
    client.get(url)
    counts = []
    for size in (2, 8):
        for n in range(size):
            authenticator(make_user(f"person.{size}.{n}", roles.SRO))
        with CaptureQueriesContext(connection) as captured:
            html = client.get(url).content.decode()
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert "Two-step verification" in html


def test_reset_two_factor_command_removes_the_devices_and_records_it(admin_user_, sro, capsys):
    authenticator(sro)
    call_command("reset_two_factor", "sro", "--by", "admin")
    assert not TOTPDevice.objects.filter(user=sro).exists()
    assert "Reset two-step verification for sro." in capsys.readouterr().out
    entry = LogEntry.objects.get(object_id=str(sro.pk))
    assert entry.user == admin_user_
    assert "with manage.py reset_two_factor" in entry.change_message


def test_reset_two_factor_command_without_by_records_it_as_the_persons_own_entry(sro):
    authenticator(sro)
    call_command("reset_two_factor", "sro", stdout=None)
    assert LogEntry.objects.get(object_id=str(sro.pk)).user == sro


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["nobody"], "There is no user 'nobody'.", id="unknown user"),
        pytest.param(["sro", "--by", "becky.thompson"], "becky.thompson is not an administrator.", id="not an admin"),
    ],
)
def test_reset_two_factor_command_refuses_with_a_sentence(sro, head_of_service, args, message):
    authenticator(sro)
    with pytest.raises(CommandError, match=message):
        call_command("reset_two_factor", *args)
    assert TOTPDevice.objects.filter(user=sro).exists()
