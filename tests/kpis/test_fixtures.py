"""The seed's KPI tables as loaded by kpis.demo.load_demo: real figures, notes, targets, benchmarks."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from kpis import demo, services
from kpis.models import Benchmark, Measure, MeasureValue, MeasureYear, Polarity, Unit
from kpis.rag import value_rag
from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db

JUL_20, DEC_20 = datetime.date(2020, 7, 1), datetime.date(2020, 12, 1)
MAR_21, MAY_21 = datetime.date(2021, 3, 1), datetime.date(2021, 5, 1)


def value_of(ref: str, month: datetime.date) -> MeasureValue:
    return MeasureValue.objects.get(measure__ref=ref, month=month)


def year_of(ref: str, financial_year: int) -> MeasureYear:
    return MeasureYear.objects.get(measure__ref=ref, financial_year=financial_year)


def test_every_kpi_table_of_the_seed_is_loaded_theme_by_theme(shared_seed_plan):
    counts = {n: Measure.objects.filter(plan=shared_seed_plan, theme__number=n).count() for n in (1, 2, 3, 4)}
    assert counts == {1: 13, 2: 37, 3: 3, 4: 14}
    refs = set(Measure.objects.filter(plan=shared_seed_plan).values_list("ref", flat=True))
    assert {"1.1", "1.8e", "2.13a", "2.17a", "2.32b", "2.34", "3.3", "4.1", "4.14"} <= refs
    assert MeasureValue.objects.filter(measure__plan=shared_seed_plan).count() == 670


def test_both_measures_numbered_2_24_are_kept_and_told_apart(shared_seed_plan):
    first = Measure.objects.get(plan=shared_seed_plan, ref="2.24")
    second = Measure.objects.get(plan=shared_seed_plan, ref="2.24b")
    assert first.title == "% of children subject to CP plans who were reviewed within statutory timescales"
    assert second.title == "Percentage of children looked after / Cared for Children whose last review was on time"
    assert "numbers this measure 2.24 too" in second.data_notes
    assert value_of("2.24", datetime.date(2021, 2, 1)).value == Decimal("83")
    assert value_of("2.24b", DEC_20).value == Decimal("77")


def test_percentages_are_stored_as_the_report_writes_them(shared_seed_plan):
    measure = Measure.objects.get(ref="1.1")
    assert (measure.unit, measure.decimals, measure.polarity) == (Unit.PERCENTAGE, 1, Polarity.LOWER_IS_BETTER)
    assert value_of("1.1", JUL_20).value == Decimal("9.6")
    assert year_of("1.1", 2019).outturn == Decimal("15.4")  # 2019/20
    assert year_of("1.1", 2020).outturn == Decimal("10.6")  # Final 2020/21
    assert year_of("1.1", 2021).year_to_date == Decimal("13.0")  # Current year to date


def test_a_figure_with_more_than_a_number_keeps_its_text_and_footnote(shared_seed_plan):
    prior = year_of("2.4", 2019)
    assert (prior.outturn, prior.outturn_text) == (Decimal("1919"), "1919 / 731*")
    assert year_of("2.13a", 2020).outturn_text == "80 (from May 2020 only)"
    assert year_of("2.13a", 2020).outturn == Decimal("80")
    assert Measure.objects.get(ref="2.4").table_note == "* Rate per 10,000 population aged 0 to 17"
    national = Benchmark.objects.get(measure__ref="2.4", kind="national")
    assert (national.value, national.text) == (Decimal("535"), "535*")


@pytest.mark.parametrize(
    ("ref", "month", "note"),
    [
        pytest.param("2.31", JUL_20, "No adoptions this month so n/a", id="no adoptions"),
        pytest.param("1.8e", MAR_21, "not available for March", id="not available"),
        pytest.param("4.3", DEC_20, "N/A", id="audit N/A"),
        pytest.param("2.28", JUL_20, "n/a", id="quarterly n/a"),
        pytest.param("3.3", datetime.date(2020, 2, 1), "-", id="workforce dash"),
    ],
)
def test_a_month_without_a_figure_keeps_why_and_is_never_zero(shared_seed_plan, ref, month, note):
    value = value_of(ref, month)
    assert value.value is None
    assert value.note == note


def test_no_stored_month_is_a_zero_standing_in_for_a_reason(shared_seed_plan):
    assert not MeasureValue.objects.filter(value__isnull=False).exclude(note="").exists()
    assert not MeasureValue.objects.filter(value__isnull=True, note="").exists()


def test_a_blank_cell_is_no_row(shared_seed_plan):
    assert not MeasureValue.objects.filter(measure__ref="1.8a", month=JUL_20).exists()
    assert value_of("1.8a", datetime.date(2021, 1, 1)).value == Decimal("29")


def test_lower_is_better_targets_keep_min_above_upper_and_rag_reads_them(shared_seed_plan):
    agency = year_of("3.3", 2021)
    assert (agency.target_min, agency.target_upper) == (Decimal("35"), Decimal("28"))
    assert agency.year_to_date == Decimal("35.6")  # the "Current" column
    rag = value_rag(value=agency.year_to_date, target_min=35, target_upper=28, polarity=Polarity.LOWER_IS_BETTER)
    assert rag == "red"
    matching = year_of("2.31", 2021)
    assert (matching.target_min, matching.target_upper) == (Decimal("180"), Decimal("140"))


def test_the_table_with_2018_19_as_prior_year_is_read_as_such(shared_seed_plan):
    exits = year_of("2.29", 2018)
    assert (exits.outturn, exits.outturn_text) == (Decimal("137"), "137 / 55*")
    assert not MeasureYear.objects.filter(measure__ref="2.29", financial_year=2019).exists()
    benchmarks = {(b.kind, b.period): b.text for b in Benchmark.objects.filter(measure__ref="2.29")}
    assert benchmarks == {
        ("national", ""): "25*",
        ("stat_neighbour", "to 2021"): "32*",
        ("stat_neighbour", "from 2021"): "29*",
    }


def test_targets_trend_and_benchmarks_are_the_seeds(shared_seed_plan):
    assessments = year_of("2.15", 2021)
    assert (assessments.target_min, assessments.target_upper, assessments.reported_trend) == (85, 95, "↓")
    assert year_of("2.5", 2021).target_text == "TBC"
    assert year_of("2.18", 2021).target_upper == Decimal("100")
    assert year_of("2.18", 2021).target_text == "Min N/A"
    repeat = {(b.kind, b.period): b.value for b in Benchmark.objects.filter(measure__ref="2.5")}
    assert repeat == {
        ("national", ""): Decimal("22.6"),
        ("stat_neighbour", "to 2021"): Decimal("23.0"),
        ("stat_neighbour", "from 2021"): Decimal("22.4"),
    }
    assert Benchmark.objects.get(measure__ref="3.1", kind="regional").value == Decimal("14.80")


def test_data_notes_follow_the_measures_they_belong_to(shared_seed_plan):
    assert "20 miles away" in Measure.objects.get(ref="1.3").data_notes
    assert "only 180 have recorded scores" in Measure.objects.get(ref="4.2").data_notes
    assert "Exceeds good = 1" in Measure.objects.get(ref="4.7").definition
    assert Measure.objects.get(ref="4.7").polarity == Polarity.LOWER_IS_BETTER


def test_the_audit_scores_key_is_4_1s_scoring_key_and_the_seeds_footnotes_are_table_notes(shared_seed_plan):
    measures = Measure.objects.filter(plan=shared_seed_plan)
    key = measures.get(ref="4.1")
    assert key.scoring_key_lines == [
        "Exceeds good = 1",
        "Meets good = 2",
        "Does not meet good = 3",
        "Not applicable = 4",
    ]
    assert key.definition == (
        "Case audits: the figures below show an average score based on files audited in the period. "
        "A lower score is better."
    )
    assert list(measures.exclude(scoring_key="").values_list("ref", flat=True)) == ["4.1"]
    notes = dict(measures.exclude(table_note="").values_list("ref", "table_note"))
    assert {ref for ref, note in notes.items() if note == "N/As excluded from denominator."} == {
        f"4.{n}" for n in range(3, 15)
    }
    assert {ref for ref, note in notes.items() if note == "* Rate per 10,000 population aged 0 to 17"} == {
        "2.4",
        "2.8",
        "2.17a",
        "2.29",
    }
    assert not measures.filter(data_notes__contains="N/As excluded").exists()


def test_loading_over_a_plan_loaded_before_the_scoring_key_adds_it(shared_seed_plan):
    Measure.objects.filter(plan=shared_seed_plan).update(scoring_key="", table_note="")
    outcomes = demo.load_demo(plan_slug=shared_seed_plan.slug)
    assert outcomes["measures changed"] == 17  # 4.1's key, and 12 + 4 table notes
    assert Measure.objects.get(plan=shared_seed_plan, ref="4.1").scoring_key.startswith("Exceeds good = 1\n")


def test_loading_twice_changes_nothing(shared_seed_plan):
    history_before = (MeasureValue.history.count(), MeasureYear.history.count())
    stamps_before = dict(Measure.objects.values_list("ref", "updated_at"))
    outcomes = demo.load_demo(plan_slug=shared_seed_plan.slug)
    assert set(key.rsplit(" ", 1)[1] for key in outcomes) == {"unchanged"}
    assert (MeasureValue.history.count(), MeasureYear.history.count()) == history_before
    assert dict(Measure.objects.values_list("ref", "updated_at")) == stamps_before
    assert MeasureValue.objects.count() == 670


def test_loading_reports_what_it_did(shared_seed_plan):
    import io

    out = io.StringIO()
    demo.load_demo(plan_slug=shared_seed_plan.slug, stdout=out)
    assert "measures unchanged 67" in out.getvalue()
    assert "values unchanged 670" in out.getvalue()


def test_loading_without_the_plan_says_what_to_do(db):
    with pytest.raises(ImproperlyConfigured, match="load the plans first"):
        demo.load_demo(plan_slug="no-such-plan")


def test_loading_without_the_themes_says_what_to_do(db):
    PlanFactory(slug="plan-without-themes")
    with pytest.raises(ImproperlyConfigured, match="has no theme 1"):
        demo.load_demo(plan_slug="plan-without-themes")


@pytest.mark.parametrize(
    ("month", "value", "note", "field"),
    [
        pytest.param(datetime.date(2021, 4, 1), None, "", "note", id="no figure and no reason"),
        pytest.param(datetime.date(2021, 4, 1), None, "   ", "note", id="blank reason"),
        pytest.param(datetime.date(2021, 4, 15), Decimal(1), "", "month", id="month not its first day"),
    ],
)
def test_a_value_needs_a_figure_or_a_reason_and_a_first_of_month(shared_seed_plan, month, value, note, field):
    measure = Measure.objects.get(ref="1.1")
    with pytest.raises(ValidationError) as error:
        services.measure_value_set(measure=measure, month=month, value=value, note=note)
    assert field in error.value.message_dict


def test_changing_a_value_records_history_once(shared_seed_plan):
    measure = Measure.objects.get(ref="1.1")
    before = MeasureValue.history.filter(measure=measure, month=MAY_21).count()
    _, outcome = services.measure_value_set(measure=measure, month=MAY_21, value="12.5")
    assert outcome == "changed"
    _, outcome = services.measure_value_set(measure=measure, month=MAY_21, value=Decimal("12.50"))
    assert outcome == "unchanged"
    assert MeasureValue.history.filter(measure=measure, month=MAY_21).count() == before + 1
