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
# Read where present (registers from before have none of them), written by the export.
CATEGORY = "Category"
TREATMENT = "Treatment"
INHERENT_PROBABILITY = "Inherent Probability"
INHERENT_IMPACT = "Inherent Impact"
INHERENT_SCORE = "Inherent Score"
TARGET_PROBABILITY = "Target Probability"
TARGET_IMPACT = "Target Impact"
TARGET_SCORE = "Target Score"
OPTIONAL_COLUMNS = (
    CATEGORY,
    TREATMENT,
    INHERENT_PROBABILITY,
    INHERENT_IMPACT,
    INHERENT_SCORE,
    TARGET_PROBABILITY,
    TARGET_IMPACT,
    TARGET_SCORE,
)
# Written by the export for the reader, never read back: set in the app (status, review, controls,
# links) or by the plan (appetite).
STATUS = "Status"
APPETITE = "Appetite"
LAST_REVIEWED = "Last Reviewed"
NEXT_REVIEW = "Next Review"
CONTROLS = "Controls"
THEMES = "Themes"
KEY_ACTIONS = "Key Actions"
EXPORT_ONLY_COLUMNS = (STATUS, APPETITE, LAST_REVIEWED, NEXT_REVIEW, CONTROLS, THEMES, KEY_ACTIONS)
EXPORT_COLUMNS = COLUMNS + OPTIONAL_COLUMNS + EXPORT_ONLY_COLUMNS
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
    CATEGORY: "category",
    TREATMENT: "treatment",
    INHERENT_PROBABILITY: "inherent_probability",
    INHERENT_IMPACT: "inherent_impact",
    TARGET_PROBABILITY: "target_probability",
    TARGET_IMPACT: "target_impact",
}
COLUMN_OF_FIELD = {name: column for column, name in FIELD_OF_COLUMN.items()} | {
    "date_raised_precision": DATE_RAISED,
    "score": SCORE,
    "inherent_score": INHERENT_SCORE,
    "target_score": TARGET_SCORE,
}


def heading_key(heading) -> str:
    """Return a heading normalised for matching (case and spacing ignored)."""
    return re.sub(r"\s+", "", cell_text(heading)).lower()


def canonical_heading(heading) -> str:
    """Return the register's own spelling of a heading ('issue/risk' -> 'Issue / Risk'), else it unchanged."""
    by_key = {heading_key(column): column for column in COLUMNS + OPTIONAL_COLUMNS}
    return by_key.get(heading_key(heading), heading)
