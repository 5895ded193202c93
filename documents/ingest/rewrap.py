"""Rejoin hard-wrapped text: lines broken in mid-sentence (wiki links, OCR)."""

from __future__ import annotations

import re

from documents.ingest.paragraphs import HEADING_START

# What ends a paragraph: sentence punctuation, a colon (a salutation or lead-in),
# perhaps followed by closing quotes or brackets.
_PARAGRAPH_END = re.compile(r"[。！？；：!?;:…][”’」』）)】\]]*$")
# A line that continues the previous one whatever it ends with. Not a colon:
# tables broken into lines leave a lone "：" between a label and its value.
_CONTINUATION_START = re.compile(r"^[，。、；！？,;!?）)”’」』]")
# List items, and Markdown's headings, quotes and list items.
_LIST_ITEM = re.compile(r"^(?:[（(]?\d{1,2}[)）]|[①-⑳]|[•·●▪\-*+]\s|#{1,6}\s|>)")
_ORGAN_LINE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,40}(?:人民政府|办事处|委员会|管委会|办公室|人民代表大会)$"
    r"|^[\u4e00-\u9fff]{2,14}(?:局|厅|镇|乡|街道)$"
)
_DATE_LINE = re.compile(
    r"^[（(—\-\s]*(?:(?:19|20)\d{2}|[一二三四五六七八九〇○零]{4})\s*年[\d一二三四五六七八九十〇○]{1,3}月"
    r"[\d一二三四五六七八九十〇○]{1,3}日[）)]?$"
    r"|^[（(]?(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}[）)]?$"
)
_SENTENCE_INSIDE = re.compile(r"[。；！？]")
# The note a 公文 closes with: （此件公开发布）.
_CLOSING_NOTE = re.compile(r"^[（(][^（）()]{2,20}[）)]$")


def is_signature_line(line: str) -> bool:
    """An organ's name, a date or a closing note: the signature block of a text."""
    text = line.strip()
    return bool(
        _ORGAN_LINE.match(text) or _DATE_LINE.match(text) or _CLOSING_NOTE.match(text)
    )


# A document is hard-wrapped when most of its lines end open, or when several
# lines start with the punctuation that should have ended the line before.
_OPEN_SHARE = 0.5
_MIN_LINES = 4
_MIN_CONTINUATIONS = 2
# A few breaks around links in a long text are joined where they are (the rest
# of its lines are paragraphs); more than this share make the text wrapped.
_CONTINUATION_SHARE = 0.05
# A line "runs to the wrap width" at this share of it; narrower text is no wrap.
_FULL = 0.8
_MIN_WIDTH = 18
# A form's "联系电话：…" line: a field, not a line of prose.
_LABEL_LINE = re.compile(r"^\s*[\u4e00-\u9fff ]{1,8}[：:]\S")
# The longest text of a link that a wiki export breaks out on a line of its own.
_LINK_TEXT = 15


def stands_alone(line: str) -> bool:
    """A heading, list item, signature or date: never joined to its neighbours."""
    text = line.strip()
    return bool(
        HEADING_START.match(text)
        or _LIST_ITEM.match(text)
        or is_signature_line(text)
        or "|" in text  # A table row.
    )


def is_hard_wrapped(lines: list[str]) -> bool:
    """True when the lines look broken in mid-sentence rather than at paragraphs:
    lines that start with the punctuation that should have ended the line
    before, or most lines running to the wrap width and ending open (short
    lines, a form's or a list's, say nothing)."""
    prose = [
        line.strip()
        for line in lines
        if line.strip() and not stands_alone(line) and not _LABEL_LINE.match(line)
    ]
    starts = sum(1 for line in prose if _CONTINUATION_START.match(line))
    if starts >= max(_MIN_CONTINUATIONS, _CONTINUATION_SHARE * len(prose)):
        return True
    if len(prose) < _MIN_LINES:
        return False
    width = _wrap_width(prose)
    if width < _MIN_WIDTH:
        return False
    open_lines = sum(
        1
        for line in prose[:-1]
        if not _PARAGRAPH_END.search(line) and len(line) >= _FULL * width
    )
    return open_lines > _OPEN_SHARE * (len(prose) - 1)


def rejoin(lines: list[str]) -> list[str]:
    """The paragraphs of hard-wrapped lines. In other text only a line that
    starts with closing punctuation is joined (to the link text or line it
    continues, "所作的" / "政府工作报告" / "。会议…")."""
    if not is_hard_wrapped(lines):
        return _join_continuations(lines)
    width = _wrap_width(lines)
    paragraphs: list[str] = []
    last = ""
    for line in lines:
        text = line.strip()
        if not text:
            continue
        continues = paragraphs and _continues(last, text, width)
        last = text
        if continues:
            paragraphs[-1] = _join(paragraphs[-1], text)
        else:
            paragraphs.append(text)
    return paragraphs


def _join_continuations(lines: list[str]) -> list[str]:
    if not any(_CONTINUATION_START.match(line.strip()) for line in lines):
        return lines
    paragraphs: list[str] = []
    for line in lines:
        text = line.strip()
        if not (paragraphs and text and _CONTINUATION_START.match(text)):
            paragraphs.append(text)
            continue
        paragraphs[-1] = _join(paragraphs[-1], text)
        # A short piece before it (a link's text) continues the line before that.
        if len(paragraphs) >= 2 and len(paragraphs[-1]) - len(text) <= _LINK_TEXT:
            before, piece = paragraphs[-2], paragraphs[-1]
            if not (
                _PARAGRAPH_END.search(before)
                or stands_alone(before)
                or stands_alone(piece)
            ):
                paragraphs[-2:] = [_join(before, piece)]
    return [p for p in paragraphs if p]


def _wrap_width(lines: list[str]) -> int:
    """The width the text was wrapped at: most lines reach it."""
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0


def _continues(previous: str, line: str, width: int) -> bool:
    """Whether ``line`` goes on with the paragraph whose last line is ``previous``."""
    if _CONTINUATION_START.match(line):
        return True
    if stands_alone(line) or _PARAGRAPH_END.search(previous):
        return False
    if is_signature_line(previous):
        return False
    if stands_alone(previous):
        # A heading is short; a numbered paragraph runs on to the wrap width.
        return bool(_SENTENCE_INSIDE.search(previous)) or len(previous) >= _FULL * width
    return True


_LATIN_END = re.compile(r"[A-Za-z0-9]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9]")


def _join(left: str, right: str) -> str:
    # Latin words and numbers broken across a line keep a space between them.
    if _LATIN_END.search(left) and _LATIN_START.match(right):
        return f"{left} {right}"
    return left + right
