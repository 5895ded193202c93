"""Filters steer the match (search/engine/matching.py): an And evaluates its
cheap parts first and the rest only within what they leave, and counts read
only the documents asked about. None of that may change a hit or a count:
random terms with random filters give exactly the brute-force set, and an
evaluation restricted to some documents is the full one intersected."""

from __future__ import annotations

import numpy as np
import pytest
from haystack.constants import DJANGO_ID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from documents.models import Document
from documents.texts import searchable_fields
from search.normalise import Form, fold
from search.query import QUOTES, parse_query, term_query, to_whoosh
from search.search_indexes import searchable_text
from search.selection import matching_documents
from search.services import (
    SearchFilters,
    index_documents,
    remove_documents,
    search_documents,
)
from search.textmatch import matches
from tests.search.conftest import make_document, sample_texts

pytestmark = [pytest.mark.django_db, pytest.mark.search, pytest.mark.slow]

TOWNSHIPS = ["周巷镇", "店口镇", "", "桃源乡 人民政府", "平潭镇"]
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def archive(search_index, seeds_dir, corpus_dir):
    """The sample texts over two segments, with deletions; townships shared by
    a few documents each (one of them by a single one), years from 2013 on,
    some missing."""
    texts = sample_texts(seeds_dir, corpus_dir)
    docs = [
        make_document(
            title,
            body,
            township="平潭镇" if i == 5 else TOWNSHIPS[i % 4],
            plan_year=None if i % 7 == 0 else 2013 + (i * 5) % 11,
        )
        for i, (title, body) in enumerate(texts)
    ]
    half = len(docs) // 2
    index_documents([d.pk for d in docs[:half]])
    index_documents([d.pk for d in docs[half:]])  # a second segment
    remove_documents([docs[2].pk, docs[half + 1].pk])  # a deletion in each
    live = Document.objects.exclude(pk__in=[docs[2].pk, docs[half + 1].pk])
    texts_by_pk = {d.pk: searchable_fields(d) for d in live}
    return search_index, {d.pk: d for d in live}, texts_by_pk


def _usable(term: str) -> bool:
    return bool(term.strip()) and not any(
        c in QUOTES or c in "\n\r\t\u3000" or not c.isprintable() for c in term
    )


def _substring(data, texts: list[str]) -> str:  # noqa: ANN001
    text = data.draw(st.sampled_from(texts))
    start = data.draw(st.integers(0, max(0, len(text) - 1)))
    return text[start : start + data.draw(st.integers(1, 5))]


def test_random_terms_and_filters_find_the_brute_force_set(archive):
    _, docs, fields = archive
    texts = [f[""] for f in fields.values()]
    found_some = []

    @SETTINGS
    @given(st.data())
    def check(data):  # noqa: ANN001, ANN202
        first = _substring(data, texts)
        second = _substring(data, texts)
        if not (_usable(first) and _usable(second)):
            return
        shape = data.draw(
            st.sampled_from(["{a}", "{a} {b}", "{a} OR {b}", "{a} -{b}", "{a} /s {b}"])
        )
        query = shape.format(a=f'"{first}"', b=f'"{second}"')
        township = data.draw(st.sampled_from([None, *TOWNSHIPS[:2], *TOWNSHIPS[3:]]))
        low = data.draw(st.none() | st.integers(2012, 2024))
        high = data.draw(st.none() | st.integers(2012, 2024))
        form = data.draw(st.sampled_from(list(Form)))
        filters = SearchFilters(township=township or "", year_from=low, year_to=high)
        node = parse_query(query, form=form)
        want = {
            pk
            for pk, doc in docs.items()
            if (township is None or doc.township == township)
            and (low is None or (doc.plan_year is not None and doc.plan_year >= low))
            and (high is None or (doc.plan_year is not None and doc.plan_year <= high))
            and matches(fields[pk], node)
        }
        found = {
            m.id for m in matching_documents(query=query, filters=filters, form=form)
        }
        assert found == want, (query, filters, form)
        page = search_documents(
            query=query, filters=filters, sort="", page=1, page_size=5, form=form
        )
        assert page.total == len(want), (query, filters, form)
        found_some.append(bool(want))

    check()
    # Filtered random terms must find documents, not agree on empty sets.
    assert sum(found_some) >= len(found_some) // 5


