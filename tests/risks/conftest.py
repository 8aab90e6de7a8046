"""Fixtures for the risks tests: a plan like seed 000's, and the import's database cache."""

import pytest
from django.core.management import call_command

from tests.factories import PlanFactory


@pytest.fixture
def plan(db):
    return PlanFactory(slug="torbay-2021-highlight", title="Children's Services Improvement Highlight Report")


@pytest.fixture
def cache_table(db):
    """The import keeps the upload between preview and confirm in the database cache."""
    call_command("createcachetable", verbosity=0)
