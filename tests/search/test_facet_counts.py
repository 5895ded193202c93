"""Facet counts equal a brute-force count, however they are read (the page's
first 15, the API's whole list), over several segments with deletions."""

from __future__ import annotations

import pickle
import random
from collections import Counter

import numpy as np
import pytest
from whoosh import query as wq

from search.engine import matching
from search.engine.facets import FacetCounts
from search.query import parse_query, to_whoosh
from search.services import (
    FACET_FIELDS,
    SearchFilters,
    index_documents,
    remove_documents,
    search_documents,
)
from tests.search.conftest import make_document, sample_texts

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def _expected(pairs: list[tuple]) -> list[tuple]:
    """Most first, equal counts by the value's text."""
    return sorted(pairs, key=lambda vc: (-vc[1], str(vc[0])))


def _made(tally: dict) -> FacetCounts:
    values = list(tally)
    table = np.empty(len(values), dtype=object)
    table[:] = values
    by_text = sorted(range(len(values)), key=lambda i: str(values[i]))
    rank = np.empty(len(values), dtype=np.int64)
    rank[by_text] = np.arange(len(values))
    empty = np.array([v is None or v == "" for v in values], dtype=bool)
    counts = np.array([tally[v] for v in values], dtype=np.int64)
    return FacetCounts.counted(table, counts, rank, empty)


def test_every_way_of_reading_gives_the_sorted_counts():
    rng = random.Random(7)
    tally = {f"镇{i:03d}": rng.choice([0, 0, 1, 2, 3, 5, 40]) for i in range(300)}
    tally[None] = 4
    tally[""] = 2
    expected = _expected([(v, n) for v, n in tally.items() if n])
    for n in (0, 1, 5, 15, 74, 75, 299, 1000):
        assert _made(tally)[:n] == expected[:n], n
        assert _made(tally).head(n) == expected[:n], n
    counts = _made(tally)
    assert len(counts) == len(expected)
    assert counts[3] == expected[3] and counts[-1] == expected[-1]
    assert counts[10:20] == expected[10:20] and counts[::7] == expected[::7]
    assert list(counts) == expected and counts == expected and expected == counts
    assert bool(counts) and not _made({"甲": 0}) and _made({"甲": 0}) == []
    kept = [(v, n) for v, n in expected if v not in (None, "")]
    assert _made(tally).nonempty() == kept
    assert _made(tally).nonempty()[:15] == kept[:15]
    # A pickled page carries the plain list.
    assert pickle.loads(pickle.dumps(counts)) == expected
    assert type(pickle.loads(pickle.dumps(counts))) is list


@pytest.fixture
def archive(search_index, seeds_dir, corpus_dir):
    texts = sample_texts(seeds_dir, corpus_dir)
    # Many townships, so a few hits have fewer values than the field.
    townships = ["", "桃源乡 人民政府"] + [f"第{n}镇" for n in range(40)]
    docs = [
        make_document(
            title,
            body,
            township=townships[(i * 7) % len(townships)],
            county=["慈溪市", "诸暨市", ""][i % 3],
            plan_year=None if i % 7 == 0 else 2015 + i % 9,
            category="计划总结" if i % 4 else "工作要点",
        )
        for i, (title, body) in enumerate(texts)
    ]
    third = len(docs) // 3
    index_documents([d.pk for d in docs[:third]])
    index_documents([d.pk for d in docs[third : 2 * third]])
    index_documents([d.pk for d in docs[2 * third :]])
    gone = [docs[1].pk, docs[third + 2].pk, docs[-1].pk]
    remove_documents(gone)
    return search_index, [d for d in docs if d.pk not in gone]


def _brute(searcher, docnums, fieldname: str) -> list[tuple]:  # noqa: ANN001
    """Count the stored values of the documents one by one."""
    stored = [searcher.stored_fields(int(n)) for n in docnums]
    tally = Counter(fields.get(fieldname) for fields in stored)
    return _expected(list(tally.items()))


@pytest.mark.parametrize("few_hits", [64, 0])
def test_matcher_counts_equal_a_brute_force_count(archive, monkeypatch, few_hits):
    # Each way of counting: value by value (a few hits), by sorting (fewer
    # hits than values), by bincount over every value.
    monkeypatch.setattr(matching, "_FEW_HITS", few_hits)
    backend, _ = archive
    searcher, matcher = backend.searchers.current()
    assert len(searcher.reader().leaf_readers()) >= 3
    queries = [wq.Every()] + [
        to_whoosh(parse_query(raw)) for raw in ("发展", "乡村振兴", "工作 -发展", "的")
    ]
    for q in queries:
        found = matcher.match(q)
        assert set(found.tolist()) == set(searcher.docs_for_query(q))
        # Every match, and a few of them (counted by their values alone).
        for docs in (found, found[:1], found[:0], found[:5], found[::9]):
            for name in ("township", "county", "plan_year", "category"):
                expected = _brute(searcher, docs.tolist(), name)
                counts = matcher.value_counts(name, docs)
                assert counts == expected, (q, name, len(docs))
                assert counts[:2] == expected[:2], (q, name, len(docs))


def test_page_and_api_facets_equal_a_count_of_the_rows(archive, client):
    _, docs = archive
    for query in ("", "发展"):
        page = search_documents(
            query=query, filters=SearchFilters(), sort="", page=1, page_size=100
        )
        ids = set()
        for number in range(1, page.num_pages + 1):
            found = search_documents(
                query=query,
                filters=SearchFilters(),
                sort="",
                page=number,
                page_size=100,
            )
            ids.update(hit.id for hit in found.results)
        rows = [d for d in docs if d.pk in ids]
        assert len(rows) == page.total
        for name in ("township", "county", "plan_year", "category"):
            tally = Counter(getattr(d, name) for d in rows)
            expected = _expected(
                [(v, n) for v, n in tally.items() if v not in (None, "")]
            )
            assert page.facets[name] == expected, (query, name)
            assert page.facets[name][:2] == expected[:2]
        data = client.get("/api/search", {"q": query, "page_size": 1}).json()
        assert data["facets"]["township"] == [
            {"value": v, "count": n} for v, n in page.facets["township"]
        ]
    assert set(FACET_FIELDS) >= {"township", "county", "plan_year", "category"}
