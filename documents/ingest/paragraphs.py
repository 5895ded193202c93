"""Clean body text: drop chrome lines, keep paragraph breaks, restore flattened ones."""

from __future__ import annotations

import re
from collections.abc import Iterable

from documents.ingest.chrome import (
    TEXT_TAIL,
    is_chrome_line,
    strip_trailing_pipes,
    trim_tail,
)

# Headings that open a new paragraph: (一) （二） 一、 1. 1、 第一章.
HEADING_START = re.compile(
    r"(?:[（(][一二三四五六七八九十百]+[）)]|[一二三四五六七八九十百]+、"
    r"|\d{1,2}[.、．](?!\d)|第[一二三四五六七八九十百]+[章节部分条])"
)
# Scraped pages often flatten paragraphs into one line joined by spaces. A space
# after a sentence end, or before a heading, was a paragraph break.
_FLATTENED_BREAK = re.compile(
    r"(?<=[。！？；!?;”」』）)])[ \t\u3000\u00a0]+(?=\S)"
    r"|[ \t\u3000\u00a0]+(?=" + HEADING_START.pattern + r")"
)
# …and so was a space after a short heading ("一、主要预期目标 全镇地区生产总值…").
_HEADING_THEN_TEXT = re.compile(
    r"^("
    + HEADING_START.pattern
    + r"[^\s。，；,;：:！？]{0,29}[\u4e00-\u9fff])[ \t\u3000\u00a0]+(?=\S)"
)
_INNER_SPACE = re.compile(r"[ \t\u3000\u00a0]+")
_WHITESPACE = re.compile(r"\s+")

# Licence and template notices that archives (Wikisource) append after the text,
# set off by a run of blank lines: "本作品是中华人民共和国的法律…属于公有领域",
# "Public domain", "false".
_BOILERPLATE = re.compile(
    r"公有领域|Public domain|著作权法|维基文库|Wikisource|知识共享|Creative Commons"
    r"|本模板|版权声明|免责声明",
    re.IGNORECASE,
)
_CJK_OR_DIGIT = re.compile(r"[\u4e00-\u9fff\d]")
_LATIN_ONLY = re.compile(r"^[A-Za-z][A-Za-z .]{0,30}$")


def clean_body(lines: Iterable[str]) -> str:
    """Return the body as paragraphs separated by one newline each."""
    paragraphs: list[str] = []
    for line in _drop_boilerplate_blocks(list(lines)):
        # One space for every run first: the patterns below would otherwise
        # backtrack across long runs (pages padded with spaces took minutes).
        text = strip_trailing_pipes(_WHITESPACE.sub(" ", line)).strip()
        if not text or is_chrome_line(text):
            continue
        for piece in _FLATTENED_BREAK.split(text):
            piece = _INNER_SPACE.sub(" ", piece).strip()
            if not piece or is_chrome_line(piece):
                continue
            heading = _HEADING_THEN_TEXT.match(piece)
            if heading:
                paragraphs.append(heading.group(1))
                piece = piece[heading.end() :]
            paragraphs.append(piece)
    paragraphs = trim_tail(paragraphs)
    while paragraphs and (
        _LATIN_ONLY.match(paragraphs[-1]) or _BOILERPLATE.search(paragraphs[-1])
    ):
        paragraphs.pop()
    if paragraphs:
        paragraphs[-1] = TEXT_TAIL.sub("", paragraphs[-1])
    return "\n".join(p for p in paragraphs if p)


def _drop_boilerplate_blocks(lines: list[str]) -> list[str]:
    """Drop trailing blocks (after two or more blank lines) of licence notices."""
    end = len(lines)
    while end:
        # The last block: back to a run of at least two blank lines.
        start, blanks = end, 0
        while start:
            if lines[start - 1].strip():
                if blanks >= 2:
                    break
                blanks = 0
            else:
                blanks += 1
            start -= 1
        block = "\n".join(lines[start:end])
        if not block.strip():
            end = start
            continue
        # A block with neither Chinese nor digits ("Public domain", "false") is no
        # part of a Chinese document; a bare date or page number may be.
        notice = _BOILERPLATE.search(block) or not _CJK_OR_DIGIT.search(block)
        if start == 0 or not notice:
            break
        end = start
    return lines[:end]
