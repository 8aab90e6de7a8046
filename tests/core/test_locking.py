import pytest

from core.locking import EditConflict, version_claim
from plans.models import KeyAction
from tests.factories import KeyActionFactory

pytestmark = pytest.mark.django_db


def test_a_claim_from_the_current_version_wins_and_one_from_an_old_version_is_refused():
    action = KeyActionFactory()
    read = action.version
    assert version_claim(KeyAction.objects, pk=action.pk, expected_version=read) == read + 1
    with pytest.raises(EditConflict) as conflict:
        version_claim(KeyAction.objects, pk=action.pk, expected_version=read, message="Saved by someone else.")
    assert conflict.value.message == "Saved by someone else."
    assert KeyAction.objects.get(pk=action.pk).version == read + 1
