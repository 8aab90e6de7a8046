"""The 2016 tracker's outcome column (issue 13): the action's owner updates it; other heads of service, the SRO
and readers are refused in the page and the service; bad input and stale forms keep what was typed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from core.locking import EditConflict
from plans.editing.outcome import key_action_outcome_update
from plans.models import KeyAction
from tests.factories import KeyActionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(head_of_service):
    """A row of the 2016 tracker: its How?, baseline and target filled in, owned by the head of service."""
    return KeyActionFactory(
        owner=head_of_service,
        description="<p>S47 assessments to be completed within 15 working days</p>",
        how="<p>CP Enquiry (S47) practice standards to be revised</p>",
        baseline="<p>75% (Oct 15)</p>",
        target="<p>100% / Apr 17</p>",
        outcome="<p>Similar proportions of investigations are currently overrunning.</p>",
    )


def test_the_owner_updates_the_outcome_and_it_is_kept_with_who_and_when(head_of_service, row):
    key_action_outcome_update(
        user=head_of_service, key_action=row, expected_version=row.version, outcome="Q3: 92% within 15 days & rising."
    )
    row.refresh_from_db()
    assert row.outcome == "Q3: 92% within 15 days &amp; rising."
    assert row.version == 2
    assert row.history.latest().history_user == head_of_service


@pytest.mark.parametrize("who", ["other_head_of_service", "sro", "performance_user"])
def test_anyone_but_the_owner_is_refused_by_the_service(request, row, who):
    with pytest.raises(PermissionDenied, match="Only the key action's owner"):
        key_action_outcome_update(
            user=request.getfixturevalue(who), key_action=row, expected_version=row.version, outcome="Changed"
        )
    row.refresh_from_db()
    assert row.outcome == "<p>Similar proportions of investigations are currently overrunning.</p>"


def test_an_administrator_may_update_the_outcome(admin_user_, row):
    key_action_outcome_update(user=admin_user_, key_action=row, expected_version=row.version, outcome="Checked.")
    assert KeyAction.objects.get(pk=row.pk).outcome == "Checked."


def test_a_retired_action_or_one_without_tracker_columns_has_no_outcome_to_update(head_of_service, row):
    plain = KeyActionFactory(owner=head_of_service)
    with pytest.raises(PermissionDenied, match="has no tracker columns"):
        key_action_outcome_update(user=head_of_service, key_action=plain, expected_version=1, outcome="x")
    row.retired_at = timezone.now()
    row.save()
    with pytest.raises(PermissionDenied):
        key_action_outcome_update(user=head_of_service, key_action=row, expected_version=row.version, outcome="x")


def test_a_stale_outcome_is_refused(head_of_service, row):
    key_action_outcome_update(user=head_of_service, key_action=row, expected_version=1, outcome="First")
    with pytest.raises(EditConflict):
        key_action_outcome_update(user=head_of_service, key_action=row, expected_version=1, outcome="Second")
    assert KeyAction.objects.get(pk=row.pk).outcome == "First"


# --- The page ------------------------------------------------------------------------------------------


def test_the_owner_updates_the_outcome_from_the_actions_page(client, head_of_service, row):
    client.force_login(head_of_service)
    action_page = client.get(row.get_absolute_url()).content.decode()
    url = reverse("plans:action_outcome", args=[row.pk])
    assert url in action_page
    form = client.get(url).content.decode()
    assert "Similar proportions of investigations are currently overrunning." in form
    response = client.post(url, {"version": row.version, "outcome": "Q3: sustained at 92%."})
    assert response["Location"] == row.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "The outcome was saved." in page
    assert "Q3: sustained at 92%." in page


@pytest.mark.parametrize("who", ["other_head_of_service", "sro"])
def test_others_get_no_link_and_are_refused(client, request, row, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("plans:action_outcome", args=[row.pk])
    assert url not in client.get(row.get_absolute_url()).content.decode()
    response = client.post(url, {"version": row.version, "outcome": "Not mine"})
    assert response.status_code == 403
    assert "Only the key action&#x27;s owner (or an administrator) can update its outcome." in response.content.decode()
    assert "Not mine" not in KeyAction.objects.get(pk=row.pk).outcome


def test_an_action_without_tracker_columns_offers_no_outcome(client, head_of_service):
    plain = KeyActionFactory(owner=head_of_service)
    client.force_login(head_of_service)
    assert "Update the outcome" not in client.get(plain.get_absolute_url()).content.decode()
    response = client.get(reverse("plans:action_outcome", args=[plain.pk]))
    assert response.status_code == 403
    assert "has no tracker columns" in response.content.decode()


BAD = [
    pytest.param({"outcome": "x" * 20_001}, "the limit is 20,000. Shorten it and save again.", "xxxx", id="too long"),
    pytest.param({"version": ""}, "open the page again", "Typed outcome", id="no version"),
]


@pytest.mark.parametrize(("overrides", "message", "kept"), BAD)
def test_the_form_refuses_bad_input_and_keeps_what_was_typed(client, head_of_service, row, overrides, message, kept):
    client.force_login(head_of_service)
    data = {"version": row.version, "outcome": "Typed outcome"} | overrides
    html = client.post(reverse("plans:action_outcome", args=[row.pk]), data).content.decode()
    assert message in html
    assert kept in html
    assert KeyAction.objects.get(pk=row.pk).version == row.version


def test_a_stale_form_keeps_what_was_typed_and_shows_what_was_saved(client, head_of_service, admin_user_, row):
    key_action_outcome_update(user=admin_user_, key_action=row, expected_version=1, outcome="Saved by admin")
    client.force_login(head_of_service)
    html = client.post(
        reverse("plans:action_outcome", args=[row.pk]), {"version": 1, "outcome": "Mine, typed late"}
    ).content.decode()
    assert "Someone else saved this while you were editing it" in html
    assert "Mine, typed late" in html
    assert "Saved by admin" in html.split('id="saved-heading"')[1]
