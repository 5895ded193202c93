"""What the document page says about a query's hits beyond the marks in the
text: the title's own hits, marked, and a few characters around each hit for
the "全部位置" list (a list of bare numbers told the reader nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from search import QueryError, parse_query
from search.normalise import Form
from search.query import Unit
from search.textmatch import FULL_TEXT, text_hits

# Characters of context on either side of a hit in the list.
CONTEXT_CHARS = 12
ELLIPSIS = "…"


@dataclass(frozen=True)
class HitEntry:
    """One line of the hit list: the hit's number, its link and its context."""

    number: int
    href: str
    before: str
    hit: str
    after: str


def hit_entries(
    links: Sequence[tuple[int, str]],
    text: str,
    spans: Sequence[tuple[int, int]],
    *,
    first: int,
    width: int = CONTEXT_CHARS,
) -> list[HitEntry]:
    """The hit list's lines for ``links`` ((number, href) of hits numbered
    from ``first``), ``spans`` being the hits of ``text`` in order.

    The context stays inside the hit's line (paragraph); where it is cut
    short of the line's end, an ellipsis says so.
    """
    entries = []
    for number, href in links:
        index = number - first
        if not 0 <= index < len(spans):
            continue
        start, end = spans[index]
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end == -1 else line_end
        left = max(line_start, start - width)
        right = min(line_end, end + width)
        before = text[left:start].lstrip()
        after = text[end:right].rstrip()
        entries.append(
            HitEntry(
                number=number,
                href=href,
                before=(ELLIPSIS if left > line_start else "") + before,
                hit=text[start:end],
                after=after + (ELLIPSIS if right < line_end else ""),
            )
        )
    return entries


def query_node(raw_query: str, *, form: str | None = None, near: str | None = None):  # noqa: ANN201
    """The page's query as a tree (None: no query, or one that does not
    parse; the page says why elsewhere)."""
    try:
        return parse_query(
            raw_query,
            form=Form.parse(form) or Form.FOLDED,
            near=Unit(near) if near in ("s", "p") else None,
        )
    except QueryError:
        return None


def title_spans(title: str, node) -> list[tuple[int, int]]:  # noqa: ANN001
    """The title's hits, merged: its full-text hits (the title is a paragraph
    of the full text) and those of 标题: terms."""
    if node is None or not title:
        return []
    hits = text_hits(title, node, field=FULL_TEXT) + text_hits(
        title, node, field="title"
    )
    merged: list[tuple[int, int]] = []
    for hit in sorted(hits):
        if merged and hit.start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hit.end))
        else:
            merged.append((hit.start, hit.end))
    return merged


def marked(text: str, spans: Sequence[tuple[int, int]]) -> SafeString:
    """``text`` escaped, with each span in a <mark>."""
    out, at = [], 0
    for start, end in spans:
        out.append(escape(text[at:start]))
        out.append(f'<mark class="title-hit">{escape(text[start:end])}</mark>')
        at = end
    out.append(escape(text[at:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped
