"""The core promise: a query finds exactly the documents a substring scan finds."""

from __future__ import annotations

import pytest

from documents.models import Document
from search.normalise import fold
from search.search_indexes import searchable_text
from search.services import SearchFilters, index_documents, search_documents
from tests.search.conftest import make_document, sample_texts

pytestmark = [pytest.mark.django_db, pytest.mark.search, pytest.mark.slow]

TERMS = [
    # Policy terms from the user dictionary.
    "最多跑一次",
    "亩均论英雄",
    "三改一拆",
    "五水共治",
    "专精特新",
    "乡村振兴",
    "共同富裕",
    "营商环境",
    "高质量发展",
    # The reported misses and false hits.
    "小微企业",
    "中小微企业",
    "美丽城镇",
    "亩均税收",
    "小城市",
    "垃圾分类",
    # Strings jieba cuts across word boundaries, or not at all.
    "城镇高品质",
    "镇第十五次",
    "政府工作",
    "工作报",
    "国务院",
    "人民代表大会",
    "中国特色社会主义",
    "全面建成小康社会",
    "平潭",
    "实验区",
    "周巷",
    # One character.
    "水",
    "镇",
    "的",
    "粮",
    "、",
    # Digits, ASCII, mixed case.
    "5G",
    "5g",
    "R&D",
    "GDP",
    "2021年",
    "十四五",
    "2035",
    "%",
    "PM2.5",
    # Punctuation inside a term.
    "“四个全面”",
    "（卫星城）",
    # Absent from every document.
    "量子纠缠",
]


def substring_hits(term: str) -> set[int]:
    needle = fold(term)
    return {
        doc.pk
        for doc in Document.objects.only("title", "body")
        if needle in fold(searchable_text(doc))
    }


def search_hits(query: str) -> set[int]:
    page = search_documents(
        query=query, filters=SearchFilters(), sort="relevance", page=1, page_size=100
    )
    assert page.total == len(page.results), "the corpus fits on one page"
    return {hit.id for hit in page.results}


def test_every_term_matches_a_substring_scan(any_engine_index, seeds_dir, corpus_dir):
    texts = sample_texts(seeds_dir, corpus_dir)
    assert len(texts) > 80
    ids = [make_document(title, body).pk for title, body in texts]
    assert index_documents(ids) == len(ids)

    mismatches = {}
    nonempty = 0
    for term in TERMS:
        # Quoted and unquoted forms are the same query.
        want = substring_hits(term)
        nonempty += bool(want)
        for query in (term, f'"{term}"'):
            got = search_hits(query)
            if got != want:
                mismatches[query] = (
                    f"missed {sorted(want - got)}, false {sorted(got - want)}"
                )
    assert not mismatches
    # The list must exercise real hits, not agree on empty sets.
    assert nonempty >= len(TERMS) - 3

    # Boolean combinations agree with the same sets combined.
    town, city, small = (substring_hits(t) for t in ("美丽城镇", "小城市", "小微企业"))
    assert search_hits("美丽城镇 小城市") == town & city
    assert search_hits("美丽城镇 OR 小城市") == town | city
    assert search_hits("小城市 -美丽城镇") == city - town
    assert search_hits("小微企业 OR 美丽城镇 -小城市") == (small | town) - city
    everything = set(Document.objects.values_list("pk", flat=True))
    assert search_hits("-水") == everything - substring_hits("水")
