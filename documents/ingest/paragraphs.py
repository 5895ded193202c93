"""Clean body text: drop chrome lines, keep paragraph breaks, restore flattened ones."""

from __future__ import annotations

import re
from collections.abc import Iterable

from documents.ingest.chrome import TEXT_TAIL, is_chrome_line, strip_trailing_pipes

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
_INNER_SPACE = re.compile(r"[ \t\u3000\u00a0]+")


def clean_body(lines: Iterable[str]) -> str:
    """Return the body as paragraphs separated by one newline each."""
    paragraphs: list[str] = []
    for line in lines:
        text = strip_trailing_pipes(line).strip()
        if not text or is_chrome_line(text):
            continue
        for piece in _FLATTENED_BREAK.split(text):
            piece = _INNER_SPACE.sub(" ", piece).strip()
            if piece and not is_chrome_line(piece):
                paragraphs.append(piece)
    if paragraphs:
        paragraphs[-1] = TEXT_TAIL.sub("", paragraphs[-1])
    return "\n".join(p for p in paragraphs if p)
