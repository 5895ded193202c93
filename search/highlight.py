"""CJK-correct highlighting of the occurrences that count for a query, HTML-safe."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from html import escape

from search.normalise import fold
from search.query import And, Node
from search.textmatch import FULL_TEXT, Hit, starts, text_hits

ELLIPSIS = "…"


# What a highlighter is given: the parsed query (the occurrences that count
# for it, search/textmatch.py, proximity included) or, as before, plain terms
# (every occurrence of each).
Marked = Node | Iterable[str]


def find_hits(
    text: str, query: Marked | None, *, fields: Sequence[str] = (FULL_TEXT,)
) -> list[Hit]:
    """The occurrences to mark in ``text``, in text order.

    For a query, those search/textmatch.py counts in a text of ``fields``
    (the full text, whose parts judge proximity alone; "title" adds the
    title field's terms); a term of 乡村振兴 /s 产业 outside such a sentence
    is not one. For plain terms, every occurrence (ASCII case folded).
    """
    if query is None:
        return []
    if isinstance(query, And):
        found: set[Hit] = set()
        for name in fields:
            found.update(text_hits(text, query, field=name))
        return sorted(found)
    haystack = fold(text)
    raw: list[Hit] = []
    for term in dict.fromkeys(t for t in query if t):
        needle = fold(term)
        for start in starts(haystack, needle):
            raw.append(Hit(start, start + len(needle), term))
    return sorted(raw)


def _merged(hits: Sequence[Hit]) -> tuple[list[tuple[int, int]], list[frozenset]]:
    """Merged spans of ``hits`` (in text order) and the terms inside each."""
    merged: list[tuple[int, int]] = []
    terms: list[set[str]] = []
    for hit in hits:
        if merged and hit.start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hit.end))
            terms[-1].add(hit.term)
        else:
            merged.append((hit.start, hit.end))
            terms.append({hit.term})
    return merged, [frozenset(t) for t in terms]


def find_spans(
    text: str, query: Marked | None, *, fields: Sequence[str] = (FULL_TEXT,)
) -> list[tuple[int, int]]:
    """Merged (start, end) char spans of the occurrences to mark (find_hits).

    Overlapping occurrences (哈哈 in 哈哈哈, 小微 inside 中小微企业 with 微企)
    merge into one span, so no mark is nested or split.
    """
    return _merged(find_hits(text, query, fields=fields))[0]


def _render(
    text: str, spans: Sequence[tuple[int, int]], start: int, end: int, first_id: int
) -> str:
    # Escape each plain and marked piece separately: escaping the whole text
    # first would shift offsets and let a term such as "amp" match inside "&amp;".
    parts: list[str] = []
    cursor = start
    number = first_id
    for span_start, span_end in spans:
        parts.append(escape(text[cursor:span_start]))
        inner = escape(text[span_start:span_end])
        if number:
            parts.append(f'<mark id="hit-{number}">{inner}</mark>')
            number += 1
        else:
            parts.append(f"<mark>{inner}</mark>")
        cursor = span_end
    parts.append(escape(text[cursor:end]))
    return "".join(parts)


def highlight_full(
    text: str, terms: Marked | None, *, first: int = 1
) -> tuple[str, int]:
    """The whole text as HTML with marks id="hit-1", "hit-2", ... and their count.

    A part of a longer text numbers its marks from ``first``, so that hit N
    has the same number whichever part shows it.
    """
    spans = find_spans(text, terms)
    return _render(text, spans, 0, len(text), max(1, first)), len(spans)


def _window(
    text: str, spans: list[tuple[int, int]], first: int, width: int
) -> tuple[int, int, int, int]:
    """The passage starting near span ``first``: (start, end, first, last+1)."""
    anchor = spans[first][0]
    start = max(0, anchor - width // 4)
    if first > 0:
        # Start after the previous hit rather than show half of it unmarked.
        start = max(start, spans[first - 1][1])
    end = min(len(text), start + width)
    last = first
    while last < len(spans) and spans[last][1] <= end:
        last += 1
    # Never cut a mark in two: stretch to the end of a span that straddles.
    if last < len(spans) and spans[last][0] < end:
        end = spans[last][1]
        last += 1
    return start, end, first, last


def mark(
    text: str, terms: Marked | None, *, fields: Sequence[str] = (FULL_TEXT,)
) -> str:
    """The text as HTML with the occurrences to mark marked (no ids)."""
    return _render(text, find_spans(text, terms, fields=fields), 0, len(text), 0)


# Passages beyond the first n are added only to show a term not shown yet.
MAX_PASSAGES = 5
# Passages weighed for one text's snippets. A 5 MiB text with 的 has some 44,000
# hits; weighing a window at each cost a search page 0.2-0.7 s per such text.
MAX_CANDIDATES = 1_000


def _candidate_starts(spans: list[tuple[int, int]], firsts: Iterable[int]) -> list[int]:
    """Which hits to weigh as a passage's first: all of them, or, past
    MAX_CANDIDATES, each term's first hit and hits evenly spread through the
    text (every term that occurs can still be shown; the cost stays bounded)."""
    if len(spans) <= MAX_CANDIDATES:
        return list(range(len(spans)))
    starts = [start for start, _ in spans]
    chosen = set(range(0, len(spans), -(-len(spans) // MAX_CANDIDATES)))
    for at in firsts:
        # The merged span that holds the term's first occurrence.
        chosen.add(bisect_right(starts, at) - 1)
    return sorted(chosen)


def snippets(
    text: str,
    terms: Marked | None,
    n: int = 3,
    width: int = 120,
    *,
    fields: Sequence[str] = (FULL_TEXT,),
) -> list[str]:
    """Passages of about ``width`` chars, in text order, the hits marked.

    Up to n passages, chosen greedily: each next one shows the most terms not
    shown yet, then the most hits. If terms that occur are still not shown,
    more passages follow (up to MAX_PASSAGES) until every one is. With no
    hits, the start of the text.
    """
    hits = find_hits(text, terms, fields=fields)
    spans, span_terms = _merged(hits)
    if not spans:
        head = " ".join(escape(text[:width]).split())
        return [head + (ELLIPSIS if len(text) > width else "")] if head else []
    firsts: dict[str, int] = {}
    for hit in hits:
        firsts.setdefault(hit.term, hit.start)
    present = frozenset(firsts)
    candidates = []
    for i in _candidate_starts(spans, firsts.values()):
        start, end, first, last = _window(text, spans, i, width)
        shown = frozenset().union(*span_terms[first:last])
        candidates.append((shown, last - first, start, end, first, last))
    chosen: list[tuple[int, int, int, int]] = []
    covered: frozenset[str] = frozenset()
    while len(chosen) < max(n, MAX_PASSAGES):
        free = [
            c
            for c in candidates
            if all(c[3] <= s or c[2] >= e for s, e, _, _ in chosen)
        ]
        if not free:
            break
        best = max(free, key=lambda c: (len(c[0] - covered), len(c[0]), c[1], -c[2]))
        if len(chosen) >= n and not best[0] - covered:
            break
        chosen.append(best[2:])
        covered |= best[0]
        if len(chosen) >= n and covered >= present:
            break
    chosen.sort()
    passages = []
    for start, end, first, last in chosen:
        # Line breaks would break a one-line passage; marks contain no spaces.
        body = " ".join(_render(text, spans[first:last], start, end, 0).split())
        prefix = ELLIPSIS if start > 0 else ""
        suffix = ELLIPSIS if end < len(text) else ""
        passages.append(prefix + body + suffix)
    return passages
