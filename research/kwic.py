"""KWIC: every occurrence of the query's terms in a result set, in context."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import TextChoices
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from research.corpus import CHUNK, find_occurrences, iter_documents, query_terms
from search.normalise import fold
from search.selection import matching_documents
from search.services import SearchFilters

DEFAULT_WIDTH = 30
MIN_WIDTH = 5
MAX_WIDTH = 100
# Lines kept for one page view or for a sort by context, which needs them all
# at once; a listing in document or date order streams without this limit.
MAX_LINES = 20_000
_TEXT_FIELDS = ("title", "index_no", "township", "county", "plan_year", "body")
_DATE_FIELDS = ("doc_date", "publish_date", "plan_year")
_ORDER_FIELDS = ("title", *_DATE_FIELDS)


class KwicOrder(TextChoices):
    DOCUMENT = "doc", _("文档")
    DATE = "date", _("日期（旧→新）")
    LEFT = "left", _("左侧语境")
    RIGHT = "right", _("右侧语境")

    @classmethod
    def parse(cls, value: str | None) -> KwicOrder | None:
        """The order named by value, or None for unknown input."""
        try:
            return cls(value)
        except ValueError:
            return None


def document_date(document: Document) -> date | None:
    """The date a line shows and is sorted by: written, else published. Never
    made up from the plan year (a 2018 report is not dated 2018-01-01)."""
    return document.doc_date or document.publish_date


@dataclass(frozen=True, slots=True)
class KwicLine:
    """One occurrence: ``text[offset:offset + len(match)]`` is the match, where
    text is the document's title or body (``field``)."""

    document_id: int
    title: str
    index_no: str
    township: str
    county: str
    plan_year: int | None
    date: date | None
    field: str
    offset: int
    term: str
    match: str
    left: str
    right: str
    # The number of the mark on the document page (id="hit-N"); body only.
    hit: int | None
    url: str
    rank: int

    def as_json(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "title": self.title,
            "index_no": self.index_no,
            "township": self.township,
            "county": self.county,
            "plan_year": self.plan_year,
            "date": self.date.isoformat() if self.date else None,
            "field": self.field,
            "offset": self.offset,
            "term": self.term,
            "match": self.match,
            "left": self.left,
            "right": self.right,
            "hit": self.hit,
            "url": self.url,
        }


EXPORT_COLUMNS = (
    "document_id",
    "index_no",
    "title",
    "township",
    "county",
    "plan_year",
    "date",
    "field",
    "offset",
    "left",
    "match",
    "right",
    "term",
    "hit",
    "url",
)


@dataclass(frozen=True)
class Concordance:
    query: str
    terms: list[str]
    order: KwicOrder
    width: int
    documents: int
    lines: list[KwicLine]
    truncated: bool


def document_lines(
    document: Document, terms: Sequence[str], *, query: str, width: int, rank: int = 0
) -> Iterator[KwicLine]:
    """The document's occurrences: in the title, then in the body, in text order."""
    base = reverse("documents:detail", args=[document.pk])
    link = f"{base}?{urlencode({'q': query})}"
    when = document_date(document)
    for field, text in (("title", document.title), ("body", document.body)):
        # The document page marks the body's hits, overlapping ones merged into
        # one mark, and numbers the marks id="hit-1", "hit-2", ...
        hit = 0
        mark_end = -1
        for offset, term in find_occurrences(text, terms):
            end = offset + len(term)
            if offset >= mark_end:
                hit += 1
                mark_end = end
            else:
                mark_end = max(mark_end, end)
            number = hit if field == "body" else None
            yield KwicLine(
                document_id=document.pk,
                title=document.title,
                index_no=document.index_no or "",
                township=document.township,
                county=document.county,
                plan_year=document.plan_year,
                date=when,
                field=field,
                offset=offset,
                term=term,
                match=text[offset:end],
                left=text[max(0, offset - width) : offset],
                right=text[end : end + width],
                hit=number,
                url=f"{link}#hit-{number}" if number else link,
                rank=rank,
            )


def _ordered_ids(ids: list[int], order: KwicOrder) -> list[int]:
    """The documents in the order of a listing by document or by date."""
    keys: dict[int, tuple] = {}
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset : offset + CHUNK]
        for document in Document.objects.only(*_ORDER_FIELDS).filter(pk__in=chunk):
            if order is KwicOrder.DOCUMENT:
                keys[document.pk] = (document.title, document.pk)
            else:
                when = document_date(document)
                # Undated documents last, by plan year among themselves.
                keys[document.pk] = (
                    when is None,
                    when or date.min,
                    document.plan_year or 0,
                    document.pk,
                )
    return sorted(keys, key=keys.__getitem__)


def _sort_key(order: KwicOrder):
    def in_text(line: KwicLine) -> tuple:
        return (line.rank, line.field != "title", line.offset, line.term)

    if order is KwicOrder.LEFT:
        # Reversed, so the words right before the term sort together.
        return lambda line: (fold(line.left)[::-1], *in_text(line))
    if order is KwicOrder.RIGHT:
        return lambda line: (fold(line.right), *in_text(line))
    return in_text


def iter_lines(
    *,
    query: str,
    filters: SearchFilters,
    order: KwicOrder,
    width: int = DEFAULT_WIDTH,
    documents: Iterable[int] | None = None,
) -> Iterator[KwicLine]:
    """Every line in document (or date) order, read a chunk of documents at a time.

    For a context order, lines come in date order; sort them (see concordance).
    Raises search.query.QueryError.
    """
    terms = query_terms(query)
    if not terms:
        return
    if documents is None:
        documents = [m.id for m in matching_documents(query=query, filters=filters)]
    base = KwicOrder.DOCUMENT if order is KwicOrder.DOCUMENT else KwicOrder.DATE
    ids = _ordered_ids(list(documents), base)
    for rank, document in enumerate(
        iter_documents(ids, fields=_TEXT_FIELDS + _DATE_FIELDS)
    ):
        yield from document_lines(document, terms, query=query, width=width, rank=rank)


def concordance(
    *,
    query: str,
    filters: SearchFilters,
    order: KwicOrder = KwicOrder.DOCUMENT,
    width: int = DEFAULT_WIDTH,
    limit: int = MAX_LINES,
) -> Concordance:
    """All lines (up to ``limit``, read in document or date order), sorted.

    Raises search.query.QueryError.
    """
    width = min(max(width, MIN_WIDTH), MAX_WIDTH)
    terms = query_terms(query)
    ids = (
        [m.id for m in matching_documents(query=query, filters=filters)]
        if terms
        else []
    )
    lines: list[KwicLine] = []
    truncated = False
    for line in iter_lines(
        query=query, filters=filters, order=order, width=width, documents=ids
    ):
        if len(lines) >= limit:
            truncated = True
            break
        lines.append(line)
    lines.sort(key=_sort_key(order))
    return Concordance(
        query=query,
        terms=terms,
        order=order,
        width=width,
        documents=len(ids),
        lines=lines,
        truncated=truncated,
    )
