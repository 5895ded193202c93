"""The Whoosh backend subclass against each haystack + Whoosh pitfall."""

from __future__ import annotations

import pytest
from haystack.inputs import Exact, Raw
from haystack.query import SearchQuerySet
from whoosh.fields import ID, NUMERIC, STORED, TEXT

from documents.models import Document
from search.services import index_documents
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.search]


@pytest.fixture
def indexed(search_index):
    docs = [
        make_document(
            "甲镇计划", "全面推进乡村振兴。水利建设。", township="甲镇", plan_year=2021
        ),
        make_document(
            "乙乡总结", "乡村的振兴靠大家。", township="桃源乡 人民政府", plan_year=2022
        ),
        make_document("丙街道", "美丽城镇建设。", township="", plan_year=None),
    ]
    index_documents([d.pk for d in docs])
    return docs


def sqs_ids(sqs):
    return {int(r.pk) for r in sqs}


def test_schema_turns_off_what_is_not_used(search_index):
    search_index.setup()
    schema = search_index.schema
    assert isinstance(schema["text"], TEXT) and isinstance(schema["exact"], TEXT)
    # Ranking needs frequencies only; exactness lives in the bigram offsets.
    assert not schema["text"].format.supports("positions")
    assert schema["exact"].format.supports("positions")
    assert not schema["exact"].scorable and not schema["chars"].scorable
    for name in ("text", "exact", "chars"):
        assert not schema[name].spelling
        assert not schema[name].stored
        assert not schema[name].column_type, "analysed text is never sorted"
    # Untokenised, sortable columns for filters and facets.
    assert isinstance(schema["township"], ID)
    assert isinstance(schema["township_exact"], ID)
    assert isinstance(schema["plan_year"], NUMERIC)
    assert schema["plan_year"].column_type
    assert isinstance(schema["title"], STORED)


def test_quoted_phrase_finds_documents(indexed):
    """jieba's char-offset positions made "乡村振兴" return nothing."""
    sqs = SearchQuerySet().filter(content=Raw('exact:"乡村振兴"'))
    assert sqs_ids(sqs) == {indexed[0].pk}
    # "乡村的振兴" has both words but not the phrase.
    sqs = SearchQuerySet().filter(content=Raw('exact:"村振"'))
    assert sqs_ids(sqs) == {indexed[0].pk}


def test_one_character_query_finds_documents(indexed):
    """haystack's Whoosh backend returns nothing for a query of length <= 1."""
    assert sqs_ids(SearchQuerySet().filter(content=Raw('chars:"水"'))) == {
        indexed[0].pk
    }


def test_browse_all_returns_everything_with_facets(indexed):
    """The match-all query came back empty under the Chinese analyzer."""
    sqs = SearchQuerySet().models(Document).facet("township").facet("plan_year")
    assert sqs.count() == 3
    assert len(list(sqs)) == 3
    facets = sqs.facet_counts()["fields"]
    assert dict(facets["plan_year"]) == {2021: 1, 2022: 1, None: 1}


def test_facets_are_not_tokenised(indexed):
    """A facet on an analysed field split "桃源乡 人民政府" into two values."""
    facets = SearchQuerySet().facet("township").facet_counts()["fields"]["township"]
    assert ("桃源乡 人民政府", 1) in facets
    assert not any(value == "桃源乡" for value, _ in facets)


def test_filter_with_no_match_counts_zero(indexed):
    """A Whoosh filter= that matches nothing reported the unfiltered count."""
    for sqs in (
        SearchQuerySet().filter(township=Exact("无此乡")),
        SearchQuerySet().narrow('township:"无此乡"'),
        SearchQuerySet().filter(content=Raw('chars:"水"')).narrow('township:"乙"'),
    ):
        assert sqs.count() == 0
        assert list(sqs) == []


def test_narrow_counts_are_right(indexed):
    sqs = SearchQuerySet().filter(content=Raw('exact:"乡村"')).narrow('township:"甲镇"')
    assert sqs.count() == 1
    assert sqs_ids(sqs) == {indexed[0].pk}


def test_one_searcher_is_reused_until_the_index_changes(indexed, search_index):
    list(SearchQuerySet().filter(content=Raw('chars:"水"')))
    first = search_index.searchers.current()[0]
    list(SearchQuerySet().filter(content=Raw('exact:"城镇"')))
    assert search_index.searchers.current()[0] is first

    new = make_document("丁", "新增的水文档")
    index_documents([new.pk])
    hits = sqs_ids(SearchQuerySet().filter(content=Raw('chars:"水"')))
    assert new.pk in hits
    assert search_index.searchers.current()[0] is not first


def test_ranking_uses_the_jieba_field_without_changing_matches(search_index):
    once = make_document("一", "振兴" + "。" * 50 + "乡村")
    many = make_document("二", "乡村振兴，乡村振兴，乡村振兴。")
    index_documents([once.pk, many.pk])
    results = list(SearchQuerySet().filter(content=Raw('exact:"振兴"')))
    assert [int(r.pk) for r in results] == [many.pk, once.pk]
    assert results[0].score > results[1].score


def test_stored_fields_come_back_typed(indexed):
    result = next(iter(SearchQuerySet().filter(township=Exact("甲镇"))))
    assert result.title == "甲镇计划"
    assert result.plan_year == 2021
    assert result.needs_review is False
    assert result.updated_at == Document.objects.get(pk=result.pk).updated_at


def test_only_exclusions_means_everything_else(indexed):
    sqs = SearchQuerySet().filter(content=Raw('* AND NOT exact:"乡村"'))
    assert sqs_ids(sqs) == {indexed[2].pk}
