"""A results page sorts only its share of the hits (search/engine/topk.py):
the pages, one after another, are exactly the full order of every match
(matching_columns sorts them all), for relevance and both date orders."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.models import Document
from search.query import parse_query
from search.services import (
    SearchFilters,
    matching_columns,
    rebuild_index,
    search_documents,
)
from tests.conftest import import_samples

pytestmark = [pytest.mark.django_db, pytest.mark.search]


@pytest.fixture
def archive(search_index, seeds_dir: Path, corpus_dir: Path) -> None:
    import_samples(seeds_dir, corpus_dir)
    # Some documents without a date: they go last in both date orders.
    undated = list(Document.objects.order_by("pk").values_list("pk", flat=True)[::3])
    Document.objects.filter(pk__in=undated).update(
        doc_date=None, publish_date=None, plan_year=None
    )

    rebuild_index()


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("term", ["发展", "乡村振兴", "建设"])
def test_pages_in_turn_are_the_full_order(archive, sort, term) -> None:
    full = matching_columns(
        node=parse_query(term),
        filters=SearchFilters(),
        sort=sort,
        fields=("django_id",),
    )["django_id"]
    assert len(full) > 7
    paged: list[str] = []
    page = 1
    while True:
        found = search_documents(
            query=term, filters=SearchFilters(), sort=sort, page=page, page_size=7
        )
        if not found.results:
            break
        paged.extend(str(hit.id) for hit in found.results)
        page += 1
    assert paged == full
