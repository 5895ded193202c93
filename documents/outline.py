"""Headings in a document's clean text: 一、 (一) 1. become a table of contents.

Some sources flatten a whole document into one paragraph ("……。（一）聚力提质增效，
……"); a heading that starts a sentence inside a paragraph is found too, and the
paragraph is shown split before it. Only the page's text is reshaped: the stored
body is never changed, and the split text joins back to it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from documents.attachments.kinds import is_attachment_name

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
# What ends the sentence before a heading inside a paragraph, and closing
# quotes that may follow it ("……。”（二）"). Not a semicolon: "；（二）…" is an
# item of a list written as prose, and so is "：一、…；二、…".
_SENTENCE_END = "。！？!?"
_CLOSING_QUOTES = "”’」』"
_SPACE = " \t\u3000"
_FIRST_ITEM = re.compile(r"[（(]一[）)]|(?<![\d.．])1[.．、](?![\d.．])")
# Where a heading can start inside a line: a heading marker after a sentence
# end, a space or a closing quote, or a first sub-item. Looking only there
# (instead of at every character) gives the same starts at C speed.
_CANDIDATE = re.compile(
    rf"(?<=[{_SENTENCE_END}{_SPACE}{_CLOSING_QUOTES}])"
    rf"(?={'|'.join(pattern.pattern for _level, pattern in _PATTERNS)})"
    rf"|(?={_FIRST_ITEM.pattern})"
)
# In run-together text a section heading runs straight into its first sentence
# ("一、2022年工作总结今年来，…"); these words end such a heading.
_RUN_IN_END = re.compile(
    r"(?:\d{4}年度?|今年|明年|去年|上年)工作(?:总结|计划|回顾|安排|要点|思路)"
)
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
    # Where the heading starts in the text given to outline().
    offset: int = 0


@dataclass(frozen=True)
class Outline:
    """The text with a line break after each heading sentence, one Line per
    line of that text, and the headings for the table of contents."""

    text: str
    lines: list[Line]
    headings: list[Heading]


def _marker(line: str) -> tuple[int, int]:
    """The heading level of ``line`` and where its marker (一、 （一） 1.) ends;
    (0, 0) for a plain paragraph."""
    stripped = line.lstrip(_SPACE)
    indent = len(line) - len(stripped)
    if _names_a_file(stripped):
        return 0, 0  # "2.重点项目清单.pdf": an item of a page's 附件 list
    for level, pattern in _PATTERNS:
        match = pattern.match(stripped)
        if match and len(stripped) > match.end():
            return level, indent + match.end()
    return 0, 0


def _names_a_file(line: str) -> bool:
    """Whether the line ends in a file name of a format attachments come in."""
    tail = line.rstrip(_SPACE + "。；;")
    dot = tail.rfind(".")
    return dot > 0 and is_attachment_name(tail[dot - 1 :])


def heading_level(line: str) -> int:
    """1 for 一、/第一部分, 2 for （一）, 3 for 1., 0 for a plain paragraph."""
    return _marker(line)[0]


def _heading_end(line: str) -> int | None:
    """Where the heading sentence of a long paragraph ends, if it is short: at
    its first full stop or semicolon, or at a space ("一、主要预期目标 全街道…")."""
    ends = []
    for mark in ("。", "；", ";"):
        position = line.find(mark)
        if 0 < position < MAX_LABEL:
            ends.append(position + 1)
    _level, marker_end = _marker(line)
    start = marker_end
    while start < len(line) and line[start] in _SPACE:
        start += 1  # "第二部分 主要任务": the space after the marker is no end
    for position in range(start + 2, min(len(line), MAX_LABEL)):
        if line[position] in _SPACE:
            ends.append(position)
            break
    run_in = _RUN_IN_END.match(line, start)
    if run_in and run_in.end() < MAX_LABEL:
        ends.append(run_in.end())
    return min(ends) if ends else None


def _starts_sentence(line: str, position: int, *, level: int) -> bool:
    """Whether a heading marker at ``position`` starts a new sentence: after a
    full stop (and closing quotes), or, for 一、 and （一）, after a space."""
    if not line[:position].strip(_SPACE):
        return False
    if level < 3 and line[position - 1] in _SPACE:
        return True
    index = position - 1
    while index >= 0 and line[index] in _SPACE:
        index -= 1
    while index >= 0 and line[index] in _CLOSING_QUOTES:
        index -= 1
    return index >= 0 and line[index] in _SENTENCE_END


def _first_item(line: str, position: int, segment: int) -> bool:
    """Whether a first sub-item (（一） or 1.) at ``position`` follows straight
    on a short heading of a higher level that opens the segment at ``segment``:
    "一、结合自贸区建设抓制度创新（一）继续深化…"."""
    if not _FIRST_ITEM.match(line, position) or position - segment > MAX_LABEL:
        return False
    outer, _end = _marker(line[segment:position])
    inner = 2 if line[position] in "（(" else 3
    return 0 < outer < inner


def inline_heading_starts(line: str) -> list[int]:
    """Offsets in ``line`` where a heading starts a sentence inside it."""
    starts: list[int] = []
    for found in _CANDIDATE.finditer(line, 1):
        position = found.start()
        if position >= len(line):
            continue
        previous = line[position - 1]
        segment = starts[-1] if starts else 0
        if _first_item(line, position, segment):
            starts.append(position)
            continue
        if (
            previous not in _SENTENCE_END
            and previous not in _SPACE
            and previous not in _CLOSING_QUOTES
        ):
            continue  # cheap test first: most characters follow a character
        for level, pattern in _PATTERNS:
            match = pattern.match(line, position)
            if match and match.end() < len(line):
                if _starts_sentence(line, position, level=level):
                    starts.append(position)
                break
    return starts


def _crosses(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether ``position`` falls inside one of ``spans`` (sorted, not
    overlapping, as find_spans gives them)."""
    index = bisect_left(spans, (position,))
    return index > 0 and spans[index - 1][0] < position < spans[index - 1][1]


