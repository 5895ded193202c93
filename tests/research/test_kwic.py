"""KWIC lines point at the right offsets, link to the right mark, and sort."""

from __future__ import annotations

import re

import pytest

from documents.models import Document
from research.kwic import KwicOrder, concordance
from search.normalise import fold
from search.services import SearchFilters
from tests.research.conftest import occurrences, scan, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.search]


@pytest.mark.parametrize("query", ["乡村振兴", "小城市 OR 美丽城镇", "ct"])
def test_every_line_points_at_its_occurrence(archive, query: str) -> None:
    result = concordance(query=query, filters=SearchFilters(), width=12)
    terms = result.terms
    documents = {d.pk: d for d in Document.objects.all()}
    for line in result.lines:
        document = documents[line.document_id]
        text = document.body if line.field == "body" else document.title
        end = line.offset + len(line.term)
        assert text[line.offset : end] == line.match
        assert fold(line.match) == fold(line.term)
        assert line.left == text[max(0, line.offset - 12) : line.offset]
        assert line.right == text[end : end + 12]
    # One line per occurrence of each term, no more, no less.
    matching = {d.pk for term in terms for d in scan(term)}
    assert len(result.lines) == sum(
        occurrences(text_of(documents[pk]), term) for pk in matching for term in terms
    )
    assert result.documents == len(matching)


@pytest.mark.parametrize("query", ["乡村振兴", "小微企业 OR 中小微企业"])
def test_links_land_on_the_mark_with_the_term(client, archive, query: str) -> None:
    result = concordance(query=query, filters=SearchFilters())
    body_lines = [line for line in result.lines if line.field == "body"]
    assert len(body_lines) > 3
    for line in body_lines[:12]:
        path, anchor = line.url.split("#")
        assert anchor == f"hit-{line.hit}"
        page = client.get(path).content.decode()
        mark = re.search(rf'<mark id="{anchor}">([^<]*)</mark>', page)
        assert mark is not None, line.url
        # Overlapping terms share one mark, which holds them both.
        assert line.match in mark.group(1)


def test_sorts(archive) -> None:
    by_left = concordance(query="发展", filters=SearchFilters(), order=KwicOrder.LEFT)
    keys = [fold(line.left)[::-1] for line in by_left.lines]
    assert keys == sorted(keys)
    by_right = concordance(query="发展", filters=SearchFilters(), order=KwicOrder.RIGHT)
    keys = [fold(line.right) for line in by_right.lines]
    assert keys == sorted(keys)
    by_date = concordance(query="发展", filters=SearchFilters(), order=KwicOrder.DATE)
    dates = [line.date for line in by_date.lines if line.date]
    assert dates == sorted(dates)
    by_doc = concordance(
        query="发展", filters=SearchFilters(), order=KwicOrder.DOCUMENT
    )
    titles = [line.title for line in by_doc.lines]
    assert titles == sorted(titles)
    assert len(by_left.lines) == len(by_right.lines) == len(by_doc.lines)


def test_limit_is_reported(archive) -> None:
    result = concordance(query="发展", filters=SearchFilters(), limit=10)
    assert len(result.lines) == 10
    assert result.truncated


def test_page_paginates_and_out_of_range_shows_the_last_page(client, archive) -> None:
    first = client.get("/research/kwic/", {"q": "发展", "page_size": 10})
    assert first.status_code == 200
    html = first.content.decode()
    assert html.count('<td class="term">') == 10
    assert 'rel="next"' in html
    last = client.get("/research/kwic/", {"q": "发展", "page_size": 10, "page": 9999})
    assert last.status_code == 200
    assert "超出范围" in last.content.decode()


def test_api_pages_and_exports(client, archive) -> None:
    data = client.get(
        "/api/kwic", {"q": "乡村振兴", "page_size": 5, "order": "right"}
    ).json()
    assert data["total"] == len(
        concordance(query="乡村振兴", filters=SearchFilters()).lines
    )
    assert len(data["lines"]) == 5
    assert data["lines"][0]["url"].startswith("http://testserver/documents/")
    response = client.get("/api/kwic", {"q": "乡村振兴", "format": "csv"})
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    assert text.count("乡村振兴") >= data["total"]


def test_dates_are_the_documents_own_never_made_up(client, archive) -> None:
    result = concordance(query="发展", filters=SearchFilters(), order=KwicOrder.DATE)
    documents = Document.objects.in_bulk({line.document_id for line in result.lines})
    for line in result.lines:
        doc = documents[line.document_id]
        assert line.date == (doc.doc_date or doc.publish_date)
    undated = [line.date is None for line in result.lines]
    assert any(undated) and not all(undated)
    # Undated documents come last in date order.
    assert undated == sorted(undated)
    # No January 1st invented from a plan year, in the JSON or the CSV.
    ids = [
        pk for pk, doc in documents.items() if not (doc.doc_date or doc.publish_date)
    ]
    data = client.get("/api/kwic", {"q": "发展", "order": "date", "page_size": 100})
    for line in data.json()["lines"]:
        if line["document_id"] in ids:
            assert line["date"] is None
    response = client.get("/api/kwic", {"q": "发展", "format": "csv", "order": "date"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert not re.search(r",\d{4}-01-01,", text) or any(
        doc.doc_date and doc.doc_date.strftime("%m-%d") == "01-01"
        for doc in documents.values()
    )


@pytest.mark.parametrize("order", [KwicOrder.DOCUMENT, KwicOrder.DATE])
def test_pages_read_on_demand_are_the_whole_listing(archive, order) -> None:
    """A page of a long listing reads only its documents; the pages together
    are exactly every line a full read gives, in the same order."""
    from research.kwic import LineSequence, iter_lines

    result = concordance(query="发展 OR 建设", filters=SearchFilters(), order=order)
    assert isinstance(result.lines, LineSequence)
    everything = list(
        iter_lines(query="发展 OR 建设", filters=SearchFilters(), order=order)
    )
    assert len(result.lines) == len(everything)
    pages = []
    for start in range(0, len(everything), 37):
        pages.extend(result.lines[start : start + 37])
    key = lambda line: (line.document_id, line.field, line.offset, line.term)  # noqa: E731
    assert [key(x) for x in pages] == [key(x) for x in everything]
    assert key(result.lines[-1]) == key(everything[-1])
    assert key(result.lines[5]) == key(everything[5])
