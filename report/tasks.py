"""Background work for the report (django-tasks; the same API as Django 6's django.tasks).

The worker (`manage.py db_worker`) runs these in production; the tests run them at once.
"""

from __future__ import annotations

from django_tasks import task

from report import stored_papers


@task()
def build_paper(key: str) -> dict[str, str]:
    """Build the committee paper queued under `key`, store its files, remove older versions' files."""
    return stored_papers.run_build(key)


@task()
def remove_old_papers() -> int:
    """Remove the stored papers of every version of the data but the current one; return the rows removed."""
    return stored_papers.remove_old_papers()


@task()
def build_published_pdf(paper_id: int) -> str:
    """Lay out a published paper's PDF from its frozen HTML and store it; return its storage name."""
    from report import publishing

    return publishing.published_pdf_build(paper_id)
