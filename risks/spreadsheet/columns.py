"""The register's columns as the seeds lay them out, and the model field each fills."""

from __future__ import annotations

import re

from risks.spreadsheet.cells import cell_text

REF = "Ref"
TYPE = "Issue / Risk"
DESCRIPTION = "Description"
MITIGATION = "Mitigation / Resolution"
DATE_RAISED = "Date Raised"
OWNER = "Owner"
PROBABILITY = "Probability"
IMPACT = "Impact"
SCORE = "Risk Score"
COLUMNS = (REF, TYPE, DESCRIPTION, MITIGATION, DATE_RAISED, OWNER, PROBABILITY, IMPACT, SCORE)
# Which model field each column fills (Risk Score fills none: it is checked, never stored).
FIELD_OF_COLUMN = {
    REF: "ref",
    TYPE: "type",
    DESCRIPTION: "description",
    MITIGATION: "mitigation",
    DATE_RAISED: "date_raised",
    OWNER: "owner",
    PROBABILITY: "probability",
    IMPACT: "impact",
}
COLUMN_OF_FIELD = {name: column for column, name in FIELD_OF_COLUMN.items()} | {
    "date_raised_precision": DATE_RAISED,
    "score": SCORE,
}


def heading_key(heading) -> str:
    """Return a heading normalised for matching (case and spacing ignored)."""
    return re.sub(r"\s+", "", cell_text(heading)).lower()


def canonical_heading(heading) -> str:
    """Return the register's own spelling of a heading ('issue/risk' -> 'Issue / Risk'), else it unchanged."""
    by_key = {heading_key(column): column for column in COLUMNS}
    return by_key.get(heading_key(heading), heading)