def _label(text: str) -> str:
    text = text.strip(" \t\u3000")
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _segments(
    body: str, keep: Sequence[tuple[int, int]]
) -> Iterator[tuple[str, int, bool]]:
    """Each line of ``body`` with its offset, a run-together line cut before
    every heading that starts a sentence in it (never inside a ``keep`` span);
    and whether the piece was cut out of a line."""
    offset = 0
    for line in body.split("\n"):
        cuts = [
            start
            for start in inline_heading_starts(line)
            if not _crosses(offset + start, keep)
        ]
        previous = 0
        for cut in [*cuts, len(line)]:
            yield line[previous:cut], offset + previous, bool(cuts)
            previous = cut
        offset += len(line) + 1


def outline(
    body: str, *, keep: Sequence[tuple[int, int]] = (), first_anchor: int = 1
) -> Outline:
    """Find the headings of ``body``.

    A heading sentence that opens a longer paragraph gets a line of its own,
    unless that would cut one of the ``keep`` spans (the search hits) in two;
    so does a heading that starts a sentence inside a paragraph. The text
    returned is ``body`` with line breaks added there and nowhere else.
    Anchors are numbered from ``first_anchor`` (a part of a long text goes on
    from the headings of the parts before it).
    """
    text, lines, headings = _shape(body, _merged(keep), first_anchor)
    if len(headings) > MAX_TOC:
        headings = [h for h in headings if h.level < 3]
    return Outline(text=text, lines=lines, headings=headings)


def all_headings(body: str) -> list[Heading]:
    """Every heading of ``body`` with its offset, as outline() numbers them
    without hits to keep; the table of contents of a text shown in parts."""
    return _shape(body, (), 1)[2]


def _merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans sorted and merged, as _crosses needs them."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _shape(
    body: str, keep: Sequence[tuple[int, int]], first_anchor: int
) -> tuple[str, list[Line], list[Heading]]:
    out_lines: list[str] = []
    lines: list[Line] = []
    headings: list[Heading] = []
    for raw, offset, cut_out in _segments(body, keep):
        level = heading_level(raw)
        if not level:
            out_lines.append(raw)
            lines.append(Line(0))
        else:
            anchor = f"sec-{len(headings) + first_anchor}"
            # A line of its own that is short is a heading; a piece cut out of
            # run-together text is followed by its text whatever its length.
            short = len(raw.strip()) <= SHORT_LINE and not cut_out
            end = None if short else _heading_end(raw)
            if end is not None and not _crosses(offset + end, keep):
                headings.append(Heading(level, anchor, _label(raw[:end]), offset))
                out_lines += [raw[:end], raw[end:]]
                lines += [Line(level, anchor), Line(0)]
            elif end is None and len(raw.strip()) <= SHORT_LINE:
                headings.append(Heading(level, anchor, _label(raw), offset))
                out_lines.append(raw)
                lines.append(Line(level, anchor))
            else:
                # A long numbered paragraph: an anchor, but shown as a paragraph.
                headings.append(Heading(level, anchor, _label(raw), offset))
                out_lines.append(raw)
                lines.append(Line(-level, anchor))
    return "\n".join(out_lines), lines, headings
