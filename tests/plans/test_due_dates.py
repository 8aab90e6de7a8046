"""Due dates as dates (issue 13): the free text of today's key actions converted where it reads as a date,
kept as written where it does not. The seeds' own key actions have no due date text at all (every
`by_when` in fixtures/plans is ""), so the cases are those typed in the admin."""

from __future__ import annotations

import datetime
import importlib
import pkgutil

import pytest
from django.apps import apps

import plans.migrations
from plans.due_dates import due_date_parse
from plans.models import KeyAction
from tests.factories import KeyActionFactory


@pytest.mark.parametrize(
    ("text", "due"),
    [
        pytest.param("31/03/2022", datetime.date(2022, 3, 31), id="day/month/year"),
        pytest.param("01.04.2022", datetime.date(2022, 4, 1), id="the seed's dotted date"),
        pytest.param("1/4/22", datetime.date(2022, 4, 1), id="two-digit year"),
        pytest.param("2022-04-01", datetime.date(2022, 4, 1), id="ISO"),
        pytest.param("1st April 2022", datetime.date(2022, 4, 1), id="words"),
        pytest.param("March 2022", datetime.date(2022, 3, 31), id="month and year: its last day"),
        pytest.param(" Sept  2021 ", datetime.date(2021, 9, 30), id="abbreviated month"),
        pytest.param("February 2024", datetime.date(2024, 2, 29), id="leap year"),
        pytest.param("Review November 2021", None, id="the seed's review note"),
        pytest.param("quarterly", None, id="not a date"),
        pytest.param("?", None, id="unknown"),
        pytest.param("31/02/2022", None, id="no such day"),
        pytest.param("Apr 17", None, id="ambiguous"),
        pytest.param("", None, id="blank"),
    ],
)
def test_due_date_text_reads_as_a_date_only_when_it_wholly_is_one(text, due):
    assert due_date_parse(text) == due


def _migration_with(name: str):
    for info in pkgutil.iter_modules(plans.migrations.__path__):
        module = importlib.import_module(f"plans.migrations.{info.name}")
        if hasattr(module, name):
            return module
    raise AssertionError(f"No plans migration defines {name}.")


@pytest.mark.django_db
def test_the_migration_converts_what_parses_and_keeps_the_rest_as_written():
    parsed = KeyActionFactory(by_when="31/03/2022")
    kept = KeyActionFactory(by_when="Review November 2021")
    blank = KeyActionFactory(by_when="")
    _migration_with("due_dates_from_text").due_dates_from_text(apps, None)
    assert KeyAction.objects.values_list("due_date", "by_when").get(pk=parsed.pk) == (datetime.date(2022, 3, 31), "")
    assert KeyAction.objects.values_list("due_date", "by_when").get(pk=kept.pk) == (None, "Review November 2021")
    assert KeyAction.objects.values_list("due_date", "by_when").get(pk=blank.pk) == (None, "")
