"""Find and parse the date forms Chinese government pages use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from dateutil import parser as date_parser

# 2021-01-27, 2021/1/27, 2021.01.27, 2021年1月27日, with an optional 11:08[:00].
DATE_PATTERN = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*"
    r"(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<time>\d{1,2}[:：]\d{2}(?:[:：]\d{2})?))?"
)

# A document of the PRC's governments is dated from 1949 on and not in the future;
# a date outside that range is a typo or a scraping error, not a date to keep.
EARLIEST = date(1949, 1, 1)
_FUTURE_SLACK = timedelta(days=366)


def plausible(value: date) -> bool:
    """True for a date a document can carry."""
    return EARLIEST <= value <= date.today() + _FUTURE_SLACK


@dataclass(frozen=True)
class ParsedDate:
    date: date
    time: time | None = None


def find_date(text: str) -> ParsedDate | None:
    """Return the first valid, plausible date in ``text``, or None."""
    for match in DATE_PATTERN.finditer(text or ""):
        parsed = _parse_match(match)
        if parsed is not None:
            return parsed
    return None


def _parse_match(match: re.Match[str]) -> ParsedDate | None:
    iso = f"{match['y']}-{int(match['m']):02d}-{int(match['d']):02d}"
    raw_time = (match["time"] or "").replace("：", ":")
    try:
        # dateutil validates the calendar (no 2021-02-30) and the clock.
        value = date_parser.isoparse(f"{iso}T{raw_time}" if raw_time else iso)
    except ValueError:
        return None
    if not plausible(value.date()):
        return None
    return ParsedDate(value.date(), value.time() if raw_time else None)


# 二〇二三年一月十日 (signature blocks): year digits one by one, month and day as
# numbers written out (十, 二十一, 廿一).
_CN_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "0": 0,
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_YEAR = "〇○零Ｏ0一二三四五六七八九"
_CN_NUMBER = "一二三四五六七八九十廿"
CHINESE_DATE_PATTERN = re.compile(
    rf"(?P<y>[{_CN_YEAR}]{{4}})\s*年\s*(?P<m>[{_CN_NUMBER}]{{1,3}})\s*月\s*"
    rf"(?P<d>[{_CN_NUMBER}]{{1,3}})\s*日"
)


def _cn_number(text: str) -> int | None:
    """一 → 1, 十 → 10, 十二 → 12, 二十一 → 21, 廿一 → 21."""
    text = text.replace("廿", "二十")
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    high = _CN_DIGITS.get(tens, 0) if tens else 1
    low = _CN_DIGITS.get(units, 0) if units else 0
    if (tens and tens not in _CN_DIGITS) or (units and units not in _CN_DIGITS):
        return None
    return high * 10 + low


def find_chinese_date(text: str) -> date | None:
    """The first plausible date written in Chinese numerals (二〇二三年一月十日)."""
    for match in CHINESE_DATE_PATTERN.finditer(text or ""):
        year = int("".join(str(_CN_DIGITS[c]) for c in match["y"]))
        month, day = _cn_number(match["m"]), _cn_number(match["d"])
        if month is None or day is None:
            continue
        try:
            value = date(year, month, day)
        except ValueError:
            continue
        if plausible(value):
            return value
    return None


def find_any_date(text: str) -> date | None:
    """A date in Arabic or in Chinese numerals, whichever comes first."""
    arabic = DATE_PATTERN.search(text or "")
    chinese = CHINESE_DATE_PATTERN.search(text or "")
    if chinese is not None and (arabic is None or chinese.start() < arabic.start()):
        return find_chinese_date(text) or _date_of(find_date(text))
    return _date_of(find_date(text)) or find_chinese_date(text)


def _date_of(parsed: ParsedDate | None) -> date | None:
    return parsed.date if parsed is not None else None
