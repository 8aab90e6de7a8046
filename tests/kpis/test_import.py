"""The KPI import pipeline: reading hand-made sheets, refusing bad files, re-import and history."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from kpis.models import Benchmark, KpiImport, MeasureValue, MeasureYear, PeriodType
from kpis.services import kpi_import_apply
from kpis.spreadsheet import kpi_import_confirm, kpi_import_preview, parse_figure
from kpis.spreadsheet.messages import (
    DUPLICATE_REF,
    MONTH_HEADING_UNREADABLE,
    NO_HEADER_ROW,
    NOT_A_NUMBER,
    NOT_A_SPREADSHEET,
    OLD_EXCEL_FORMAT,
    PERCENTAGE_OUT_OF_RANGE,
    ROW_WITHOUT_REF,
    UNKNOWN_REF,
)
from tests.factories import UserFactory
from tests.kpis.import_fixtures import as_csv, as_xlsx, measures, plan, seed_rows  # noqa: F401

pytestmark = pytest.mark.django_db

JUL_2020 = datetime.date(2020, 7, 1)
MAR_2021 = datetime.date(2021, 3, 1)


def value_of(measure, month):
    return MeasureValue.objects.get(measure=measure, month=month)


def import_file(plan, data, name="kpis.xlsx", user=None):  # noqa: F811
    preview, record = kpi_import_confirm(plan=plan, file_name=name, data=data, user=user)
    assert not preview.problems, [str(p) for p in preview.problems]
    return preview, record


@pytest.mark.parametrize("build", [as_xlsx, as_csv], ids=["xlsx", "csv"])
def test_hand_made_sheet_is_read_with_title_lines_groups_sections_and_footnotes(plan, measures, build):  # noqa: F811
    preview, record = import_file(plan, build(seed_rows()), name=f"kpis.{build.__name__[3:]}")

    assert preview.rows_read == 4
    assert preview.values_created == 36
    assert value_of(measures["1.1"], JUL_2020).value == Decimal("9.6")
    assert value_of(measures["1.1"], MAR_2021).value == Decimal("10.6")
    assert value_of(measures["1.4"], JUL_2020).value == Decimal("25")
    no_figure = value_of(measures["2.31"], JUL_2020)
    assert (no_figure.value, no_figure.note) == (None, "No adoptions this month so n/a")
    year = MeasureYear.objects.get(measure=measures["2.4"], financial_year=2019)
    assert (year.outturn, year.outturn_text) == (Decimal("1919"), "1919 / 731*")
    current = MeasureYear.objects.get(measure=measures["1.1"], financial_year=2020)
    assert (current.outturn, current.year_to_date, current.target_text, current.reported_trend) == (
        Decimal("10.6"),
        Decimal("13"),
        "TBC",
        "↑",
    )
    targets = MeasureYear.objects.get(measure=measures["2.31"], financial_year=2020)
    assert (targets.target_min, targets.target_upper) == (Decimal("180"), Decimal("140"))
    national = Benchmark.objects.get(measure=measures["2.4"], kind="national", period="")
    assert (national.value, national.text) == (Decimal("535"), "535*")
    assert Benchmark.objects.get(measure=measures["1.1"], kind="stat_neighbour", period="to 2021").value == Decimal(
        "11.8"
    )
    measures["2.31"].refresh_from_db()
    assert measures["2.31"].period_type == PeriodType.YEAR_TO_DATE
    assert record.values_created == 36


def test_header_split_over_three_lines_as_in_the_seed_is_read(plan, measures):  # noqa: F811
    rows = [
        ["Ref", "Performance Measure", "", "", "", "Final 2020/21", "Current Year to Date", "Target", "", "Trend"],
        ["", "", "2019/20", "Period", "2020/21", "", "", "Min", "Upper", "Month"],
        ["", "", "", "", "Jul 20", "", "", "", "", ""],
        ["1.1", "% with 3 or more placements", "15.4%", "Snapshot", "9.6%", "10.6%", "13.0%", "10%", "12%", "↑"],
    ]
    import_file(plan, as_csv(rows), name="kpis.csv")

    assert value_of(measures["1.1"], JUL_2020).value == Decimal("9.6")
    year = MeasureYear.objects.get(measure=measures["1.1"], financial_year=2020)
    assert (year.outturn, year.year_to_date, year.target_min, year.target_upper, year.reported_trend) == (
        Decimal("10.6"),
        Decimal("13"),
        Decimal("10"),
        Decimal("12"),
        "↑",
    )


@pytest.mark.parametrize(
    "heading",
    [
        pytest.param("Jul 20", id="Jul 20"),
        pytest.param("Jul 2020", id="Jul 2020"),
        pytest.param("July 2020", id="July 2020"),
        pytest.param("2020-07", id="2020-07"),
        pytest.param(datetime.datetime(2020, 7, 1), id="date cell"),
    ],
)
def test_month_headings_in_every_accepted_form(plan, measures, heading):  # noqa: F811
    rows = [["Ref", "Performance Measure", heading], ["1.4", "Missing children", 25]]
    import_file(plan, as_xlsx(rows, merge_groups=False))

    assert value_of(measures["1.4"], JUL_2020).value == Decimal("25")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("84%", Decimal("84"), id="text with per cent sign"),
        pytest.param(84, Decimal("84"), id="number"),
        pytest.param(0.84, Decimal("84"), id="fraction in a %-formatted cell"),
    ],
)
def test_percentages_arrive_as_text_numbers_or_excel_fractions(plan, measures, cell, expected):  # noqa: F811
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Ref", "Performance Measure", "Jul 20"])
    sheet.append(["1.1", "% with 3 or more placements", cell])
    if isinstance(cell, float):
        sheet["C2"].number_format = "0%"
    output = io.BytesIO()
    workbook.save(output)

    import_file(plan, output.getvalue())

    assert value_of(measures["1.1"], JUL_2020).value == expected


@pytest.mark.parametrize(
    ("raw", "value", "text", "note"),
    [
        pytest.param("9.6%", Decimal("9.6"), "", "", id="percentage"),
        pytest.param("1,234", Decimal("1234"), "", "", id="thousands separator"),
        pytest.param("1919 / 731*", Decimal("1919"), "1919 / 731*", "", id="count and rate"),
        pytest.param("80 (from May 2020 only)", Decimal("80"), "80 (from May 2020 only)", "", id="number and words"),
        pytest.param("n/a", None, "", "n/a", id="n/a"),
        pytest.param("TBC", None, "", "TBC", id="TBC"),
        pytest.param("-", None, "", "-", id="dash"),
        pytest.param("No adoptions this month so n/a", None, "", "No adoptions this month so n/a", id="reason"),
    ],
)
def test_cells_with_words_keep_them_and_never_become_zero(raw, value, text, note):
    figure = parse_figure(raw)

    assert (figure.value, figure.text, figure.note) == (value, text, note)


def rows_with(*changes):
    rows = seed_rows()
    for row, col, value in changes:
        rows[row - 1] += [""] * (col + 1 - len(rows[row - 1]))
        rows[row - 1][col] = value
    return rows


BAD_FILES = [
    pytest.param(
        rows_with((7, 4, "12O%")),
        ["Row 7, column “Jul 20”: " + NOT_A_NUMBER.format(text="12O%")],
        id="value not a number",
    ),
    pytest.param(
        rows_with((8, 0, "9.99")),
        ["Row 8, column “Ref”: " + UNKNOWN_REF.format(plan="Children's services improvement plan", ref="9.99")],
        id="ref no measure has",
    ),
    pytest.param(
        rows_with((12, 0, "2.4")),
        ["Row 12, column “Ref”: " + DUPLICATE_REF.format(ref="2.4", other_row=11)],
        id="ref twice in one file",
    ),
    pytest.param(
        rows_with((7, 5, "105%")),
        ["Row 7, column “Aug 20”: " + PERCENTAGE_OUT_OF_RANGE.format(value="105")],
        id="percentage above 100",
    ),
    pytest.param(
        rows_with((7, 18, "-3%")),
        ["Row 7, column “National”: " + PERCENTAGE_OUT_OF_RANGE.format(value="-3")],
        id="percentage below 0",
    ),
    pytest.param(
        rows_with((5, 6, "Sepz 2O")),
        ["Row 5, column “Sepz 2O”: " + MONTH_HEADING_UNREADABLE.format(heading="Sepz 2O")],
        id="month heading unreadable",
    ),
    pytest.param(
        rows_with((5, 6, "2020-13")),
        ["Row 5, column “2020-13”: " + MONTH_HEADING_UNREADABLE.format(heading="2020-13")],
        id="month number unreadable",
    ),
    pytest.param(
        rows_with((9, 4, "17")),
        ["Row 9, column “Ref”: " + ROW_WITHOUT_REF],
        id="figures without a ref",
    ),
    pytest.param(
        rows_with((7, 4, "12O%"), (8, 5, "twenty"), (11, 0, "7.77")),
        [
            "Row 7, column “Jul 20”: " + NOT_A_NUMBER.format(text="12O%"),
            "Row 8, column “Aug 20”: " + NOT_A_NUMBER.format(text="twenty"),
            "Row 11, column “Ref”: " + UNKNOWN_REF.format(plan="Children's services improvement plan", ref="7.77"),
        ],
        id="every problem listed",
    ),
    pytest.param([["Ref", "Performance Measure", "Notes"], ["1.1", "x", "y"]], [NO_HEADER_ROW], id="no month column"),
]


@pytest.mark.parametrize("build", [as_xlsx, as_csv], ids=["xlsx", "csv"])
@pytest.mark.parametrize(("rows", "expected"), BAD_FILES)
def test_any_problem_refuses_the_whole_file_and_writes_nothing(plan, measures, rows, expected, build):  # noqa: F811
    name = "kpis.xlsx" if build is as_xlsx else "kpis.csv"
    preview, record = kpi_import_confirm(plan=plan, file_name=name, data=build(rows))

    assert [str(problem) for problem in preview.problems] == expected
    assert record is None
    assert not MeasureValue.objects.exists()
    assert not MeasureYear.objects.exists()
    assert not Benchmark.objects.exists()
    assert not KpiImport.objects.exists()


def docx_bytes() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return output.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        pytest.param("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", NOT_A_SPREADSHEET, id="pdf"),
        pytest.param("report.docx", docx_bytes(), NOT_A_SPREADSHEET, id="word document"),
        pytest.param("kpis.xlsx", b"Ref,Jul 20\n1.1,5\n", NOT_A_SPREADSHEET, id="text named xlsx"),
        pytest.param("kpis.csv", b"\x00\x01\x02binary", NOT_A_SPREADSHEET, id="binary named csv"),
        pytest.param("kpis.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, OLD_EXCEL_FORMAT, id="old xls"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused(plan, measures, name, data, message):  # noqa: F811
    preview, record = kpi_import_confirm(plan=plan, file_name=name, data=data)

    assert [str(problem) for problem in preview.problems] == [message.format(name=name)]
    assert record is None
    assert not MeasureValue.objects.exists()


def test_importing_the_same_file_twice_changes_nothing(plan, measures):  # noqa: F811
    data = as_xlsx(seed_rows())
    import_file(plan, data)
    history_before = MeasureValue.history.count() + MeasureYear.history.count()
    stamps = list(MeasureValue.objects.order_by("pk").values_list("pk", "updated_at", "kpi_import"))

    preview, record = import_file(plan, data)

    assert (preview.values_created, preview.values_changed, preview.values_unchanged) == (0, 0, 36)
    assert not preview.has_changes
    assert MeasureValue.history.count() + MeasureYear.history.count() == history_before
    assert list(MeasureValue.objects.order_by("pk").values_list("pk", "updated_at", "kpi_import")) == stamps
    assert (record.values_created, record.values_changed, record.values_unchanged) == (0, 0, 36)


def test_the_same_figures_as_csv_after_xlsx_change_nothing(plan, measures):  # noqa: F811
    import_file(plan, as_xlsx(seed_rows()))

    preview, _ = import_file(plan, as_csv(seed_rows()), name="kpis.csv")

    assert not preview.has_changes


def test_a_file_with_one_new_month_adds_just_that_month(plan, measures):  # noqa: F811
    import_file(plan, as_xlsx(seed_rows()))
    rows = [["Ref", "Performance Measure", "Apr 21"], ["1.4", "Missing children", "29"]]

    preview, _ = import_file(plan, as_csv(rows), name="april.csv")

    assert (preview.values_created, preview.values_changed, preview.values_unchanged) == (1, 0, 0)
    assert [change.month for change in preview.measures[0].new] == [datetime.date(2021, 4, 1)]
    assert MeasureValue.objects.count() == 37
    assert value_of(measures["1.1"], JUL_2020).value == Decimal("9.6")


def test_preview_shows_new_changed_and_unchanged_months_and_writes_nothing(plan, measures):  # noqa: F811
    import_file(plan, as_xlsx(seed_rows()))
    rows = [["Ref", "Performance Measure", "Jul 20", "Aug 20", "Apr 21"], ["1.1", "x", "9.6%", "6.0%", "12%"]]

    preview = kpi_import_preview(plan=plan, file_name="kpis.csv", data=as_csv(rows))

    item = preview.measures[0]
    assert [(c.month, c.new) for c in item.new] == [(datetime.date(2021, 4, 1), "12%")]
    assert [(c.month, c.old, c.new) for c in item.changed] == [(datetime.date(2020, 8, 1), "5.8%", "6%")]
    assert item.unchanged == [JUL_2020]
    assert value_of(measures["1.1"], datetime.date(2020, 8, 1)).value == Decimal("5.8")


def test_changes_are_recorded_in_history_as_the_importer(plan, measures):  # noqa: F811
    importer = UserFactory(username="performance")
    import_file(plan, as_xlsx(seed_rows()), user=importer)
    rows = [["Ref", "Performance Measure", "Aug 20"], ["1.1", "x", "6.0%"]]

    _, record = import_file(plan, as_csv(rows), name="fix.csv", user=importer)

    changed = value_of(measures["1.1"], datetime.date(2020, 8, 1))
    assert changed.value == Decimal("6")
    assert changed.kpi_import == record
    assert [(h.history_type, h.value, h.history_user) for h in changed.history.order_by("history_date", "pk")] == [
        ("+", Decimal("5.8"), importer),
        ("~", Decimal("6"), importer),
    ]
    assert MeasureYear.history.filter(history_user=importer).count() == MeasureYear.objects.count()


def test_each_import_is_recorded_with_who_when_file_and_counts(plan, measures):  # noqa: F811
    importer = UserFactory(username="performance")

    _, record = import_file(plan, as_xlsx(seed_rows()), name="June KPIs.xlsx", user=importer)

    record.refresh_from_db()
    assert (record.plan, record.file_name, record.imported_by, record.source) == (
        plan,
        "June KPIs.xlsx",
        importer,
        "admin",
    )
    assert (record.rows_read, record.values_created, record.values_changed, record.values_unchanged) == (4, 36, 0, 0)
    assert record.imported_at is not None
    assert set(record.measures.all()) == set(measures.values())


def test_measures_are_matched_within_the_chosen_plan_only(plan, measures):  # noqa: F811
    from tests.factories import PlanFactory

    other_plan = PlanFactory()

    preview = kpi_import_preview(plan=other_plan, file_name="kpis.xlsx", data=as_xlsx(seed_rows()))

    assert len(preview.problems) == 4
    assert all("No measure in" in problem.message for problem in preview.problems)


def test_a_refused_preview_cannot_be_applied(plan, measures):  # noqa: F811
    preview = kpi_import_preview(plan=plan, file_name="kpis.csv", data=as_csv(rows_with((7, 4, "abc"))))

    with pytest.raises(ValueError, match="refused"):
        kpi_import_apply(preview=preview)


@pytest.mark.parametrize("extra_measures", [0, 40], ids=["4 measures", "44 measures"])
def test_preview_reads_the_database_in_a_fixed_number_of_queries(
    plan,  # noqa: F811
    measures,  # noqa: F811
    extra_measures,
    django_assert_num_queries,
):
    from kpis.models import Measure

    rows = seed_rows()
    theme = measures["1.1"].theme
    for number in range(extra_measures):
        Measure.objects.create(plan=plan, theme=theme, ref=f"9.{number}", title=f"Extra {number}")
        rows.append([f"9.{number}", "Extra", "1", "YTD", *["5"] * 9, "45", "10", "1", "2", "↑", "3", "4"])
    import_file(plan, as_xlsx(rows))
    data = as_xlsx(rows)

    # measures, monthly values, yearly figures, benchmarks
    with django_assert_num_queries(4):
        preview = kpi_import_preview(plan=plan, file_name="kpis.xlsx", data=data)

    assert preview.values_unchanged == 36 + 9 * extra_measures


def test_a_preview_is_current_until_the_figures_it_was_worked_out_from_change(plan, measures):  # noqa: F811
    from kpis import services
    from kpis.spreadsheet import kpi_import_is_current

    preview = kpi_import_preview(plan=plan, file_name="kpis.xlsx", data=as_xlsx(seed_rows()))
    assert kpi_import_is_current(preview)

    services.measure_value_set(measure=measures["1.4"], month=MAR_2021, value=1)

    assert not kpi_import_is_current(preview)


def test_confirming_a_current_preview_writes_it_without_reading_the_file_again(
    plan,  # noqa: F811
    measures,  # noqa: F811
    monkeypatch,
    django_assert_max_num_queries,
):
    preview = kpi_import_preview(plan=plan, file_name="kpis.xlsx", data=as_xlsx(seed_rows()))
    monkeypatch.setattr("kpis.spreadsheet.diff.kpi_file_read", lambda **kwargs: pytest.fail("file read again"))

    # Checking the preview is current takes four queries; the write with history takes the rest, with the
    # KPI data versions it bumps in the database cache, once per transaction (23 in all today).
    with django_assert_max_num_queries(30):
        confirmed, record = kpi_import_confirm(plan=plan, file_name="kpis.xlsx", data=b"", checked=preview)

    assert confirmed is preview
    assert record.values_created == 36
    assert MeasureValue.objects.count() == 36
