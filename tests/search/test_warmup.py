"""After warm_up(), the first query of each kind decodes no column: what is
left for it to read is its own terms' postings."""

from __future__ import annotations

import pytest

from search.engine import matching
from search.services import SearchFilters, index_documents, search_documents
from search.warmup import warm_up
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def _decoded() -> dict:
    """Every column decoded in this process, by segment, and the value spaces."""
    columns = {
        segment: (set(shared.columns), set(shared.values))
        for segment, shared in matching.SEGMENTS.items()
    }
    spaces = {key: set(found) for key, found in matching._SPACES.items()}
    return {"columns": columns, "spaces": spaces}


def test_a_first_query_after_warm_up_decodes_no_column(search_index):
    # warm_up() ranks 发展, which nearly every plan holds.
    docs = [
        make_document(
            "甲镇计划",
            "全面推进乡村振兴，高质量发展。",
            township="甲镇",
            plan_year=2021,
        ),
        make_document(
            "乙乡总结", "乡村的振兴与发展。", township="乙乡", plan_year=None
        ),
    ]
    index_documents([docs[0].pk])
    index_documents([docs[1].pk])  # two segments
    # A process that has read nothing yet.
    search_index.searchers.close()
    matching.SEGMENTS.clear()
    matching._SPACES.clear()
    warm_up()
    warmed = _decoded()
    assert warmed["columns"], "warm_up() opened the index"
    for query, filters, sort in (
        ("乡村振兴", SearchFilters(), "relevance"),
        ("乡村振兴", SearchFilters(township="甲镇"), "relevance"),
        ("振兴", SearchFilters(year_from=2020, year_to=2022), "relevance"),
        ("", SearchFilters(), "oldest"),
        ("乡村", SearchFilters(province="浙江省"), "newest"),
    ):
        page = search_documents(
            query=query, filters=filters, sort=sort, page=1, page_size=20
        )
        assert page.total >= 0
    assert _decoded() == warmed
