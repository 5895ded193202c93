"""The three analyzers: jieba words for ranking, bigrams and characters for exactness."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from search.analyzers import (
    BigramPositions,
    CharCounts,
    bigram_arrays,
    char_analyzer,
    decode_key,
    encode_key,
    exact_analyzer,
    jieba_analyzer,
    query_grams,
)
from search.query import CHAR_FIELD, EXACT_FIELD, And, Term, term_query, to_whoosh


def _tokens(analyzer, text, **kwargs):
    return [(t.text, t.pos) for t in analyzer(text, positions=True, **kwargs)]


def test_jieba_positions_are_sequential_word_numbers():
    tokens = _tokens(jieba_analyzer(), "全面推进乡村振兴战略")
    assert [pos for _, pos in tokens] == sorted(pos for _, pos in tokens)
    assert max(pos for _, pos in tokens) < len({pos for _, pos in tokens})


def test_jieba_own_analyzer_uses_char_offsets_as_positions():
    """The pitfall our analyzer exists for; if jieba ever fixes it, revisit."""
    from jieba.analyse import ChineseAnalyzer

    tokens = _tokens(ChineseAnalyzer(), "全面推进乡村振兴")
    assert dict(tokens)["推进"] == 2


def test_exact_index_tokens_are_every_adjacent_pair():
    assert _tokens(exact_analyzer(), "小微 A") == [
        ("小微", 0),
        ("微 ", 1),
        (" a", 2),
    ]
    assert _tokens(char_analyzer(), "小微 A") == [("小", 0), ("微", 1), ("a", 3)]


def test_exact_query_tokens():
    assert _tokens(exact_analyzer(), "小微企业", mode="query") == [
        ("小微", 0),
        ("微企", 1),
        ("企业", 2),
    ]
    assert query_grams("水") == []
    assert query_grams("") == []


def test_keys_sort_like_utf8_bytes():
    grams = ["a", "z", "é", "中", "𠀀", "ab", "a中", "中a", "中国", "𠀀中", "\n中"]
    for width in (1, 2):
        same = [g for g in grams if len(g) == width]
        assert sorted(same, key=encode_key) == sorted(same, key=str.encode)
        assert [decode_key(encode_key(g), width) for g in same] == same


def test_bigram_arrays_group_offsets_by_bigram():
    keys, counts, offsets = bigram_arrays("哈哈哈 哈")
    grams = [decode_key(k, 2) for k in keys.tolist()]
    assert dict(zip(grams, counts.tolist(), strict=True)) == {
        "哈哈": 2,
        "哈 ": 1,
        " 哈": 1,
    }
    fmt = BigramPositions()
    found = {}
    start = 0
    for gram, count in zip(grams, counts.tolist(), strict=True):
        found[gram] = fmt.decode_positions(offsets[4 * start : 4 * (start + count)])
        start += count
    assert found == {"哈哈": [0, 1], "哈 ": [2], " 哈": [3]}


def _index(texts):
    schema = Schema(
        id=ID(stored=True),
        exact=TEXT(analyzer=exact_analyzer()),
        chars=TEXT(analyzer=char_analyzer()),
    )
    schema["exact"].format = BigramPositions()
    schema["chars"].format = CharCounts()
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        for i, text in enumerate(texts):
            writer.add_document(id=str(i), exact=text, chars=text)
    return ix


def _found(ix, query):
    with ix.searcher() as searcher:
        return {hit["id"] for hit in searcher.search(query, limit=None)}


def _whoosh_query(text):
    # The term as it is, line breaks and all: this tests the index, not the parser.
    return to_whoosh(And((Term(text),)))


def test_no_bigram_joins_chars_across_a_line_break():
    ix = _index(["中小\n微企业", "中小微企业"])
    assert _found(ix, _whoosh_query("小微")) == {"1"}
    assert _found(ix, _whoosh_query("小\n微")) == {"0"}


def test_one_character_terms_use_the_character_field():
    assert term_query("水") == wq.Term(CHAR_FIELD, "水")
    assert term_query("水利") == wq.Term(EXACT_FIELD, "水利")
    assert term_query("A水利") == wq.Phrase(EXACT_FIELD, ["a水", "水利"])


ALPHABET = "水哈Aa 、\n\t"


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(ALPHABET, max_size=14), min_size=1, max_size=25),
    queries=st.lists(st.text(ALPHABET, min_size=1, max_size=5), min_size=1),
)
def test_whoosh_itself_finds_exactly_the_substrings(texts, queries):
    """Repeats (哈哈哈), case, spaces, tabs and line breaks: Whoosh's own phrase
    matching over the bigram field agrees with a substring scan."""
    ix = _index(texts)
    for query in set(queries):
        if not query.strip():
            continue
        want = {str(i) for i, t in enumerate(texts) if query.lower() in t.lower()}
        assert _found(ix, _whoosh_query(query)) == want, repr(query)


@pytest.mark.parametrize("text", ["", " ", "\n\n", "a"])
def test_exact_analyzer_handles_tiny_texts(text):
    assert len(_tokens(exact_analyzer(), text)) <= 1
