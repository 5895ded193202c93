"""search/engine against Whoosh itself: same segments written, same documents found."""

from __future__ import annotations

import pytest
from haystack.constants import DJANGO_ID
from whoosh import query as wq
from whoosh.formats import Frequency
from whoosh.writing import SegmentWriter

from search.analyzers import (
    BigramPositions,
    CharCounts,
    WordCounts,
    bigram_positions,
    char_analyzer,
    exact_analyzer,
    jieba_analyzer,
    word_counts,
)
from search.engine.expansion import FrequencyCache, key_terms
from search.engine.matching import cover
from search.engine.postings import PostingCache, read_postings
from search.engine.whoosh_internals import PlansiteCodec, toc_segments
from search.engine.writer import BulkSegmentWriter
from search.normalise import fold
from search.query import parse_query, term_query, to_whoosh
from search.services import (
    SearchFilters,
    fold_segments,
    folds_due,
    index_documents,
    remove_documents,
    search_documents,
)
from tests.search.conftest import make_document, sample_texts, segment_sizes

pytestmark = [pytest.mark.django_db, pytest.mark.search]

EDGE_CASES = [
    "",
    "水",
    " ",
    "a",
    "ab",
    "  ab  c",
    "甲\n乙 丙",
    "ABC abc",
    "哈哈哈哈",
    "x\u3000y",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_bigram_fast_path_gives_the_generic_postings(text):
    fmt = BigramPositions()
    fast = sorted(fmt.word_values(text, exact_analyzer(), mode="index"))
    # The generic path: Whoosh tokens through the format's own encoder.
    positions: dict[str, list[int]] = {}
    for token in exact_analyzer()(text, positions=True, mode="index"):
        positions.setdefault(token.text, []).append(token.pos)
    generic = sorted(
        (g, len(p), float(len(p)), fmt.encode(p)) for g, p in positions.items()
    )
    assert fast == generic
    assert sorted(bigram_positions(fold(text))) == [(g, n, v) for g, n, _, v in generic]


@pytest.mark.parametrize("text", EDGE_CASES + ["R&D 和 GDP，中小微企业"])
def test_char_and_word_fast_paths_give_the_generic_postings(text):
    chars = CharCounts()
    fast = sorted(chars.word_values(text, char_analyzer(), mode="index"))
    tokens = [t.text for t in char_analyzer()(text, mode="index")]
    assert fast == sorted(
        (ch, tokens.count(ch), float(tokens.count(ch)), b"") for ch in set(tokens)
    )
    words = [t.text for t in jieba_analyzer()(text, mode="index")]
    assert dict(word_counts(text)) == {w: words.count(w) for w in set(words)}
    fast = WordCounts().word_values(text, jieba_analyzer(), mode="index")
    generic = Frequency().word_values(text, jieba_analyzer(), mode="index")
    assert sorted(fast) == sorted(generic)


def test_cover_picks_the_cheapest_places_that_touch_every_character():
    assert cover([1.0]) == [0]
    assert cover([5.0, 1.0, 5.0]) == [0, 2]  # 0 and 2 abut: every char covered
    assert cover([1.0, 9.0, 9.0, 1.0]) == [0, 1, 3]
    for costs in ([1, 1, 1, 1, 1], [3, 1, 4, 1, 5, 9, 2]):
        chosen = cover(costs)
        assert chosen[0] == 0 and chosen[-1] == len(costs) - 1
        assert all(b - a <= 2 for a, b in zip(chosen, chosen[1:], strict=False))


@pytest.fixture
def archive_docs(search_index, seeds_dir, corpus_dir):
    texts = sample_texts(seeds_dir, corpus_dir)
    years = [2015 + i % 9 for i in range(len(texts))]
    docs = [
        make_document(
            title,
            body,
            township=["周巷镇", "店口镇", "", "桃源乡 人民政府"][i % 4],
            plan_year=None if i % 7 == 0 else years[i],
        )
        for i, (title, body) in enumerate(texts)
    ]
    return search_index, docs


def _segment_postings(ix):
    with ix.reader() as reader:
        return sorted(reader.iter_postings())


def _term_infos(ix):
    """Every term with its statistics, each found through the term table's hash."""
    with ix.reader() as reader:
        rows = []
        for fieldname, tbytes in reader.all_terms():
            info = reader.term_info(fieldname, tbytes)
            rows.append(
                (
                    fieldname,
                    tbytes,
                    info.weight(),
                    info.doc_frequency(),
                    info.min_length(),
                    info.max_length(),
                    info.max_weight(),
                    info.min_id(),
                    info.max_id(),
                )
            )
        return rows


def _stored(ix):
    with ix.reader() as reader:
        return [dict(fields) for _, fields in reader.iter_docs()]


@pytest.mark.parametrize("sort_range", [None, 97])
def test_bulk_writer_writes_what_whoosh_writes(
    archive_docs, tmp_path, monkeypatch, sort_range
):
    """Every posting, stored field, length and column equal Whoosh's own writer's
    (a field's postings sorted whole, or range by range as in a large segment)."""
    from whoosh.filedb.filestore import FileStorage

    from search.engine import writer as bulk_writer

    if sort_range:
        monkeypatch.setattr(bulk_writer, "_SORT_RANGE", sort_range)

    backend, docs = archive_docs
    backend.setup()
    from haystack import connections

    index = connections["default"].get_unified_index().get_index(type(docs[0]))
    prepared = [backend.prepare_document(index, doc) for doc in docs[:30]]
    written = {}
    for name, make in (
        ("whoosh", lambda ix: SegmentWriter(ix)),
        ("bulk", lambda ix: BulkSegmentWriter(ix)),
    ):
        folder = tmp_path / name
        folder.mkdir()
        ix = FileStorage(str(folder)).create_index(backend.schema)
        writer = make(ix)
        for doc in prepared:
            writer.add_document(**doc)
        writer.commit()
        written[name] = ix
    assert _segment_postings(written["bulk"]) == _segment_postings(written["whoosh"])
    assert _stored(written["bulk"]) == _stored(written["whoosh"])
    assert _term_infos(written["bulk"]) == _term_infos(written["whoosh"])
    with written["whoosh"].reader() as a, written["bulk"].reader() as b:
        for n in range(a.doc_count_all()):
            assert a.doc_field_length(n, "text") == b.doc_field_length(n, "text")
        for name in ("township_exact", "plan_year", "sort_date"):
            assert list(a.column_reader(name)) == list(b.column_reader(name))
    assert isinstance(toc_segments(written["bulk"])[0].codec(), PlansiteCodec)


def test_posting_reader_reads_what_whoosh_reads(archive_docs):
    backend, docs = archive_docs
    index_documents([d.pk for d in docs])
    searcher = backend.searchers.current()[0]
    (reader, _offset), *_ = searcher.reader().leaf_readers()
    checked = 0
    for fieldname, text in list(reader.all_terms())[::7]:
        fmt = reader.schema[fieldname].format
        variable = fmt.fixed_value_size() is None
        postings = read_postings(reader, fieldname, text, with_values=variable)
        matcher = reader.postings(fieldname, text)
        want_ids, want_weights, want_values = [], [], []
        while matcher.is_active():
            want_ids.append(matcher.id())
            want_weights.append(matcher.weight())
            if variable:
                want_values.append(matcher.value())
            matcher.next()
        assert postings.ids.tolist() == want_ids
        assert postings.weights.tolist() == pytest.approx(want_weights)
        if variable:
            assert postings.values == b"".join(want_values)
        checked += 1
    assert checked > 500


QUERIES = [
    "乡村振兴",
    "美丽城镇 小城市",
    "小微企业 OR 美丽城镇",
    "小城市 -美丽城镇",
    "-水",
    "水",
    "哈哈",
    "中国特色社会主义",
    '"十四五"',
    "量子纠缠",
]


def _whoosh_ids(searcher, q):
    return {searcher.stored_fields(n)[DJANGO_ID] for n in searcher.docs_for_query(q)}


def _engine_ids(backend, q):
    _, matcher = backend.searchers.current()
    return {matcher.stored_fields(n)[DJANGO_ID] for n in matcher.match(q).tolist()}


def test_array_matching_finds_what_whoosh_finds(archive_docs):
    """Across segments and deletions, with filters, ranges and negation."""
    backend, docs = archive_docs
    half = len(docs) // 2
    index_documents([d.pk for d in docs[:half]])
    index_documents([d.pk for d in docs[half:]])  # a second segment
    remove_documents([docs[1].pk, docs[half + 2].pk])  # deletions in both
    index_documents([docs[3].pk])  # a re-indexed document
    searcher = backend.searchers.current()[0]
    assert len(searcher.reader().leaf_readers()) >= 2
    year = backend.schema["plan_year"]
    filters = [
        None,
        wq.Term("township", "周巷镇"),
        wq.Term("township", "桃源乡 人民政府"),
        wq.NumericRange("plan_year", 2017, 2020),
        wq.NumericRange("plan_year", 2018, None, startexcl=True),
        wq.Not(wq.NumericRange("plan_year", year.min_value, year.max_value)),
    ]
    compared = 0
    for raw in QUERIES:
        base = to_whoosh(parse_query(raw))
        for extra in filters:
            q = base if extra is None else wq.And([base, extra])
            assert _engine_ids(backend, q) == _whoosh_ids(searcher, q), (raw, extra)
            compared += 1
    assert _engine_ids(backend, wq.Every()) == {
        str(d.pk) for d in docs if d.pk not in (docs[1].pk, docs[half + 2].pk)
    }
    assert compared == len(QUERIES) * len(filters)


def test_occurrence_counts_are_every_start_of_the_term(archive_docs):
    backend, docs = archive_docs
    special = make_document("哈哈", "哈哈哈，哈。哈哈")
    index_documents([d.pk for d in docs] + [special.pk])
    _, matcher = backend.searchers.current()
    # "的" and "，" are in every document: still counted, not just found.
    for term in ("哈哈", "哈", "的", "，", "发展", "社会主义", "中国特色社会主义"):
        q = term_query(term)
        found = matcher.match(q)
        counts = matcher.occurrences(q, found)
        for docnum, count in zip(found.tolist(), counts.tolist(), strict=True):
            pk = int(matcher.stored_fields(docnum)[DJANGO_ID])
            doc = special if pk == special.pk else next(d for d in docs if d.pk == pk)
            text = fold(f"{doc.title}\n{doc.body}")
            want = sum(1 for i in range(len(text)) if text.startswith(fold(term), i))
            assert count == want, (term, pk)


def test_posting_cache_keeps_within_its_budget(archive_docs):
    backend, docs = archive_docs
    index_documents([d.pk for d in docs])
    (reader, _), *_ = backend.searchers.current()[0].reader().leaf_readers()
    cache = PostingCache(max_bytes=200_000)
    first = cache.get(reader, "exact", "发展", with_values=True)
    assert cache.get(reader, "exact", "发展", with_values=True) is first
    for fieldname, text in list(reader.all_terms())[:3000]:
        if fieldname == "text":
            cache.get(reader, fieldname, text, with_values=False)
    assert cache.nbytes <= cache.max_bytes


def test_an_empty_index_matches_nothing(search_index):
    _, matcher = search_index.searchers.current()
    for q in (wq.Every(), term_query("水"), term_query("乡村振兴")):
        assert matcher.match(q).tolist() == []


def test_similar_documents_are_whooshs_more_like(archive_docs):
    """The array ranking gives Whoosh's own more_like results."""
    from search.search_indexes import searchable_text

    backend, docs = archive_docs
    index_documents([d.pk for d in docs])
    searcher = backend.searchers.current()[0]
    agree = 0
    for doc in docs[:12]:
        identifier = f"documents.document.{doc.pk}"
        text = searchable_text(doc)[:20_000]
        ours = backend.more_like_ids(identifier, text, top=5, numterms=12)
        docnum = searcher.document_number(id=identifier)
        theirs = [
            hit[DJANGO_ID]
            for hit in searcher.more_like(docnum, "text", text=text, top=5, numterms=12)
        ]
        assert str(doc.pk) not in ours
        assert len(ours) == len(theirs)
        agree += ours == theirs
    assert agree >= 10, "the same documents in the same order, ties aside"


def test_key_terms_are_whooshs_with_frequencies_cached(archive_docs):
    """The cached Bo1 key terms are Whoosh's own, over several segments, and
    stay so once the cache is warm, after a deletion, and past its size."""
    from search.search_indexes import searchable_text

    backend, docs = archive_docs
    third = len(docs) // 3
    for part in (docs[:third], docs[third : 2 * third], docs[2 * third :]):
        index_documents([d.pk for d in part])  # one segment each
    remove_documents([docs[1].pk])
    searcher = backend.searchers.current()[0]
    assert len(searcher.reader().leaf_readers()) >= 2
    small = FrequencyCache(max_entries=300)
    warm = FrequencyCache(max_entries=1_000_000)
    for cache in (warm, warm, small):
        for doc in docs[::7]:
            text = searchable_text(doc)[:20_000]
            theirs = searcher.key_terms_from_text(
                "text", text, numterms=12, normalize=False
            )
            ours = key_terms(searcher, "text", text, numterms=12, cache=cache)
            assert ours == theirs, doc.pk
    assert len(small) <= 300 < len(warm)


def test_small_segments_are_folded_level_by_level_from_the_database(
    archive_docs, monkeypatch
):
    backend, docs = archive_docs
    monkeypatch.setattr("search.engine.folding.SMALL_SEGMENT_DOCS", 16)
    index_documents([d.pk for d in docs[:20]])  # a large segment: left alone
    for doc in docs[20:23]:
        index_documents([doc.pk])
    assert segment_sizes(backend) == [1, 1, 1, 20]
    # Folded documents are read from the database again: an edit the index
    # missed is picked up, and a deleted row drops out.
    docs[20].body += "折叠时重读数据库"
    docs[20].save()
    docs[21].delete()
    index_documents([docs[23].pk])  # the fourth of its size: one segment of 3
    assert segment_sizes(backend) == [3, 20]
    for doc in docs[24:36]:
        index_documents([doc.pk])  # 3+1+1+1 -> 6; levels fill and fold again
    assert len(segment_sizes(backend)) <= 1 + 3 * 2
    assert 20 in segment_sizes(backend)
    live = [d for d in docs[:36] if d.pk != docs[21].pk]
    _, matcher = backend.searchers.current()
    assert len(matcher.match(wq.Every())) == len(live)
    found = search_documents(
        query="折叠时重读数据库", filters=SearchFilters(), sort="", page=1, page_size=10
    )
    assert [hit.id for hit in found.results] == [docs[20].pk]


def test_fold_limit_leaves_larger_folds_to_fold_segments(archive_docs, monkeypatch):
    backend, docs = archive_docs
    for doc in docs[:3]:
        index_documents([doc.pk])
    index_documents([docs[3].pk], fold_limit=2)  # due, but 3 documents to refold
    assert segment_sizes(backend) == [1, 1, 1, 1]
    assert folds_due()
    assert fold_segments() == 4
    assert segment_sizes(backend) == [4] and not folds_due()
    assert fold_segments() == 0  # nothing due: no commit
    index_documents([docs[4].pk], fold_limit=2)
    assert segment_sizes(backend) == [1, 4]


def test_segment_files_are_read_in_place_not_copied(archive_docs):
    from whoosh.filedb.structfile import BufferFile

    from search.engine.whoosh_internals import MappedReader, postings_file

    backend, docs = archive_docs
    index_documents([d.pk for d in docs])
    (reader, _), *_ = backend.searchers.current()[0].reader().leaf_readers()
    postfile = postings_file(reader)
    assert isinstance(postfile, BufferFile)
    assert isinstance(postfile.file, MappedReader), "no BytesIO copy of the file"
    whole = bytes(postfile._buf)
    postfile.seek(10)
    assert postfile.read(20) == whole[10:30]
    assert postfile.get(5, 7) == whole[5:12]
    postfile.seek(0)
    assert postfile.read_int() == int.from_bytes(whole[:4], "big", signed=True)


def test_a_number_is_indexed_as_one_term_and_ranges_still_agree(archive_docs):
    """Years and dates are single terms (ranges read the column); Whoosh's own
    range query over those terms finds what the engine finds."""
    backend, docs = archive_docs
    index_documents([d.pk for d in docs])
    searcher = backend.searchers.current()[0]
    terms = [
        text for name, text in searcher.reader().all_terms() if name == "plan_year"
    ]
    years = {d.plan_year for d in docs if d.plan_year is not None}
    assert len(terms) == len(years)
    for low, high in ((2016, 2019), (2015, 2015), (2020, None), (None, 2017)):
        q = wq.NumericRange("plan_year", low, high)
        assert _engine_ids(backend, q) == _whoosh_ids(searcher, q)
        wanted = {
            str(d.pk)
            for d in docs
            if d.plan_year is not None
            and (low is None or d.plan_year >= low)
            and (high is None or d.plan_year <= high)
        }
        assert _engine_ids(backend, q) == wanted


def test_segments_merged_away_leave_no_term_statistics(archive_docs):
    """The term-statistics cache sits outside the postings' budget, so a
    segment that leaves the index takes its entries with it."""
    from search.engine import matching

    backend, docs = archive_docs
    index_documents([d.pk for d in docs])
    _, matcher = backend.searchers.current()
    matcher.match(to_whoosh(parse_query("乡村振兴")))
    segments = {leaf.segment_id for leaf in matcher.leaves}
    assert any(key[0] in segments for key in matching._TERM_STATS)

    matching.forget_segments_except(set())

    assert not any(key[0] in segments for key in matching._TERM_STATS)
