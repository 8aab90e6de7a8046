"""Publishing a round's paper: the report as it stands, frozen as version N of the quarter's paper and kept
in Django's default storage, the quarter locked and the round closed; reopening a quarter with a reason.

The HTML, the Word file and the data are frozen in the transaction that publishes; the PDF is laid out later,
by the worker, from the frozen HTML (never from live data), as `pdf_status` tells.
"""

from __future__ import annotations

import datetime
import json

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.calendar import FinancialQuarter
from plans import permissions as plan_permissions
from plans.models import Plan, QuarterLock, ReportingRound
from plans.rounds import locks
from report.models import PublishedPaper
from report.paper_files import PaperChoice, _report_context, paper_docx, paper_html, paper_pdf
from report.snapshots import paper_data
from report.stored_papers import BUILD_LIMIT

PUBLISHED_FOLDER = "papers/published"
NOTHING_TO_PUBLISH_MESSAGE = (
    "{plan} has no open round for {quarter}, so there is nothing to publish. Open a round for the quarter first."
)
ALREADY_PUBLISHED_MESSAGE = (
    "{quarter} was published as version {version} and is locked. Reopen it with a reason before publishing again."
)
NOT_LATEST_MESSAGE = "Only the latest version of a quarter's paper can be reopened: reopen version {version}."


def published_folder(*, plan: Plan, quarter: FinancialQuarter, version: int) -> str:
    """Return the storage folder of one published version: papers/published/<plan>/<year>-q<n>/v<version>."""
    return f"{PUBLISHED_FOLDER}/{plan.slug}/{quarter.financial_year}-q{quarter.quarter}/v{version}"


def _store(folder: str, name: str, content: bytes) -> str:
    wanted = f"{folder}/{name}"
    if default_storage.exists(wanted):  # a publish that rolled back after writing: its files are no one's
        default_storage.delete(wanted)
    return default_storage.save(wanted, ContentFile(content))


def paper_publish(*, user: User, plan: Plan, quarter: FinancialQuarter) -> PublishedPaper:
    """Publish the quarter's paper as its next version: the plan's open round for the quarter, or a reopened
    quarter; lock the quarter and close the round; queue its PDF. Return the paper."""
    if not plan_permissions.can_publish_round(user):
        raise PermissionDenied(locks.NOT_PUBLISHER_MESSAGE)
    with transaction.atomic():
        round_ = (
            ReportingRound.objects.select_for_update()
            .filter(plan=plan, financial_year=quarter.financial_year, quarter=quarter.quarter)
            .first()
        )
        lock = locks.quarter_lock_get(plan=plan, quarter=quarter)
        latest = _latest_version(plan=plan, quarter=quarter)
        if lock is not None and lock.reopened_at is None:
            raise ValidationError(ALREADY_PUBLISHED_MESSAGE.format(quarter=quarter.label, version=latest))
        round_open = round_ is not None and round_.status == ReportingRound.Status.OPEN
        if not round_open and lock is None:
            raise ValidationError(NOTHING_TO_PUBLISH_MESSAGE.format(plan=plan.title, quarter=quarter.label))
        paper = paper_record(
            user=user, plan=plan, quarter=quarter, board_date=round_.board_date if round_ else None, version=latest + 1
        )
        if round_open:
            locks.round_close(user=user, round_=round_)
    paper.refresh_from_db()  # the PDF's state, once queued (or built, where tasks run at once)
    return paper


def _latest_version(*, plan: Plan, quarter: FinancialQuarter) -> int:
    found = PublishedPaper.objects.filter(
        plan=plan, financial_year=quarter.financial_year, quarter=quarter.quarter
    ).aggregate(latest=Max("version"))["latest"]
    return found or 0


def paper_record(
    *, user: User, plan: Plan, quarter: FinancialQuarter, board_date, version: int | None = None
) -> PublishedPaper:
    """Freeze the report for the plan and quarter as it stands into a published paper and lock the quarter
    (no round needed: paper_publish checks the round; the demo records the seed's paper); return the paper."""
    version = version or _latest_version(plan=plan, quarter=quarter) + 1
    with transaction.atomic():
        # Locked first, so an update saved while the paper is frozen is refused rather than left out unsaid.
        locks.quarter_lock(user=user, plan=plan, quarter=quarter)
        choice = PaperChoice(plan=plan, quarter=quarter, as_at=None, all_months=True)
        folder = published_folder(plan=plan, quarter=quarter, version=version)
        data = paper_data(_report_context(choice))
        now = timezone.now()
        paper = PublishedPaper(
            plan=plan,
            financial_year=quarter.financial_year,
            quarter=quarter.quarter,
            version=version,
            board_date=board_date,
            published_at=now,
            published_by=user,
            html_file=_store(folder, choice.file_name("html"), paper_html(choice, published_at=now).encode()),
            docx_file=_store(folder, choice.file_name("docx"), paper_docx(choice, published_at=now)),
            data=data,
        )
        _store(folder, "data.json", json.dumps(data, indent=1).encode())
        paper.full_clean()
        paper.save()
        # Once the paper is committed, so no worker looks for a row it cannot see (nor for one rolled back).
        transaction.on_commit(lambda: _pdf_enqueue(paper.pk))
    paper.refresh_from_db()
    return paper


