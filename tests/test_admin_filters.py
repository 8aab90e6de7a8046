"""An impossible filter in a change list's address answers with a sentence, not a server error (issue 11)."""

import pytest
from django.urls import reverse

from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db

UNUSABLE = "The filter in the page address could not be used"


@pytest.mark.parametrize(
    ("changelist", "query"),
    [
        pytest.param("admin:kpis_measurevalue_changelist", "month__year=99999999999", id="year past any integer"),
        pytest.param("admin:kpis_measurevalue_changelist", "month__year=9999", id="year with no year after"),
        pytest.param(
            "admin:kpis_measurevalue_changelist",
            "month__year=9999&month__month=12&month__day=31",
            id="the last day there is",
        ),
        pytest.param("admin:kpis_measurevalue_changelist", "month__year=abc", id="year unreadable"),
        pytest.param("admin:plans_plan_changelist", "report_date__year=99999999999", id="plan report date"),
        pytest.param("admin:plans_actionupdate_changelist", "created_at__year=99999999999", id="update created at"),
    ],
)
def test_an_impossible_date_filter_is_a_sentence_saying_what_to_do(admin_client, changelist, query):
    PlanFactory()
    response = admin_client.get(f"{reverse(changelist)}?{query}", follow=True)
    assert response.status_code == 200
    assert UNUSABLE in response.content.decode()


def test_a_possible_date_filter_still_lists(admin_client):
    response = admin_client.get(reverse("admin:kpis_measurevalue_changelist") + "?month__year=2021")
    assert response.status_code == 200
    assert UNUSABLE not in response.content.decode()
