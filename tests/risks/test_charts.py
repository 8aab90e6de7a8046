"""The score-over-time figure: plain rows in, a plotly figure dict out."""

import datetime
from dataclasses import dataclass

from risks.charts import risk_score_figure
from risks.models import risk_bands


@dataclass
class Row:
    at: datetime.datetime
    score: int
    probability: int
    impact: int


def _at(day):
    return datetime.datetime(2021, 7, day, 12, tzinfo=datetime.UTC)


def test_score_figure_is_a_step_line_of_the_scores_carried_to_now():
    rows = [Row(_at(1), 20, 4, 5), Row(_at(10), 15, 3, 5)]
    figure = risk_score_figure(rows, bands=risk_bands(), now=_at(20))
    trace = figure["data"][0]
    assert trace["y"] == [20, 15, 15]
    assert trace["line"]["shape"] == "hv"
    assert trace["x"][0].startswith("2021-07-01")
    assert trace["hovertext"][0] == "Score 20 (probability 4 × impact 5)"
    assert figure["layout"]["yaxis"]["range"] == [0, 26]


def test_score_figure_shades_each_configured_band_and_marks_the_target():
    figure = risk_score_figure([Row(_at(1), 12, 3, 4)], bands=risk_bands(), target_score=4)
    shapes = figure["layout"]["shapes"]
    bands = [(s["y0"], s["y1"]) for s in shapes if s["type"] == "rect"]
    assert bands == [(0.5, 4.5), (4.5, 12.5), (14.5, 25.5)]
    labels = [a["text"] for a in figure["layout"]["annotations"]]
    assert labels == ["Low", "Medium", "High", "Target 4"]


def test_score_figure_with_no_history_is_empty_but_valid():
    figure = risk_score_figure([], bands=risk_bands(), now=_at(1))
    assert figure["data"][0].get("y", []) == []
