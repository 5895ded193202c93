"""Division codes inside index numbers (索引号) and stated code columns."""

from __future__ import annotations

import re

from documents.gazetteer.loader import (
    CITY,
    COUNTY,
    Gazetteer,
    Place,
    default_gazetteer,
)

# Unified social credit codes (GB 32100-2015): 18 characters with a check digit, and
# characters 3-8 the registering authority's division code.
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE = re.compile(rf"^[{_CREDIT_CHARS}]{{18}}$")
# Sites also publish codes whose check digit does not verify (typed by hand). Such
# a code is still read when its structure is an organ's: a registering authority
# (1 机构编制, 5 民政, 9 工商, A, N, Y), an organ type (1 机关, 2 事业单位, 3 群团,
# 9 other), then six digits that the gazetteer knows as a division.
_CREDIT_STRUCTURE = re.compile(r"^[1-9ANY][1239](\d{6})")
# Site-specific index numbers that lead with a code: LH331082-074, ZZ330282-001.
_LETTERS_CODE = re.compile(r"^[A-Za-z]{1,6}(\d{6})(?:[-_.]|$)")
_BARE_CODE = re.compile(r"^(\d{6})(?:[-_.]|$)")


def index_division(
    index_no: str | None, gazetteer: Gazetteer | None = None
) -> Place | None:
    """The county, city or province whose code an index number carries, if any."""
    if not index_no:
        return None
    gz = gazetteer if gazetteer is not None else default_gazetteer()
    head = re.split(r"[/／]", index_no.strip(), maxsplit=1)[0].strip()
    code = None
    if _CREDIT_CODE.match(head) and _CREDIT_STRUCTURE.match(head):
        code = head[2:8]
    else:
        match = _LETTERS_CODE.match(head) or _BARE_CODE.match(head)
        if match:
            code = match.group(1)
    return _six_digit_place(code, gz) if code else None


def credit_code_verifies(index_no: str | None) -> bool:
    """True when the index number starts with a credit code whose check digit holds."""
    head = re.split(r"[/／]", (index_no or "").strip(), maxsplit=1)[0].strip()
    return bool(_CREDIT_CODE.match(head)) and _credit_check_ok(head)


def division_for_code(code: str, gazetteer: Gazetteer | None = None) -> Place | None:
    """The place for a stated code, padded (330282000000) or not (330282121)."""
    gz = gazetteer if gazetteer is not None else default_gazetteer()
    code = code.strip()
    if not code.isdigit():
        return None
    # Statistical codes pad every level with zeros to 12 digits.
    for length in (12, 9, 6, 4, 2):
        if len(code) >= length and not code[length:].strip("0"):
            # A code that has since gone (a county made a district) means its
            # successor.
            place = gz.current_for(code[:length])
            if place is not None:
                # 1101 (北京市市辖区) means the municipality itself.
                return gz.get(code[:2]) if place.is_pseudo else place
    return None


def _credit_check_ok(code: str) -> bool:
    total = sum(
        _CREDIT_CHARS.index(char) * weight
        for char, weight in zip(code[:17], _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def _six_digit_place(code: str, gz: Gazetteer) -> Place | None:
    place = gz.get(code)
    if place is not None and place.level == COUNTY:
        return place
    if place is None and not code.endswith("00"):
        # Credit codes keep the county of their registration year: 350427 (沙县)
        # is 沙县区 now, or the city that absorbed a county.
        place = gz.current_for(code)
        if place is not None and place.level in (COUNTY, CITY):
            return place
    if code.endswith("0000"):
        return gz.get(code[:2])
    if code.endswith("00"):
        city = gz.get(code[:4])
        if city is not None:
            # 110100 is Beijing's 市辖区: the municipality is what it means.
            return gz.get(code[:2]) if city.is_pseudo else city
    return None


def is_credit_code(index_no: str | None) -> bool:
    """True when the index number starts with an 18-character credit code."""
    return bool(_CREDIT_CODE.match(_head(index_no)))


def _head(index_no: str | None) -> str:
    return re.split(r"[/／]", (index_no or "").strip(), maxsplit=1)[0].strip()
