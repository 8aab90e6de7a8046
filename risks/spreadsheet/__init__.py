"""The risk register spreadsheet, laid out like the seeds, on the import base in core.importing.

columns.py (the headings and the field each fills), cells.py (one cell), rows.py (the rows and every
problem), messages.py (every sentence). The admin import, `import_risks` and the demo loader all
read through `parse_register`.
"""

from core.importing import FORMULA_TRIGGERS, Problem, escape_formula, unescape_formula
from risks.spreadsheet.cells import cell_text, name_key, parse_date_raised, whole_number
from risks.spreadsheet.columns import (
    COLUMN_OF_FIELD,
    COLUMNS,
    DATE_RAISED,
    DESCRIPTION,
    FIELD_OF_COLUMN,
    IMPACT,
    MITIGATION,
    OWNER,
    PROBABILITY,
    REF,
    SCORE,
    TYPE,
    canonical_heading,
    heading_key,
)
from risks.spreadsheet.rows import ParsedRegister, ParsedRow, parse_register

__all__ = [
    "COLUMNS",
    "COLUMN_OF_FIELD",
    "DATE_RAISED",
    "DESCRIPTION",
    "FIELD_OF_COLUMN",
    "FORMULA_TRIGGERS",
    "IMPACT",
    "MITIGATION",
    "OWNER",
    "PROBABILITY",
    "REF",
    "SCORE",
    "TYPE",
    "ParsedRegister",
    "ParsedRow",
    "Problem",
    "canonical_heading",
    "cell_text",
    "escape_formula",
    "heading_key",
    "name_key",
    "parse_date_raised",
    "parse_register",
    "unescape_formula",
    "whole_number",
]
