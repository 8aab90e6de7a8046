"""Benchmark the KPI import: a wide workbook of 500 measures x 120 months (60,000 values).

Runs the admin's two steps through `kpis.spreadsheet` (preview: read + validate + diff, kept as the admin
keeps it; confirm: check the database is as previewed, write the stored preview with history), the
write floor (a plain multi-row insert of the same values and history rows, rolled back), the one-go
path of the command line, and, for comparison, a plain django-import-export ModelResource importing
the same 60,000 values from a long file (one row per value). Prints time and peak memory of each step
and the ratios issue 12 aims at, on the database it runs on: `DATABASE_URL` if set (the benchmark
creates and drops Django's test database beside it, `test_<name>`, so the named database is not
touched), else a throw-away SQLite file.

    .venv/bin/python bench/bench_kpi_import.py [--measures 500] [--months 120] [--no-resource]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/bench_kpi_import.py
"""

from __future__ import annotations

import argparse
import datetime
import gc
import io
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = tempfile.mkdtemp(prefix="bench-kpi-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORK}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torbay_improvement.settings.test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from openpyxl import Workbook  # noqa: E402
from openpyxl.cell import WriteOnlyCell  # noqa: E402

START = datetime.date(2011, 4, 1)


def month_n(n: int) -> datetime.date:
    index = START.year * 12 + START.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def figure(measure_index: int, month_index: int) -> tuple[float | int | str, bool]:
    """Return a cell for a measure and month: percentages as fractions in % cells, some n/a."""
    if (measure_index + month_index) % 97 == 0:
        return "n/a", False
    if measure_index % 2 == 0:  # a percentage measure
        return round(((measure_index * 7 + month_index * 3) % 1000) / 1000, 3), True
    return (measure_index * 11 + month_index * 13) % 500, False


def database_setup() -> str:
    """Create the benchmark's own database (Django's test database, a file on SQLite); return the name of
    the database it stands beside, for database_teardown()."""
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = f"{WORK}/bench-test.sqlite3"
    # Migrates it and creates the cache table, as the test runner does.
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return old_name


def database_teardown(old_name: str) -> None:
    from django.db import connection

    connection.creation.destroy_test_db(old_name, verbosity=0)


def setup(measure_count: int):
    from django.contrib.auth.models import User

    from kpis.models import Measure, Unit
    from plans.models import Plan, Theme

    user = User.objects.create(username="performance", is_staff=True)
    plans = []
    for slug in ("bench-wide", "bench-long"):
        plan = Plan.objects.create(title=f"Benchmark plan {slug}", slug=slug, report_date=datetime.date(2021, 7, 1))
        theme = Theme.objects.create(plan=plan, number=1, title="Theme")
        Measure.objects.bulk_create(
            Measure(
                plan=plan,
                theme=theme,
                ref=f"{i // 50 + 1}.{i % 50 + 1}",
                title=f"Measure {i}",
                order=i,
                unit=Unit.PERCENTAGE if i % 2 == 0 else Unit.COUNT,
                decimals=1 if i % 2 == 0 else 0,
            )
            for i in range(measure_count)
        )
        plans.append(plan)
    return user, plans


def wide_workbook(measure_count: int, month_count: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("KPIs")
    sheet.append(["Benchmark KPI report"])
    sheet.append([])
    sheet.append(["", "", "", *["Figures" if n == 0 else "" for n in range(month_count)]])
    sheet.append(["Ref", "Performance Measure", "Period", *[f"{month_n(n):%b %y}" for n in range(month_count)]])
    for i in range(measure_count):
        if i % 50 == 0:
            sheet.append([f"Section {i // 50 + 1}"])
        row = [f"{i // 50 + 1}.{i % 50 + 1}", f"Measure {i}", "Snapshot"]
        for n in range(month_count):
            value, percent = figure(i, n)
            if percent:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "0.0%"
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)
    sheet.append(["* Rate per 10,000 population aged 0 to 17"])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def long_dataset(measure_count: int, month_count: int):
    import tablib

    dataset = tablib.Dataset(headers=["ref", "month", "value", "text", "note"])
    for i in range(measure_count):
        for n in range(month_count):
            value, percent = figure(i, n)
            if isinstance(value, str):
                dataset.append([f"{i // 50 + 1}.{i % 50 + 1}", month_n(n).isoformat(), "", "", value])
            else:
                dataset.append(
                    [f"{i // 50 + 1}.{i % 50 + 1}", month_n(n).isoformat(), value * 100 if percent else value, "", ""]
                )
    return dataset


class Step:
    """Time a step and report the process's peak memory (max RSS) after it, and how much the step raised it;
    with --tracemalloc also the step's peak Python heap."""

    def __init__(self, name: str, trace: bool):
        self.name, self.trace = name, trace

    def __enter__(self):
        self.rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if self.trace:
            tracemalloc.start()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        heap = ""
        if self.trace:
            heap = f"   Python heap peak {tracemalloc.get_traced_memory()[1] / 2**20:6.1f} MB"
            tracemalloc.stop()
        self.rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        growth = self.rss_mb - self.rss_before
        print(f"{self.name:<62} {self.seconds:7.2f} s   peak RSS {self.rss_mb:6.1f} MB (+{growth:5.1f}){heap}")
        return False


FLOOR_PAGE_SIZE = 1000


def write_floor(preview, user) -> float:
    """Return the seconds a plain multi-row insert takes to write and commit the preview's new values and one
    history row each (the same rows the confirm writes): psycopg2's execute_values in pages of
    FLOOR_PAGE_SIZE rows on PostgreSQL, executemany on SQLite (its floor). Parameters are prepared before
    the clock starts, so only the database's work is timed; the rows are deleted again afterwards."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from kpis.models import MeasureValue

    meta, history_meta = MeasureValue._meta, MeasureValue.history.model._meta
    value_field, ops = meta.get_field("value"), connection.ops
    now = meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    first_id = (MeasureValue.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    values = [
        (first_id + index, measure_id, ops.adapt_datefield_value(month))
        + (value_field.get_db_prep_save(value, connection), text, note, now)
        for index, (measure_id, month, value, text, note) in enumerate(preview.writes.new_values)
    ]
    history = [(*row, now, "floor", "+", user.pk) for row in values]
    value_columns = "id, measure_id, month, value, text, note, updated_at"
    history_columns = f"{value_columns}, history_date, history_change_reason, history_type, history_user_id"
    value_sql = f"INSERT INTO {meta.db_table} ({value_columns}) VALUES "
    history_sql = f"INSERT INTO {history_meta.db_table} ({history_columns}) VALUES "
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(cursor.cursor, value_sql + "%s", values, page_size=FLOOR_PAGE_SIZE)
            execute_values(cursor.cursor, history_sql + "%s", history, page_size=FLOOR_PAGE_SIZE)
        else:
            cursor.executemany(value_sql + f"({', '.join(['%s'] * 7)})", values)
            cursor.executemany(history_sql + f"({', '.join(['%s'] * 11)})", history)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {history_meta.db_table} WHERE history_change_reason = 'floor'")
        cursor.execute(f"DELETE FROM {meta.db_table} WHERE id >= %s", [first_id])
        if connection.vendor == "postgresql":  # the deleted rows must not slow the confirm's write
            cursor.execute(f"VACUUM {meta.db_table}, {history_meta.db_table}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=500)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--no-resource", action="store_true", help="Skip the slow plain ModelResource run.")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="Also measure each step's peak Python heap (tracemalloc slows the steps several times over).",
    )
    args = parser.parse_args()
    old_name = database_setup()
    try:
        run(args)
    finally:
        database_teardown(old_name)


def run(args) -> None:
    trace = args.tracemalloc

    from django.db import connection

    from kpis import spreadsheet
    from kpis.models import MeasureValue

    user, (wide_plan, long_plan) = setup(args.measures)
    data = wide_workbook(args.measures, args.months)
    values = args.measures * args.months
    print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
    size = len(data) / 2**20
    print(f"Wide workbook: {args.measures} measures x {args.months} months = {values:,} values, {size:.1f} MB")
    print()

    with Step("1. preview (read + validate + diff + keep it), as the admin upload", trace) as preview_step:
        preview = spreadsheet.kpi_import_preview(plan=wide_plan, file_name="bench.xlsx", data=data)
        stored = spreadsheet.preview_dumps(preview, data=data)
    assert not preview.problems, preview.problems[:5]
    assert preview.values_created == values, preview.summary()
    print(f"   (stored preview: {len(stored) / 2**20:.1f} MB, compressed)")

    floor = min(write_floor(preview, user) for _ in range(2))
    print(f"{'   write floor: a plain multi-row insert of the same values + history rows':<62} {floor:7.2f} s")
    # The confirm is a request of its own: the preview step's objects are not in its process. Kept here, they made
    # every full collection of the garbage collector during the confirm walk them too.
    del preview
    gc.collect()

    confirm_step, write_seconds = timed_confirm(wide_plan, data, stored, user, trace)
    assert MeasureValue.objects.filter(measure__plan=wide_plan).count() == values
    assert MeasureValue.history.filter(measure__plan=wide_plan).count() == values

    with Step("3. the same file again, read + check + write in one go (nothing changes)", trace) as again_step:
        preview, record = spreadsheet.kpi_import_confirm(
            plan=wide_plan, file_name="bench.xlsx", data=data, user=user, source="benchmark"
        )
    assert preview.values_unchanged == values
    assert not preview.has_changes

    wide_total = preview_step.seconds + confirm_step.seconds
    print()
    print(f"On {connection.vendor}, {values:,} values:")
    print(f"  preview {preview_step.seconds:.2f} s; confirm {confirm_step.seconds:.2f} s; write floor {floor:.2f} s")
    print(f"  confirm / write floor: {confirm_step.seconds / floor:.2f}x (aim on PostgreSQL: <= 1.5x)")
    print(f"  confirm / its write step: {confirm_step.seconds / write_seconds:.2f}x (aim on SQLite: <= 1.2x)")
    print(
        f"Wide pipeline, preview + confirm: {wide_total:.2f} s, process peak {confirm_step.rss_mb:.1f} MB "
        "(aim: < 30 s, < 500 MB)"
    )

    if not args.no_resource:
        compare_with_model_resource(args, long_plan, wide_total, confirm_step.seconds, again_step.seconds)


def timed_confirm(plan, data: bytes, stored: bytes, user, trace: bool):
    """Confirm the stored preview as the admin does; return the step and the seconds of its write step."""
    from django.db import transaction

    from kpis import services, spreadsheet

    write_seconds = []
    apply = services.kpi_import_apply

    def timed_apply(**kwargs):
        """The write step: from kpi_import_apply's start to the commit of what it wrote."""
        started = time.perf_counter()
        record = apply(**kwargs)
        transaction.on_commit(lambda: write_seconds.append(time.perf_counter() - started))
        return record

    services.kpi_import_apply = timed_apply
    try:
        with Step("2. confirm (check the database + write the stored preview)", trace) as confirm_step:
            _, record = spreadsheet.kpi_import_confirm(
                plan=plan,
                file_name="bench.xlsx",
                data=data,
                user=user,
                source="benchmark",
                checked=spreadsheet.preview_loads(stored, data=data),
            )
    finally:
        services.kpi_import_apply = apply
    assert record is not None
    assert record.values_created == len(spreadsheet.preview_loads(stored, data=data).writes.new_values)
    print(f"{'   of which the write step (kpi_import_apply and its commit)':<62} {write_seconds[0]:7.2f} s")
    return confirm_step, write_seconds[0]


def compare_with_model_resource(args, long_plan, wide_total: float, confirm_seconds: float, again_seconds: float):
    """Import the same values from a long file with a plain django-import-export ModelResource."""
    from kpis.models import MeasureValue
    from kpis.resources import MeasureValueResource

    values = args.measures * args.months
    dataset = long_dataset(args.measures, args.months)
    with Step(
        f"4. plain ModelResource import of the long file ({len(dataset):,} rows)", args.tracemalloc
    ) as plain_step:
        result = MeasureValueResource(plan=long_plan).import_data(dataset, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert MeasureValue.objects.filter(measure__plan=long_plan).count() == values
    print()
    ratio = plain_step.seconds / wide_total
    print(f"Speed-up of preview + confirm over the plain ModelResource: {ratio:.1f}x (aim: >= 10x)")
    print(f"Confirm alone against the plain ModelResource: {plain_step.seconds / confirm_seconds:.1f}x")
    print(f"(repeat import: {again_seconds:.2f} s)")


if __name__ == "__main__":
    main()
