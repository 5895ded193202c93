"""Turn a page of search hits into rows for the page and the API, with snippets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from documents.attachment_reading import text_parts_of
from documents.models import Document
from documents.parts import hit_url
from documents.texts import TITLE, TextPart, text_parts, with_parts
from plansite.api_fields import API_FIELDS
from search.forms import SearchParams, link_params
from search.highlight import Marked, find_spans, mark, snippets
from search.normalise import Form
from search.query import QueryError, Unit
from search.services import SearchHit, SearchPage, search_documents
from search.textmatch import FULL_TEXT

SNIPPETS_PER_HIT = 2
SNIPPET_WIDTH = 110


@dataclass(frozen=True)
class ResultRow:
    hit: SearchHit
    index_no: str
    url: str
    snippets: list[str]
    # The title with the query's terms marked (a title match is a match too).
    title_html: SafeString = mark_safe("")
    # Which part the snippets come from when it is an attachment
    # ("附件1：XX.docx"), and its page at the first hit; "" for the body.
    snippet_part: str = ""
    snippet_url: str = ""
    # The 文号, shown where a query named the document by it (编号相符).
    doc_number: str = ""

    def as_json(self) -> dict[str, Any]:
        # The document fields the API shows (plansite/api_fields.py), as JSON;
        # the 索引号 is read from the row, the index does not hold it.
        values = {
            name: self.index_no if name == "index_no" else getattr(self.hit, name)
            for name in API_FIELDS
        }
        return {
            "id": self.hit.id,
            **{
                name: value.isoformat() if isinstance(value, date) else value
                for name, value in values.items()
            },
            "url": self.url,
            "title_html": str(self.title_html),
            "snippet_html": " ".join(self.snippets),
            "snippet_part": self.snippet_part,
            "snippet_url": self.snippet_url,
        }


@dataclass(frozen=True)
class SearchOutcome:
    page: SearchPage | None
    rows: list[ResultRow]
    problems: list[str]
    error: str = ""
    # The documents whose 索引号 or 文号 the query is (编号相符), shown first.
    identified: list[ResultRow] = field(default_factory=list)


def run_search(params: SearchParams) -> SearchOutcome:
    """Search; past the last page show the last page; add snippets to the rows."""
    problems = list(params.problems)
    try:
        page = _search(params, params.page)
    except QueryError as exc:
        return SearchOutcome(page=None, rows=[], problems=problems, error=str(exc))
    if page.query is not None:
        problems.extend(page.query.notes)
    if page.total and params.page > page.num_pages:
        problems.append(
            _("第 %(page)s 页超出范围，已显示最后一页。") % {"page": params.page}
        )
        page = _search(params, page.num_pages)
    return SearchOutcome(
        page=page,
        rows=_rows(page, params=params),
        problems=problems,
        identified=_rows(page, params=params, hits=page.identified),
    )


def _search(params: SearchParams, page_number: int) -> SearchPage:
    return search_documents(
        query=params.query,
        filters=params.filters,
        sort=params.sort,
        page=page_number,
        page_size=params.page_size,
        form=params.form,
        near=params.near,
    )


@dataclass(frozen=True)
class Snippets:
    """Passages of one part of a document; ``label`` names an attachment."""

    part: TextPart | None
    passages: list[str]

    @property
    def label(self) -> str:
        return self.part.label if self.part and self.part.is_attachment else ""


def document_snippets(
    document: Document, terms: Marked | None, *, n: int, width: int
) -> Snippets:
    """Snippets from the body when it has a hit, else from the first
    attachment that has one (labelled); with no hit in either (a title
    match), the start of the body, or of the first attachment when the body
    is empty (a document that came as an attachment alone)."""
    parts = [part for part in text_parts(document) if part.key != TITLE]
    chosen = next((part for part in parts if find_spans(part.text, terms)), None)
    if chosen is None:
        chosen = next((part for part in parts if part.text.strip()), None)
    if chosen is None:
        return Snippets(None, [])
    return Snippets(chosen, snippets(chosen.text, terms, n=n, width=width))


def _part_url(
    document: Document, part: TextPart | None, terms: Marked | None, query: dict
) -> str:
    """The attachment's page at its first hit (the part of a long text that
    holds it), or "" when the snippets are the body's."""
    if part is None or part.number is None:
        return ""
    path = reverse("documents:attachment", args=[document.pk, part.number])
    spans = find_spans(part.text, terms)
    if not spans:
        return path
    parts = text_parts_of(part.text, spans)
    return hit_url(path, query, hit=1, parts=parts)


def document_query(
    query: str, *, form: Form = Form.FOLDED, near: Unit | None = None
) -> dict[str, str]:
    """The GET parameters that make a document page mark what a search
    matched: the query as typed, and its form and 同句/同段 choice."""
    if not query.strip():
        return {}
    return {"q": query, **link_params(form, near)}


def _rows(
    page: SearchPage, *, params: SearchParams, hits: Sequence[SearchHit] | None = None
) -> list[ResultRow]:
    """Rows of ``hits`` (the page's results by default) with their snippets."""
    hits = page.results if hits is None else hits
    ids = [hit.id for hit in hits]
    documents = with_parts(
        Document.objects.only("pk", "index_no", "doc_number", "title", "body")
    ).in_bulk(ids)
    # What the search matched, so the document page marks the same hits.
    query = (
        document_query(params.query, form=params.form, near=params.near)
        if page.terms
        else {}
    )
    query_string = urlencode(query)
    node = page.query
    rows = []
    for hit in hits:
        document = documents.get(hit.id)
        if document is None:
            continue  # Deleted since it was indexed; check_index reports it.
        url = reverse("documents:detail", args=[hit.id])
        if query_string:
            url = f"{url}?{query_string}"
        found = document_snippets(
            document, node, n=SNIPPETS_PER_HIT, width=SNIPPET_WIDTH
        )
        title_html = mark(hit.title, node, fields=(FULL_TEXT, "title"))
        rows.append(
            ResultRow(
                hit,
                document.index_no or "",
                url,
                found.passages,
                mark_safe(title_html),  # noqa: S308 - escaped by mark()
                snippet_part=found.label,
                snippet_url=_part_url(document, found.part, node, query),
                doc_number=document.doc_number or "",
            )
        )
    return rows
