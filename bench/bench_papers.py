"""Benchmark the committee papers: the PDF and the Word file at Torbay's size and ten times it.

Builds a Torbay-size plan (4 themes, 64 key actions, 60 measures of 11 months, 10 risks) and one ten
times larger, then for each paper and size goes through what a reader's click does now that papers are
built in the background (report.stored_papers): the link's first request (nothing stored yet: it queues
one build and answers with the being-prepared page), the build itself in a separate worker process
(`manage.py db_worker --batch`, as in production), and the link's repeat, served from the store. Prints
per size: the first request's milliseconds, the build's seconds and the worker's peak memory, the
repeat's milliseconds (aim: under 1 s) and the web process's memory before and after; the PDF's pages,
the Word file's paragraphs and tables (and its pages when LibreOffice's `soffice` is installed); then
the ten-times/Torbay ratios. Uses DATABASE_URL if set, else a throw-away SQLite file, and the dev
settings (the database task backend) with MEDIA_ROOT in a throw-away folder.

    .venv/bin/python bench/bench_papers.py [--months 11]

The worker's peak memory is that process's own resident high-water mark (os.wait4's ru_maxrss): one
worker process per build, so each figure is that build's alone, Django's start-up included.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Papers are built by the worker, as in production: the dev settings' database task backend, and a
# storage folder the worker processes share with this one. Then Django set up as bench_report.py sets it
# up: this project on sys.path, DATABASE_URL or a throw-away SQLite file.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torbay_improvement.settings.dev")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-papers-media-"))
os.environ.setdefault("LOG_LEVEL", "WARNING")

import bench_report
import docx
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from core import roles
from tests.report.builders import MONTHS_SHOWN, build_plan

HOST = bench_report.HOST
SIZES = (("Torbay size", "bench-paper-torbay", 1), ("Ten times", "bench-paper-ten-times", 10))


def rss_mb() -> float:
    """Return this process's resident memory now, in MB."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def get(client: Client, url: str) -> tuple[object, float]:
    """Return the response to `url` and the milliseconds it took."""
    start = time.perf_counter()
    response = client.get(url, **HOST)
    milliseconds = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.status_code
    return response, milliseconds


def run_worker() -> tuple[float, float]:
    """Run one worker process until the queue is empty; return its seconds and its peak memory in MB."""
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay", "-v", "0"]
    start = time.perf_counter()
    worker = subprocess.Popen(command, cwd=bench_report.ROOT)
    _, status, usage = os.wait4(worker.pid, 0)
    seconds = time.perf_counter() - start
    worker.returncode = os.waitstatus_to_exitcode(status)
    assert worker.returncode == 0, f"the worker failed ({worker.returncode})"
    return seconds, usage.ru_maxrss / 1024


def paper(client: Client, url: str) -> dict:
    """Click the paper's link with nothing stored, let a worker build it, click again; return the figures."""
    from report.models import PaperBuild

    cache.clear()  # a new data token: nothing stored counts, and the report is built from the database
    first, first_ms = get(client, url)
    assert b"being prepared" in first.content, "the first click did not queue a build"
    web_before = rss_mb()
    worker_seconds, worker_peak = run_worker()
    build = PaperBuild.objects.latest("enqueued_at")
    assert build.status == PaperBuild.Status.READY, f"the build {build.status}: {build.error}"
    repeat, repeat_ms = get(client, url)
    content = repeat.getvalue()
    return {
        "first_ms": first_ms,
        "build_seconds": (build.finished_at - build.started_at).total_seconds(),
        "worker_seconds": worker_seconds,
        "worker_peak": worker_peak,
        "repeat_ms": repeat_ms,
        "web_before": web_before,
        "web_after": rss_mb(),
        "content": content,
        "kb": len(content) / 1024,
    }


