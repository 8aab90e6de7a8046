"""KPI export: the import layout, round trips that change nothing, formula escaping."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from kpis.models import Benchmark, Measure, MeasureValue, MeasureYear
from kpis.spreadsheet import kpi_export_csv, kpi_export_xlsx, kpi_import_confirm, kpi_import_preview
from tests.kpis.import_fixtures import as_xlsx, measures, plan, seed_rows  # noqa: F401

pytestmark = pytest.mark.django_db

EXPORTERS = [pytest.param(kpi_export_xlsx, "xlsx", id="xlsx"), pytest.param(kpi_export_csv, "csv", id="csv")]


def snapshot():
    return (
        list(MeasureValue.objects.order_by("pk").values_list("pk", "value", "text", "note", "updated_at")),
        list(MeasureYear.objects.order_by("pk").values()),
        list(Benchmark.objects.order_by("pk").values()),
        list(Measure.objects.order_by("pk").values()),
        MeasureValue.history.count(),
        MeasureYear.history.count(),
    )


@pytest.fixture
def imported(plan, measures):  # noqa: F811
    preview, record = kpi_import_confirm(plan=plan, file_name="kpis.xlsx", data=as_xlsx(seed_rows()))
    assert record is not None, [str(p) for p in preview.problems]
    return plan


@pytest.mark.parametrize(("exporter", "extension"), EXPORTERS)
def test_exporting_and_importing_back_changes_nothing(imported, exporter, extension):
    before = snapshot()

    preview, record = kpi_import_confirm(plan=imported, file_name=f"export.{extension}", data=exporter(plan=imported))

    assert [str(p) for p in preview.problems] == []
    assert not preview.has_changes
    assert preview.values_unchanged == 36
    assert snapshot() == before


@pytest.mark.parametrize(("exporter", "extension"), EXPORTERS)
def test_the_real_seed_survives_a_round_trip(seed_plan, exporter, extension):
    before = snapshot()

    preview = kpi_import_preview(plan=seed_plan, file_name=f"seed.{extension}", data=exporter(plan=seed_plan))

    assert [str(p) for p in preview.problems] == []
    assert [(m.measure.ref, m.new, m.changed, m.other_changes) for m in preview.measures if m.has_changes] == []
    assert preview.values_unchanged == MeasureValue.objects.filter(measure__plan=seed_plan).count()
    assert snapshot() == before


def test_xlsx_export_has_the_wide_layout_with_percentages_as_percent_cells(imported):
    sheet = load_workbook(io.BytesIO(kpi_export_xlsx(plan=imported))).active
    rows = list(sheet.iter_rows(values_only=True))

    header = rows[4]
    assert header[:5] == ("Ref", "Performance Measure", "Period", "Jul 20", "Aug 20")
    assert "Final 2019/20" in header
    assert "Min 2020/21" in header
    assert "National" in header
    assert rows[3][3] == "2020/21"
    by_ref = {row[0]: row for row in rows[5:] if row[0]}
    assert by_ref["1.1"][3] == pytest.approx(0.096)
    assert sheet.cell(row=rows.index(by_ref["1.1"]) + 1, column=4).number_format == "0.0%"
    assert by_ref["2.31"][3] == "No adoptions this month so n/a"
    assert "Placement Stability" in by_ref  # the section heading row


def exported_cells(data: bytes, extension: str) -> list:
    if extension == "csv":
        return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    return [cell for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True) for cell in row]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example")', "+1+2", "-2+3", "@SUM(A1)"])
@pytest.mark.parametrize(("exporter", "extension"), EXPORTERS)
def test_cells_starting_like_a_formula_are_escaped_and_import_back_unchanged(imported, exporter, extension, text):
    Benchmark.objects.filter(measure__ref="2.31", kind="national").update(text=text)
    Measure.objects.filter(ref="1.4").update(title=text)
    before = snapshot()

    data = exporter(plan=imported)

    cells = exported_cells(data, extension)
    assert cells.count("'" + text) == 2
    assert text not in cells
    preview, _ = kpi_import_confirm(plan=imported, file_name=f"export.{extension}", data=data)
    assert not preview.problems
    assert not preview.has_changes
    assert snapshot() == before


@pytest.mark.parametrize("text", ["\tcmd", "\rcmd"], ids=["tab", "carriage return"])
def test_cells_starting_with_tab_or_carriage_return_are_escaped_in_csv(imported, text):
    Measure.objects.filter(ref="1.4").update(title=text)

    cells = exported_cells(kpi_export_csv(plan=imported), "csv")

    assert "'" + text in cells
    assert text not in cells


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_export_kpis_command_writes_a_file_the_import_reads_back(imported, tmp_path, extension):
    path = tmp_path / f"kpis.{extension}"

    call_command("export_kpis", str(path), plan=imported.slug, stdout=io.StringIO())

    preview = kpi_import_preview(plan=imported, file_name=path.name, data=path.read_bytes())
    assert not preview.problems
    assert not preview.has_changes
    assert preview.values_unchanged == 36


def test_export_keeps_yearly_figures_and_benchmarks(imported):
    rows = list(csv.reader(io.StringIO(kpi_export_csv(plan=imported).decode("utf-8-sig"))))
    header = rows[4]
    by_ref = {row[0]: dict(zip(header, row, strict=False)) for row in rows[5:] if row and row[0]}

    assert by_ref["2.4"]["Final 2019/20"] == "1919 / 731*"
    assert by_ref["1.1"]["Min 2020/21"] == "TBC"
    assert by_ref["2.31"]["Min 2020/21"] == "180"
    assert by_ref["1.1"]["Jul 20"] == "9.6%"
    assert by_ref["2.4"]["National"] == "535*"
    assert MeasureYear.objects.get(measure__ref="2.31", financial_year=2020).target_min == Decimal("180")
