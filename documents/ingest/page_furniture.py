"""Page furniture in a document's head zone, found by its shape, not its words.

A page saved or scraped one element a line leaves its breadcrumb as items with
a separator line between them ("首页", ">", "政府信息公开") and its toolbar as a
column of one- or two-character buttons ("【字号：", "加大", "还原", "减小", "】").
A source of one document has no template to learn, yet these shapes say what
they are whatever the site calls its columns and buttons. Only the head zone
(before the text starts) is read, so no line of the running text is touched.
"""

from __future__ import annotations

import re

# A line that is only a breadcrumb separator.
_SEPARATOR = re.compile(r"^\s*(?:[>›»＞〉/／→]|&gt;)\s*$")
# A breadcrumb item: a short name, never a sentence.
_ITEM_MAX = 20
_SENTENCE_END = re.compile(r"[。！？；!?;]$")
# A toolbar button: one or two characters alone on a line, no figures (a year,
# a page number) among them.
_BUTTON = re.compile(r"^[\u4e00-\u9fffA-Za-z]{1,2}$")
_MIN_BUTTONS = 3
# What frames a column of buttons: its label ("【字号：", "字体:") and brackets.
_FRAME = re.compile(r"^[【\[(（]?\s*[\u4e00-\u9fff]{0,4}\s*[:：]?\s*[】\])）]?$")
_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_FRAME_MARK = re.compile(r"[【\[(（】\])）:：]")


def wordless(lines: list[str]) -> set[int]:
    """Indexes of the lines without a word or figure: a close button ("×"),
    a rule, a lone bracket. Outside the running text they carry nothing."""
    return {i for i, line in enumerate(lines) if not _WORD.search(line)}


def furniture(head: list[str]) -> set[int]:
    """Indexes of the head lines that are a breadcrumb, a column of toolbar
    buttons, wordless, or a line that one of these or an earlier head line
    already gave."""
    found = _breadcrumbs(head) | _toolbars(head) | wordless(head)
    seen = {_squash(head[i]) for i in found}
    for i, line in enumerate(head):
        key = _squash(line)
        if i in found or not key:
            continue
        # A column's name printed again under its breadcrumb, a subtitle twice.
        if key in seen:
            found.add(i)
        seen.add(key)
    return found


def _breadcrumbs(head: list[str]) -> set[int]:
    found: set[int] = set()
    for i, line in enumerate(head):
        if not _SEPARATOR.match(line):
            continue
        before, after = i - 1, i + 1
        if before < 0 or after >= len(head):
            continue
        if _is_item(head[before]) and _is_item(head[after]):
            found.update((before, i, after))
    return found


def _toolbars(head: list[str]) -> set[int]:
    found: set[int] = set()
    i = 0
    while i < len(head):
        j = i
        while j < len(head) and _BUTTON.match(head[j].strip()):
            j += 1
        if j - i >= _MIN_BUTTONS:
            start, end = i, j
            if start > 0 and _is_frame(head[start - 1]):
                start -= 1
            if end < len(head) and _is_frame(head[end]):
                end += 1
            found.update(range(start, end))
        i = max(j, i + 1)
    return found


def _is_item(line: str) -> bool:
    text = line.strip()
    return 0 < len(text) <= _ITEM_MAX and not _SENTENCE_END.search(text)


def _is_frame(line: str) -> bool:
    text = line.strip()
    # A bare bracket, or a short label ending in a colon or opening a bracket.
    return bool(_FRAME.match(text)) and bool(_FRAME_MARK.search(text))


def _squash(line: str) -> str:
    return re.sub(r"\s+", "", line)
