"""KPI figures: plain data in, a plotly figure dict or an SVG string out. No ORM here.

Plotly draws the one chart of the measure page (static/js/charts.js reads the figure from
json_script). Tables of many measures get sparklines as server-side SVG: no JavaScript, a <title>
for screen readers, and they print (WeasyPrint runs no JavaScript).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape

SERIES_COLOUR = "#1d70b8"
PRIOR_COLOUR = "#505a5f"
BAND_FILL = "rgba(0, 112, 60, 0.15)"
BENCHMARK_DASHES = ("dash", "dot", "dashdot", "longdash")
BENCHMARK_COLOURS = ("#912b88", "#f47738", "#28a197", "#6f72af")
HALF_MONTH = datetime.timedelta(days=15)


@dataclass(frozen=True)
class TargetBand:
    """Min–Upper targets that hold from the first month to the last (inclusive)."""

    first_month: datetime.date
    last_month: datetime.date
    low: float
    high: float


@dataclass(frozen=True)
class ReferenceLine:
    """A flat figure to compare with: a benchmark or a prior year's outturn."""

    label: str
    value: float


def _number(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def measure_figure(
    *,
    title: str,
    y_label: str,
    months: list[datetime.date],
    values: list[Decimal | float | None],
    bands: list[TargetBand] = (),
    benchmarks: list[ReferenceLine] = (),
    prior_year: ReferenceLine | None = None,
    percentage: bool = False,
) -> dict:
    """Return a plotly figure of a measure's monthly series with its target band, benchmarks and prior year."""
    x = [month.isoformat() for month in months]
    suffix = "%" if percentage else ""
    data: list[dict] = []
    for index, band in enumerate(bands):
        x0 = (band.first_month - HALF_MONTH).isoformat()
        x1 = (band.last_month + HALF_MONTH).isoformat()
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Target band (Min to Upper)",
                "legendgroup": "target",
                "showlegend": index == 0,
                "x": [x0, x1, x1, x0, x0],
                "y": [band.low, band.low, band.high, band.high, band.low],
                "fill": "toself",
                "fillcolor": BAND_FILL,
                "line": {"width": 0},
                "hoverinfo": "skip",
            }
        )
    first, last = (x[0], x[-1]) if x else ("", "")
    for index, line in enumerate(benchmarks):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": line.label,
                "x": [first, last],
                "y": [line.value, line.value],
                "line": {
                    "dash": BENCHMARK_DASHES[index % len(BENCHMARK_DASHES)],
                    "color": BENCHMARK_COLOURS[index % len(BENCHMARK_COLOURS)],
                    "width": 1.5,
                },
                "hovertemplate": f"{line.label}: %{{y}}{suffix}<extra></extra>",
            }
        )
    if prior_year is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": prior_year.label,
                "x": [first, last],
                "y": [prior_year.value, prior_year.value],
                "line": {"dash": "dot", "color": PRIOR_COLOUR, "width": 1.5},
                "hovertemplate": f"{prior_year.label}: %{{y}}{suffix}<extra></extra>",
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Torbay",
            "x": x,
            "y": [_number(value) for value in values],
            "connectgaps": False,
            "line": {"color": SERIES_COLOUR, "width": 2.5},
            "marker": {"size": 7},
            "hovertemplate": f"%{{x|%b %Y}}: %{{y}}{suffix}<extra></extra>",
        }
    )
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "xaxis": {"type": "date", "tickformat": "%b %Y", "title": {"text": "Month"}},
            "yaxis": {"title": {"text": y_label}, "ticksuffix": suffix, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.25},
            "margin": {"t": 50, "r": 20, "b": 80, "l": 60},
            "hovermode": "closest",
        },
        # No mode bar: its look comes from CSS that plotly injects at runtime, which our CSP blocks.
        "config": {"displaylogo": False, "responsive": True, "displayModeBar": False},
    }


def sparkline_svg(
    *,
    values: list[Decimal | float | None],
    title: str,
    band: tuple[float, float] | None = None,
    width: int = 120,
    height: int = 28,
) -> str:
    """Return an inline SVG sparkline of the values (gaps where None), with the target band shaded and a <title>."""
    pad = 3
    numbers = [_number(value) for value in values]
    known = [n for n in numbers if n is not None]
    parts = [
        f'<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if not known:
        parts.append("</svg>")
        return "".join(parts)
    lowest, highest = min(known), max(known)
    if band is not None:
        lowest, highest = min(lowest, *band), max(highest, *band)
    span = (highest - lowest) or 1.0
    step = (width - 2 * pad) / max(len(numbers) - 1, 1)

    def y_of(number: float) -> float:
        return round(height - pad - (number - lowest) / span * (height - 2 * pad), 1)

    if band is not None:
        top, bottom = y_of(max(band)), y_of(min(band))
        parts.append(f'<rect x="0" y="{top}" width="{width}" height="{max(bottom - top, 1)}" fill="{BAND_FILL}"/>')
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, number in enumerate(numbers):
        if number is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{round(pad + index * step, 1)},{y_of(number)}")
    if segment:
        segments.append(segment)
    for points in segments:
        if len(points) == 1:
            cx, cy = points[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="1.5" fill="{SERIES_COLOUR}"/>')
        else:
            parts.append(
                f'<polyline fill="none" stroke="{SERIES_COLOUR}" stroke-width="1.5" points="{" ".join(points)}"/>'
            )
    last_index = max(i for i, n in enumerate(numbers) if n is not None)
    parts.append(
        f'<circle cx="{round(pad + last_index * step, 1)}" cy="{y_of(numbers[last_index])}" r="2.5" '
        f'fill="{SERIES_COLOUR}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
