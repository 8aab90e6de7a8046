"""A narrative (progress, barriers, next steps) is at most 20,000 characters as typed, wherever it is written."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from plans import services
from plans.demo import FIXTURES
from plans.models import NARRATIVE_LIMIT, ActionUpdate, QuarterRag, narrative_length
from tests.factories import ActionUpdateFactory, KeyActionFactory

pytestmark = pytest.mark.django_db


def text_of_length(count: int, *, line_break: str = "\n") -> str:
    """Return typed text of exactly `count` characters as a person counts them, with a line break in it."""
    head = "Recruited two social workers & ran the panel." + line_break
    return head + "x" * (count - narrative_length(head))


def post(client, action, **texts):
    data = {"version": action.version, "financial_year": 2021, "quarter": 1, "rag": "green"}
    data.update({"progress": "", "barriers": "", "next_steps": "", **texts})
    return client.post(reverse("plans:action_update", kwargs={"pk": action.pk}), data)


@pytest.mark.parametrize(
    ("field", "label"),
    [
        pytest.param("progress", "Progress", id="progress"),
        pytest.param("barriers", "Barriers", id="barriers"),
        pytest.param("next_steps", "Next steps", id="next steps"),
    ],
)
def test_a_narrative_over_the_limit_names_the_field_the_limit_and_the_count_and_keeps_the_text(
    client, head_of_service, field, label
):
    action = KeyActionFactory(owner=head_of_service)
    client.force_login(head_of_service)
    long_text = text_of_length(20_412)
    other = "next_steps" if field != "next_steps" else "progress"
    response = post(client, action, **{field: long_text, other: "Kept words too."})
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{label} is 20,412 characters, counting spaces and line breaks; the limit is 20,000." in body
    assert "Shorten it and save again." in body
    assert response.context["form"].errors[field]
    # Everything typed is shown again, the long text whole.
    assert long_text.replace("&", "&amp;") in body
    assert "Kept words too." in body
    assert not ActionUpdate.objects.exists()
    assert not QuarterRag.objects.exists()


def test_a_narrative_of_exactly_the_limit_is_saved_counting_a_line_break_as_one(client, head_of_service):
    # Browsers send line breaks as CR LF; a person (and the browser's own count) sees one character.
    action = KeyActionFactory(owner=head_of_service)
    client.force_login(head_of_service)
    text = text_of_length(NARRATIVE_LIMIT, line_break="\r\n")
    assert len(text) == NARRATIVE_LIMIT + 1
    response = post(client, action, progress=text)
    assert response.status_code == 302
    assert ActionUpdate.objects.get().progress.endswith("x</p>")


def test_the_boxes_say_the_limit_and_do_not_cut_pasted_text(client, head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    client.force_login(head_of_service)
    body = client.get(reverse("plans:action_update", kwargs={"pk": action.pk})).content.decode()
    assert body.count("Up to 20,000 characters, counting spaces and line breaks.") == 3
    # maxlength would make browsers cut pasted text silently.
    assert "maxlength" not in body


def test_the_service_refuses_a_narrative_over_the_limit(head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    with pytest.raises(ValidationError) as error:
        services.key_action_update_add(
            user=head_of_service,
            key_action=action,
            expected_version=action.version,
            financial_year=2021,
            quarter=1,
            rag="green",
            barriers=text_of_length(NARRATIVE_LIMIT + 1),
        )
    assert error.value.message_dict["barriers"] == [
        "Barriers is 20,001 characters, counting spaces and line breaks; the limit is 20,000. "
        "Shorten it and save again."
    ]
    assert not ActionUpdate.objects.exists()
    assert not QuarterRag.objects.exists()


def test_the_limit_counts_the_text_as_typed_not_the_stored_html():
    # Paragraph tags and the escaped "&" make the stored HTML longer than the text typed.
    update = ActionUpdateFactory.build(key_action=KeyActionFactory(), progress=text_of_length(NARRATIVE_LIMIT))
    update.full_clean()
    assert len(update.progress) > NARRATIVE_LIMIT


def test_a_plan_loaded_from_fixture_data_obeys_the_limit(db):
    data = json.loads((FIXTURES / "torbay-2021-highlight.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data) | {"slug": "too-long"}
    action = data["themes"][0]["objectives"][0]["key_actions"][0]
    action["updates"] = [{**action["updates"][0], "progress": text_of_length(NARRATIVE_LIMIT + 5)}]
    with pytest.raises(ValidationError, match="Progress is 20,005 characters"):
        services.plan_load(data=data)
    assert not ActionUpdate.objects.exists()


def test_the_admin_refuses_a_narrative_over_the_limit(admin_client):
    update = ActionUpdateFactory()
    url = reverse("admin:plans_actionupdate_change", args=[update.pk])
    data = {
        "key_action": update.key_action_id,
        "financial_year": 2021,
        "quarter": 1,
        "progress": text_of_length(NARRATIVE_LIMIT + 1),
        "barriers": "",
        "next_steps": "",
        "author": "",
        "author_name": "",
        "created_at_0": "13/07/2021",
        "created_at_1": "12:00:00",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Progress is 20,001 characters" in response.content.decode()
    update.refresh_from_db()
    assert update.progress == "<p>Progress made.</p>"


def test_a_single_narrative_over_the_limit_is_not_also_called_empty(client, head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    client.force_login(head_of_service)
    body = post(client, action, progress=text_of_length(20_412)).content.decode()
    assert "Progress is 20,412 characters" in body
    assert "fill in at least one of" not in body
