"""KWIC: every occurrence of the query's terms in a result set, in context."""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import Any

from django.db.models import F, TextChoices, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from documents.parts import Parts, hit_url, split_parts
from documents.reading import limits
from documents.texts import ATTACHMENT_PREFIX, BODY, TITLE, text_parts
from research.corpus import find_occurrences, iter_documents, query_node
from search.highlight import find_spans
from search.normalise import Form, fold
from search.query import Node, Unit
from search.results import document_query
from search.selection import matching_documents
from search.services import SearchFilters
from search.textmatch import FULL_TEXT, counted_terms

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
    text is the document's part ``field``: "title", "body" or "attachment-N"
    (documents/texts.py), labelled ``part`` (标题, 正文, 附件N：文件名)."""

    document_id: int
    title: str
    index_no: str
    township: str
    county: str
    plan_year: int | None
    date: date | None
    field: str
    part: str
    offset: int
    term: str
    match: str
    left: str
    right: str
    # The number of the mark (id="hit-N") on the page that shows the part:
    # the document page for the body, the attachment's page for an
    # attachment; None for the title.
    hit: int | None
    url: str
    rank: int

    @property
    def part_order(self) -> int:
        """The part's place in the document: title 0, body 1, attachment N N+1."""
        if self.field == TITLE:
            return 0
        if self.field == BODY:
            return 1
        return 1 + int(self.field.removeprefix(ATTACHMENT_PREFIX))

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
            "part": self.part,
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
    "part",
    "offset",
    "left",
    "match",
    "right",
    "term",
    "hit",
    "url",
)

# A line break inside a context is written as this mark in CSV, one mark a
# break: a raw one splits the row in a spreadsheet (and in naive readers), a
# space would hide that the context crosses a paragraph.
LINE_BREAK_MARK = "⏎"
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def csv_record(record: dict[str, Any]) -> dict[str, Any]:
    """A KWIC record for CSV: the line breaks in its contexts made visible."""
    return {
        **record,
        "left": _LINE_BREAKS.sub(LINE_BREAK_MARK, record["left"]),
        "right": _LINE_BREAKS.sub(LINE_BREAK_MARK, record["right"]),
    }


@dataclass(frozen=True)
class Concordance:
    query: str
    terms: list[str]
    order: KwicOrder
    width: int
    documents: int
    lines: Sequence[KwicLine]
    truncated: bool


class LineSequence(Sequence[KwicLine]):
    """Every line in document or date order, each slice read when asked for.

    The index has counted each document's occurrences, so the documents a page
    of lines comes from are known without reading the others: page 1 of a
    term in 48,000 documents reads a handful of them, not all.
    """

    def __init__(
        self,
        ids: list[int],
        counts: dict[int, int],
        terms: Node | Sequence[str],
        *,
        query: str,
        width: int,
        limit: int | None = None,
        form: Form = Form.FOLDED,
        near: Unit | None = None,
    ) -> None:
        self.ids = [pk for pk in ids if counts.get(pk)]
        self.ends = list(accumulate(counts[pk] for pk in self.ids))
        self.terms = terms
        self.query = query
        self.width = width
        self.form = form
        self.near = near
        total = self.ends[-1] if self.ends else 0
        self.total = total
        self.length = total if limit is None else min(total, limit)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index):
        if not isinstance(index, slice):
            found = self[index : index + 1] if index >= 0 else self[index:][:1]
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, step = index.indices(len(self))
        if step != 1:
            return list(self[start:stop])[::step]
        if start >= stop:
            return []
        first = bisect_right(self.ends, start)
        last = bisect_right(self.ends, stop - 1)
        skip = start - (self.ends[first - 1] if first else 0)
        lines: list[KwicLine] = []
        chosen = self.ids[first : last + 1]
        for rank, document in enumerate(
            iter_documents(chosen, fields=_TEXT_FIELDS + _DATE_FIELDS), start=first
        ):
            lines.extend(
                document_lines(
                    document,
                    self.terms,
                    query=self.query,
                    width=self.width,
                    rank=rank,
                    form=self.form,
                    near=self.near,
                )
            )
        return lines[skip : skip + stop - start]


def document_lines(
    document: Document,
    terms: Node | Sequence[str],
    *,
    query: str,
    width: int,
    rank: int = 0,
    form: Form = Form.FOLDED,
    near: Unit | None = None,
) -> Iterator[KwicLine]:
    """The document's occurrences that count (research.corpus.find_occurrences:
    of 乡村振兴 /s 产业, each 乡村振兴 with an 产业 in its sentence): in the
    title, the body, then each attachment (documents/texts.py), in text order
    within each."""
    params = document_query(query, form=form, near=near)
    when = document_date(document)
    for part in text_parts(document):
        text = part.text
        fields = (FULL_TEXT, "title") if part.key == TITLE else (FULL_TEXT,)
        occurrences = sorted(
            {o for name in fields for o in find_occurrences(text, terms, field=name)}
        )
        if not occurrences:
            continue
        # The document page (or the attachment's page) marks the hits of the
        # text it shows (every qualifying one, overlapping ones merged into
        # one mark), and numbers the marks id="hit-1", "hit-2", ...
        marks = find_spans(text, terms, fields=fields)
        mark_starts = [start for start, _ in marks]
        if part.key == TITLE:
            path, parts = reverse("documents:detail", args=[document.pk]), None
        elif part.attachment is None:
            path = reverse("documents:detail", args=[document.pk])
            parts = _body_parts(text, marks)
        else:
            path = reverse("documents:attachment", args=[document.pk, part.number])
            parts = _body_parts(text, marks)
        for offset, term in occurrences:
            end = offset + len(term)
            hit = bisect_right(mark_starts, offset)
            number = None if part.key == TITLE else hit
            yield KwicLine(
                document_id=document.pk,
                title=document.title,
                index_no=document.index_no or "",
                township=document.township,
                county=document.county,
                plan_year=document.plan_year,
                date=when,
                field=part.key,
                part=part.label,
                offset=offset,
                term=term,
                match=text[offset:end],
                left=text[max(0, offset - width) : offset],
                right=text[end : end + width],
                hit=number,
                url=hit_url(path, params, hit=number, parts=parts),
                rank=rank,
            )


