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
