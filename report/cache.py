"""The rendered report is kept in the shared cache until any data it could show changes.

Every row of the plans, kpis and risks apps that is saved or deleted (post_save, post_delete,
m2m_changed: the admin, the services and the imports all save at least one row per change) replaces
the data token, and the token is part of every cached report's key, so a change is on the next
report a person opens. A token lost from the cache is simply replaced: nothing cached under the old
one is ever read again.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import uuid
import zlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe

TOKEN_KEY = "report:data-token"
# The code that renders the report: a release that changes any of it must not serve reports rendered
# by the one before, so its digest is part of every key.
CODE_FOLDERS = ("core", "plans", "kpis", "risks", "report", "templates")
CODE_SUFFIXES = (".py", ".html")
REPORT_TIMEOUT = 60 * 60
WATCHED_APPS = ("plans", "kpis", "risks")


@functools.cache
def code_version() -> str:
    """Return a digest of the code and templates that render the report, read once per process."""
    digest = hashlib.blake2b(digest_size=8)
    for folder in CODE_FOLDERS:
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "migrations" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def report_data_token() -> str:
    """Return the token naming the current state of the data."""
    token = cache.get(TOKEN_KEY)
    if token is None:
        cache.add(TOKEN_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(TOKEN_KEY) or uuid.uuid4().hex
    return token


def _replace_token() -> None:
    cache.set(TOKEN_KEY, uuid.uuid4().hex, timeout=None)


def report_data_changed(**kwargs) -> None:
    """Signal receiver: data changed, so every cached report is out of date."""
    _replace_token()
    # Again once the change is committed: a report rendered from the old data by another request
    # while the change was in flight must not be kept under the new token.
    transaction.on_commit(_replace_token)


def report_cache_key(
    *,
    user,
    plan_pk: int,
    financial_year: int,
    quarter: int,
    as_at: datetime.date | None,
    pdf: bool,
    today: datetime.date,
    all_months: bool = False,
) -> str:
    """Return the cache key of one person's report (what they may edit shows on it) for one choice."""
    as_at_part = as_at.isoformat() if as_at else "now"
    return (
        f"report:{code_version()}:{report_data_token()}:{user.pk}:{plan_pk}:{financial_year}-{quarter}:{as_at_part}:"
        f"{'pdf' if pdf else 'html'}:{'all' if all_months else 'year'}:{today.isoformat()}"
    )


def connect_signals() -> None:
    """Watch every model of the apps the report reads."""
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for app_label in WATCHED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            uid = f"report-cache:{model._meta.label}"
            post_save.connect(report_data_changed, sender=model, dispatch_uid=f"{uid}:save", weak=False)
            post_delete.connect(report_data_changed, sender=model, dispatch_uid=f"{uid}:delete", weak=False)
            for field in model._meta.local_many_to_many:
                through = field.remote_field.through
                m2m_changed.connect(
                    report_data_changed, sender=through, dispatch_uid=f"{uid}:{field.name}:m2m", weak=False
                )


def cache_html(key: str, parts: list[str]) -> None:
    """Keep rendered HTML under `key`, compressed: a report ten times Torbay's is megabytes of HTML."""
    cache.set(key, zlib.compress("".join(parts).encode(), 1), timeout=REPORT_TIMEOUT)


def cached_html(key: str) -> SafeString | None:
    """Return the HTML kept under `key`, or None."""
    data = cache.get(key)
    return None if data is None else mark_safe(zlib.decompress(data).decode())
