"""The Elasticsearch engine, offline: selected by settings alone, it maps each
field to the analyzer that keeps results exact, sends the ranking field as
the Whoosh index's own jieba words, and quotes terms as Lucene reads them.

No server here: what Elasticsearch does with this is checked by the exactness
test against a real cluster (PLANSITE_TEST_ELASTICSEARCH_URL, tests/conftest.py).
"""

from __future__ import annotations

import pytest
from haystack import connections

from documents.models import Document
from search import services
from search.analyzers import jieba_analyzer
from search.elasticsearch_backend import (
    ANALYSED_FIELDS,
    CHAR_ANALYZER,
    EXACT_ANALYZER,
    WORD_ANALYZER,
    PlansiteElasticsearchBackend,
)
from search.normalise import FOLD_TABLE
from search.query import parse_query, to_query_string
from search.search_indexes import searchable_text
from tests.conftest import elasticsearch_options, search_connection
from tests.search.conftest import make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def backend(settings):  # noqa: ANN001
    """The engine as a deployment selects it: HAYSTACK_CONNECTIONS only."""
    options = elasticsearch_options("http://127.0.0.1:9/", "plansite-offline")
    with search_connection(settings, options) as selected:
        yield selected


def _fields() -> dict:
    return connections["default"].get_unified_index().all_searchfields()


def test_settings_alone_select_the_engine(backend) -> None:  # noqa: ANN001
    assert isinstance(backend, PlansiteElasticsearchBackend)
    # The Whoosh-only shortcuts are absent; callers take haystack's own API.
    assert (
        services.matching_columns(
            node=parse_query("乡村振兴"),
            filters=services.SearchFilters(),
            sort="",
            fields=["django_id"],
        )
        is None
    )


def test_each_field_gets_the_analyzer_that_keeps_results_exact(backend) -> None:  # noqa: ANN001
    content, mapping = backend.build_schema(_fields())
    assert content == "text"
    assert mapping["exact"] == {"type": "text", "analyzer": EXACT_ANALYZER}
    assert mapping["chars"] == {"type": "text", "analyzer": CHAR_ANALYZER}
    assert mapping["text"] == {"type": "text", "analyzer": WORD_ANALYZER}
    for name in ("township", "county", "province", "category", "issuer"):
        assert mapping[name] == {"type": "keyword"}, name
        if name != "issuer":
            assert mapping[f"{name}_exact"]["type"] == "keyword"
    assert mapping["plan_year"]["type"] == "long"
    assert mapping["sort_date"]["type"] == "date"
    # Every analyzer named is defined, and folds as search/normalise.py does
    # (issue 17: traditional characters and full-width digits and letters too).
    analysis = backend.DEFAULT_SETTINGS["settings"]["analysis"]
    used = {m["analyzer"] for m in mapping.values() if "analyzer" in m}
    assert used == {EXACT_ANALYZER, CHAR_ANALYZER, WORD_ANALYZER}
    assert used <= set(analysis["analyzer"])
    fold = analysis["char_filter"]["plansite_fold"]["mappings"]
    assert len(fold) == 26 + len(FOLD_TABLE)
    assert {"A => a", "Z => z", "憲 => 宪", "１ => 1", "Ａ => a"} <= set(fold)
    # The EXACT form is checked against the text, not sent to the engine.
    assert mapping["variants"] == {"type": "text", "index": False}
    for name, size in (("plansite_pairs", 2), ("plansite_single", 1)):
        tokenizer = analysis["tokenizer"][name]
        assert tokenizer["min_gram"] == tokenizer["max_gram"] == size
        # Punctuation and spaces are part of what a term must match.
        assert tokenizer["token_chars"] == []
    # The full texts are indexed, not stored a second time in _source.
    current = backend._get_current_mapping(mapping)
    assert current["_source"]["excludes"] == list(ANALYSED_FIELDS)
    assert current["properties"] == mapping


def test_documents_carry_the_whoosh_indexs_jieba_words(backend) -> None:  # noqa: ANN001
    doc = make_document(
        "周巷镇2021年工作计划",
        "推进“最多跑一次”改革，建设美丽城镇，发展中小微企业。GDP增长8%。",
        township="周巷镇",
        plan_year=2021,
    )
    index = connections["default"].get_unified_index().get_index(Document)
    prepared = backend._prepare_object(index, doc)
    text = searchable_text(doc)
    words = [t.text for t in jieba_analyzer()(text) if t.text.strip()]
    assert prepared["text"].split(" ") == words
    assert "美丽" in words and "gdp" in words  # folded as Whoosh folds it
    # The exact fields get the text itself: Elasticsearch cuts it into grams.
    assert prepared["exact"] == prepared["chars"] == text
    assert "variants" not in prepared
    assert prepared["township"] == "周巷镇"


def test_queries_reach_lucene_as_written(backend) -> None:  # noqa: ANN001
    query = to_query_string(parse_query('乡村振兴 -水 "a\\b"'))
    kwargs = backend.build_search_kwargs(query)
    # The model restriction makes it a bool query around the query string.
    sent = kwargs["query"]["bool"]["must"]["query_string"]["query"]
    assert sent == 'exact:"乡村振兴" AND NOT chars:"水" AND exact:"a\\\\b"'
