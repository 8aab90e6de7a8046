"""Whether a measure got better or worse, not only up or down, using its polarity."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpis.models import Polarity
from kpis.rag import Number, as_decimal

UP, DOWN, SAME = "up", "down", "same"
BETTER, WORSE = "better", "worse"
ARROWS = {UP: "↑", DOWN: "↓", SAME: "↔"}


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
