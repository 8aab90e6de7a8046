"""Whether a measure got better or worse, not only up or down, using its polarity; and what a table's
trend cell says, so that it never shows two signals that contradict each other."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpis.models import Polarity
from kpis.rag import Number, as_decimal

UP, DOWN, SAME = "up", "down", "same"
BETTER, WORSE = "better", "worse"
ARROWS = {UP: "↑", DOWN: "↓", SAME: "↔"}
DIRECTION_WORDS = {UP: "up", DOWN: "down", SAME: "no change"}
# The trends the seed (and a spreadsheet) writes; "n/a" and anything else say no direction.
REPORTED_DIRECTIONS = {"↑": UP, "⬆": UP, "⬆️": UP, "↓": DOWN, "⬇": DOWN, "⬇️": DOWN, "↔": SAME, "↔️": SAME}


@dataclass(frozen=True)
class Trend:
    direction: str = ""  # "up", "down", "same", or "" when there is nothing to compare with
    judgement: str = ""  # "better", "worse", "same", or "" when the polarity cannot say

    @property
    def label(self) -> str:
        """Say the trend in words, judgement first: "Better (up)", "Worse (down)", "Same", "Up"."""
        if not self.direction:
            return ""
        if self.direction == SAME:
            return "Same"
        if self.judgement:
            return f"{self.judgement.capitalize()} ({self.direction})"
        return self.direction.capitalize()

    @property
    def arrow(self) -> str:
        return ARROWS.get(self.direction, "")

    @property
    def words(self) -> str:
        """Say the trend in words only, direction first: "up, worse", "down, better", "no change", "up"."""
        if self.direction in ("", SAME):
            return DIRECTION_WORDS.get(self.direction, "")
        if self.judgement == SAME:
            return f"{self.direction}, no nearer the target"
        return f"{self.direction}, {self.judgement}" if self.judgement else self.direction


def reported_direction(reported: str) -> str:
    """Return the direction a reported trend as written points: "up", "down", "same", or "" (n/a, blank)."""
    return REPORTED_DIRECTIONS.get(reported.strip(), "")


@dataclass(frozen=True)
class TrendCell:
    """What a KPI table's trend cell says.

    The only arrow is the reported one, always beside the word it means; the figures' own comparison
    is in words, and when it points another way than the reported arrow the cell says so (`differs`).
    """

    reported: str  # the trend as written ("↑", "⬆️", "n/a") or ""
    reported_word: str  # "Up", "Down", "No change" when the reported trend is an arrow, else ""
    computed: str  # the month-on-month change in words ("up, worse"), or "" with nothing to compare
    differs: bool  # the reported arrow and the figures point different ways: check which is right

    @property
    def reported_is_arrow(self) -> bool:
        return bool(self.reported_word)


def trend_cell(*, reported: str, computed: Trend) -> TrendCell:
    """Return the trend cell: the reported trend as written with its word, the figures' change in words,
    and whether the two disagree."""
    direction = reported_direction(reported)
    return TrendCell(
        reported=reported.strip(),
        reported_word=DIRECTION_WORDS.get(direction, "").capitalize(),
        computed=computed.words,
        differs=bool(direction and computed.direction and direction != computed.direction),
    )


def _distance_from_band(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    if value < low:
        return low - value
    return value - high if value > high else Decimal(0)


def value_trend(
    *,
    current: Number | None,
    previous: Number | None,
    polarity: str,
    target_min: Number | None = None,
    target_upper: Number | None = None,
) -> Trend:
    """Return the trend from `previous` to `current`: direction, and better/worse by the polarity.

    Close-to-target measures are better when they move nearer the Min–Upper band (needs a target);
    contextual measures have a direction only.
    """
    current, previous = as_decimal(current), as_decimal(previous)
    if current is None or previous is None:
        return Trend()
    if current == previous:
        return Trend(SAME, SAME)
    direction = UP if current > previous else DOWN
    if polarity == Polarity.HIGHER_IS_BETTER:
        return Trend(direction, BETTER if direction == UP else WORSE)
    if polarity == Polarity.LOWER_IS_BETTER:
        return Trend(direction, BETTER if direction == DOWN else WORSE)
    if polarity == Polarity.CLOSE_TO_TARGET:
        targets = [t for t in (as_decimal(target_min), as_decimal(target_upper)) if t is not None]
        if not targets:
            return Trend(direction)
        low, high = min(targets), max(targets)
        now, before = _distance_from_band(current, low, high), _distance_from_band(previous, low, high)
        if now == before:
            return Trend(direction, SAME)
        return Trend(direction, BETTER if now < before else WORSE)
    return Trend(direction)
