"""Learn a source's page template from its documents and cut it from their bodies.

A source's template is the set of lines that recur in the head zone (before the
text starts) and the tail zone (after the last sentence and the signature) of
many of its documents: toolbars, breadcrumbs, editor lines, "related" lists and
footers, whatever words a site uses for them. Lines are compared by a key that
masks digits and the value of short ``label：value`` lines. The running text is
never part of a zone, so a line of text ("各位代表：") is never cut for repeating.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from documents.ingest.extract.text_page import is_prose
from documents.ingest.page_furniture import furniture, wordless
from documents.ingest.paragraphs import HEADING_START
from documents.ingest.rewrap import is_signature_line, rejoin, stands_alone

# Part of every digest: a change of the rules below cleans every source again.
TEMPLATE_VERSION = "2"
# Learning needs this many documents of a source; fewer fall back to the fixed
# chrome list of chrome.py (applied to every body before this stage).
MIN_DOCUMENTS = 5
# A line is template when it is in the zones of at least half of the source's
# documents, and of three at least. A site prints its template on (nearly) every
# page, so one half still finds it when a source mixes two page templates or
# pages saved with and without a toolbar; the head and tail zones hold no running
# text, and the short lines that are left there (a subtitle, a speaker's name,
# an attachment's name) rarely recur in half of a source's documents.
MIN_SHARE = 0.5
MIN_SUPPORT = 3
# A zone longer than this is not page chrome around a text: leave it alone.
MAX_ZONE = 60
# Link titles of a "related" list (相关报道 then titles) are short, never prose.
_LIST_ITEM_MAX = 50
# Label of a short "label：value" line; the value is masked in its key.
_LABELLED = re.compile(r"([\u4e00-\u9fffA-Za-z]{1,8})\s*[:：]\s*([^\s:：]{1,24})")
_DIGITS = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[。！？；!?;…][”’」』）)】\]]*$")
_COLON_END = re.compile(r"[：:]$")
_CLAUSE = re.compile(r"[，、；]")
# A label alone on its line ("来源：") and the longest value that may follow it.
_BARE_LABEL = re.compile(r"^[\u4e00-\u9fff]{1,8}\s*[:：]$")
_PAIR_VALUE_MAX = 24
_KEY_LINE_MAX = 60
# Zero-width characters that wiki and CMS text leaves at line ends.
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_CONTINUATION_START = re.compile(r"^[，。、；！？,;!?）)”’」』]")
# A sentence broken by hard wrapping starts on the lines before its first
# sentence end: at most this many lines are taken back from the head zone.
_MAX_PULL_BACK = 3


@dataclass(frozen=True)
class Template:
    """The learned template lines (keys) of one source."""

    lines: frozenset[str] = frozenset()

    @property
    def digest(self) -> str:
        text = TEMPLATE_VERSION + "\0" + "\n".join(sorted(self.lines))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


EMPTY = Template()


# Between the parts of a document's source key (a host and a folder).
SOURCE_SEPARATOR = "\n"
_SOURCE_KEY_MAX = 300


def source_key(*, source_url: str, root: str) -> str:
    """A document's sources: its URL's host and the folder it was imported from.

    Both are sources whose template is learned: a site prints its chrome on
    every page, and a folder (a collection scraped by one tool, ten one-record
    CSV files from three sites) shares what its scraper kept. A host of one
    document learns nothing alone; its folder may.
    """
    folder = f"dir:{root}"
    if source_url.lower().startswith(("http://", "https://")):
        host = (urlsplit(source_url).hostname or "").lower()
        if host:
            head = f"host:{host}"[:100] + SOURCE_SEPARATOR
            return head + folder[: _SOURCE_KEY_MAX - len(head)]
    return folder[:_SOURCE_KEY_MAX]


def source_parts(source: str) -> list[str]:
    """The sources a document's key names, each learned on its own."""
    return [part for part in source.split(SOURCE_SEPARATOR) if part]


