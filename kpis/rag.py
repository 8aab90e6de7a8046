"""The RAG of a KPI value against its targets, and which targets a month is read against.

One rule, used by the KPI pages, the measure page, the export and the highlight report alike.

The seed gives each measure two targets per financial year, "Min" and "Upper". They are read as a
band: its better end and its worse end come from the measure's polarity, not from which column a
figure sits in. The seed is not consistent about the order: agency staff (3.3, lower is better)
carries Min 35% above Upper 28%, while vacancies (3.1, also lower is better) carries Min 20% below
Upper 25%. Reading the pair as a band gives both the meaning the report intends.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from core.calendar import financial_year_of
from kpis.models import Polarity
from plans.models import Rag

Number = Decimal | int | float
Targets = tuple[Decimal | None, Decimal | None]

# Within this share of a single target, a close-to-target measure is amber.
SINGLE_TARGET_TOLERANCE = Decimal("0.1")

# The rule as the pages show it (templates/kpis/_rag_rule.html); keep in step with value_rag().
RAG_RULE = (
    (
        Polarity.HIGHER_IS_BETTER.label,
        "Green at or above the higher of Min and Upper; Amber at or above the lower; Red below both.",
    ),
    (
        Polarity.LOWER_IS_BETTER.label,
        "Green at or below the lower of Min and Upper; Amber at or below the higher; Red above both. "
        "The report may give Min above Upper for these (agency staff: Min 35%, Upper 28%); the result is the same.",
    ),
    (
        Polarity.CLOSE_TO_TARGET.label,
        "Green inside the band from Min to Upper; Amber outside it by no more than half the band's width "
        "(by no more than 10% of the target when Min and Upper are the same figure); Red further out.",
    ),
    (
        Polarity.CONTEXTUAL.label,
        "No RAG: the figure is read in context (for example, counts of referrals).",
    ),
)
RAG_RULE_TARGETS = (
    "Only one of Min and Upper set: it is both ends of the band. Neither set (TBC or n/a): no RAG. "
    "A month is read against its own financial year's targets; where that year has none, against the most "
    "recent year that has them (the July 2021 report gives targets for 2021/22 only and reads every month "
    "against them). A month with no figure has no RAG."
)


def as_decimal(number: Number | None) -> Decimal | None:
    """Return the number as a Decimal (None stays None), so floats and Decimals compare exactly."""
    if number is None or isinstance(number, Decimal):
        return number
    return Decimal(str(number))


def value_rag(*, value: Number | None, target_min: Number | None, target_upper: Number | None, polarity: str) -> str:
    """Return "red", "amber", "green", or "" (no RAG) for a value against its Min and Upper targets.

    - Higher is better: green at or above the higher target, amber at or above the lower, else red.
    - Lower is better: green at or below the lower target, amber at or below the higher, else red
      (Min may sit above Upper, as the seed writes it for these; the band is the same either way).
    - Close to target: green inside the band, amber outside it by no more than half the band's width
      (10% of the target when both targets are equal), else red.
    - Contextual, no value, or no target at all: "" (no RAG). One target alone is both ends of the band.
    """
    value = as_decimal(value)
    targets = [t for t in (as_decimal(target_min), as_decimal(target_upper)) if t is not None]
    if value is None or not targets or polarity == Polarity.CONTEXTUAL:
        return ""
    low, high = min(targets), max(targets)
    if polarity == Polarity.HIGHER_IS_BETTER:
        if value >= high:
            return Rag.GREEN.value
        return Rag.AMBER.value if value >= low else Rag.RED.value
    if polarity == Polarity.LOWER_IS_BETTER:
        if value <= low:
            return Rag.GREEN.value
        return Rag.AMBER.value if value <= high else Rag.RED.value
    if polarity == Polarity.CLOSE_TO_TARGET:
        if low <= value <= high:
            return Rag.GREEN.value
        tolerance = (high - low) / 2 if high > low else abs(high) * SINGLE_TARGET_TOLERANCE
        distance = low - value if value < low else value - high
        return Rag.AMBER.value if distance <= tolerance else Rag.RED.value
    return ""


def targets_for_year(*, targets_by_year: Mapping[int, Targets], financial_year: int) -> Targets:
    """Return (Min, Upper) for a financial year: its own, else the most recent year's that has any."""
    own = targets_by_year.get(financial_year, (None, None))
    if any(t is not None for t in own):
        return own
    for year in sorted(targets_by_year, reverse=True):
        if any(t is not None for t in targets_by_year[year]):
            return targets_by_year[year]
    return (None, None)


def targets_for_month(*, targets_by_year: Mapping[int, Targets], month: datetime.date) -> Targets:
    """Return (Min, Upper) that a month's value is read against (see targets_for_year)."""
    return targets_for_year(targets_by_year=targets_by_year, financial_year=financial_year_of(month))
