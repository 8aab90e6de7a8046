"""Fixtures and file builders for the KPI import and export tests (imported by the test modules)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from kpis.models import Measure, PeriodType, Polarity, Unit
from tests.factories import PlanFactory, ThemeFactory

# The seed's first KPI table (theme one, placement stability), as the performance team lays it out.
MONTHS = ["Jul 20", "Aug 20", "Sep 20", "Oct 20", "Nov 20", "Dec 20", "Jan 21", "Feb 21", "Mar 21"]


@pytest.fixture
def cache_table(db):
    """The database cache django-import-export's CacheStorage keeps uploads in between requests."""
    call_command("createcachetable", verbosity=0)


@pytest.fixture
def plan(db):
    return PlanFactory(title="Children's services improvement plan", slug="improvement-plan")


@pytest.fixture
def measures(plan):
    """Measures from the seed's KPI tables, one of each unit the import treats differently."""
    theme = ThemeFactory(plan=plan, number=1, title="Leadership, Management and Governance")
    specs = [
        ("1.1", "% with 3 or more placements", Unit.PERCENTAGE, 1, Polarity.LOWER_IS_BETTER, PeriodType.SNAPSHOT),
        ("1.4", "Number of children going missing during period", Unit.COUNT, 0, Polarity.CONTEXTUAL, "ytd"),
        ("2.4", "No of referrals in period", Unit.COUNT, 0, Polarity.CONTEXTUAL, PeriodType.YEAR_TO_DATE),
        ("2.31", "Average time (days) between court authority and match", Unit.DAYS, 0, Polarity.LOWER_IS_BETTER, ""),
    ]
    return {
        ref: Measure.objects.create(
            plan=plan,
            theme=theme,
            ref=ref,
            title=title,
            section="Placement Stability",
            order=order,
            unit=unit,
            decimals=decimals,
            polarity=polarity,
            period_type=period,
        )
        for order, (ref, title, unit, decimals, polarity, period) in enumerate(specs)
    }


def seed_rows() -> list[list]:
    """Return the rows of a hand-made KPI sheet: title lines, group row, header, sections, footnotes."""
    return [
        ["Torbay Children's Services: performance report"],
        ["Data to end of March 2021"],
        [],
        ["", "", "", "", "2020/21", *[""] * 8, "Final 2020/21", "Current Year to Date", "Target", "", "Trend"]
        + ["Benchmarking", ""],
        ["Ref", "Performance Measure", "2019/20", "Period", *MONTHS, "", "", "Min", "Upper", "", "National"]
        + ["Stat Neighbour to 2021"],
        ["Placement Stability"],
        ["1.1", "% with 3 or more placements", "15.4%", "Snapshot", "9.6%", "5.8%", "4.3%", "9.8%", "10.1%"]
        + ["9.6%", "11.9%", "11.4%", "10.6%", "10.6%", "13.0%", "TBC", "TBC", "↑", "11.0%", "11.8%"],
        ["1.4", "Number of children going missing during period", "216", "YTD", "25", "23", "37", "20", "24"]
        + ["23", "21", "19", "23", "154", "48", "", "", "↑", "n/a", "n/a"],
        [],
        ["Referrals"],
        ["2.4", "No of referrals in period", "1919 / 731*", "YTD", "198", "168", "165", "161", "187", "158"]
        + ["164", "176", "254", "2238 / 876*", "336 / 789*", "n/a", "n/a", "↑", "535*", "795*"],
        ["2.31", "Average time (days) between court authority and match", "168", "YTD"]
        + ["No adoptions this month so n/a", "No adoptions this month so n/a", "391", "322", "296", "134"]
        + ["No adoptions this month so n/a", "412", "No adoptions this month so n/a", "302", "341", "180", "140"]
        + ["↓", "n/a", "n/a"],
        [],
        ["* Rate per 10,000 population aged 0 to 17"],
    ]


def as_csv(rows: list[list], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    """Return the rows as CSV bytes, as Excel saves them."""
    output = io.StringIO()
    writer = csv.writer(output, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return output.getvalue().encode(encoding)


def as_xlsx(rows: list[list], *, percent_as_fraction: bool = True, merge_groups: bool = True) -> bytes:
    """Return the rows as a workbook made by hand in Excel: numbers as numbers, percentages as fractions
    in %-formatted cells, the group row's labels merged over their columns."""
    workbook = Workbook()
    sheet = workbook.active
    for row_number, row in enumerate(rows, start=1):
        for col_number, value in enumerate(row, start=1):
            if value in ("", None):
                continue
            cell = sheet.cell(row=row_number, column=col_number)
            if isinstance(value, str) and row_number > 5 and col_number > 2:
                text = value.strip()
                if text.endswith("%") and _is_number(text[:-1]) and percent_as_fraction:
                    cell.value = float(text[:-1]) / 100
                    cell.number_format = "0.0%"
                    continue
                if _is_number(text):
                    cell.value = float(text) if "." in text else int(text)
                    continue
            cell.value = value
    if merge_groups:
        sheet.merge_cells("E4:M4")
        sheet.merge_cells("P4:Q4")
        sheet.merge_cells("S4:T4")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def zip_bomb(unpacked_bytes: int) -> bytes:
    """Return a small .xlsx-named zip whose one member inflates to `unpacked_bytes` of zeros."""
    import zipfile

    output = io.BytesIO()
    with (
        zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (1 << 20)
        for _ in range(unpacked_bytes // len(chunk) + 1):
            member.write(chunk)
    return output.getvalue()


def too_many_rows(count: int) -> bytes:
    """Return a CSV with a header and `count` measure rows."""
    lines = ["Ref,Performance Measure,Jul 20"] + [f"1.1,x,{n}" for n in range(count)]
    return ("\r\n".join(lines) + "\r\n").encode()
