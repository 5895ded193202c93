"""Date parsing: every form the pages use, and impossible dates."""

from datetime import date, time

import pytest

from documents.ingest.dates import find_date


@pytest.mark.parametrize(
    ("text", "expected_date", "expected_time"),
    [
        ("2021-01-27", date(2021, 1, 27), None),
        ("2023-06-16 11:08", date(2023, 6, 16), time(11, 8)),
        ("2021年1月27日", date(2021, 1, 27), None),
        ("2021/1/27", date(2021, 1, 27), None),
        ("2021.01.27", date(2021, 1, 27), None),
        ("日期:2020-02-26 10:48 来源", date(2020, 2, 26), time(10, 48)),
        ("2016-02-06 10:00:30", date(2016, 2, 6), time(10, 0, 30)),
        ("2021 年 1 月 7 日", date(2021, 1, 7), None),
    ],
)
def test_parses_date_forms(
    text: str, expected_date: date, expected_time: time | None
) -> None:
    parsed = find_date(text)
    assert parsed is not None
    assert parsed.date == expected_date
    assert parsed.time == expected_time


@pytest.mark.parametrize("text", ["2021-02-30", "2021-13-01", "", "无", "20210127"])
def test_impossible_or_missing_dates_give_none(text: str) -> None:
    assert find_date(text) is None


def test_skips_an_impossible_date_for_a_later_valid_one() -> None:
    parsed = find_date("2021-02-30 或 2021-03-01")
    assert parsed is not None and parsed.date == date(2021, 3, 1)
