"""Markdown with a front-matter block: the block is metadata, never body text."""

from __future__ import annotations

import re
import unicodedata

from documents.ingest.extract.markup import markup_to_text
from documents.ingest.extract.text_page import _HeaderReader
from documents.ingest.keys import FIELD, REGION, key_meaning
from documents.ingest.paragraphs import clean_body
from documents.ingest.records import RawRecord

_OPEN = re.compile(r"^\ufeff?---\s*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)\s*$")
# key: value, with a half- or full-width colon; real front matter is often not
# valid YAML (unquoted colons in URLs and titles, Chinese punctuation).
_PAIR = re.compile(r"^(?P<key>[^\s:：#\-][^:：]{0,39}?)\s*[:：][ \t]*(?P<value>.*)$")
_ITEM = re.compile(r"^\s*-\s+(?P<value>.+)$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
_QUOTE = re.compile(r"^\s{0,3}>")
_MAX_BLOCK_LINES = 200
_NO_VALUE = {"", "-", "—", "/", "无", "暂无", "null", "none", "~"}
# Front-matter values beat any label the text repeats below it.
_FRONT_RANK = -100
_HEADING_RANK = 40


def looks_like_front_matter(text: str) -> bool:
    """A first line of ---, a closing --- or ..., and key: value lines between."""
    return _split(text) is not None


def extract_front_matter(text: str) -> RawRecord:
    """Fields from the block, the title from a heading that repeats it, the rest body.

    A blockquote right after the block, before any heading or text, is a note
    about the copy (a scraper's), not the document's text; the original keeps it.
    """
    split = _split(text)
    if split is None:
        raise ValueError("no front matter")
    pairs, rest = split
    title = next(
        (
            v
            for k, v in pairs
            if (m := key_meaning(k)) is not None
            and m.kind == FIELD
            and m.name == "title"
        ),
        "",
    )
    rest = _drop_leading_quote(rest)
    heading_title, rest = _leading_heading(rest, title)
    record = RawRecord(original=text, layout="markdown", body="")
    rest = _leading_labels(record, rest, title)
    record.body = clean_body(_HEADING.sub(r"\g<text>", line) for line in rest)
    if heading_title and not title:
        record.offer("title", heading_title, label="(标题行)", rank=_HEADING_RANK)
    unknown: list[str] = []
    for key, value in pairs:
        meaning = key_meaning(key)
        if value.strip() in _NO_VALUE:
            continue
        if meaning is not None and meaning.kind == FIELD:
            record.offer(
                meaning.name, value, label=key, rank=_FRONT_RANK + meaning.rank
            )
        elif meaning is not None and meaning.kind == REGION:
            record.region_names.setdefault(meaning.name, value)
        else:
            unknown.append(key)
    if unknown:
        record.notes.append("未识别的文前字段，未导入：" + "、".join(unknown[:10]))
    return record


def _leading_labels(record: RawRecord, lines: list[str], title: str) -> list[str]:
    """Read label lines (索引号：…) and a repeated title at the start of the text;
    the text starts at the first other line, which is never dropped."""
    reader = _HeaderReader(record)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or (title and _same_title(stripped, title)):
            continue
        if not reader.read(stripped):
            return lines[i:]
    return []


def _split(text: str) -> tuple[list[tuple[str, str]], list[str]] | None:
    lines = text.splitlines()
    if not lines or not _OPEN.match(lines[0]):
        return None
    close = next(
        (
            i
            for i, line in enumerate(lines[1:_MAX_BLOCK_LINES], start=1)
            if _CLOSE.match(line)
        ),
        None,
    )
    if close is None:
        return None
    pairs = _pairs(lines[1:close])
    if not pairs:
        return None
    return pairs, lines[close + 1 :]


def _pairs(block: list[str]) -> list[tuple[str, str]]:
    """key: value lines; indented lines and "- item" lists continue the value."""
    pairs: list[tuple[str, str]] = []
    for line in block:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PAIR.match(line) if not line[0].isspace() else None
        if match is not None:
            pairs.append((match["key"].strip(), _scalar(match["value"])))
            continue
        if not pairs:
            return []  # Not a key: value block at all.
        item = _ITEM.match(line)
        extra = _scalar(item["value"] if item else line.strip())
        key, value = pairs[-1]
        joiner = "、" if item and value else ("" if not value else " ")
        pairs[-1] = (key, f"{value}{joiner}{extra}")
    return [(key, markup_to_text(value).strip()) for key, value in pairs]


def _scalar(value: str) -> str:
    value = value.strip()
    if value in ("|", ">", "|-", ">-"):
        return ""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value.startswith("[") and value.endswith("]"):
        items = [_scalar(item) for item in value[1:-1].split(",")]
        return "、".join(item for item in items if item)
    return value


def _drop_leading_quote(lines: list[str]) -> list[str]:
    start = _first_text(lines)
    if start is None or not _QUOTE.match(lines[start]):
        return lines
    end = start
    while end < len(lines) and _QUOTE.match(lines[end]):
        end += 1
    return lines[end:]


def _leading_heading(lines: list[str], title: str) -> tuple[str, list[str]]:
    """A first heading that is the title leaves the body; any other stays."""
    start = _first_text(lines)
    if start is None:
        return "", lines
    match = _HEADING.match(lines[start])
    if match is None:
        return "", lines
    heading = match["text"].strip()
    if title and not _same_title(heading, title):
        return "", lines
    return heading, lines[start + 1 :]


def _first_text(lines: list[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if line.strip()), None)


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\W_]", "", text)


def _same_title(line: str, title: str) -> bool:
    """The line is the title, or the title cut short; a line that merely
    quotes the title (现将《…》印发给你们) is text."""
    a, b = _key(line), _key(title)
    return bool(a) and (a == b or (len(a) >= 8 and b.startswith(a)))
