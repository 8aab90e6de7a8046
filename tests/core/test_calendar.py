import datetime

import pytest

from core.calendar import FinancialQuarter, end_of_day, financial_year_label, financial_year_of, quarter_of


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(datetime.date(2021, 4, 1), FinancialQuarter(2021, 1), id="1 April starts Q1"),
        pytest.param(datetime.date(2021, 6, 30), FinancialQuarter(2021, 1), id="30 June ends Q1"),
        pytest.param(datetime.date(2021, 7, 13), FinancialQuarter(2021, 2), id="the seed report's date is Q2"),
        pytest.param(datetime.date(2022, 1, 1), FinancialQuarter(2021, 4), id="January is Q4 of the year before"),
        pytest.param(datetime.date(2022, 3, 31), FinancialQuarter(2021, 4), id="31 March ends the year"),
    ],
)
def test_quarter_of_a_day(day, expected):
    assert FinancialQuarter.of(day) == expected
    assert (financial_year_of(day), quarter_of(day)) == (expected.financial_year, expected.quarter)


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        (FinancialQuarter(2021, 1), datetime.date(2021, 4, 1), datetime.date(2021, 6, 30)),
        (FinancialQuarter(2021, 3), datetime.date(2021, 10, 1), datetime.date(2021, 12, 31)),
        (FinancialQuarter(2021, 4), datetime.date(2022, 1, 1), datetime.date(2022, 3, 31)),
        (FinancialQuarter(2023, 4), datetime.date(2024, 1, 1), datetime.date(2024, 3, 31)),
    ],
)
def test_first_and_last_day(quarter, first, last):
    assert (quarter.first_day, quarter.last_day) == (first, last)
    assert FinancialQuarter.of(quarter.first_day) == FinancialQuarter.of(quarter.last_day) == quarter


def test_previous_quarter_crosses_the_financial_year_and_labels_read_as_the_council_writes_them():
    assert FinancialQuarter(2021, 1).previous == FinancialQuarter(2020, 4)
    assert FinancialQuarter(2021, 3).previous == FinancialQuarter(2021, 2)
    assert FinancialQuarter(2021, 1).label == "Q1 2021/22"
    assert financial_year_label(1999) == "1999/00"
    assert sorted([FinancialQuarter(2021, 2), FinancialQuarter(2020, 4)]) == [
        FinancialQuarter(2020, 4),
        FinancialQuarter(2021, 2),
    ]


def test_end_of_day_is_the_last_instant_in_london():
    end = end_of_day(datetime.date(2021, 7, 13))
    assert end.tzinfo is not None
    assert end.astimezone(datetime.UTC) == datetime.datetime(2021, 7, 13, 22, 59, 59, 999999, tzinfo=datetime.UTC)