def _queries() -> list[wq.Query]:
    """Every kind of node the matcher evaluates, over the archive's terms."""
    terms = [
        "发展",
        "乡村振兴",
        "的",
        "人民政府",
        "水",
        "平潭",
        "高质量发展",
        "量子纠缠",
    ]
    found = [term_query(t) for t in terms]
    found += [term_query(t, Form.EXACT) for t in ("发展", "國務院", "乡村振兴")]
    for raw in (
        "发展 /s 建设",
        "乡村振兴 /p 产业",
        "发展 /20 改革",
        "发展 /s 发展",
        "水 /s 污染",
        "发展 OR 平潭",
        "发展 -平潭",
        "人民政府 工作",
    ):
        found.append(to_whoosh(parse_query(raw)))
    found += [
        wq.Term("township", "周巷镇"),
        wq.NumericRange("plan_year", 2015, 2019),
        wq.Not(term_query("平潭")),
        wq.Every(),
    ]
    return found


def test_restricted_evaluation_is_the_full_one_intersected(archive):
    """A query AND a set of documents (a filter that picks them by id, so it
    is evaluated first) finds what the query alone finds among them, and
    occurrences counted for a few documents are those counted for all."""
    backend, docs, fields = archive
    _, matcher = backend._current()
    queries = _queries()
    full = [matcher.match(q) for q in queries]
    numbers = matcher.match(wq.Every())
    ids = np.array([int(matcher.stored_fields(n)[DJANGO_ID]) for n in numbers.tolist()])
    assert sorted(ids.tolist()) == sorted(docs)
    assert any(len(f) for f in full) and not all(len(f) == len(numbers) for f in full)

    @SETTINGS
    @given(
        st.sampled_from(range(len(queries))),
        st.sets(st.sampled_from(range(len(numbers))), max_size=len(numbers)),
    )
    def check(which, chosen):  # noqa: ANN001, ANN202
        q, everything = queries[which], full[which]
        picked = numbers[sorted(chosen)]
        by_id = wq.Or([wq.Term(DJANGO_ID, str(ids[i])) for i in sorted(chosen)])
        want = np.intersect1d(everything, picked)
        assert matcher.match(wq.And([q, by_id])).tolist() == want.tolist(), q
        assert matcher.match(wq.And([by_id, q])).tolist() == want.tolist(), q
        if isinstance(q, wq.Term | wq.Phrase) or type(q).__name__ == "ExactTerm":
            shuffled = picked[::-1]
            counts = matcher.occurrences(q, shuffled)
            all_counts = dict(
                zip(
                    everything.tolist(),
                    matcher.occurrences(q, everything).tolist(),
                    strict=True,
                )
            )
            want_counts = [all_counts.get(n, 0) for n in shuffled.tolist()]
            assert counts.tolist() == want_counts, q

    check()


