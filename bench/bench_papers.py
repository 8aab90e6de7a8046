"""Benchmark the committee papers: the PDF and the Word file at Torbay's size and ten times it.

Builds a Torbay-size plan (4 themes, 64 key actions, 60 measures of 11 months, 10 risks) and one ten
times larger, then builds each paper once through its view (signed in, Django's test client, the
cache emptied first so the report is built from the database) and prints, per size: the PDF's pages,
seconds and peak memory; the Word file's seconds, peak memory, paragraphs and tables (and its pages
when LibreOffice's `soffice` is installed to count them); then the ten-times/Torbay ratios. Uses
DATABASE_URL if set, else a throw-away SQLite file.

    .venv/bin/python bench/bench_papers.py [--months 11]

Peak memory is the process's resident high-water mark after each build (ru_maxrss): it only rises,
so the builds run smallest first and each figure is the peak up to and including that build.
"""

from __future__ import annotations

import argparse
import io
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

# Django set up as bench_report.py sets it up: this project on sys.path, DATABASE_URL or a throw-away
# SQLite file, the test settings.
import bench_report
import docx
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.report.builders import MONTHS_SHOWN, build_plan

HOST = bench_report.HOST
SIZES = (("Torbay size", "bench-paper-torbay", 1), ("Ten times", "bench-paper-ten-times", 10))


def peak_mb() -> float:
    """Return the process's peak resident memory so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def built(client: Client, url: str) -> tuple[bytes, float]:
    """Return the response body of `url` built from the database, and the seconds it took."""
    cache.clear()
    start = time.perf_counter()
    response = client.get(url, **HOST)
    seconds = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return response.content, seconds


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
    started = time.perf_counter()
    for _, slug, scale in SIZES:
        build_plan(slug=slug, scale=scale, owner=user, months=args.months)
    seconds = time.perf_counter() - started
    print(f"Built both plans ({args.months} months of figures) in {seconds:.1f} s ({connection.vendor}).")

    client = Client()
    client.force_login(user)
    # WeasyPrint and python-docx load before anything is timed.
    import report.docx
    import report.pdf  # noqa: F401

    results = {}
    for label, slug, _ in SIZES:
        pdf, pdf_seconds = built(client, f"{reverse('report_pdf')}?plan={slug}")
        pdf_peak = peak_mb()
        word, word_seconds = built(client, f"{reverse('report_docx')}?plan={slug}")
        document = docx.Document(io.BytesIO(word))
        results[label] = {
            "pdf_pages": pdf_pages(pdf),
            "pdf_seconds": pdf_seconds,
            "pdf_peak": pdf_peak,
            "word_seconds": word_seconds,
            "word_peak": peak_mb(),
            "paragraphs": len(document.paragraphs),
            "tables": len(document.tables),
            "table_rows": sum(len(table.rows) for table in document.tables),
            "word_pages": word_pages(word),
            "word_kb": len(word) / 1024,
        }
    for label, r in results.items():
        print(f"\n{label}:")
        print(f"  PDF   {r['pdf_pages']:5d} pages  {r['pdf_seconds']:7.1f} s   peak memory {r['pdf_peak']:7.0f} MB")
        print(
            f"  Word  {r['paragraphs']:5d} paragraphs, {r['tables']} tables ({r['table_rows']} rows), "
            f"{r['word_kb']:.0f} kB  {r['word_seconds']:7.1f} s   peak memory {r['word_peak']:7.0f} MB"
        )
        print(f"  Word pages: {r['word_pages']}")
    one, ten = results["Torbay size"], results["Ten times"]
    print("\nRatios, ten times / Torbay size:")
    for key, name in (
        ("pdf_pages", "PDF pages"),
        ("pdf_seconds", "PDF seconds"),
        ("word_seconds", "Word seconds"),
        ("paragraphs", "Word paragraphs"),
        ("tables", "Word tables"),
    ):
        print(f"  {name:<16} {ten[key] / one[key]:6.2f}")


if __name__ == "__main__":
    main()
