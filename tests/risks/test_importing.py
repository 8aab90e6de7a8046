"""The register reader shared by the admin import, the command and the demo loader."""

import datetime

import pytest

from risks import spreadsheet
from risks.models import DatePrecision

HEADERS = list(spreadsheet.COLUMNS)
GOOD = [1, "Risk", "If x, then y.", "Oversight.", "January 2020", "Nancy Meehan", 4, 5, 20]


@pytest.fixture
def owners():
    return {"nancy meehan": ["nancy"], "sro": ["nancy"], "becky thompson": ["becky-1", "becky-2"]}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("January 2020", (datetime.date(2020, 1, 1), DatePrecision.MONTH), id="seed month"),
        pytest.param("  november   2020 ", (datetime.date(2020, 11, 1), DatePrecision.MONTH), id="spaces and case"),
        pytest.param("Oct 2020", (datetime.date(2020, 10, 1), DatePrecision.MONTH), id="short month"),
        pytest.param("13/07/21", (datetime.date(2021, 7, 13), DatePrecision.DAY), id="seed report date"),
        pytest.param("13/07/2021", (datetime.date(2021, 7, 13), DatePrecision.DAY), id="four-digit year"),
        pytest.param("2021-07-13", (datetime.date(2021, 7, 13), DatePrecision.DAY), id="ISO"),
        pytest.param(datetime.datetime(2021, 7, 13), (datetime.date(2021, 7, 13), DatePrecision.DAY), id="xlsx"),
    ],
)
def test_readable_dates(cell, expected):
    assert spreadsheet.parse_date_raised(cell) == expected


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param("Januray 2020", id="misspelt month"),
        pytest.param("13/13/21", id="month 13"),
        pytest.param("07/13/21", id="American order"),
        pytest.param("soon", id="words"),
        pytest.param("2020", id="year alone"),
    ],
)
def test_unreadable_dates(cell):
    with pytest.raises(ValueError, match="not a date we can read"):
        spreadsheet.parse_date_raised(cell)


def test_a_good_row_is_read_into_model_values(owners):
    parsed = spreadsheet.parse_register(HEADERS, [GOOD], owners=owners)
    assert parsed.problems == []
    assert parsed.rows[0].values == {
        "ref": 1,
        "type": "risk",
        "description": "If x, then y.",
        "mitigation": "Oversight.",
        "date_raised": datetime.date(2020, 1, 1),
        "date_raised_precision": "month",
        "owner": "nancy",
        "probability": 4,
        "impact": 5,
    }


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        pytest.param("Risk Score", 21, "The score 21 is not probability 4 × impact 5 = 20", id="score disagrees"),
        pytest.param("Risk Score", "high", "“high” is not a number", id="score not a number"),
        pytest.param("Probability", 6, "“6” is not a whole number from 1 to 5", id="probability 6"),
        pytest.param("Probability", 0, "“0” is not a whole number from 1 to 5", id="probability 0"),
        pytest.param("Impact", 2.5, "“2.5” is not a whole number from 1 to 5", id="impact fraction"),
        pytest.param("Impact", "", "This cell is empty", id="impact empty"),
        pytest.param("Owner", "Karen Ogle", "No user is called “Karen Ogle”", id="unknown owner"),
        pytest.param("Owner", "Becky Thompson", "More than one user is called “Becky Thompson”", id="ambiguous owner"),
        pytest.param("Date Raised", "Januray 2020", "“Januray 2020” is not a date we can read", id="date unreadable"),
        pytest.param("Issue / Risk", "Threat", "“Threat” is neither Risk nor Issue", id="type unknown"),
        pytest.param("Ref", "R1", "“R1” is not a reference number", id="ref not a number"),
        pytest.param("Description", "  ", "This cell is empty", id="description empty"),
    ],
)
def test_each_problem_is_reported_by_row_and_column(owners, column, value, message):
    second = [2, *GOOD[1:]]
    row = [value if heading == column else cell for heading, cell in zip(HEADERS, second, strict=True)]
    parsed = spreadsheet.parse_register(HEADERS, [GOOD, row], owners=owners)
    assert [(p.row, p.column) for p in parsed.problems] == [(3, column)]
    assert message in str(parsed.problems[0])
    assert str(parsed.problems[0]).startswith(f"Row 3, column “{column}”: ")


def test_every_problem_in_a_file_is_listed(owners):
    bad = [2, "Risk", "If a, then b.", "", "sometime", "Nobody", 7, 5, 35]
    repeated = [1, "Issue", "If c, then d.", "", "13/07/21", "sro", 2, 2, 4]
    parsed = spreadsheet.parse_register(HEADERS, [GOOD, bad, repeated], owners=owners)
    assert [(p.row, p.column) for p in parsed.problems] == [
        (3, "Date Raised"),
        (3, "Owner"),
        (3, "Probability"),
        (4, "Ref"),
    ]


def test_missing_columns_are_one_problem_naming_them(owners):
    headers = [h for h in HEADERS if h not in ("Impact", "Owner")]
    parsed = spreadsheet.parse_register(headers, [], owners=owners)
    assert len(parsed.problems) == 1
    assert "“Owner”, “Impact”" in str(parsed.problems[0])


def test_headings_match_ignoring_case_and_spacing_and_blank_rows_are_ignored(owners):
    headers = [h.lower().replace(" / ", "/") for h in HEADERS]
    parsed = spreadsheet.parse_register(headers, [GOOD, [None] * 9, ["", " "]], owners=owners)
    assert parsed.problems == []
    assert [row.blank for row in parsed.rows] == [False, True, True]


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        pytest.param('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")', id="equals"),
        pytest.param("+1", "'+1", id="plus"),
        pytest.param("-1", "'-1", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\tcmd", "'\tcmd", id="tab"),
        pytest.param("\rcmd", "'\rcmd", id="carriage return"),
        pytest.param("If x, then y.", "If x, then y.", id="plain text unchanged"),
        pytest.param(20, 20, id="numbers unchanged"),
    ],
)
def test_formula_cells_are_escaped_and_unescaped(value, escaped):
    assert spreadsheet.escape_formula(value) == escaped
    assert spreadsheet.unescape_formula(escaped) == value