def pdf_pages(content: bytes) -> int:
    """Return the PDF's page count, from poppler's pdfinfo."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def word_pages(content: bytes) -> str:
    """Return the Word file's page count as LibreOffice lays it out, or why there is none."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return "not counted (LibreOffice soffice is not installed)"
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "paper.docx"
        source.write_bytes(content)
        subprocess.run(
            [soffice, "--headless", "--convert-to", "pdf", "--outdir", folder, str(source)],
            check=True,
            capture_output=True,
        )
        return str(pdf_pages((Path(folder) / "paper.pdf").read_bytes()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=MONTHS_SHOWN, help="months of figures per measure")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from plans.models import Plan

    Plan.objects.filter(slug__in=[slug for _, slug, _ in SIZES]).delete()
    user, _ = User.objects.get_or_create(username="bench-sro", defaults={"first_name": "Nancy", "last_name": "Meehan"})
    user.groups.add(Group.objects.get_or_create(name=roles.SRO)[0])  # a reader in no role sees nothing
    started = time.perf_counter()
    for _, slug, scale in SIZES:
        build_plan(slug=slug, scale=scale, owner=user, months=args.months)
    seconds = time.perf_counter() - started
    print(f"Built both plans ({args.months} months of figures) in {seconds:.1f} s ({connection.vendor}).")

    client = Client()
    client.force_login(user)
    print(f"Papers stored under {default_storage.location}; web process {rss_mb():.0f} MB.")

    results = {}
    for label, slug, _ in SIZES:
        pdf = paper(client, f"{reverse('report_pdf')}?plan={slug}")
        word = paper(client, f"{reverse('report_docx')}?plan={slug}")
        document = docx.Document(io.BytesIO(word["content"]))
        results[label] = {
            "pdf": pdf,
            "word": word,
            "pdf_pages": pdf_pages(pdf["content"]),
            "paragraphs": len(document.paragraphs),
            "tables": len(document.tables),
            "table_rows": sum(len(table.rows) for table in document.tables),
            "word_pages": word_pages(word["content"]),
        }
    for label, r in results.items():
        print(f"\n{label}:")
        for name, figures, what in (
            ("PDF ", r["pdf"], f"{r['pdf_pages']} pages"),
            ("Word", r["word"], f"{r['paragraphs']} paragraphs, {r['tables']} tables ({r['table_rows']} rows)"),
        ):
            print(
                f"  {name}  first click {figures['first_ms']:6.0f} ms (being prepared)   "
                f"build {figures['build_seconds']:6.1f} s in the worker ({figures['worker_seconds']:.1f} s with "
                f"start-up), worker peak {figures['worker_peak']:6.0f} MB   "
                f"repeat {figures['repeat_ms']:6.0f} ms from the store"
                f" ({'under' if figures['repeat_ms'] < 1000 else 'NOT under'} 1 s)"
            )
            print(
                f"        {what}, {figures['kb']:.0f} kB; web process {figures['web_before']:.0f} MB before the build, "
                f"{figures['web_after']:.0f} MB after serving it"
            )
        print(f"  Word pages: {r['word_pages']}")
    one, ten = results["Torbay size"], results["Ten times"]
    print("\nRatios, ten times / Torbay size:")
    for name, of in (
        ("PDF pages", lambda r: r["pdf_pages"]),
        ("PDF build seconds", lambda r: r["pdf"]["build_seconds"]),
        ("PDF worker peak", lambda r: r["pdf"]["worker_peak"]),
        ("PDF repeat", lambda r: r["pdf"]["repeat_ms"]),
        ("Word build seconds", lambda r: r["word"]["build_seconds"]),
        ("Word worker peak", lambda r: r["word"]["worker_peak"]),
        ("Word repeat", lambda r: r["word"]["repeat_ms"]),
        ("Word paragraphs", lambda r: r["paragraphs"]),
    ):
        print(f"  {name:<20} {of(ten) / of(one):6.2f}")


if __name__ == "__main__":
    main()
