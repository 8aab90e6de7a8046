"""Downloading a committee paper in Chromium: the link shows that the paper is being prepared, the page
refreshes itself while the worker builds it, and the file downloads when it is ready."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_backend(settings):
    """Tasks queued in the database as in production; the test runs the worker when it chooses."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_sro_clicks_download_pdf_sees_it_being_prepared_and_gets_the_file(
    page, live_server, demo, worker_backend, tmp_path
):
    sign_in(page, live_server, "sro")
    page.goto(url(live_server, "/"))
    page.get_by_role("link", name="Download PDF of this highlight report").click()

    expect(page.get_by_role("heading", name="Your PDF is being prepared")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Queued for")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()  # in the site's layout

    # The worker builds it (as `manage.py db_worker` does beside the web server); the page, refreshing
    # itself every few seconds, then says it is ready and the browser downloads the file.
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    with page.expect_download(timeout=15_000) as downloading:
        expect(page.get_by_role("heading", name="Your PDF is ready")).to_be_visible(timeout=15_000)
    download = downloading.value
    assert download.suggested_filename == "highlight-report-torbay-2021-highlight-2021-07-13.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    # Asked for again, it is the stored file at once: no page in between.
    page.goto(url(live_server, "/"))
    with page.expect_download() as again:
        page.get_by_role("link", name="Download PDF of this highlight report").click()
    assert again.value.suggested_filename == download.suggested_filename
