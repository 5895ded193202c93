"""What the document page shows of a text: one part of it, highlighted, with
its outline, the way to the other parts and to every hit.

An ordinary document is one part and is shown as it always was. A long one
(documents/parts.py) costs one part's work per request: the hits of the whole
text are found once per document and query and cached, and only the part
shown is outlined and highlighted.
"""

from __future__ import annotations

import hashlib
import threading
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.functions import Substr
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from documents.hit_context import HitEntry, hit_entries
from documents.models import Document
from documents.outline import MAX_TOC, Heading, Line, all_headings, outline
from documents.parts import Part, Parts, hit_url, parse_part, part_url, split_parts
from search import find_spans, fold, highlight_full

# The "all positions" list links this many hits of the part shown.
MAX_HIT_LINKS = 60
CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class TocEntry:
    level: int
    label: str
    url: str


@dataclass(frozen=True)
class PartLink:
    number: int
    url: str
    current: bool
    first_hit: int
    last_hit: int
    hits: int


@dataclass(frozen=True)
class HitNav:
    """The hit bar: without script, prev/next go to the last/first hit of the
    part (or the nearest part that has one); the script steps hit by hit and
    follows prev_url/next_url past the ends of the part."""

    prev_href: str
    next_href: str
    prev_url: str
    next_url: str
    links: list[tuple[int, str]]
    # The links with a few characters around each hit (the 全部位置 list).
    entries: list[HitEntry] = field(default_factory=list)


@dataclass
class Reading:
    parts: Parts
    part: Part
    hit_count: int
    paragraphs: list[dict[str, Any]] = field(default_factory=list)
    paragraphs_html: str = ""
    original_html: str = ""
    toc: list[TocEntry] = field(default_factory=list)
    part_links: list[PartLink] = field(default_factory=list)
    prev_part_url: str = ""
    next_part_url: str = ""
    hit_nav: HitNav | None = None
    problems: list[str] = field(default_factory=list)


def limits() -> tuple[int, int]:
    """(characters, marks) a part holds at most."""
    return (
        settings.PLANSITE_DOCUMENT_PART_CHARS,
        settings.PLANSITE_DOCUMENT_PART_MARKS,
    )


def _stamp(document: Document) -> str:
    return str(document.updated_at.timestamp()) if document.updated_at else "0"