def _pdf_enqueue(paper_id: int) -> None:
    from report.tasks import build_published_pdf

    result = build_published_pdf.enqueue(paper_id)
    PublishedPaper.objects.filter(pk=paper_id).update(task_id=str(result.id))


def published_pdf_build(paper_id: int) -> str:
    """Lay out the published paper's PDF from its frozen HTML and store it; return its storage name."""
    claimed = PublishedPaper.objects.filter(
        pk=paper_id, pdf_status__in=(PublishedPaper.PdfStatus.QUEUED, PublishedPaper.PdfStatus.FAILED)
    ).update(pdf_status=PublishedPaper.PdfStatus.BUILDING)
    if not claimed:
        return ""
    paper = PublishedPaper.objects.select_related("plan").get(pk=paper_id)
    try:
        with default_storage.open(paper.html_file, "rb") as frozen:
            html = frozen.read().decode()
        folder, html_name = paper.html_file.rsplit("/", 1)
        stored = _store(folder, html_name.removesuffix(".html") + ".pdf", paper_pdf(html))
    except Exception as error:
        PublishedPaper.objects.filter(pk=paper_id).update(
            pdf_status=PublishedPaper.PdfStatus.FAILED, pdf_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    PublishedPaper.objects.filter(pk=paper_id).update(pdf_status=PublishedPaper.PdfStatus.READY, pdf_file=stored)
    return stored


def pdf_failed(paper: PublishedPaper, *, now: datetime.datetime | None = None) -> bool:
    """Return whether the paper's PDF failed, or is still unbuilt long after publishing (its worker stopped)."""
    if paper.pdf_status == PublishedPaper.PdfStatus.FAILED:
        return True
    waited = (now or timezone.now()) - paper.published_at
    return paper.pdf_status != PublishedPaper.PdfStatus.READY and waited > BUILD_LIMIT


def paper_pdf_retry(*, user: User, paper: PublishedPaper) -> PublishedPaper:
    """Queue the PDF of a published paper whose build failed (or stopped), again; return the paper."""
    if not plan_permissions.can_publish_round(user):
        raise PermissionDenied(locks.NOT_PUBLISHER_MESSAGE)
    if pdf_failed(paper):
        PublishedPaper.objects.filter(pk=paper.pk).update(pdf_status=PublishedPaper.PdfStatus.FAILED)
        _pdf_enqueue(paper.pk)
    paper.refresh_from_db()
    return paper


def paper_reopen(*, user: User, paper: PublishedPaper, reason: str) -> PublishedPaper:
    """Reopen the paper's quarter with a reason (kept on the paper and the lock's history), so its RAGs and
    updates can be saved and the quarter published again as the next version; return the paper."""
    if not plan_permissions.can_publish_round(user):
        raise PermissionDenied(locks.NOT_PUBLISHER_MESSAGE)
    quarter = FinancialQuarter(paper.financial_year, paper.quarter)
    with transaction.atomic():
        latest = _latest_version(plan=paper.plan, quarter=quarter)
        if paper.version != latest:
            raise ValidationError(NOT_LATEST_MESSAGE.format(version=latest))
        lock: QuarterLock = locks.quarter_reopen(user=user, plan=paper.plan, quarter=quarter, reason=reason)
        paper.reopened_at, paper.reopened_by, paper.reopen_reason = lock.reopened_at, user, lock.reopen_reason
        paper.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    return paper


# The demo: the seed's July 2021 report, as it went to the board, is the plan's published Q1 2021/22 paper.
DEMO_PAPER_QUARTER = FinancialQuarter(2021, 1)


def published_demo_load(*, plan_slug: str, publisher: str = "sro") -> PublishedPaper | None:
    """Record the demo plan's seed report as its published Q1 2021/22 paper (locking the quarter) unless it has
    one; return the paper if recorded."""
    plan = Plan.objects.filter(slug=plan_slug).first()
    user = User.objects.filter(username=publisher).first()
    quarter = DEMO_PAPER_QUARTER
    if plan is None or user is None:
        return None
    if PublishedPaper.objects.filter(
        plan=plan, financial_year=quarter.financial_year, quarter=quarter.quarter
    ).exists():
        return None
    return paper_record(user=user, plan=plan, quarter=quarter, board_date=plan.report_date)
