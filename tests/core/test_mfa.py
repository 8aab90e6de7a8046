"""Two-step verification: setting it up, the code after signing in, recovery codes, throttling, turning it off."""

import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import mfa
from core.mfa_views import NEW_CODES_KEY
from tests.two_factor import authenticator, code_for, sign_in_verified

pytestmark = pytest.mark.django_db

SETUP = reverse("mfa:setup")
VERIFY = reverse("mfa:verify")
CODES = reverse("mfa:recovery_codes")
TURN_OFF = reverse("mfa:turn_off")
STATUS = reverse("mfa:status")


@pytest.fixture
def no_throttle(settings):
    """Codes entered one after another without django-otp's growing wait (1 s, 2 s, 4 s...) between failures."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def password_sign_in(client, username: str, next_path: str = "/"):
    """Sign in through the form; return where it sends the person."""
    response = client.post(f"{reverse('login')}?next={next_path}", {"username": username, "password": "improve-2021"})
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(response["Location"])


def shown_secret(html: str) -> bytes:
    """Return the secret the set-up page shows as text, as an authenticator app would read it."""
    text = re.search(r'<code class="mfa-secret" id="mfa-secret">([A-Z2-7 ]+)</code>', html).group(1)
    return b32decode(text.replace(" ", ""))


def test_setup_shows_a_qr_code_drawn_here_and_the_secret_as_text(client, admin_user_):
    client.force_login(admin_user_)
    html = client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=admin_user_)
    assert not device.confirmed  # nothing counts until a code confirms it
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in html
    assert shown_secret(html) == device.bin_key
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]


def test_setup_turns_on_only_with_a_correct_code_and_shows_ten_recovery_codes_once(client, admin_user_, no_throttle):
    client.force_login(admin_user_)
    html = client.get(f"{SETUP}?next=/risks/").content.decode()
    secret = shown_secret(html)
    device = TOTPDevice.objects.get(user=admin_user_)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"

    refused = client.post(SETUP, {"code": wrong, "next": "/risks/"})
    body = refused.content.decode()
    assert refused.status_code == 200
    assert mfa.SETUP_WRONG_CODE in body
    assert f'value="{wrong}"' in body  # what was typed is kept
    assert shown_secret(body) == secret  # and the secret is the same: nothing lost
    assert not TOTPDevice.objects.filter(user=admin_user_, confirmed=True).exists()

    accepted = client.post(SETUP, {"code": code_for(device, key=secret), "next": "/risks/"})
    assert accepted.status_code == 302
    assert accepted["Location"] == f"{CODES}?next=%2Frisks%2F"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    page = client.get(accepted["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(set(codes)) == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=admin_user_).values_list("token", flat=True))
    assert 'href="/risks/"' in page
    assert not re.findall(r"<li><code>", client.get(CODES).content.decode())  # shown once
    assert client.get("/risks/").status_code == 200


@pytest.mark.parametrize(
    ("code", "message"),
    [
        pytest.param("", mfa.SETUP_CODE_FORMAT, id="empty"),
        pytest.param("12345", mfa.SETUP_CODE_FORMAT, id="five digits"),
        pytest.param("12a456", mfa.SETUP_CODE_FORMAT, id="a letter"),
    ],
)
def test_setup_refuses_what_is_not_six_digits_with_a_sentence(client, admin_user_, code, message):
    client.force_login(admin_user_)
    client.get(SETUP)
    response = client.post(SETUP, {"code": code})
    assert message in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_a_person_with_an_authenticator_enters_a_code_after_their_password(client, sro):
    device = authenticator(sro)
    page = password_sign_in(client, "sro", "/risks/")
    assert page.status_code == 302
    assert page["Location"] == f"{VERIFY}?next=%2Frisks%2F"
    form = client.get(page["Location"]).content.decode()
    assert "Enter the 6-digit code from your authenticator app, or a recovery code." in form
    response = client.post(VERIFY, {"code": code_for(device), "next": "/risks/"})
    assert response["Location"] == "/risks/"
    assert client.get("/risks/").status_code == 200


def test_a_wrong_code_is_refused_with_a_sentence_and_signs_no_one_through(client, sro):
    device = authenticator(sro)
    password_sign_in(client, "sro")
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert mfa.WRONG_CODE in response.content.decode()
    assert f'value="{wrong}"' in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("report"))["Location"].startswith(VERIFY)


def test_a_code_used_once_is_refused_the_second_time_with_its_own_sentence(client, sro, no_throttle):
    device = authenticator(sro)
    password_sign_in(client, "sro")
    code = code_for(device)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("logout"))
    password_sign_in(client, "sro")
    response = client.post(VERIFY, {"code": code})
    assert mfa.REUSED_CODE in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_wrong_codes_one_after_another_are_throttled_even_before_the_right_one(client, sro):
    device = authenticator(sro)
    password_sign_in(client, "sro")
    client.post(VERIFY, {"code": "000000" if code_for(device) != "000000" else "111111"})
    response = client.post(VERIFY, {"code": code_for(device)})
    assert "Too many wrong codes. Wait 1 second," in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_recovery_code_works_once(client, sro, no_throttle):
    sign_in_verified(client, sro)
    client.post(CODES)
    code = client.session[NEW_CODES_KEY][0]
    client.post(reverse("logout"))

    password_sign_in(client, "sro")
    assert client.post(VERIFY, {"code": f" {code[:4].upper()} {code[4:]} "}).status_code == 302  # as typed from paper
    assert StaticToken.objects.filter(device__user=sro).count() == 9
    client.post(reverse("logout"))

    password_sign_in(client, "sro")
    response = client.post(VERIFY, {"code": code})
    assert mfa.WRONG_CODE in response.content.decode()


def test_new_recovery_codes_replace_the_old_ones(client, sro, no_throttle):
    sign_in_verified(client, sro)
    client.post(CODES)
    old = client.session[NEW_CODES_KEY]
    client.get(CODES)
    assert client.post(CODES)["Location"] == CODES
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", client.get(CODES).content.decode())
    assert len(new) == 10
    assert not set(old) & set(StaticToken.objects.values_list("token", flat=True))


def test_changing_a_second_factor_needs_a_session_that_has_entered_a_code(client, sro):
    """A password alone (a session signed in before the app was set up elsewhere) cannot replace or remove it."""
    authenticator(sro)
    client.force_login(sro)
    session = client.session
    session.pop(mfa.PENDING_KEY, None)
    session.save()
    for response in (client.get(SETUP), client.post(CODES), client.post(TURN_OFF)):
        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=sro, confirmed=True).count() == 1
    assert TOTPDevice.objects.filter(user=sro).count() == 1


def test_moving_to_a_new_phone_keeps_the_old_one_until_the_new_one_is_confirmed(client, admin_user_, no_throttle):
    old = sign_in_verified(client, admin_user_)
    secret = shown_secret(client.get(SETUP).content.decode())
    assert TOTPDevice.objects.filter(user=admin_user_, confirmed=True).get() == old
    new = TOTPDevice.objects.get(user=admin_user_, confirmed=False)
    client.post(SETUP, {"code": code_for(new, key=secret)})
    assert list(TOTPDevice.objects.filter(user=admin_user_)) == [new]


def test_a_person_for_whom_it_is_not_required_may_turn_it_off(client, sro):
    sign_in_verified(client, sro)
    client.post(CODES)
    assert "Turn off two-step verification" in client.get(TURN_OFF).content.decode()
    assert client.post(TURN_OFF)["Location"] == STATUS
    assert not TOTPDevice.objects.filter(user=sro).exists()
    assert not StaticDevice.objects.filter(user=sro).exists()
    client.post(reverse("logout"))
    assert password_sign_in(client, "sro").status_code == 200  # password alone again


def test_an_administrator_may_not_turn_it_off(client, admin_user_):
    sign_in_verified(client, admin_user_)
    for response in (client.get(TURN_OFF), client.post(TURN_OFF)):
        assert response.status_code == 403
        assert "Two-step verification is required for administrators, so it cannot be turned off." in (
            response.content.decode()
        )
    assert TOTPDevice.objects.filter(user=admin_user_, confirmed=True).exists()
    assert 'href="/accounts/two-step/turn-off/"' not in client.get(STATUS).content.decode()


def test_the_service_refuses_to_turn_it_off_for_an_administrator(admin_user_):
    authenticator(admin_user_)
    with pytest.raises(mfa.PermissionDenied):
        mfa.two_factor_turn_off(user=admin_user_)
    assert TOTPDevice.objects.filter(user=admin_user_).exists()


def test_the_status_page_says_what_is_set_up_in_a_fixed_number_of_queries(client, sro, django_assert_num_queries):
    client.force_login(sro)
    assert "<strong>Off.</strong>" in client.get(STATUS).content.decode()
    sign_in_verified(client, sro)
    client.post(CODES)
    client.get(CODES)
    # session, user, groups (the role check), the verified device, then the status: device and codes.
    with django_assert_num_queries(6):
        html = client.get(STATUS).content.decode()
    assert "<strong>On.</strong>" in html
    assert "10 of 10" in html


def test_the_menu_links_to_two_step_verification(client, sro):
    client.force_login(sro)
    # The signed-in person's name is the link, named for screen readers as where it leads.
    page = client.get(reverse("plans:plan_list")).content.decode()
    link = page.split(f'href="{STATUS}">', 1)[1].split("</a>", 1)[0]
    assert "Nancy Meehan" in link
    assert "two-step verification" in link