def _marks(
    occurrences: Sequence[tuple[int, str]],
) -> tuple[list[int], list[tuple[int, int]]]:
    """The mark number of each occurrence, and the marks' spans."""
    numbers: list[int] = []
    marks: list[tuple[int, int]] = []
    for offset, term in occurrences:
        end = offset + len(term)
        if marks and offset < marks[-1][1]:
            marks[-1] = (marks[-1][0], max(marks[-1][1], end))
        else:
            marks.append((offset, end))
        numbers.append(len(marks))
    return numbers, marks


def _body_parts(body: str, marks: list[tuple[int, int]]) -> Parts | None:
    """How the document page (or an attachment's page) splits a long text
    with these marks (None for a text shown whole, which is the common case
    and costs nothing)."""
    max_chars, max_marks = limits()
    if len(body) <= max_chars and len(marks) <= max_marks:
        return None
    return split_parts(body, marks, max_chars=max_chars, max_marks=max_marks)


# Above this many documents, one ordered pass over the table beats asking for
# the matches a chunk at a time.
_ORDER_BY_SCAN = 5000


def _ordered_ids(ids: list[int], order: KwicOrder) -> list[int]:
    """The documents in the order of a listing by document (title) or by date
    (written, else published; undated last, by plan year among themselves)."""
    if order is KwicOrder.DOCUMENT:
        ordering = ("title", "pk")
    else:
        ordering = (
            F("when").asc(nulls_last=True),
            Coalesce("plan_year", Value(0)),
            "pk",
        )
    queryset = Document.objects.annotate(when=Coalesce("doc_date", "publish_date"))
    if len(ids) < _ORDER_BY_SCAN:
        # Well within every database's limit of query parameters.
        return list(
            queryset.filter(pk__in=ids).order_by(*ordering).values_list("pk", flat=True)
        )
    wanted = set(ids)
    scan = queryset.order_by(*ordering).values_list("pk", flat=True)
    return [pk for pk in scan.iterator(chunk_size=5000) if pk in wanted]


def _sort_key(order: KwicOrder):
    def in_text(line: KwicLine) -> tuple:
        return (line.rank, line.part_order, line.offset, line.term)

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
    form: Form = Form.FOLDED,
    near: Unit | None = None,
) -> Iterator[KwicLine]:
    """Every line in document (or date) order, read a chunk of documents at a time.

    For a context order, lines come in date order; sort them (see concordance).
    Raises search.query.QueryError.
    """
    node = query_node(query, form=form, near=near)
    if not counted_terms(node):
        return
    if documents is None:
        documents = [
            m.id
            for m in matching_documents(
                query=query, filters=filters, form=form, near=near
            )
        ]
    base = KwicOrder.DOCUMENT if order is KwicOrder.DOCUMENT else KwicOrder.DATE
    ids = _ordered_ids(list(documents), base)
    for rank, document in enumerate(
        iter_documents(ids, fields=_TEXT_FIELDS + _DATE_FIELDS)
    ):
        yield from document_lines(
            document, node, query=query, width=width, rank=rank, form=form, near=near
        )


def concordance(
    *,
    query: str,
    filters: SearchFilters,
    order: KwicOrder = KwicOrder.DOCUMENT,
    width: int = DEFAULT_WIDTH,
    limit: int | None = None,
    form: Form = Form.FOLDED,
    near: Unit | None = None,
) -> Concordance:
    """All lines (up to ``limit``), in the order asked for.

    In document or date order the lines are read page by page as they are
    shown, so there is no limit unless one is given; a sort by context needs
    every line at once and keeps the first ``limit`` (MAX_LINES by default).

    Raises search.query.QueryError.
    """
    width = min(max(width, MIN_WIDTH), MAX_WIDTH)
    node = query_node(query, form=form, near=near)
    terms = counted_terms(node)
    matches = (
        matching_documents(
            query=query, filters=filters, occurrences_of=terms, form=form, near=near
        )
        if terms
        else []
    )
    ids = [m.id for m in matches]
    made = functools.partial(
        Concordance,
        query=query,
        terms=terms,
        order=order,
        width=width,
        documents=len(ids),
    )
    if order in (KwicOrder.DOCUMENT, KwicOrder.DATE) and all(
        m.occurrences is not None for m in matches
    ):
        # In document or date order no sort is needed: read what is shown.
        counts = {m.id: m.occurrences for m in matches}
        lines = LineSequence(
            _ordered_ids(ids, order),
            counts,
            node,
            query=query,
            width=width,
            limit=limit,
            form=form,
            near=near,
        )
        return made(lines=lines, truncated=len(lines) < lines.total)
    limit = MAX_LINES if limit is None else limit
    lines: list[KwicLine] = []
    truncated = False
    for line in iter_lines(
        query=query,
        filters=filters,
        order=order,
        width=width,
        documents=ids,
        form=form,
        near=near,
    ):
        if len(lines) >= limit:
            truncated = True
            break
        lines.append(line)
    lines.sort(key=_sort_key(order))
    return made(lines=lines, truncated=truncated)
