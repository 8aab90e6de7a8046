"""Committee papers kept in storage under the version of the data and code they were built from.

A paper's key is the version (the code that renders the report, the report's data token, today's date
and the protective marking) and the choice (plan, quarter, as-at date, months) and its kind. A change to
any data the report shows gives a new data token (report.cache), so the next request for a paper finds
no row under its key and a new build is queued; nothing built from the old data is served again. Files
live under `papers/versions/<version>/<choice>/<kind>/` in Django's default storage, so every version
but the current one can be removed whole after each build.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.calendar import FinancialQuarter
from report.cache import code_version, report_data_token
from report.models import PaperBuild
from report.paper_files import PaperChoice, write_paper_files

PAPERS_FOLDER = "papers/versions"
# A queued paper this old is waiting on a builder that may not be running.
QUEUE_PATIENCE = datetime.timedelta(minutes=2)
# A build running this long has stopped (its worker was restarted or ran out of memory).
BUILD_LIMIT = datetime.timedelta(minutes=20)
STOPPED_MESSAGE = "The build stopped without finishing: the server may have restarted while it ran."
KINDS_BUILT = {PaperBuild.Kind.PDF: ("pdf",), PaperBuild.Kind.DOCX: ("docx",)}


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def data_version(*, today: datetime.date | None = None) -> str:
    """Return the version a paper built now is built from: code, data, today's date and the marking."""
    today = today or timezone.localdate()
    return _digest(f"{code_version()}:{report_data_token()}:{today.isoformat()}:{settings.PROTECTIVE_MARKING}")


def paper_key(*, choice: PaperChoice, kind: str, version: str) -> str:
    """Return the key of one kind of paper for one choice, built from one version: also its folder."""
    return f"{version}/{_digest(choice.parts)}/{kind}"


def paper_choice(build: PaperBuild) -> PaperChoice:
    """Return the choice a build row is for."""
    return PaperChoice(
        plan=build.plan,
        quarter=FinancialQuarter(build.financial_year, build.quarter),
        as_at=build.as_at,
        all_months=build.all_months,
    )


@dataclass(frozen=True)
class PaperState:
    """A build as the reader sees it: its status (a build stopped midway counts as failed) and how long so far."""

    build: PaperBuild
    status: str
    waited: datetime.timedelta
    error: str = ""

    @property
    def ready(self) -> bool:
        return self.status == PaperBuild.Status.READY

    @property
    def failed(self) -> bool:
        return self.status == PaperBuild.Status.FAILED

    @property
    def stopped(self) -> bool:
        return self.error == STOPPED_MESSAGE

    @property
    def slow_to_start(self) -> bool:
        return self.status == PaperBuild.Status.QUEUED and self.waited >= QUEUE_PATIENCE


def paper_state(build: PaperBuild, *, now: datetime.datetime | None = None) -> PaperState:
    """Return the build's status as the reader should see it, and how long it has taken so far."""
    now = now or timezone.now()
    status, error = build.status, build.error
    if status == PaperBuild.Status.BUILDING and build.started_at and now - build.started_at > BUILD_LIMIT:
        status, error = PaperBuild.Status.FAILED, STOPPED_MESSAGE
    since = build.started_at if status == PaperBuild.Status.BUILDING else build.enqueued_at
    return PaperState(build=build, status=status, waited=(build.finished_at or now) - since, error=error)


def _files_present(build: PaperBuild) -> bool:
    return bool(build.files) and all(default_storage.exists(name) for name in build.files.values())


def paper_for(*, choice: PaperChoice, kind: str, user) -> PaperBuild:
    """Return the current build of this paper, enqueuing one (once, whoever else asks) when there is none.

    With a backend that runs tasks at once (the tests') the build returned is already finished.
    """
    key = paper_key(choice=choice, kind=kind, version=data_version())
    build = PaperBuild.objects.select_related("plan").filter(key=key).first()
    if build is not None and build.status == PaperBuild.Status.READY and not _files_present(build):
        build.delete()  # its files were removed from storage: build them again
        build = None
    if build is not None:
        return build
    from report.tasks import build_paper

    with transaction.atomic():
        build, created = PaperBuild.objects.get_or_create(
            key=key,
            defaults={
                "version": key.split("/")[0],
                "kind": kind,
                "plan": choice.plan,
                "financial_year": choice.quarter.financial_year,
                "quarter": choice.quarter.quarter,
                "as_at": choice.as_at,
                "all_months": choice.all_months,
                "requested_by": user if user.is_authenticated else None,
            },
        )
        if created:
            # In the same transaction as the row: the database backend's task row is committed with it.
            result = build_paper.enqueue(key)
            PaperBuild.objects.filter(pk=build.pk).update(task_id=str(result.id))
    build.refresh_from_db()
    return build


def paper_retry(*, choice: PaperChoice, kind: str, user) -> PaperBuild:
    """Forget a failed (or stopped) build of this paper and enqueue another; return it."""
    key = paper_key(choice=choice, kind=kind, version=data_version())
    build = PaperBuild.objects.filter(key=key).first()
    if build is not None and paper_state(build).failed:
        build.delete()
    return paper_for(choice=choice, kind=kind, user=user)


def run_build(key: str) -> dict[str, str]:
    """Build the paper queued under `key` and store its files; return their storage names (the task's work)."""
    claimed = PaperBuild.objects.filter(key=key, status=PaperBuild.Status.QUEUED).update(
        status=PaperBuild.Status.BUILDING, started_at=timezone.now()
    )
    if not claimed:  # built, being built, or removed since it was queued
        return {}
    build = PaperBuild.objects.select_related("plan").get(key=key)
    try:
        files = write_paper_files(paper_choice(build), KINDS_BUILT[build.kind], folder=f"{PAPERS_FOLDER}/{key}")
    except Exception as error:
        message = f"{type(error).__name__}: {error}"[:2000]
        PaperBuild.objects.filter(pk=build.pk).update(
            status=PaperBuild.Status.FAILED, error=message, finished_at=timezone.now()
        )
        raise
    PaperBuild.objects.filter(pk=build.pk).update(
        status=PaperBuild.Status.READY, files=files, finished_at=timezone.now()
    )
    # Its own version is kept even when this process thinks another is current (a worker already on a
    # release the web servers are not yet on): the readers waiting for it are served it.
    remove_old_papers(keep=build.version)
    return files


def _delete_folder(folder: str) -> None:
    folders, files = default_storage.listdir(folder)
    for name in files:
        default_storage.delete(f"{folder}/{name}")
    for name in folders:
        _delete_folder(f"{folder}/{name}")
    default_storage.delete(folder)  # the (now empty) folder itself, where storage has folders


def remove_old_papers(*, keep: str = "", now: datetime.datetime | None = None) -> int:
    """Remove the rows and files of every version but the current one (and `keep`), keeping builds still
    running; return how many rows went."""
    now = now or timezone.now()
    current = data_version()
    running = PaperBuild.objects.filter(
        status__in=(PaperBuild.Status.QUEUED, PaperBuild.Status.BUILDING), enqueued_at__gte=now - BUILD_LIMIT
    )
    kept = {current, keep, *running.values_list("version", flat=True)}
    removed, _ = PaperBuild.objects.exclude(version__in=kept).delete()
    if default_storage.exists(PAPERS_FOLDER):
        for version in default_storage.listdir(PAPERS_FOLDER)[0]:
            if version not in kept:
                _delete_folder(f"{PAPERS_FOLDER}/{version}")
    return removed
