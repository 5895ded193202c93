"""Find what an unnamed column holds from its values: the body, dates, 索引号,
places, or paths of text files (an index of documents kept beside it)."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from documents.gazetteer import default_gazetteer
from documents.ingest.dates import DATE_PATTERN, find_date

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SENTENCE = re.compile(r"[。；！？]")
# 索引号 forms: 11320583014160001X/2021-00008, 007519498/2022-00015,
# PZ00101-2500-2016-00006, LH331082-074: letters and digits in runs joined by
# - or /, with enough digits to be a code rather than a word.
_INDEX_SHAPE = re.compile(r"^[A-Za-z0-9]+(?:[-/／_][A-Za-z0-9]+)+$")
# …but not telephone numbers (0572-8421234, 0571-87654321-8001).
_PHONE = re.compile(r"^(?:0\d{2,3}-)?\d{7,8}(?:-\d{1,5})?$")
# Relative paths of text documents, as index files write them.
DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".shtml", ".xhtml")
_PATH_SHAPE = re.compile(
    r"^[^\n\r\t<>|\"*?]{1,400}(?:"
    + "|".join(re.escape(s) for s in DOCUMENT_SUFFIXES)
    + r")$",
    re.IGNORECASE,
)
# A share of a column's values that must agree before a meaning is taken from them.
_AGREE = 0.8
# A body is running text: a median of at least this many characters, and clearly
# longer than any other column of text.
_MIN_BODY_MEDIAN = 40
_CLEARLY_LONGER = 1.5


@dataclass
class ColumnRoles:
    """Meanings found from the values of columns whose names said nothing."""

    body: str | None = None
    # key -> field (doc_date, publish_date, index_no)
    fields: dict[str, str] = field(default_factory=dict)
    # key -> region level (province, city, county, township)
    places: dict[str, str] = field(default_factory=dict)
    # A column of relative paths to text files: the rows index documents.
    reference: str | None = None

    def notes(self) -> list[str]:
        parts = []
        if self.body:
            parts.append(f"正文（{self.body}）")
        parts += [f"{_FIELD_NAMES[f]}（{k}）" for k, f in self.fields.items()]
        parts += [f"地名（{k}）" for k in self.places]
        return ["按内容识别的列：" + "、".join(parts)] if parts else []


_FIELD_NAMES = {
    "doc_date": "成文日期",
    "publish_date": "发布日期",
    "index_no": "索引号",
}


def is_document_path(value: str) -> bool:
    """A value that names a text file (docs/规划与土地/xxx.md), not a URL."""
    value = value.strip()
    return bool(_PATH_SHAPE.match(value)) and "://" not in value


def is_date_value(value: str) -> bool:
    """The whole value is a date (a time or zone may follow), nothing else."""
    value = value.strip()
    match = DATE_PATTERN.match(value)
    return (
        match is not None
        and len(value) - match.end() <= 6
        and find_date(value) is not None
    )


def is_index_no_value(value: str) -> bool:
    value = value.strip()
    if not 6 <= len(value) <= 64 or not _INDEX_SHAPE.match(value):
        return False
    if _PHONE.match(value):
        return False
    return sum(ch.isdigit() for ch in value) >= 6 and not is_date_value(value)


def place_level(value: str) -> str | None:
    """The level of the gazetteer's places with this exact name, if one level."""
    gazetteer = default_gazetteer()
    name = value.strip()
    if not 2 <= len(name) <= 20:
        return None
    places = gazetteer.find(name) or gazetteer.find_short(name)
    if not places:
        places = gazetteer.find_townships(name)
    levels = {place.level for place in places}
    return levels.pop() if len(levels) == 1 else None


def infer_roles(
    rows: Iterable[Mapping[str, str]], unknown: Iterable[str], *, taken: set[str]
) -> ColumnRoles:
    """Meanings of the ``unknown`` keys from their values in ``rows``.

    ``taken`` holds the fields (and "body") that named columns already give, so
    that a content guess never competes with a label.
    """
    values: dict[str, list[str]] = {key: [] for key in unknown}
    for row in rows:
        for key in values:
            value = row.get(key)
            if isinstance(value, str) and value.strip():
                values[key].append(value.strip())
    roles = ColumnRoles()
    text_lengths: dict[str, float] = {}
    dates: list[tuple[str, float]] = []
    for key, found in values.items():
        if not found:
            continue
        if _share(found, is_document_path) >= _AGREE:
            roles.reference = roles.reference or key
            continue
        if _share(found, is_date_value) >= _AGREE:
            ordinals = [d.date.toordinal() for v in found if (d := find_date(v))]
            dates.append((key, statistics.median(ordinals)))
            continue
        if _share(found, is_index_no_value) >= _AGREE:
            if "index_no" not in taken and "index_no" not in roles.fields.values():
                roles.fields[key] = "index_no"
            continue
        levels = Counter(place_level(v) for v in found)
        level, count = levels.most_common(1)[0]
        if level is not None and count / len(found) >= _AGREE:
            roles.places[key] = level
            continue
        if _share(found, lambda v: len(_CJK.findall(v)) >= 0.3 * len(v)) >= 0.5:
            text_lengths[key] = statistics.median(len(v) for v in found)
    _date_roles(roles, dates, taken)
    if "body" not in taken:
        roles.body = _body_column(text_lengths)
    return roles


def _share(found: list[str], test: Callable[[str], bool]) -> float:
    return sum(1 for v in found if test(v)) / len(found)


def _date_roles(
    roles: ColumnRoles, dates: list[tuple[str, float]], taken: set[str]
) -> None:
    """Two date columns: the earlier is 成文日期, the later 发布日期 (a text is
    written before it is published); one alone is most often the publish date."""
    free = [f for f in ("doc_date", "publish_date") if f not in taken]
    if not free or not dates:
        return
    dates = sorted(dates, key=lambda item: item[1])
    if len(free) == 2 and len(dates) >= 2:
        roles.fields[dates[0][0]] = "doc_date"
        roles.fields[dates[-1][0]] = "publish_date"
    else:
        roles.fields[dates[-1][0]] = free[-1]


def _body_column(lengths: dict[str, float]) -> str | None:
    ranked = sorted(lengths.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < _MIN_BODY_MEDIAN:
        return None
    if len(ranked) > 1 and ranked[0][1] < _CLEARLY_LONGER * ranked[1][1]:
        return None
    return ranked[0][0]