def line_key(line: str) -> str:
    """The form in which lines are compared: digits and short label values masked."""
    text = _DIGITS.sub("#", _SPACES.sub(" ", _ZERO_WIDTH.sub("", line)).strip())
    if len(text) <= _KEY_LINE_MAX and not _SENTENCE_END.search(text):
        text = _LABELLED.sub(lambda m: f"{m.group(1)}：*", text)
    return text


def _is_text(line: str) -> bool:
    """Running text: a sentence, a heading, a table row or prose."""
    line = _ZERO_WIDTH.sub("", line).strip()
    return bool(
        _SENTENCE_END.search(line)
        or HEADING_START.match(line)
        or _is_table_row(line)
        or is_prose(line)
    )


def _is_table_row(line: str) -> bool:
    """A row of a table in the text (figures or long cells), not a menu bar."""
    if "|" not in line:
        return False
    cells = [cell.strip() for cell in line.split("|") if cell.strip()]
    return bool(_DIGITS.search(line)) or any(len(cell) > 8 for cell in cells)


@dataclass
class Zones:
    head: list[str]
    core: list[str]
    tail: list[str]


def split_zones(paragraphs: list[str]) -> Zones:
    """Head (before the text starts), core, and tail (after the last sentence and
    the signature block). A document whose text cannot be found has no zones."""
    start = next(
        (
            i
            for i, line in enumerate(paragraphs)
            if _is_text(line) or _is_lead_in(paragraphs, i)
        ),
        None,
    )
    if start is None or start > MAX_ZONE:
        return Zones([], list(paragraphs), [])
    if _CONTINUATION_START.match(paragraphs[start]):
        start = _sentence_start(paragraphs, start)
    backwards = range(len(paragraphs) - 1, start - 1, -1)
    last = next((i for i in backwards if _is_text(paragraphs[i])), start)
    end = last + 1
    while end < len(paragraphs) and is_signature_line(paragraphs[end]):
        end += 1
    tail = paragraphs[end:]
    if len(tail) > MAX_ZONE:
        end, tail = len(paragraphs), []
    return Zones(paragraphs[:start], paragraphs[start:end], tail)


def _is_lead_in(paragraphs: list[str], i: int) -> bool:
    """A salutation or lead-in ("各位代表：", "各村（社区）：") that starts the text:
    a line ending in a colon that the text follows. A toolbar or breadcrumb label
    ("【字号：", "您的位置:", "分享:") is followed by its short items instead."""
    if not _COLON_END.search(_ZERO_WIDTH.sub("", paragraphs[i]).strip()):
        return False
    following = next((p for p in paragraphs[i + 1 :] if p.strip()), "")
    # A hard-wrapped sentence may end on a later line: its commas tell.
    return _is_text(following) or bool(_CLAUSE.search(following))


def _sentence_start(paragraphs: list[str], start: int) -> int:
    """Where the sentence that a line continues ("。会议…") begins: the open lines
    just before it, up to a sentence end, a heading or signature, or a line of
    spaced items (a toolbar)."""
    first = start
    while first > 0 and start - first < _MAX_PULL_BACK:
        line = _ZERO_WIDTH.sub("", paragraphs[first - 1]).strip()
        if (
            not line
            or _SENTENCE_END.search(line)
            or _COLON_END.search(line)
            or " " in line
            or stands_alone(line)
        ):
            break
        first -= 1
    return first


def zone_keys(head: Iterable[str], tail: Iterable[str]) -> set[str]:
    """The keys a document contributes to learning (once each)."""
    head = list(head)
    keyed = [*zip(head, head_keys(head), strict=True)]
    keyed.extend((line, line_key(line)) for line in tail)
    return {key for line, key in keyed if line.strip() and not is_signature_line(line)}


def head_keys(head: list[str]) -> list[str]:
    """The key of each head line. A page that puts a label and its value in
    elements of their own ("时间：" then "2026-02-02 09:20") has both lines keyed
    as the one "label：value" line that another page of the source prints."""
    keys = [line_key(line) for line in head]
    for i in range(len(head) - 1):
        label, value = head[i].strip(), head[i + 1].strip()
        if (
            _BARE_LABEL.match(label)
            and 0 < len(value) <= _PAIR_VALUE_MAX
            and not _COLON_END.search(value)
            and not _SENTENCE_END.search(value)
            and not _BARE_LABEL.match(value)
        ):
            keys[i] = keys[i + 1] = line_key(label + value)
    return keys


