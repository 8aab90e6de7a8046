"""report.paper: a KPI table too wide for the page is cut into parts by financial year."""

from __future__ import annotations

import datetime

import pytest

from kpis.selectors import ThemeTable
from report.paper import kpi_table_parts
from tests.report.builders import months_to_may_2021


def _table(months: list[datetime.date], groups: list[tuple[str, int]]) -> ThemeTable:
    return ThemeTable(
        theme=None,
        months=months,
        month_groups=groups,
        benchmark_columns=[("national", "", "National")],
        prior_label="2019/20",
        final_label="Final 2020/21",
        year_to_date_label="Year to date 2021/22",
        current_year=2021,
    )


@pytest.mark.parametrize(
    ("count", "groups", "expected"),
    [
        pytest.param(11, [("2020/21", 9), ("2021/22", 2)], [11], id="the seed's 11 months: one table"),
        pytest.param(12, [("2020/21", 10), ("2021/22", 2)], [12], id="12 months: one table"),
        pytest.param(13, [("2020/21", 11), ("2021/22", 2)], [11, 2], id="13 months: by financial year"),
        pytest.param(24, [("2019/20", 10), ("2020/21", 12), ("2021/22", 2)], [10, 12, 2], id="24 months"),
        pytest.param(
            30, [("2018/19", 4), ("2019/20", 12), ("2020/21", 12), ("2021/22", 2)], [4, 12, 12, 2], id="30 months"
        ),
    ],
)
def test_months_are_cut_into_parts_of_whole_financial_years_of_at_most_twelve(count, groups, expected):
    months = months_to_may_2021(count)
    parts = kpi_table_parts(_table(months, groups))
    assert [len(part.months) for part in parts] == expected
    assert [month for part in parts for month in part.months] == months
    assert [sum(span for _, span in part.month_groups) for part in parts] == expected


def test_only_the_first_part_has_the_prior_year_and_only_the_last_the_columns_after_the_months():
    months = months_to_may_2021(24)
    parts = kpi_table_parts(_table(months, [("2019/20", 10), ("2020/21", 12), ("2021/22", 2)]))
    # ref, name, period and months; prior year on the first; final, YTD, targets, trend, benchmark, chart.
    assert [part.column_count for part in parts] == [3 + 10 + 1, 3 + 12, 3 + 2 + 7]
    assert [(part.part.is_first, part.part.is_last) for part in parts] == [(True, False), (False, False), (False, True)]
    assert parts[0].part.label == (
        "part 1 of 3: June 2019 to March 2020 (outturns, targets, trend and benchmarks in part 3)"
    )


def test_a_table_that_fits_is_one_part_with_every_column():
    months = months_to_may_2021(11)
    table = _table(months, [("2020/21", 9), ("2021/22", 2)])
    [part] = kpi_table_parts(table)
    assert part.column_count == table.column_count
    assert (part.part.is_first, part.part.is_last) == (True, True)
