"""`manage.py import_kpis`: the same pipeline and messages as the admin, non-zero exit when refused."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.importing import MAX_ROWS, MAX_UNPACKED_BYTES, TOO_MANY_ROWS, UNPACKED_TOO_LARGE
from kpis.models import KpiImport, MeasureValue
from kpis.spreadsheet.messages import NOT_A_NUMBER, UNKNOWN_REF
from tests.factories import PlanFactory, UserFactory
from tests.kpis.import_fixtures import (  # noqa: F401
    as_csv,
    as_xlsx,
    measures,
    plan,
    seed_rows,
    too_many_rows,
    zip_bomb,
)

pytestmark = pytest.mark.django_db


def run(*args, **options):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_kpis", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_command_imports_a_file_into_the_named_plan(tmp_path, plan, measures):  # noqa: F811
    path = tmp_path / "kpis.xlsx"
    path.write_bytes(as_xlsx(seed_rows()))
    importer = UserFactory(username="performance")

    out, _ = run(str(path), plan=plan.slug, user="performance")

    assert "4 measures read: 36 new monthly values" in out
    assert MeasureValue.objects.count() == 36
    record = KpiImport.objects.get()
    assert (record.source, record.imported_by, record.file_name) == ("command line", importer, "kpis.xlsx")


def test_command_defaults_to_the_most_recent_plan(tmp_path, plan, measures):  # noqa: F811
    PlanFactory(report_date=plan.report_date.replace(year=2019))
    path = tmp_path / "kpis.csv"
    path.write_bytes(as_csv(seed_rows()))

    run(str(path))

    assert KpiImport.objects.get().plan == plan


def test_dry_run_shows_the_changes_and_writes_nothing(tmp_path, plan, measures):  # noqa: F811
    path = tmp_path / "kpis.csv"
    path.write_bytes(as_csv(seed_rows()))

    out, _ = run(str(path), "--dry-run", plan=plan.slug, verbosity=2)

    assert "1.1 Jul 2020: new 9.6%" in out
    assert out.strip().endswith("changes to yearly figures, benchmarks and periods.")
    assert "Dry run, nothing written" in out
    assert not MeasureValue.objects.exists()
    assert not KpiImport.objects.exists()


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry run"])
def test_command_prints_every_problem_and_exits_non_zero(tmp_path, plan, measures, dry_run):  # noqa: F811
    rows = seed_rows()
    rows[6][4] = "12O%"
    rows[10][0] = "7.77"
    path = tmp_path / "bad.csv"
    path.write_bytes(as_csv(rows))
    args = [str(path), "--dry-run"] if dry_run else [str(path)]

    with pytest.raises(CommandError, match="2 problem") as refused:
        run(*args, plan=plan.slug)

    assert refused.value.returncode == 1
    assert not MeasureValue.objects.exists()


def test_command_problems_are_the_admins_sentences(tmp_path, plan, measures, capsys):  # noqa: F811
    from io import StringIO

    rows = seed_rows()
    rows[6][4] = "12O%"
    rows[10][0] = "7.77"
    path = tmp_path / "bad.csv"
    path.write_bytes(as_csv(rows))
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_kpis", str(path), plan=plan.slug, stderr=err, stdout=StringIO())

    assert err.getvalue().splitlines() == [
        "Row 7, column “Jul 20”: " + NOT_A_NUMBER.format(text="12O%"),
        "Row 11, column “Ref”: " + UNKNOWN_REF.format(plan=plan.title, ref="7.77"),
    ]


def test_unknown_plan_is_refused_with_the_plans_there_are(tmp_path, plan):  # noqa: F811
    path = tmp_path / "kpis.csv"
    path.write_bytes(as_csv(seed_rows()))

    with pytest.raises(CommandError, match=f"Use one of: {plan.slug}"):
        run(str(path), plan="nope")


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        pytest.param("bomb.xlsx", lambda: zip_bomb(MAX_UNPACKED_BYTES + 1), UNPACKED_TOO_LARGE, id="zip bomb"),
        pytest.param(
            "huge.csv", lambda: too_many_rows(MAX_ROWS + 1), TOO_MANY_ROWS.format(limit=MAX_ROWS), id="too many rows"
        ),
    ],
)
def test_command_refuses_a_file_beyond_the_limits_before_parsing_it(
    tmp_path,
    plan,  # noqa: F811
    measures,  # noqa: F811
    monkeypatch,
    name,
    build,
    message,
):
    def no_opening(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr("kpis.spreadsheet.reading.load_workbook", no_opening)
    path = tmp_path / name
    path.write_bytes(build())

    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_kpis", str(path), plan=plan.slug, stdout=StringIO(), stderr=err)
    assert err.getvalue().strip() == message
    assert not MeasureValue.objects.exists()
    assert not KpiImport.objects.exists()
