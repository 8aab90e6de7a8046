"""Figures for the risk pages: plain data in, a plotly figure (as a JSON-ready dict) out. No ORM."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Protocol

import plotly.graph_objects as go

from risks.models import Band

# Light tints of the band colours in risks.css: the line and the word on the page carry the meaning.
BAND_TINTS = {"low": "rgba(0, 112, 60, 0.12)", "medium": "rgba(255, 191, 71, 0.22)", "high": "rgba(179, 38, 30, 0.12)"}
LINE_COLOUR = "#1d70b8"
SCORE_MAX = 25


class ScoreRow(Protocol):
    at: datetime.datetime
    score: int
    probability: int
    impact: int


def risk_score_figure(
    points: Sequence[ScoreRow],
    *,
    bands: Sequence[Band],
    target_score: int | None = None,
    now: datetime.datetime | None = None,
) -> dict:
    """Return a step chart of the score over time, on the bands, as a plotly figure dict.

    The last score is carried on to `now` so a score that has not changed still shows as a line.
    """
    xs = [point.at for point in points]
    ys = [point.score for point in points]
    hover = [f"Score {p.score} (probability {p.probability} × impact {p.impact})" for p in points]
    if points and now is not None and now > xs[-1]:
        xs.append(now)
        ys.append(ys[-1])
        hover.append(f"Score {ys[-1]} now")
    figure = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines+markers",
            line={"shape": "hv", "color": LINE_COLOUR, "width": 3},
            marker={"size": 8},
            name="Score",
            hovertext=hover,
            hoverinfo="text+x",
        )
    )
    for band in bands:
        figure.add_hrect(
            y0=band.low - 0.5,
            y1=band.high + 0.5,
            fillcolor=BAND_TINTS.get(band.key, "rgba(0, 0, 0, 0.05)"),
            line_width=0,
            layer="below",
            annotation_text=band.label,
            annotation_position="right",
        )
    if target_score is not None:
        figure.add_hline(
            y=target_score,
            line_dash="dash",
            line_color="#505a5f",
            annotation_text=f"Target {target_score}",
            annotation_position="top left",
        )
    figure.update_layout(
        margin={"l": 50, "r": 80, "t": 20, "b": 40},
        height=320,
        showlegend=False,
        yaxis={"title": {"text": "Score (probability × impact)"}, "range": [0, SCORE_MAX + 1], "dtick": 5},
        xaxis={"title": {"text": "Date"}},
    )
    return json.loads(figure.to_json())
