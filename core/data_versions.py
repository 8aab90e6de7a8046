"""Data versions: named tokens in the shared cache that change whenever the data they name changes.

Each app owns its names (plans/panels.py, kpis/panels.py, risks/panels.py) and says, per saved or deleted
row, which of them the row belongs to; `ANY` changes with every one of them. What is cached from the data
(the report's parts, the stored papers) keeps the tokens it was built from and is served only while they
are still current. A name never bumped, or lost from the cache, reads as the current `ANY`, which has
changed by the time it matters: a name is only ever lost after being set, and setting it changed `ANY`.
A name is kept in the cache (with the current `ANY`) the first time it is read after a change, so the
first change after the cache was emptied rebuilds everything once, and later ones only their own parts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

ANY = "any"
KEY_PREFIX = "data-version:"

NamesOf = Callable[[type, object], Iterable[str]]


def version_key(name: str) -> str:
    """Return the cache key the token of `name` is kept under."""
    return f"{KEY_PREFIX}{name}"


def _any_version(found: str | None) -> str:
    if found is not None:
        return found
    cache.add(version_key(ANY), uuid.uuid4().hex, timeout=None)
    return cache.get(version_key(ANY)) or uuid.uuid4().hex


def data_versions_read(names: Iterable[str], *, keep_unset: bool = True) -> dict[str, str]:
    """Return the current token of each name (and of ANY), in one read of the cache.

    A name never bumped (or lost) reads as the current ANY. With `keep_unset` it is then kept in the cache,
    so that from now on it changes only with its own data (three queries a name, once); without, nothing is
    written but ANY, and what is built under it is rebuilt at the next change of anything.
    """
    return data_versions_read_with(names, (), keep_unset=keep_unset)[0]


def data_versions_read_with(
    names: Iterable[str], keys: Iterable[str], *, keep_unset: bool = True
) -> tuple[dict[str, str], dict[str, object]]:
    """Return the current token of each name (and of ANY), as data_versions_read does, and the entries found of
    the other cache `keys`: all in one read of the cache."""
    wanted = {ANY, *names}
    # What is bumped after this read is bumped again (data_versions_bump).
    transaction.get_connection().__dict__.pop(PENDING, None)
    keys = list(keys)
    found = cache.get_many([version_key(name) for name in wanted] + keys)
    versions = {name: found[version_key(name)] for name in wanted if version_key(name) in found}
    versions[ANY] = _any_version(versions.get(ANY))
    for name in wanted - versions.keys():
        if keep_unset:
            cache.add(version_key(name), versions[ANY], timeout=None)
        versions[name] = versions[ANY]
    return versions, {key: found[key] for key in keys if key in found}


def _replace(names: tuple[str, ...]) -> None:
    # ANY last: a reader that sees the new ANY sees the other new names too.
    for name in (*names, ANY):
        cache.set(version_key(name), uuid.uuid4().hex, timeout=None)


# On the connection: name → the on-commit callback that gives it a new token again, for the names bumped in
# the transaction under way since its versions were last read (one save bumps the same names several times:
# for its row, its history row, the rows saved with it).
PENDING = "_data_versions_pending"


def _pending(connection) -> dict[str, Callable[[], None]]:
    pending = connection.__dict__.setdefault(PENDING, {})
    if pending and not connection.run_on_commit:
        pending.clear()  # their transaction is over
    return pending


def data_versions_bump(*names: str) -> None:
    """Give each name (and ANY) a new token, now and again once the change is committed.

    Again on commit: a part built from the old data by another request while the change was in flight
    must not be kept under the new token. Within a transaction a name is bumped once until its versions are
    read again (on this connection; no other sees them before the commit): a callback rolled back with a
    savepoint no longer counts, so the name is bumped again.
    """
    unique = tuple(dict.fromkeys(name for name in names if name != ANY))
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _replace(unique)  # committed as it is written
        return
    pending = _pending(connection)
    live = {id(callback) for _, callback, _ in connection.run_on_commit}
    new = tuple(name for name in unique if id(pending.get(name)) not in live)
    if not new and id(pending.get(ANY)) in live:
        return
    _replace(new)

    def replace_again() -> None:
        _replace(new)

    transaction.on_commit(replace_again)
    pending.update(dict.fromkeys((*new, ANY), replace_again))


def data_versions_watch(app_label: str, names_of: NamesOf) -> None:
    """Bump, for every saved or deleted row of the app's models (their history too), the names it belongs to.

    `names_of(model, instance)` returns them (none for a row the report never shows, such as a record of
    an email sent: then nothing is bumped); simple_history's historical models are passed as the model they
    record, so a history row belongs where its row does.
    """
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in apps.get_app_config(app_label).get_models():
        recorded = getattr(model, "instance_type", model)

        def changed(sender, instance=None, recorded=recorded, **kwargs):
            names = tuple(names_of(recorded, instance))
            if names:
                data_versions_bump(*names)

        uid = f"data-versions:{model._meta.label}"
        post_save.connect(changed, sender=model, dispatch_uid=f"{uid}:save", weak=False)
        post_delete.connect(changed, sender=model, dispatch_uid=f"{uid}:delete", weak=False)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through

            def links_changed(sender, instance=None, through=through, **kwargs):
                names = tuple(names_of(through, instance))
                if names:
                    data_versions_bump(*names)

            m2m_changed.connect(links_changed, sender=through, dispatch_uid=f"{uid}:{field.name}:m2m", weak=False)
