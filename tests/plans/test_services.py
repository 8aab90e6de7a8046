import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.locking import EditConflict
from plans import services
from plans.models import ActionUpdate, KeyAction, QuarterRag
from tests.factories import KeyActionFactory, QuarterRagFactory

pytestmark = pytest.mark.django_db


def add_update(user, action, **overrides):
    values = {
        "user": user,
        "key_action": action,
        "expected_version": action.version,
        "financial_year": 2021,
        "quarter": 2,
        "rag": "green",
        "progress": "<p>Edge of care team recruited.</p>",
        "barriers": "<p>Two posts still vacant.</p>",
        "next_steps": "<p>Review in November.</p>",
    }
    values.update(overrides)
    return services.key_action_update_add(**values)


def test_owner_adds_an_update_and_sets_the_quarters_rag(head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    result = add_update(head_of_service, action)
    assert result.update.author == head_of_service
    assert result.update.author_name == "Becky Thompson"
    assert QuarterRag.objects.get(key_action=action, financial_year=2021, quarter=2).rag == "green"
    assert KeyAction.objects.get(pk=action.pk).version == 2


def test_head_of_service_cannot_update_another_owners_action(head_of_service, other_head_of_service):
    action = KeyActionFactory(owner=other_head_of_service)
    with pytest.raises(PermissionDenied):
        add_update(head_of_service, action)
    assert not ActionUpdate.objects.exists()
    assert not QuarterRag.objects.exists()
    assert KeyAction.objects.get(pk=action.pk).version == 1


def test_sro_cannot_update_an_action(sro, head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    with pytest.raises(PermissionDenied):
        add_update(sro, action)


def test_administrator_may_update_any_action(admin_user_, head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    add_update(admin_user_, action)
    assert action.updates.get().author == admin_user_


def test_second_of_two_concurrent_saves_is_refused_and_the_first_kept(head_of_service, admin_user_):
    action = KeyActionFactory(owner=head_of_service)
    stale_version = action.version
    add_update(head_of_service, action, progress="<p>First save</p>", rag="amber")
    other_copy = KeyAction.objects.get(pk=action.pk)
    with pytest.raises(EditConflict):
        add_update(admin_user_, other_copy, expected_version=stale_version, progress="<p>Second</p>", rag="red")
    assert [u.progress for u in ActionUpdate.objects.all()] == ["<p>First save</p>"]  # the first is kept
    assert QuarterRag.objects.get().rag == "amber"


def test_update_html_is_sanitised_when_saved(head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    result = add_update(
        head_of_service,
        action,
        progress='<p>Ok<img src=x onerror="alert(1)"></p><script>steal()</script><ul><li><b>b</b></li></ul>',
        next_steps='<a href="javascript:alert(1)">click</a><em>soon</em>',
    )
    result.update.refresh_from_db()
    assert result.update.progress == "<p>Ok</p><ul><li>b</li></ul>"
    assert result.update.next_steps == "click<em>soon</em>"


def test_an_update_with_only_markup_is_refused(head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    with pytest.raises(ValidationError):
        add_update(
            head_of_service,
            action,
            progress="<script>x</script>",
            barriers="",
            next_steps="<p></p>".replace("<p></p>", ""),
        )
    assert not ActionUpdate.objects.exists()


def test_changing_a_quarters_rag_is_kept_in_history_with_who(head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    QuarterRagFactory(key_action=action, financial_year=2021, quarter=2, rag="red")
    add_update(head_of_service, action, rag="amber")
    history = QuarterRag.history.filter(key_action_id=action.pk).order_by("history_date")
    assert [(h.rag, h.history_type) for h in history] == [("red", "+"), ("amber", "~")]
    assert history.last().history_user == head_of_service


def test_an_ampersand_in_an_update_is_escaped_once(head_of_service):
    action = KeyActionFactory(owner=head_of_service)
    add_update(head_of_service, action, progress="R&D bid sent to the DfE", rag="amber")
    assert ActionUpdate.objects.get().progress == "R&amp;D bid sent to the DfE"