def _terms_key(terms: Any) -> str:
    if terms is not None and hasattr(terms, "clauses"):
        # A parsed query: its clauses and form say which occurrences it marks.
        folded = repr((terms.clauses, str(terms.form)))
    else:
        folded = "\x00".join(sorted({fold(t) for t in terms or () if t}))
    return hashlib.sha256(folded.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class TextSource:
    """The document's body or original, read whole only when it must be.

    The page's query leaves both texts unread; a part of a long text whose
    parts are cached is then read alone, with SUBSTR in the database, not
    5 MiB.
    """

    def __init__(self, document: Document, kind: str) -> None:
        self.document = document
        self.kind = kind
        self._whole: str | None = None

    @property
    def whole(self) -> str:
        if self._whole is None:
            self._whole = getattr(self.document, self.kind)
        return self._whole

    def __len__(self) -> int:
        # A long text's length is cached with its parts; counting the
        # characters of 5 MiB in the database on every request costs more
        # than the part. A short text is read whole anyway.
        document = self.document
        key = f"doc-chars:{document.pk}:{_stamp(document)}:{self.kind}"
        chars = cache.get(key) if self._whole is None else None
        if chars is None:
            chars = len(self.whole)
            if chars > limits()[0]:
                cache.set(key, chars, CACHE_SECONDS)
        return chars

    def piece(self, start: int, end: int) -> str:
        deferred = self.kind in self.document.get_deferred_fields()
        if self._whole is not None or not deferred:
            return self.whole[start:end]
        found = (
            Document.objects.filter(
                pk=self.document.pk, updated_at=self.document.updated_at
            )
            .annotate(piece=Substr(self.kind, start + 1, end - start))
            .values_list("piece", flat=True)
            .first()
        )
        # Edited since the page's first query: read it whole, as it is now.
        return self.whole[start:end] if found is None else found


# One thread of a process works out a long text's parts or headings; the
# others wait for its answer rather than each doing the same seconds of work.
_FILL = threading.Lock()


def _cached(key: str, make: Callable[[], Any]) -> Any:
    value = cache.get(key)
    if value is None:
        with _FILL:
            value = cache.get(key)
            if value is None:
                value = make()
                cache.set(key, value, CACHE_SECONDS)
    return value


def text_parts(
    source: TextSource, terms: Sequence[str]
) -> tuple[Parts, list[tuple[int, int]] | None]:
    """The parts of the text for these terms, and the hit spans when they were
    found here; a long text's parts come from the cache after the first request."""
    max_chars, max_marks = limits()
    if len(source) <= max_chars:
        spans = find_spans(source.whole, terms)
        parts = split_parts(
            source.whole, spans, max_chars=max_chars, max_marks=max_marks
        )
        return parts, spans
    document = source.document
    key = (
        f"doc-parts:{document.pk}:{_stamp(document)}:{source.kind}:{max_chars}:"
        f"{max_marks}:{_terms_key(terms)}"
    )

    def make() -> Parts:
        spans = find_spans(source.whole, terms) if terms else []
        return split_parts(
            source.whole, spans, max_chars=max_chars, max_marks=max_marks
        )

    return _cached(key, make), None


@dataclass(frozen=True)
class BodyHeadings:
    """Where every heading of a long body starts, and its top-level headings:
    enough to number a part's anchors and to list the other parts' headings
    (a list of ints and a few headings load from the cache far faster than
    thousands of headings)."""

    offsets: list[int]
    top: list[Heading]


def _body_headings(source: TextSource) -> BodyHeadings:
    """The headings of a long body, cached per version."""
    document = source.document
    key = f"doc-headings:{document.pk}:{_stamp(document)}"

    def make() -> BodyHeadings:
        headings = all_headings(source.whole)
        return BodyHeadings(
            offsets=[h.offset for h in headings],
            top=[h for h in headings if h.level == 1],
        )

    return _cached(key, make)


def paragraphs(html: str, lines: list[Line]) -> list[dict[str, Any]]:
    """Pair each highlighted line with its outline role; heading levels that
    occur become h2, h3, h4 in order, so no heading level is skipped."""
    used = sorted({abs(line.level) for line in lines if line.level})
    tag_of = {level: f"h{index + 2}" for index, level in enumerate(used)}
    rows = []
    for text, line in zip(html.split("\n"), lines, strict=True):
        if not text.strip() and not line.anchor:
            continue
        rows.append(
            {
                "html": text,
                "anchor": line.anchor,
                "tag": tag_of.get(line.level, "") if line.level > 0 else "",
                "numbered": line.level < 0,
            }
        )
    return rows


_HEADING_TAGS = ("h2", "h3", "h4")


def paragraphs_html(rows: list[dict[str, Any]]) -> SafeString:
    """The paragraphs as the page shows them, one a line. Built here rather
    than in the template: a part has thousands, and the template's loop cost
    more than all the rest of the page."""
    out = []
    for row in rows:
        anchor, html = escape(row["anchor"]), row["html"]
        if row["tag"]:
            tag = row["tag"] if row["tag"] in _HEADING_TAGS else "h5"
            out.append(f'<{tag} id="{anchor}" class="text-heading">{html}</{tag}>')
        elif anchor:
            out.append(f'<p id="{anchor}" class="numbered">{html}</p>')
        else:
            out.append(f"<p>{html}</p>")
    return mark_safe("\n".join(out))  # noqa: S308 - the rows are escaped HTML


def read_document(
    document: Document,
    *,
    terms: Sequence[str],
    original: bool,
    part_param: str | None,
    path: str,
    params: Mapping[str, str],
) -> Reading:
    """The part of the body (or of the original) to show at ``path`` with the
    page's ``params`` (q, view), asked for by ``part_param``."""
    source = TextSource(document, "original" if original else "body")
    parts, spans = text_parts(source, terms)
    number, problem = parse_part(part_param, len(parts))
    if number is None:
        # A link without a part (search results, exports) opens where hit 1 is.
        number = parts.of_hit(1).number if parts.total_hits else 1
    part = parts.get(number)
    chunk = source.piece(part.start, part.end) if parts.paged else source.whole
    if spans is None or parts.paged:
        spans = find_spans(chunk, terms)
    reading = Reading(parts=parts, part=part, hit_count=parts.total_hits)
    if problem:
        reading.problems.append(problem)
    if original:
        reading.original_html, _count = highlight_full(
            chunk, terms, first=part.first_hit
        )
    else:
        headings = _body_headings(source) if parts.paged else BodyHeadings([], [])
        before = bisect_left(headings.offsets, part.start)
        shape = outline(chunk, keep=spans, first_anchor=before + 1)
        html, _count = highlight_full(shape.text, terms, first=part.first_hit)
        reading.paragraphs = paragraphs(html, shape.lines)
        reading.paragraphs_html = paragraphs_html(reading.paragraphs)
        reading.toc = _toc(shape.headings, headings.top, parts, part, path, params)
    if parts.paged:
        add_part_links(reading, path, params)
    if parts.total_hits:
        reading.hit_nav = hit_nav_with_context(parts, part, path, params, chunk, spans)
    return reading


def _toc(
    here: list[Heading],
    top: list[Heading],
    parts: Parts,
    part: Part,
    path: str,
    params: Mapping[str, str],
) -> list[TocEntry]:
    """This part's headings, and for a text in parts the top-level headings
    of the others, each linking into its part (one a part if they are many)."""
    own = [TocEntry(h.level, h.label, f"#{h.anchor}") for h in here]
    if not parts.paged:
        return own
    others = [
        (parts.of_offset(h.offset), h)
        for h in top
        if not part.start <= h.offset < part.end
    ]
    if len(others) > MAX_TOC:
        firsts: dict[int, tuple[Part, Heading]] = {}
        for p, h in others:
            firsts.setdefault(p.number, (p, h))
        others = list(firsts.values())
    entries = [
        (
            p.number,
            TocEntry(
                h.level,
                h.label,
                part_url(path, params, part=p.number, fragment=h.anchor),
            ),
        )
        for p, h in others
    ]
    before = [entry for number, entry in entries if number < part.number]
    after = [entry for number, entry in entries if number > part.number]
    return before + own + after


def add_part_links(reading: Reading, path: str, params: Mapping[str, str]) -> None:
    parts, part = reading.parts, reading.part
    reading.part_links = [
        PartLink(
            number=p.number,
            url=part_url(path, params, part=p.number),
            current=p.number == part.number,
            first_hit=p.first_hit,
            last_hit=p.last_hit,
            hits=p.hits,
        )
        for p in parts.parts
    ]
    if part.number > 1:
        reading.prev_part_url = part_url(path, params, part=part.number - 1)
    if part.number < len(parts):
        reading.next_part_url = part_url(path, params, part=part.number + 1)


def hit_nav_with_context(
    parts: Parts,
    part: Part,
    path: str,
    params: Mapping[str, str],
    text: str,
    spans: Sequence[tuple[int, int]],
) -> HitNav:
    """hit_nav() with a few characters around each listed hit, from ``text``
    (the part shown) and its hit ``spans``."""
    nav = hit_nav(parts, part, path, params)
    entries = hit_entries(nav.links, text, spans, first=part.first_hit)
    return replace(nav, entries=entries)


def hit_nav(parts: Parts, part: Part, path: str, params: Mapping[str, str]) -> HitNav:
    if not parts.paged:
        total = parts.total_hits
        return HitNav(
            prev_href=f"#hit-{total}",
            next_href="#hit-1",
            prev_url="",
            next_url="",
            links=[(n, f"#hit-{n}") for n in range(1, min(total, MAX_HIT_LINKS) + 1)],
        )
    following = parts.next_with_hits(part, 1)
    preceding = parts.next_with_hits(part, -1)

    def link(hit: int) -> str:
        return hit_url(path, params, hit=hit, parts=parts)

    next_url = link(following.first_hit) if following else ""
    prev_url = link(preceding.last_hit) if preceding else ""
    if part.hits:
        first, last = part.first_hit, part.last_hit
        shown = range(first, min(last, first + MAX_HIT_LINKS - 1) + 1)
        links = [(n, f"#hit-{n}") for n in shown]
        return HitNav(f"#hit-{last}", f"#hit-{first}", prev_url, next_url, links)
    return HitNav(prev_url, next_url, prev_url, next_url, [])
