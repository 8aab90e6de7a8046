"""Optimistic locking: a row carries a version; a save names the version it read, and loses to any
save made since (NOTES.md). One exception, one helper, for key actions and risks alike."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet

EDIT_CONFLICT_MESSAGE = (
    "Someone else saved this while you were editing it, so your changes were not saved. "
    "Check what they saved, then save yours again."
)


class EditConflict(ValidationError):
    """The row changed since the editor read it; their save was refused."""

    def __init__(self, message: str = EDIT_CONFLICT_MESSAGE):
        super().__init__(message, code="stale")


def version_claim(queryset: QuerySet, *, pk, expected_version: int, message: str = EDIT_CONFLICT_MESSAGE, **updates):
    """Bump the row's version from `expected_version` (with `updates`); raise EditConflict if it had moved on.

    The conditional UPDATE takes the row lock, so of two saves from the same version exactly one
    wins, on any database. Call it inside the transaction that writes the rest.
    """
    claimed = queryset.filter(pk=pk, version=expected_version).update(version=F("version") + 1, **updates)
    if not claimed:
        raise EditConflict(message)
    return expected_version + 1
