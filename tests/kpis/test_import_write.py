"""The KPI import's write (kpis.services.kpi_import_apply): the same rows and history on SQLite and PostgreSQL
(multi-row statements on PostgreSQL, executemany on SQLite), in a fixed number of queries, and the
confirm's use of the checked preview kept with the upload, keyed to the file's hash."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from kpis import services
from kpis.models import KpiImport, Measure, MeasureValue, Unit
from kpis.spreadsheet import confirm as confirm_module
from kpis.spreadsheet import diff, kpi_import_preview, preview_dumps, preview_loads
from tests.factories import ThemeFactory, UserFactory
from tests.kpis.import_fixtures import as_csv, as_xlsx, cache_table, measures, plan, seed_rows  # noqa: F401
from tests.kpis.test_import_admin import CONFIRM_URL, IMPORT_URL, XLSX, importer  # noqa: F401

pytestmark = pytest.mark.django_db
# kpi_import_apply's queries: the record and its measures, the KPI app's data version and ANY replaced once in
# the transaction (core.data_versions: 2 on the database cache, core.cache's one statement each), then 2
# statements for the new values (the insert, their history copied) and 2 more for the changed ones; the second
# write, in the same test transaction with no read of the versions between, bumps none of them again
# (core.data_versions.data_versions_bump).
FIRST, SECOND = 11, 11

VALUE_FIELDS = ("id", "measure_id", "month", "value", "text", "note", "kpi_import_id", "updated_at")


def history_of(plan):  # noqa: F811
    """The plan's values' history (other modules' seed data may leave history of their own behind)."""
    return MeasureValue.history.filter(measure_id__in=Measure.objects.filter(plan=plan).values("pk"))


def write(plan, data, *, name="kpis.csv", user=None):  # noqa: F811
    preview = kpi_import_preview(plan=plan, file_name=name, data=data)
    assert not preview.problems, list(preview.problems)
    return preview, services.kpi_import_apply(preview=preview, user=user)


def test_each_value_written_gets_one_history_row_holding_exactly_what_was_written(plan, measures):  # noqa: F811
    user = UserFactory(username="performance")
    _, first = write(plan, as_xlsx(seed_rows()), name="June KPIs.xlsx", user=user)
    # A second file changes two of July's figures, leaves one as it was and adds a month.
    rows = [["Ref", "Performance Measure", "Jul 20", "Apr 21"], ["1.1", "x", "9.7%", "8.1%"], ["1.4", "x", "25", "n/a"]]
    rows.append(["2.4", "x", "199", ""])
    _, second = write(plan, as_csv(rows), name="fix.csv", user=user)

    assert (second.values_created, second.values_changed, second.values_unchanged) == (2, 2, 1)
    values = {row[0]: row for row in MeasureValue.objects.values_list(*VALUE_FIELDS)}
    history = list(
        history_of(plan)
        .order_by("history_id")
        .values_list(*VALUE_FIELDS, "history_type", "history_user_id", "history_change_reason", "history_date")
    )
    assert len(values) == 38
    assert len(history) == 36 + 4
    first_rows, second_rows = history[:36], history[36:]
    assert {row[-4:-1] for row in first_rows} == {("+", user.pk, "KPI import: June KPIs.xlsx")}
    assert len({row[-1] for row in first_rows}) == 1  # one date for the import's history
    assert {row[:-4] for row in second_rows} == {values[pk] for pk in values if values[pk][6] == second.pk}, (
        "the second import's history copies its rows as written"
    )
    assert sorted(row[-4] for row in second_rows) == ["+", "+", "~", "~"]
    assert {row[-3:-1] for row in second_rows} == {(user.pk, "KPI import: fix.csv")}
    assert len({row[-1] for row in second_rows}) == 1
    # The first import's rows that the second left alone are still as its history recorded them.
    for row in first_rows:
        if values[row[0]][6] == first.pk:
            assert row[:-4] == values[row[0]]
    changed = MeasureValue.objects.get(measure=measures["1.1"], month=datetime.date(2020, 7, 1))
    assert (changed.value, changed.kpi_import) == (Decimal("9.7"), second)
    missing = MeasureValue.objects.get(measure=measures["1.4"], month=datetime.date(2021, 4, 1))
    assert (missing.value, missing.note) == (None, "n/a")


def test_a_failure_after_the_values_leaves_nothing_written(plan, measures, monkeypatch):  # noqa: F811
    preview = kpi_import_preview(plan=plan, file_name="kpis.xlsx", data=as_xlsx(seed_rows()))

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services.Benchmark.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        services.kpi_import_apply(preview=preview)

    assert not MeasureValue.objects.exists()
    assert not history_of(plan).exists()
    assert not KpiImport.objects.exists()


def wide_measures(plan, count: int) -> None:  # noqa: F811
    theme = ThemeFactory(plan=plan, number=9, title="Wide")
    Measure.objects.bulk_create(
        Measure(plan=plan, theme=theme, ref=f"9.{i}", title=f"M{i}", order=i, unit=Unit.COUNT) for i in range(count)
    )


def wide_file(measure_count: int, month_count: int, *, plus: int = 0) -> bytes:
    """Return a CSV of measures 9.0, 9.1, ... with a figure for each of `month_count` months from April 2019."""
    months = [datetime.date(2019 + (3 + n) // 12, (3 + n) % 12 + 1, 1) for n in range(month_count)]
    rows = [["Ref", "Performance Measure", *(f"{month:%b %y}" for month in months)]]
    rows += [[f"9.{i}", f"M{i}", *(str(i + n + plus) for n in range(month_count))] for i in range(measure_count)]
    return as_csv(rows)


@pytest.mark.parametrize(("measure_count", "month_count"), [(2, 3), (60, 24)])
def test_the_write_takes_the_same_queries_for_any_number_of_values(
    plan,  # noqa: F811
    measure_count,
    month_count,
    django_assert_num_queries,
):
    wide_measures(plan, measure_count)
    first = kpi_import_preview(plan=plan, file_name="first.csv", data=wide_file(measure_count, month_count))

    with django_assert_num_queries(FIRST):
        services.kpi_import_apply(preview=first)

    # Every figure changed, and a month more.
    second = kpi_import_preview(
        plan=plan, file_name="second.csv", data=wide_file(measure_count, month_count + 1, plus=1)
    )
    assert (second.values_changed, second.values_created) == (measure_count * month_count, measure_count)
    with django_assert_num_queries(SECOND):
        services.kpi_import_apply(preview=second)

    assert MeasureValue.objects.count() == measure_count * (month_count + 1)
    assert history_of(plan).count() == measure_count * (2 * month_count + 1)


def upload(client, plan, data, name="June KPIs.xlsx"):  # noqa: F811
    return client.post(IMPORT_URL, {"plan": plan.pk, "import_file": SimpleUploadedFile(name, data, XLSX)})


def count_reads(monkeypatch) -> list:
    """Count the reads of a workbook from here on (kpis.spreadsheet.diff's reader, still reading)."""
    reads = []
    real = diff.kpi_file_read

    def read(**kwargs):
        reads.append(kwargs["file_name"])
        return real(**kwargs)

    monkeypatch.setattr("kpis.spreadsheet.diff.kpi_file_read", read)
    return reads


def test_a_checked_preview_kept_for_another_file_is_not_written(client, importer, plan, measures, monkeypatch):  # noqa: F811
    """The storage holds a different file than the one checked (a stale sidecar): the file is read again."""
    client.force_login(importer)
    confirm = upload(client, plan, as_xlsx(seed_rows())).context["confirm_form"].initial
    rows = seed_rows()
    rows[6][4] = "12.5%"  # Jul 20 of 1.1
    other = as_xlsx(rows)
    cache.set("django-import-export-" + confirm["import_file_name"], other, timeout=None)
    reads = count_reads(monkeypatch)

    response = client.post(CONFIRM_URL, confirm)

    assert response.status_code == 302
    assert reads == ["June KPIs.xlsx"]
    assert MeasureValue.objects.get(measure=measures["1.1"], month=datetime.date(2020, 7, 1)).value == 12.5


def test_a_preview_too_large_to_keep_is_checked_again_at_the_confirm(client, importer, plan, measures, monkeypatch):  # noqa: F811
    monkeypatch.setattr(confirm_module, "MAX_CHECKED_BYTES", 10)
    client.force_login(importer)
    confirm = upload(client, plan, as_xlsx(seed_rows())).context["confirm_form"].initial
    assert cache.get("django-import-export-" + confirm["import_file_name"] + "-checked") == b""
    reads = count_reads(monkeypatch)

    response = client.post(CONFIRM_URL, confirm)

    assert response.status_code == 302
    assert reads == ["June KPIs.xlsx"]
    assert MeasureValue.objects.count() == 36


def test_the_kept_preview_is_keyed_to_the_file_and_small(plan, measures):  # noqa: F811
    data = as_xlsx(seed_rows())
    preview = kpi_import_preview(plan=plan, file_name="kpis.xlsx", data=data)

    stored = preview_dumps(preview, data=data)

    loaded = preview_loads(stored, data=data)
    assert loaded.writes.new_values == preview.writes.new_values
    assert loaded.summary() == preview.summary()
    assert loaded.fingerprint == preview.fingerprint
    assert preview_loads(stored, data=data + b" ") is None
    assert preview_loads(stored[:-5], data=data) is None  # damaged
    assert preview_loads(None, data=data) is None


def test_a_confirm_from_the_kept_preview_tells_the_report_cache(client, importer, plan, measures):  # noqa: F811
    from report.cache import report_data_token

    client.force_login(importer)
    confirm = upload(client, plan, as_xlsx(seed_rows())).context["confirm_form"].initial
    before = report_data_token()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("kpis.spreadsheet.diff.kpi_file_read", lambda **kwargs: pytest.fail("file read again"))
        assert client.post(CONFIRM_URL, confirm).status_code == 302

    assert report_data_token() != before
