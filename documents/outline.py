"""Headings in a document's clean text: 一、 (一) 1. become a table of contents."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_NUMERAL = "一二三四五六七八九十百零〇两"
_PATTERNS = (
    (1, re.compile(rf"第[{_NUMERAL}\d]{{1,4}}(?:部分|章|篇)")),
    (1, re.compile(rf"[{_NUMERAL}]{{1,4}}、")),
    (2, re.compile(rf"[（(][{_NUMERAL}]{{1,4}}[）)]")),
    # "1." but not "1.5亿元": a digit after the dot is a decimal.
    (3, re.compile(r"\d{1,2}[.．、](?![\d.．])")),
)
# A heading line is short; a longer paragraph opens with a heading sentence.
SHORT_LINE = 40
MAX_LABEL = 40
MAX_TOC = 120


@dataclass(frozen=True)
class Line:
    """One line of the text as shown: a heading (level 1-3) or a paragraph (0)."""

    level: int
    anchor: str = ""


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    label: str


@dataclass(frozen=True)
class Outline:
    """The text with a line break after each heading sentence, one Line per
    line of that text, and the headings for the table of contents."""

    text: str
    lines: list[Line]
    headings: list[Heading]


def heading_level(line: str) -> int:
    """1 for 一、/第一部分, 2 for （一）, 3 for 1., 0 for a plain paragraph."""
    stripped = line.lstrip(" \t\u3000")
    for level, pattern in _PATTERNS:
        if pattern.match(stripped) and len(stripped) > pattern.match(stripped).end():
            return level
    return 0


def _heading_end(line: str) -> int | None:
    """Where the heading sentence of a long paragraph ends, if it is short."""
    for mark in ("。", "；", ";"):
        position = line.find(mark)
        if 0 < position < MAX_LABEL:
            return position + 1
    return None


def _crosses(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < position < end for start, end in spans)


def _label(text: str) -> str:
    text = text.strip(" \t\u3000")
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def outline(body: str, *, keep: Sequence[tuple[int, int]] = ()) -> Outline:
    """Find the headings of ``body``.

    A heading sentence that opens a longer paragraph gets a line of its own,
    unless that would cut one of the ``keep`` spans (the search hits) in two.
    """
    out_lines: list[str] = []
    lines: list[Line] = []
    headings: list[Heading] = []
    offset = 0
    for raw in body.split("\n"):
        level = heading_level(raw)
        if not level:
            out_lines.append(raw)
            lines.append(Line(0))
        else:
            anchor = f"sec-{len(headings) + 1}"
            end = None if len(raw.strip()) <= SHORT_LINE else _heading_end(raw)
            if end is not None and not _crosses(offset + end, keep):
                headings.append(Heading(level, anchor, _label(raw[:end])))
                out_lines += [raw[:end], raw[end:]]
                lines += [Line(level, anchor), Line(0)]
            elif end is None and len(raw.strip()) <= SHORT_LINE:
                headings.append(Heading(level, anchor, _label(raw)))
                out_lines.append(raw)
                lines.append(Line(level, anchor))
            else:
                # A long numbered paragraph: an anchor, but shown as a paragraph.
                headings.append(Heading(level, anchor, _label(raw)))
                out_lines.append(raw)
                lines.append(Line(-level, anchor))
        offset += len(raw) + 1
    if len(headings) > MAX_TOC:
        headings = [h for h in headings if h.level < 3]
    return Outline(text="\n".join(out_lines), lines=lines, headings=headings)
