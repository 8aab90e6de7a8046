"""How a KPI table's target cells say what they hold: each of Min and Upper once, never one text twice."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TargetCell:
    text: str
    colspan: int = 1


def target_cells(*, target_min: str, target_upper: str, target_text: str) -> list[TargetCell]:
    """Return the cells under Min and Upper: one cell across both for a target given only in words ("TBC"),
    else Min and Upper with their figures and the words, if any, in the one without a figure."""
    if not target_min and not target_upper:
        return [TargetCell(target_text, colspan=2)] if target_text else [TargetCell(""), TargetCell("")]
    return [TargetCell(target_min or target_text), TargetCell(target_upper or target_text)]
