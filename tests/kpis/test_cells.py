"""A KPI table's trend and target cells: never two signals that disagree, each target said once."""

from __future__ import annotations

import datetime
import itertools
import re
from types import SimpleNamespace

import pytest

from kpis.cells import TargetCell, target_cells
from kpis.templatetags.kpi_cells import kpi_reported_trend, kpi_targets, kpi_trend
from kpis.trend import DOWN, SAME, UP, Trend, reported_direction, trend_cell

APR_21, MAY_21, MAY_20 = datetime.date(2021, 4, 1), datetime.date(2021, 5, 1), datetime.date(2020, 5, 1)
ARROWS = re.compile("[↑↓↔⬆⬇]")
CHECK = "Check: not as reported"


@pytest.mark.parametrize(
    ("reported", "computed", "word", "words", "differs"),
    [
        pytest.param("↑", Trend(DOWN, "better"), "Up", "down, better", True, id="reported up, computed down"),
        pytest.param("↔", Trend(UP), "No change", "up", True, id="reported no change, computed up (4.2)"),
        pytest.param("↓", Trend(DOWN, "better"), "Down", "down, better", False, id="both down"),
        pytest.param("⬆️", Trend(UP, "better"), "Up", "up, better", False, id="the seed's emoji arrow"),
        pytest.param("↔", Trend(SAME, SAME), "No change", "no change", False, id="both no change"),
        pytest.param("", Trend(UP, "worse"), "", "up, worse", False, id="reported none"),
        pytest.param("n/a", Trend(UP), "", "up", False, id="reported n/a is no direction"),
        pytest.param("↑", Trend(), "Up", "", False, id="computed none"),
        pytest.param("", Trend(), "", "", False, id="neither"),
    ],
)
def test_trend_cell_says_the_reported_trend_with_its_word_and_flags_figures_that_disagree(
    reported, computed, word, words, differs
):
    cell = trend_cell(reported=reported, computed=computed)
    assert (cell.reported, cell.reported_word, cell.computed, cell.differs) == (reported, word, words, differs)
    assert not ARROWS.search(cell.computed)


@pytest.mark.parametrize(
    ("trend", "words"),
    [
        pytest.param(Trend(UP, "worse"), "up, worse", id="judged"),
        pytest.param(Trend(DOWN), "down", id="contextual"),
        pytest.param(Trend(SAME, SAME), "no change", id="same"),
        pytest.param(Trend(UP, SAME), "up, no nearer the target", id="close to target, as far as before"),
        pytest.param(Trend(), "", id="nothing to compare"),
    ],
)
def test_trend_words_have_no_arrow(trend, words):
    assert trend.words == words


@pytest.mark.parametrize(
    ("written", "direction"),
    [("↑", UP), ("⬆️", UP), ("↓", DOWN), ("↔", SAME), (" ↔ ", SAME), ("n/a", ""), ("", ""), ("TBC", "")],
)
def test_reported_direction_reads_the_arrows_the_seed_writes(written, direction):
    assert reported_direction(written) == direction


NO_TREND = Trend()


def _row(reported: str, month: Trend, year: Trend = NO_TREND):
    return SimpleNamespace(
        reported_trend=reported,
        month_trend=month,
        year_trend=year,
        latest=SimpleNamespace(month=MAY_21),
        month_trend_against=APR_21,
        year_trend_against=MAY_20,
    )


REPORTED = ("↑", "⬆️", "↓", "↔", "n/a", "")
COMPUTED = (Trend(UP, "worse"), Trend(UP), Trend(DOWN, "better"), Trend(SAME, SAME), Trend())


@pytest.mark.parametrize("compact", [True, False], ids=["report", "kpis page"])
@pytest.mark.parametrize(("reported", "computed"), list(itertools.product(REPORTED, COMPUTED)))
def test_a_trend_cell_never_shows_an_arrow_against_a_word_without_saying_so(reported, computed, compact):
    html = str(kpi_trend(_row(reported, computed, Trend(DOWN, "better")), compact))
    arrows = ARROWS.findall(html)
    direction = reported_direction(reported)
    # The only arrow is the reported one, hidden from screen readers beside the word it means.
    assert arrows == ([reported[0]] if direction else [])
    if direction:
        word = {UP: "Up", DOWN: "Down", SAME: "No change"}[direction]
        assert f'<span aria-hidden="true">{reported}</span> {word}' in html
    disagree = bool(direction and computed.direction and direction != computed.direction)
    assert (CHECK in html) == disagree


def test_report_trend_cell_for_4_2_reads_no_change_then_the_rise_then_the_flag():
    html = str(kpi_trend(_row("↔", Trend(UP)), True))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
    assert text == f"↔ No change vs Apr 21: up {CHECK}"


def test_kpis_page_trend_cell_says_both_comparisons_in_words():
    html = str(kpi_trend(_row("↓", Trend(DOWN, "better"), Trend()), False))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
    assert text == "Reported: ↓ Down May 21 vs Apr 21: down, better vs May 20: no figure"


def test_a_reported_trend_alone_keeps_its_word():
    assert (
        str(kpi_reported_trend("⬆️"))
        == '<span class="trend-reported d-block"><span aria-hidden="true">⬆️</span> Up</span>'
    )
    assert str(kpi_reported_trend("n/a")) == '<span class="trend-reported d-block">n/a</span>'


@pytest.mark.parametrize(
    ("target_min", "target_upper", "target_text", "cells"),
    [
        pytest.param("", "", "TBC", [TargetCell("TBC", colspan=2)], id="words only span Min and Upper"),
        pytest.param("", "", "Min TBC 11/20", [TargetCell("Min TBC 11/20", colspan=2)], id="2.17"),
        pytest.param("85%", "95%", "", [TargetCell("85%"), TargetCell("95%")], id="both figures"),
        pytest.param("", "100%", "Min N/A", [TargetCell("Min N/A"), TargetCell("100%")], id="2.18 Upper only"),
        pytest.param("0", "", "Upper n/a", [TargetCell("0"), TargetCell("Upper n/a")], id="2.30 Min only"),
        pytest.param("", "", "", [TargetCell(""), TargetCell("")], id="none"),
    ],
)
def test_target_cells_say_each_of_min_and_upper_once(target_min, target_upper, target_text, cells):
    assert target_cells(target_min=target_min, target_upper=target_upper, target_text=target_text) == cells


def test_a_target_in_words_is_one_cell_across_both_columns():
    row = SimpleNamespace(target_min="", target_upper="", target_text="TBC")
    assert str(kpi_targets(row)) == '<td colspan="2" class="target-both text-center">TBC</td>'
    row = SimpleNamespace(target_min="85%", target_upper="95%", target_text="")
    assert str(kpi_targets(row)) == "<td>85%</td><td>95%</td>"