def learn(documents: Iterable[Iterable[str]]) -> tuple[Template, int]:
    """The template of a source from each document's zone keys, and the count."""
    counts: Counter[str] = Counter()
    total = 0
    for keys in documents:
        total += 1
        counts.update(set(keys))
    if total < MIN_DOCUMENTS:
        return EMPTY, total
    needed = max(MIN_SUPPORT, math.ceil(MIN_SHARE * total))
    return Template(frozenset(k for k, n in counts.items() if n >= needed)), total


def _kept_head(head: list[str], template: Template, title: str) -> list[int]:
    """Indexes of the head lines that are not template, page furniture (a
    breadcrumb, a toolbar: a source of one document has no template) nor the
    title again."""
    title_key = _SPACES.sub("", title)
    shaped = furniture(head)
    keys = head_keys(head)
    kept = []
    for i, line in enumerate(head):
        if title_key and _SPACES.sub("", line) == title_key:
            continue  # The title again, above the text.
        if i in shaped:
            continue
        # A label's value goes with it, though it names an organ ("来源：" then
        # "陕西省人民政府"): a signature is never a label's value.
        value = i > 0 and keys[i] == keys[i - 1] and _BARE_LABEL.match(head[i - 1])
        if keys[i] in template.lines and (value or not is_signature_line(line)):
            continue
        kept.append(i)
    return kept


def _kept_tail(tail: list[str], template: Template) -> list[int]:
    """Indexes of the tail lines that are neither template, listed under it,
    nor wordless."""
    kept: list[int] = []
    in_list = False
    empty = wordless(tail)
    for i, line in enumerate(tail):
        if i in empty:
            continue
        key = line_key(line)
        if key in template.lines and not is_signature_line(line):
            # A bare marker (相关报道, 延伸阅读…) heads a list of link titles.
            in_list = "：*" not in key and len(line) <= 20
            continue
        if in_list and len(line) <= _LIST_ITEM_MAX and not _SENTENCE_END.search(line):
            continue
        in_list = False
        kept.append(i)
    return kept


def kept_lines(zones: dict[str, Any], *, title: str, template: Template) -> list:
    """Which zone lines ``template`` keeps: [head indexes, tail indexes]."""
    return [
        _kept_head(list(zones.get("head", [])), template, title),
        _kept_tail(list(zones.get("tail", [])), template),
    ]


def finish_body(body: str, *, title: str, template: Template) -> tuple[str, dict]:
    """The body without its template, hard-wrapped lines rejoined, and the zones
    kept to clean it again when the source's template changes."""
    zones = split_zones([line for line in body.split("\n") if line.strip()])
    stored: dict[str, Any] = {"head": zones.head, "tail": zones.tail}
    stored["kept"] = kept_lines(stored, title=title, template=template)
    head = [zones.head[i] for i in stored["kept"][0]]
    tail = [zones.tail[i] for i in stored["kept"][1]]
    return "\n".join([*head, *rejoin(zones.core), *tail]), stored


def reclean(
    body: str, zones: dict[str, Any], *, title: str, template: Template
) -> tuple[str, dict] | None:
    """The body cleaned with another template, from the stored zones; None when
    the body no longer matches its zones (edited by hand: leave it)."""
    try:
        head, tail = list(zones["head"]), list(zones["tail"])
        old_head = [head[int(i)] for i in zones["kept"][0]]
        old_tail = [tail[int(i)] for i in zones["kept"][1]]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    lines = body.split("\n") if body else []
    split = len(lines) - len(old_tail)
    if len(old_head) > split or lines[: len(old_head)] != old_head:
        return None
    if lines[split:] != old_tail:
        return None
    core = lines[len(old_head) : split]
    stored = {"head": head, "tail": tail}
    stored["kept"] = kept_lines(stored, title=title, template=template)
    new_head = [head[i] for i in stored["kept"][0]]
    new_tail = [tail[i] for i in stored["kept"][1]]
    return "\n".join([*new_head, *core, *new_tail]), stored