def test_occurrences_of_a_few_documents_are_every_start(archive):
    """Counted for a handful of documents (the restricted path), each count
    is the number of starts of the term in the text."""
    backend, docs, fields = archive
    _, matcher = backend._current()
    numbers = matcher.match(wq.Every())
    pks = [int(matcher.stored_fields(n)[DJANGO_ID]) for n in numbers.tolist()]
    few = numbers[:: max(1, len(numbers) // 7)]
    for term in ("发展", "的", "乡村振兴", "人民", "，"):
        counts = matcher.occurrences(term_query(term), few)
        for n, count in zip(few.tolist(), counts.tolist(), strict=True):
            doc = docs[pks[int(np.flatnonzero(numbers == n)[0])]]
            text = fold(searchable_text(doc))
            needle = fold(term)
            want = sum(1 for i in range(len(text)) if text.startswith(needle, i))
            assert count == want, (term, n)


def _scan(query: str) -> set[int]:
    node = parse_query(query)
    return {
        doc.pk
        for doc in Document.objects.all()
        if matches(searchable_fields(doc), node)
    }


def test_proximity_at_the_edges_of_units_matches_the_scan(search_index):
    """Sentences and paragraphs are placed from the segment's kept ends: a
    term ending on the end mark, one spanning it, one after the last end, a
    text with no end at all, a term with itself, all as the scan says."""
    bodies = [
        "乡村振兴要发展产业。其他内容。",
        "产业。乡村振兴",
        "乡村振兴产业",
        "产业兴旺，产业融合。乡村振兴。",
        "乡村振兴是重点。\n发展产业在后。",
        "乡村振兴。\n\n产业。乡村振兴产业",
        "振兴。产业乡村振兴。",
        "产业产业。",
        "。。乡村振兴。。产业。。",
    ]
    ids = [make_document(f"标{i}", body).pk for i, body in enumerate(bodies)]
    assert index_documents(ids) == len(ids)
    queries = [
        f'"{a}" {op} "{b}"'
        for a, b in [
            ("乡村振兴", "产业"),
            ("产业。", "乡村振兴"),
            ("乡村振兴。", "产业"),
            ("兴。产", "产业"),
            ("产业", "产业"),
            ("产业。", "产业。"),
            ("振兴", "乡村振兴"),
            ("。", "产业"),
        ]
        for op in ("/s", "/p")
    ]
    nonempty = 0
    for query in queries:
        want = _scan(query)
        found = {m.id for m in matching_documents(query=query, filters=SearchFilters())}
        assert found == want, query
        nonempty += bool(want)
    assert nonempty >= len(queries) // 2


def test_a_two_character_partner_searched_whole_gives_the_gathered_answer(archive):
    """A common two-character term of a proximity clause is searched in its
    whole segment's kept starts (Matcher._whole_starts), not gathered for the
    candidates: the documents and each term's qualifying occurrences are
    those of the gathered path (a cache too small to keep either), over two
    segments with deletions, for all documents, a few, and within a filter."""
    from search.engine.matching import Matcher
    from search.engine.postings import PostingCache
    from search.query import NearQuery

    backend, _, _ = archive
    _, matcher = backend._current()
    gathered = Matcher(matcher.searcher, PostingCache(max_bytes=1), matcher.verify)
    numbers = matcher.match(wq.Every())
    few = numbers[:: max(1, len(numbers) // 5)]
    township = wq.Term("township", "周巷镇")
    pairs = [
        ("乡村振兴", "发展"),
        ("发展", "乡村振兴"),
        ("产业", "发展"),
        ("发展", "建设"),
        ("社会", "主义"),
        ("人民", "人民群众"),
        ("发展", "的"),
        ("的", "发展"),
        ("发展", "发展"),
    ]
    checked = 0
    for a, b in pairs:
        for unit in ("/s", "/p", "/0", "/20"):
            node = parse_query(f'"{a}" {unit} "{b}"')
            near = to_whoosh(node)
            if not isinstance(near, NearQuery):
                near = next(s for s in near.subqueries if isinstance(s, NearQuery))
            want = gathered.match(near)
            assert matcher.match(near).tolist() == want.tolist(), (a, unit, b)
            filtered = wq.And([township, near])
            assert matcher.match(filtered).tolist() == gathered.match(filtered).tolist()
            for docs in (want, few):
                for term in (a, b):
                    got = matcher.near_occurrences(near, term, docs)
                    expected = gathered.near_occurrences(near, term, docs)
                    if expected is None:
                        assert got is None
                        continue
                    assert got.tolist() == expected.tolist(), (a, unit, b, term)
            checked += bool(len(want))
    assert checked >= len(pairs) * 2
