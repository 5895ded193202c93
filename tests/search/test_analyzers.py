"""The two Whoosh analyzers: jieba words for ranking, bigrams for exact matching."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser

from search.analyzers import exact_analyzer, jieba_analyzer, query_grams
from search.query import Term, to_whoosh


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


def _index(texts, analyzer):
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=analyzer, phrase=True))
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        for i, text in enumerate(texts):
            writer.add_document(id=str(i), body=text)
    return ix


def _found(ix, query):
    with ix.searcher() as searcher:
        return {hit["id"] for hit in searcher.search(query, limit=None)}


def test_jieba_phrase_query_finds_the_phrase():
    """jieba's ChineseTokenizer gave "乡村振兴" 0 hits as a phrase."""
    ix = _index(["全面推进乡村振兴战略", "乡村的振兴"], jieba_analyzer())
    parser = QueryParser("body", ix.schema)
    assert _found(ix, parser.parse('"推进 乡村振兴 战略"')) == {"0"}


def test_exact_index_tokens():
    tokens = _tokens(exact_analyzer(), "小微 A")
    assert tokens == [
        ("小", 0),
        ("小微", 0),
        ("微", 1),
        ("微 ", 1),
        (" a", 2),
        ("a", 3),
    ]


def test_exact_query_tokens():
    assert _tokens(exact_analyzer(), "小微企业", mode="query") == [
        ("小微", 0),
        ("微企", 1),
        ("企业", 2),
    ]
    assert _tokens(exact_analyzer(), "水", mode="query") == [("水", 0)]
    assert query_grams("") == []


def test_no_bigram_joins_chars_across_a_line_break():
    ix = _index(["中小\n微企业", "中小微企业"], exact_analyzer())
    assert _found(ix, to_whoosh_term("小微")) == {"1"}
    assert _found(ix, to_whoosh_term("小\n微")) == {"0"}


def to_whoosh_term(text):
    from search.query import And

    return to_whoosh(And((Term(text),)), fieldname="body")


ALPHABET = "水哈Aa 、\n"


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(ALPHABET, max_size=14), min_size=1, max_size=25),
    queries=st.lists(st.text(ALPHABET, min_size=1, max_size=5), min_size=1),
)
def test_exact_phrase_equals_substring_scan(texts, queries):
    """Repeats (哈哈哈), case, spaces and line breaks: never a miss or false hit."""
    ix = _index(texts, exact_analyzer())
    parser = QueryParser("body", ix.schema)
    # Terms as the query parser produces them: trimmed, inner spaces single.
    for query in {" ".join(q.split()) for q in queries} - {""}:
        want = {str(i) for i, t in enumerate(texts) if query.lower() in t.lower()}
        assert _found(ix, to_whoosh_term(query)) == want, query
        assert _found(ix, parser.parse(f'body:"{query}"')) == want, query


@pytest.mark.parametrize("text", ["", " ", "\n\n", "a"])
def test_exact_analyzer_handles_tiny_texts(text):
    assert len(_tokens(exact_analyzer(), text)) <= 1
