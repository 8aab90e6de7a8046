"""Benchmark hostile uploads: how long, and how much memory, until each import refuses each hostile file.

Builds the files (a zip bomb .xlsx whose sheet XML unpacks to about 1 GB; a workbook whose sheet
(with no <dimension> record) unpacks to just under the unpacked limit; a CSV of a million rows; a 25 MB file over the
size cap), then posts each to the KPI and the risk import through the admin (Django's test client, as a
superuser), one subprocess per file and import, so that each peak memory figure (max RSS) is that file's
alone. Prints the seconds until the refusal, the process's peak RSS before and after the upload, the
sentence the page shows, and whether anything was written. Sets up its own throw-away SQLite database.

    .venv/bin/python bench/bench_hostile_uploads.py
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
IMPORTS = {"KPI": "admin:kpis_measure_import", "risk": "admin:risks_risk_import"}
ROW_XML = '<row><c t="inlineStr"><is><t>1.1</t></is></c><c t="inlineStr"><is><t>x</t></is></c><c><v>12</v></c></row>'


def django_setup(work: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{work}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torbay_improvement.settings.test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def base_workbook() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Ref", "Performance Measure", "Jul 20"])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def workbook_with(member: str, parts, path: Path) -> None:
    """Write a real workbook whose `member` (its sheet or its shared strings) is the streamed `parts`."""
    with (
        zipfile.ZipFile(io.BytesIO(base_workbook())) as base,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
    ):
        for info in base.infolist():
            if info.filename != member:
                archive.writestr(info, base.read(info))
        with archive.open(member, "w", force_zip64=True) as inflating:
            for part in parts:
                inflating.write(part)


def sheet_xml(unpacked: int):
    """The same measure row over and over (rows without an r attribute count on): deflate packs it ~250:1."""
    yield b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    yield b"<sheetData>"
    rows = ROW_XML.encode() * 10_000
    for _ in range(unpacked // len(rows)):
        yield rows
    yield b"</sheetData></worksheet>"


def build_files(folder: Path) -> list[tuple[str, Path]]:
    from core.importing import MAX_UNPACKED_BYTES, MAX_UPLOAD_BYTES

    files = []

    def add(label: str, name: str, write) -> None:
        path = folder / name
        write(path)
        files.append((label, path))

    add(
        "zip bomb: sheet XML unpacks to 1 GB",
        "bomb.xlsx",
        lambda p: workbook_with("xl/worksheets/sheet1.xml", sheet_xml(2**30), p),
    )
    under = MAX_UNPACKED_BYTES - 2**20
    add(
        "sheet XML just under the unpacked limit",
        "rows.xlsx",
        lambda p: workbook_with("xl/worksheets/sheet1.xml", sheet_xml(under), p),
    )
    add(
        "CSV of 1,000,000 rows",
        "rows.csv",
        lambda p: p.write_bytes(
            b"Ref,Performance Measure,Jul 20\r\n" + b"".join(b"1.%d,x,12\r\n" % n for n in range(1_000_000))
        ),
    )
    add("file over the size cap (25 MB)", "big.csv", lambda p: p.write_bytes(b"x" * (MAX_UPLOAD_BYTES + 5 * 2**20)))
    return files


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(work: Path, importer: str, path: Path) -> None:
    """Post one file to one import and print what happened as JSON."""
    django_setup(work)
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # so that the response carries its template context
    from django.urls import reverse

    from kpis.models import MeasureValue
    from plans.models import Plan
    from risks.models import Risk

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    plan = Plan.objects.get()
    data = path.read_bytes()
    before = peak_mb()
    started = time.perf_counter()
    response = client.post(
        reverse(IMPORTS[importer]), {"plan": plan.pk, "import_file": SimpleUploadedFile(path.name, data)}
    )
    seconds = time.perf_counter() - started
    context = response.context
    preview = context.get("preview")
    if preview is not None and preview.problems:
        said = preview.problems[0].message
    else:
        form = context.get("form")
        said = " ".join(form.errors.get("import_file", [])) if form is not None else ""
    written = MeasureValue.objects.exists() or Risk.objects.exists()
    print(json.dumps({"seconds": seconds, "before": before, "peak": peak_mb(), "said": said, "written": written}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("WORK", "IMPORT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        work, importer, path = args.child
        child(Path(work), importer, Path(path))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    django_setup(work)
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from plans.models import Plan

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    User.objects.create_superuser(username="bench", password="unused-bench-password")
    Plan.objects.create(title="Benchmark plan", slug="bench")
    print(f"Database: {os.environ['DATABASE_URL']}")
    files = build_files(work)
    columns = f"{'file':<46} {'size':>8} {'unpacks':>9}  {'import':<6} {'seconds':>7} {'RSS before':>10}"
    print(f"{columns} {'peak RSS':>9}  written  refused with")
    for label, path in files:
        size = path.stat().st_size / 2**20
        unpacked = ""
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                unpacked = f"{sum(info.file_size for info in archive.infolist()) / 2**20:,.0f} MB"
        for importer in IMPORTS:
            run = subprocess.run(
                [sys.executable, __file__, "--child", str(work), importer, str(path)], capture_output=True, text=True
            )
            if run.returncode:
                sys.exit(f"{label}, {importer} import:\n{run.stderr}")
            figures = json.loads(run.stdout.strip().splitlines()[-1])
            print(
                f"{label:<46} {size:6.1f} MB {unpacked:>9}  {importer:<6} {figures['seconds']:7.2f} "
                f"{figures['before']:7.0f} MB {figures['peak']:6.0f} MB  {'yes' if figures['written'] else 'no ':<7}"
                f"  {figures['said'][:70]}"
            )
    print("\nAim: each refused within a few seconds, in well under 600 MB, nothing written.")


if __name__ == "__main__":
    main()
