"""The /kpis/ tables and the measure page: content, RAG shown as word and colour, charts, fixed query counts."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from kpis import charts, formatting, selectors, services
from kpis.models import KpiImport, Measure, MeasureValue, MeasureYear
from tests.factories import PlanFactory, ThemeFactory
from tests.report.helpers import text_of

pytestmark = pytest.mark.django_db

LIST_URL = reverse("kpis:measure_list")


def detail_url(measure: Measure) -> str:
    return reverse("kpis:measure_detail", kwargs={"pk": measure.pk})


def figure_of(response) -> dict:
    found = re.search(r'<script id="measure-figure" type="application/json">(.*?)</script>', response.content.decode())
    assert found, "the page carries its figure as JSON"
    return json.loads(found.group(1))


# /kpis/ ------------------------------------------------------------------------------------


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_no_measures_yet_says_so(client, sro):
    client.force_login(sro)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert "There are no performance measures yet." in response.content.decode()


def test_plan_choice_defaults_to_the_most_recent_plan_with_measures(client, sro, make_measures):
    older, _ = make_measures(plan=PlanFactory(title="Older plan", report_date=datetime.date(2019, 1, 1)), themes=1)
    newer, _ = make_measures(plan=PlanFactory(title="Newer plan", report_date=datetime.date(2021, 7, 1)), themes=1)
    PlanFactory(title="Newest plan without measures", report_date=datetime.date(2022, 1, 1))
    client.force_login(sro)
    response = client.get(LIST_URL)
    assert response.context["plan"] == newer
    assert [p.title for p in response.context["plans"]] == ["Newer plan", "Older plan"]
    assert 'name="plan"' in response.content.decode()
    assert client.get(LIST_URL, {"plan": older.slug}).context["plan"] == older
    assert client.get(LIST_URL, {"plan": "no-such-plan"}).status_code == 404


@pytest.mark.parametrize(("themes", "count", "months"), [(1, 1, 2), (4, 8, 24)], ids=["small", "large"])
def test_kpi_tables_run_a_fixed_number_of_queries(
    client, sro, make_measures, django_assert_num_queries, themes, count, months
):
    make_measures(themes=themes, count=count, months=months)
    client.force_login(sro)
    # session, user, the user's groups (navigation), plans with measures, measures (+ theme), values, years, benchmarks
    with django_assert_num_queries(8):
        response = client.get(LIST_URL)
    assert len(response.context["tables"]) == themes
    assert sum(len(t.rows) for t in response.context["tables"]) == themes * count


@pytest.mark.parametrize(("themes", "count", "months"), [(1, 1, 2), (3, 5, 18)], ids=["small", "large"])
def test_measure_tables_for_plan_runs_four_queries(make_measures, django_assert_num_queries, themes, count, months):
    plan, _ = make_measures(themes=themes, count=count, months=months)
    with django_assert_num_queries(4):
        tables = selectors.measure_tables_for_plan(plan=plan)
    assert len(tables[0].months) == months + 1  # and the TBC month


def test_measure_tables_as_at_show_figures_as_they_then_stood(make_measures, django_assert_num_queries):
    plan, measures = make_measures(themes=1, count=1, months=2)
    measure = measures[0]
    july = datetime.date(2020, 7, 1)
    # The figures as first recorded stood yesterday; today's changes must not show as at yesterday.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for model in (MeasureValue, MeasureYear):
        model.history.update(history_date=F("history_date") - datetime.timedelta(days=1))
    services.measure_value_set(measure=measure, month=july, value=Decimal("75.5"))
    services.measure_value_set(measure=measure, month=datetime.date(2020, 12, 1), value=Decimal(1))
    services.measure_year_set(measure=measure, financial_year=2021, target_min=Decimal(70))

    now_row = selectors.measure_tables_for_plan(plan=plan)[0].rows[0]
    assert now_row.cells[0].display == "75.5%"
    assert now_row.target_min == "70.0%"
    with django_assert_num_queries(4):
        then = selectors.measure_tables_for_plan(plan=plan, as_at=yesterday)
    then_row = then[0].rows[0]
    assert [cell.display for cell in then_row.cells] == ["50.0%", "51.0%", "TBC"]
    assert then_row.target_min == "50.0%"


# The measure page --------------------------------------------------------------------------


def test_unknown_measure_is_not_found(client, sro):
    client.force_login(sro)
    assert client.get(reverse("kpis:measure_detail", kwargs={"pk": 999999})).status_code == 404


@pytest.mark.parametrize(("months", "imports"), [(1, 0), (30, 4)], ids=["small", "large"])
def test_measure_page_runs_a_fixed_number_of_queries(
    client, sro, make_measures, django_assert_num_queries, months, imports
):
    plan, measures = make_measures(themes=1, count=1, months=months)
    for n in range(imports):
        KpiImport.objects.create(plan=plan, file_name=f"file-{n}.xlsx", imported_by=sro).measures.add(measures[0])
    client.force_login(sro)
    # session, user, the user's groups (navigation), measure (+ plan, theme), values, years, benchmarks, imports (+ who)
    with django_assert_num_queries(8):
        response = client.get(detail_url(measures[0]))
    assert len(response.context["detail"].months) == months + 1
    assert len(response.context["detail"].imports) == imports


# Charts (pure functions) -------------------------------------------------------------------


def test_sparkline_escapes_its_title_and_leaves_gaps():
    svg = charts.sparkline_svg(values=[1, None, 3, 4], title="2.3 <contacts> & referrals")
    assert "<title>2.3 &lt;contacts&gt; &amp; referrals</title>" in svg
    assert svg.count("<polyline") == 1  # 3 → 4; the lone first point is a dot
    assert svg.count("<circle") == 2


def test_sparkline_without_figures_is_an_empty_labelled_svg():
    svg = charts.sparkline_svg(values=[None, None], title="2.12 Strat meetings are quorate")
    assert "<title>2.12 Strat meetings are quorate</title>" in svg
    assert "polyline" not in svg


def test_measure_figure_has_band_benchmarks_and_prior_year():
    figure = charts.measure_figure(
        title="2.15",
        y_label="Percentage",
        months=[datetime.date(2021, 4, 1), datetime.date(2021, 5, 1)],
        values=[Decimal(84), None],
        bands=[charts.TargetBand(datetime.date(2021, 4, 1), datetime.date(2021, 5, 1), 85.0, 95.0)],
        benchmarks=[charts.ReferenceLine("National", 84.0)],
        prior_year=charts.ReferenceLine("2019/20 outturn", 75.0),
        percentage=True,
    )
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["Target band (Min to Upper)", "National", "2019/20 outturn", "Torbay"]
    assert figure["data"][-1]["y"] == [84.0, None]
    assert figure["layout"]["yaxis"]["ticksuffix"] == "%"
    json.dumps(figure)  # plain JSON for json_script


def test_value_display_follows_unit_and_decimals_without_hiding_a_decimal():
    assert formatting.value_display(Decimal("9.6000"), unit="percentage", decimals=1) == "9.6%"
    assert formatting.value_display(Decimal("22.3000"), unit="percentage", decimals=0) == "22.3%"
    assert formatting.value_display(Decimal("97.0000"), unit="percentage", decimals=0) == "97%"
    assert formatting.value_display(Decimal("2238"), unit="count", decimals=0) == "2,238"
    assert formatting.value_display(Decimal("2.5"), unit="audit_score", decimals=1) == "2.5"


def test_theme_from_another_plan_is_refused(make_measures):
    plan, _ = make_measures(themes=1, count=1, months=1)
    other_theme = ThemeFactory(plan=PlanFactory(), number=1)
    with pytest.raises(ValidationError, match="belongs to another plan"):
        services.measure_update_or_create(plan=plan, theme=other_theme, ref="9.9", title="Wrong theme")


# The real seed ---------------------------------------------------------------------------


class TestWithTheSeed:
    """Pages over the real seed, loaded once for the class (and gone after it)."""

    def test_kpi_tables_show_the_seeds_figures_with_rag_word_and_colour(self, client, sro, class_seed_plan):
        client.force_login(sro)
        response = client.get(LIST_URL)
        assert response.status_code == 200
        tables = {table.theme.number: table for table in response.context["tables"]}
        assert list(tables) == [1, 2, 3, 4]
        agency = next(row for row in tables[3].rows if row.measure.ref == "3.3")
        assert (agency.year_to_date.display, agency.year_to_date.rag) == ("35.6%", "red")
        assert (agency.target_min, agency.target_upper) == ("35.0%", "28.0%")
        aug = next(cell for cell in agency.cells if cell and cell.month == datetime.date(2020, 8, 1))
        assert (aug.display, aug.rag) == ("34.3%", "amber")
        html = response.content.decode()
        assert "Theme 3: Sufficient and skilled workforce" in html
        assert '<span class="rag rag-red">Red</span>' in html
        assert '<span class="rag rag-amber">Amber</span>' in html
        assert '<span class="rag rag-green">Green</span>' in html
        assert "How the RAG of a figure is worked out" in html
        assert "agency staff: Min 35%, Upper 28%" in html

    def test_the_kpi_page_and_the_report_draw_the_same_row_with_one_component(self, client, sro, class_seed_plan):
        """One table component and one value cell: measure 3.3's figures read the same on both pages."""
        import re

        client.force_login(sro)
        pages = [client.get(LIST_URL).content.decode(), client.get("/").content.decode()]
        rows = []
        for html in pages:
            agency = next(
                m for m in re.finditer(r'<tr id="measure-(\d+)">(.*?)</tr>', html, re.S) if ">3.3</a>" in m.group(2)
            )
            rows.append(
                re.findall(
                    r'<span class="figure">[^<]*</span>(?: <span class="rag [^"]*">\w+</span>)?', agency.group(2)
                )
            )
        assert rows[0] == rows[1]
        assert '<span class="figure">34.3%</span> <span class="rag rag-amber">Amber</span>' in rows[0]

    def test_kpi_table_keeps_the_seeds_columns_per_theme(self, client, sro, class_seed_plan):
        client.force_login(sro)
        tables = {t.theme.number: t for t in client.get(LIST_URL).context["tables"]}
        theme_one = tables[1]
        assert theme_one.months[0] == datetime.date(2020, 7, 1)
        assert theme_one.months[-1] == datetime.date(2021, 5, 1)
        assert theme_one.month_groups == [("2020/21", 9), ("2021/22", 2)]
        assert [label for _, _, label in theme_one.benchmark_columns] == [
            "National",
            "Stat neighbours to 2021",
            "Stat neighbours from 2021",
        ]
        assert theme_one.prior_label == "2019/20"
        placements = theme_one.rows[0]
        assert placements.measure.ref == "1.1"
        assert placements.section_heading == "Placement Stability"
        assert placements.prior.display == "15.4%"
        assert placements.final.display == "10.6%"
        assert placements.benchmarks == ["11.0%", "11.8%", "10.5%"]
        # Theme 3's table runs from December 2019 and benchmarks regionally; theme 2 mixes 2018/19 and 2019/20.
        assert tables[3].months[0] == datetime.date(2019, 12, 1)
        assert [label for _, _, label in tables[3].benchmark_columns] == ["National", "Regional"]
        assert tables[2].prior_label == "Prior year"
        exits = next(row for row in tables[2].rows if row.measure.ref == "2.29")
        assert (exits.prior.year_label, exits.prior.display) == ("2018/19", "137 / 55*")

    def test_a_month_without_a_figure_shows_why(self, client, sro, class_seed_plan):
        client.force_login(sro)
        tables = {t.theme.number: t for t in client.get(LIST_URL).context["tables"]}
        matching = next(row for row in tables[2].rows if row.measure.ref == "2.31")
        july = matching.cells[0]
        assert (july.value, july.display, july.rag) == (None, "No adoptions this month so n/a", "")

    def test_trend_says_better_or_worse_against_the_month_before(self, client, sro, class_seed_plan):
        client.force_login(sro)
        tables = {t.theme.number: t for t in client.get(LIST_URL).context["tables"]}
        repeat = next(row for row in tables[2].rows if row.measure.ref == "2.5")  # 24% in April, 28% in May
        assert repeat.latest.month == datetime.date(2021, 5, 1)
        assert repeat.month_trend.label == "Worse (up)"
        assert repeat.year_trend.direction == ""  # the seed has no May 2020
        html = client.get(LIST_URL).content.decode()
        assert "May 21 vs Apr 21: up, worse" in html
        assert "Worse (up)" not in html  # the figures' comparison is in words only, never a second arrow

    def test_sparklines_are_server_side_svg_with_a_title(self, client, sro, class_seed_plan):
        client.force_login(sro)
        html = client.get(LIST_URL).content.decode()
        assert html.count('<svg class="sparkline"') == 67
        assert "<title>1.1 % with 3 or more placements: Jul 2020 9.6% to May 2021 13.0%</title>" in html

    def test_measure_page_shows_chart_values_notes_and_rule(self, client, sro, class_seed_plan):
        measure = Measure.objects.get(plan=class_seed_plan, ref="1.3")
        client.force_login(sro)
        response = client.get(detail_url(measure))
        assert response.status_code == 200
        html = response.content.decode()
        assert "1.3 % of CLA / cared for children placed more than 20 miles" in html
        assert "No SN available using this definition." in html  # the data note
        assert "How the RAG of a figure is worked out" in html
        figure = figure_of(response)
        series = next(trace for trace in figure["data"] if trace["name"] == "Torbay")
        assert series["y"][0] == 29.0
        assert series["x"][0] == "2020-07-01"
        assert {trace["name"] for trace in figure["data"]} == {"Torbay", "National", "2019/20 outturn"}
        assert 'data-plotly-figure="measure-figure"' in html
        assert "vendor/plotly-cartesian-4.1.1.min.js" in html

    def test_the_scoring_key_is_above_the_audit_scores_and_each_table_note_shows_once(
        self, client, sro, class_seed_plan
    ):
        client.force_login(sro)
        html = client.get(LIST_URL).content.decode()
        rows = {ref: Measure.objects.get(plan=class_seed_plan, ref=ref).pk for ref in ("4.1", "4.2")}
        key_at = html.index('class="kpi-scoring-key"')
        assert html.index(f'id="measure-{rows["4.1"]}"') < key_at < html.index(f'id="measure-{rows["4.2"]}"')
        assert html.count('class="kpi-scoring-key"') == 1
        key = text_of(html[key_at : html.index("</tr>", key_at)])
        assert (
            "The scoring system is: Exceeds good = 1; Meets good = 2; Does not meet good = 3; Not applicable = 4" in key
        )
        assert html.count("N/As excluded from denominator.") == 1
        assert html.count("* Rate per 10,000 population aged 0 to 17") == 1

    def test_measure_page_shows_its_scoring_key_and_table_note(self, client, sro, class_seed_plan):
        client.force_login(sro)
        key_page = text_of(
            client.get(detail_url(Measure.objects.get(plan=class_seed_plan, ref="4.1"))).content.decode()
        )
        assert (
            "Scoring key The scoring system is: Exceeds good = 1; Meets good = 2; Does not meet good = 3;" in key_page
        )
        risk_page = text_of(
            client.get(detail_url(Measure.objects.get(plan=class_seed_plan, ref="4.3"))).content.decode()
        )
        assert "Note N/As excluded from denominator." in risk_page

    def test_measure_page_says_a_target_in_words_once_and_the_reported_trend_with_its_word(
        self, client, sro, class_seed_plan
    ):
        client.force_login(sro)
        html = client.get(detail_url(Measure.objects.get(plan=class_seed_plan, ref="1.1"))).content.decode()
        year = re.search(r'<th scope="row">2021/22</th>(.*?)</tr>', html, re.S).group(1)
        assert '<td colspan="2" class="target-both text-center">TBC</td>' in year
        assert year.count("TBC") == 1
        assert '<span aria-hidden="true">↑</span> Up' in year

    def test_measure_page_has_no_inline_script(self, client, sro, class_seed_plan):
        client.force_login(sro)
        html = client.get(detail_url(Measure.objects.get(ref="2.15"))).content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag

    def test_measure_chart_draws_the_target_band_and_leaves_rates_to_the_table(self, client, sro, class_seed_plan):
        client.force_login(sro)
        referrals = client.get(detail_url(Measure.objects.get(ref="2.4")))
        assert {trace["name"] for trace in figure_of(referrals)["data"]} == {"Torbay"}  # 535* is a rate, not a count
        assert "535*" in referrals.content.decode()
        agency = figure_of(client.get(detail_url(Measure.objects.get(ref="3.3"))))
        band = next(trace for trace in agency["data"] if trace["name"] == "Target band (Min to Upper)")
        assert sorted(set(band["y"])) == [28.0, 35.0]

    def test_measure_page_lists_the_imports_that_changed_it(self, client, sro, performance_user, class_seed_plan):
        measure = Measure.objects.get(ref="2.15")
        kpi_import = KpiImport.objects.create(
            plan=class_seed_plan, file_name="kpis-june-2021.xlsx", imported_by=performance_user
        )
        kpi_import.measures.add(measure)
        KpiImport.objects.create(plan=class_seed_plan, file_name="unrelated.xlsx")
        client.force_login(sro)
        html = client.get(detail_url(measure)).content.decode()
        assert "kpis-june-2021.xlsx" in html
        assert "unrelated.xlsx" not in html
