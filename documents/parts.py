"""A long text cut into parts that one page can show, and links into them.

A maximum-size document (5 MiB) shown whole with a query such as 的 costs
seconds and megabytes for every reader who opens it. Its page therefore shows
one part at a time: at most PLANSITE_DOCUMENT_PART_CHARS characters and
PLANSITE_DOCUMENT_PART_MARKS highlighted hits, cut at a paragraph break. Hits
are numbered through the whole text (id="hit-N" on whichever part holds hit
N), so a link to hit N names the part that holds it; hit_url() builds every
such link, for the document page, KWIC and the API alike.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.utils.http import urlencode
from django.utils.translation import gettext as _

Spans = Sequence[tuple[int, int]]

# A paragraph longer than a part is cut after a sentence, if it has one.
_SENTENCE_END = re.compile(r"[。！？!?；;]")
# More digits than this is no part number a page can have.
_MAX_DIGITS = 9


@dataclass(frozen=True, slots=True)
class Part:
    """``text[start:end]``; its hits are numbered first_hit .. first_hit+hits-1."""

    number: int
    start: int
    end: int
    first_hit: int
    hits: int

    @property
    def last_hit(self) -> int:
        return self.first_hit + self.hits - 1


@dataclass(frozen=True)
class Parts:
    parts: tuple[Part, ...]
    total_hits: int

    @property
    def paged(self) -> bool:
        return len(self.parts) > 1

    def __len__(self) -> int:
        return len(self.parts)

    def get(self, number: int) -> Part:
        """Part ``number`` (1-based)."""
        return self.parts[number - 1]

    @cached_property
    def _firsts(self) -> list[int]:
        return [part.first_hit for part in self.parts]

    @cached_property
    def _starts(self) -> list[int]:
        return [part.start for part in self.parts]

    def of_hit(self, hit: int) -> Part:
        """The part holding hit number ``hit`` (1-based)."""
        index = max(0, bisect_right(self._firsts, hit) - 1)
        # Parts without hits share their first_hit with the next part.
        while index > 0 and self.parts[index].hits == 0:
            index -= 1
        return self.parts[index]

    def of_offset(self, offset: int) -> Part:
        """The part holding character ``offset`` of the text."""
        return self.parts[max(0, bisect_right(self._starts, offset) - 1)]

    def next_with_hits(self, part: Part, step: int) -> Part | None:
        """The nearest other part with hits after (step 1) or before (step -1)
        ``part``, going round the ends; None when no other part has any."""
        count = len(self.parts)
        for distance in range(1, count):
            candidate = self.parts[(part.number - 1 + step * distance) % count]
            if candidate.hits:
                return candidate
        return None


def split_parts(text: str, spans: Spans, *, max_chars: int, max_marks: int) -> Parts:
    """Cut ``text`` into parts of at most ``max_chars`` characters and
    ``max_marks`` of the hit ``spans`` (sorted, not overlapping).

    A part ends at a line break, which belongs to no part; a paragraph longer
    than a part is cut after a sentence, else anywhere. A cut never falls
    inside a hit. A text within both limits is one part.
    """
    starts = [start for start, _end in spans]
    max_chars = max(1, max_chars)
    max_marks = max(1, max_marks)
    bounds: list[tuple[int, int]] = []
    start = 0
    while True:
        limit = min(len(text), start + max_chars)
        first = bisect_left(starts, start)
        if first + max_marks < len(starts):
            limit = min(limit, starts[first + max_marks])
        if limit >= len(text):
            bounds.append((start, len(text)))
            break
        end, following = _cut(text, start, limit, spans, starts)
        bounds.append((start, end))
        start = following
    parts = []
    for number, (start, end) in enumerate(bounds, start=1):
        before = bisect_left(starts, start)
        parts.append(
            Part(
                number=number,
                start=start,
                end=end,
                first_hit=before + 1,
                hits=bisect_left(starts, end) - before,
            )
        )
    return Parts(parts=tuple(parts), total_hits=len(spans))


def _inside(position: int, spans: Spans, starts: list[int]) -> tuple[int, int] | None:
    index = bisect_left(starts, position)
    if index and spans[index - 1][0] < position < spans[index - 1][1]:
        return spans[index - 1]
    return None


def _cut(
    text: str, start: int, limit: int, spans: Spans, starts: list[int]
) -> tuple[int, int]:
    """(end of this part, start of the next) for a part from ``start`` that
    must end by ``limit`` (start < limit < len(text))."""
    search_end = limit
    while True:
        newline = text.rfind("\n", start + 1, search_end)
        if newline == -1:
            break
        hit = _inside(newline, spans, starts)
        if hit is None:
            return newline, newline + 1
        search_end = hit[0]  # a hit across a line break: cut before it
    sentence_end = -1
    for found in _SENTENCE_END.finditer(text, start, limit):
        sentence_end = found.end()
    end = sentence_end if sentence_end > start else limit
    hit = _inside(end, spans, starts)
    if hit is not None:
        end = hit[0] if hit[0] > start else hit[1]
    return end, end


def part_url(
    path: str,
    params: Mapping[str, str],
    *,
    part: int | None,
    fragment: str = "",
) -> str:
    """``path`` with ``params`` (and ``part`` when given) and ``#fragment``."""
    query = {key: value for key, value in params.items() if key != "part"}
    if part is not None:
        query["part"] = str(part)
    url = f"{path}?{urlencode(query)}" if query else path
    return f"{url}#{fragment}" if fragment else url


def hit_url(
    path: str, params: Mapping[str, str], *, hit: int | None, parts: Parts | None
) -> str:
    """The link to hit number ``hit`` (id="hit-N") of the document page at
    ``path``: on a text shown in parts, the part that holds it."""
    if not hit:
        return part_url(path, params, part=None)
    part = parts.of_hit(hit).number if parts is not None and parts.paged else None
    return part_url(path, params, part=part, fragment=f"hit-{hit}")


def parse_part(value: str | None, count: int) -> tuple[int | None, str]:
    """The part number asked for, or None for "not asked", and a message for
    the reader when the value had to be changed (as list pages do for page=)."""
    if value is None or not value.strip():
        return None, ""
    value = value.strip()
    if not value.isascii() or not value.isdigit():
        return None, _("部分：请填写 1–%(last)d 之间的整数（已忽略）") % {"last": count}
    if len(value) <= _MAX_DIGITS and 1 <= int(value) <= count:
        return int(value), ""
    if len(value) <= _MAX_DIGITS and int(value) == 0:
        return 1, _("没有第 0 部分，已显示第 1 部分。")
    shown = value if len(value) <= _MAX_DIGITS else value[:_MAX_DIGITS] + "…"
    return count, _("第 %(part)s 部分超出范围，已显示最后一部分。") % {"part": shown}
