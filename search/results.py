"""Turn a page of search hits into rows for the page and the API, with snippets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from documents.models import Document
from search.forms import SearchParams
from search.highlight import snippets
from search.query import QueryError
from search.services import SearchHit, SearchPage, search_documents

SNIPPETS_PER_HIT = 2
SNIPPET_WIDTH = 110


@dataclass(frozen=True)
class ResultRow:
    hit: SearchHit
    index_no: str
    url: str
    snippets: list[str]

    def as_json(self) -> dict[str, Any]:
        hit = self.hit
        return {
            "id": hit.id,
            "index_no": self.index_no,
            "title": hit.title,
            "issuer": hit.issuer,
            "township": hit.township,
            "county": hit.county,
            "city": hit.city,
            "province": hit.province,
            "plan_year": hit.plan_year,
            "doc_date": hit.doc_date.isoformat() if hit.doc_date else None,
            "url": self.url,
            "snippet_html": " ".join(self.snippets),
        }


@dataclass(frozen=True)
class SearchOutcome:
    page: SearchPage | None
    rows: list[ResultRow]
    problems: list[str]
    error: str = ""


def run_search(params: SearchParams) -> SearchOutcome:
    """Search; past the last page show the last page; add snippets to the rows."""
    problems = list(params.problems)
    try:
        page = _search(params, params.page)
    except QueryError as exc:
        return SearchOutcome(page=None, rows=[], problems=problems, error=str(exc))
    if page.total and params.page > page.num_pages:
        problems.append(f"第 {params.page} 页超出范围，已显示最后一页。")
        page = _search(params, page.num_pages)
    return SearchOutcome(page=page, rows=_rows(page), problems=problems)


def _search(params: SearchParams, page_number: int) -> SearchPage:
    return search_documents(
        query=params.query,
        filters=params.filters,
        sort=params.sort,
        page=page_number,
        page_size=params.page_size,
    )


def _rows(page: SearchPage) -> list[ResultRow]:
    ids = [hit.id for hit in page.results]
    documents = Document.objects.only("pk", "index_no", "body").in_bulk(ids)
    query_string = urlencode({"q": " ".join(page.terms)}) if page.terms else ""
    rows = []
    for hit in page.results:
        document = documents.get(hit.id)
        if document is None:
            continue  # Deleted since it was indexed; check_index reports it.
        url = reverse("documents:detail", args=[hit.id])
        if query_string:
            url = f"{url}?{query_string}"
        passages = snippets(
            document.body, page.terms, n=SNIPPETS_PER_HIT, width=SNIPPET_WIDTH
        )
        rows.append(ResultRow(hit, document.index_no or "", url, passages))
    return rows
