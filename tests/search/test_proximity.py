"""Proximity (/s, /p, /N) finds exactly the documents search/textmatch.py's scan finds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.models import Document
from documents.texts import searchable_fields
from search.normalise import Form
from search.query import QUOTES, Unit, parse_query
from search.selection import matching_documents
from search.services import SearchFilters, index_documents, search_documents
from search.textmatch import Hit, document_hits, matches
from tests.search.conftest import make_document, sample_texts

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def scan(query: str, form: Form = Form.FOLDED) -> set[int]:
    node = parse_query(query, form=form)
    return {
        doc.pk
        for doc in Document.objects.all()
        if matches(searchable_fields(doc), node)
    }


def engine(query: str, form: Form = Form.FOLDED) -> set[int]:
    found = {
        m.id
        for m in matching_documents(query=query, filters=SearchFilters(), form=form)
    }
    page = search_documents(
        query=query, filters=SearchFilters(), sort="", page=1, page_size=20, form=form
    )
    assert page.total == len(found), query
    return found


@pytest.fixture
def small_archive(any_engine_index):
    docs = {
        "same": make_document("甲", "乡村振兴要发展产业。其他内容。"),
        "apart": make_document("乙", "乡村振兴是重点。发展产业在后。"),
        "para": make_document("丙", "乡村振兴是重点。\n发展产业在后。"),
        "twice": make_document("丁", "产业兴旺，产业融合。乡村振兴。"),
        "far": make_document("戊", "乡村振兴" + "的" * 40 + "产业"),
        "onechar": make_document("己", "水是生命。污染治理要抓紧；水污染。"),
    }
    assert index_documents([d.pk for d in docs.values()]) == len(docs)
    return {name: doc.pk for name, doc in docs.items()}


def test_sentence_paragraph_and_distance(small_archive):
    ids = small_archive
    cases = {
        "乡村振兴 /s 产业": {ids["same"], ids["far"]},
        "乡村振兴 /p 产业": {ids["same"], ids["apart"], ids["twice"], ids["far"]},
        "乡村振兴 /3 产业": {ids["same"], ids["twice"]},
        "乡村振兴 /40 产业": set(ids.values()) - {ids["onechar"]},
        "乡村振兴 /39 产业": set(ids.values()) - {ids["onechar"], ids["far"]},
        # Two distinct occurrences are needed for a term with itself.
        "产业 /s 产业": {ids["twice"]},
        "产业 /3 产业": {ids["twice"]},
        # A one-character term: checked on the texts.
        "水 /s 污染": {ids["onechar"]},
        "水 /1 治理": set(),
        "生命 /s 水": {ids["onechar"]},
    }
    for query, want in cases.items():
        assert scan(query) == want, query  # the reference says so too
        assert engine(query) == want, query


def test_the_page_near_choice_joins_the_terms(small_archive):
    page = search_documents(
        query="乡村振兴 产业",
        filters=SearchFilters(),
        sort="",
        page=1,
        page_size=20,
        near=Unit.SENTENCE,
    )
    assert {hit.id for hit in page.results} == {
        small_archive[k] for k in ("same", "far")
    }


def test_trend_counts_the_qualifying_occurrences(search_index):
    doc = make_document(
        "甲", "产业兴旺，乡村振兴。产业在后。乡村振兴带动产业，产业融合。"
    )
    index_documents([doc.pk])
    [match] = matching_documents(
        query="产业 /s 乡村振兴", filters=SearchFilters(), occurrences_of=["产业"]
    )
    hits = document_hits(searchable_fields(doc), parse_query("产业 /s 乡村振兴"))
    want = sum(1 for h in hits[""] if h.term == "产业")
    assert want == 3  # not the one in the sentence without 乡村振兴
    assert match.occurrences == want


def _usable(term: str) -> bool:
    return bool(term.strip()) and not any(
        c in QUOTES or c in "\n\r\t\u3000" or not c.isprintable() for c in term
    )


@pytest.mark.slow
def test_random_proximity_pairs_match_the_scan(any_engine_index, seeds_dir, corpus_dir):
    texts = sample_texts(seeds_dir, corpus_dir)
    ids = [make_document(title, body).pk for title, body in texts]
    assert index_documents(ids) == len(ids)
    documents = [searchable_fields(d)[""] for d in Document.objects.order_by("pk")]
    nonempty = []

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def check(data):
        text = data.draw(st.sampled_from(documents))

        def substring(around: int | None) -> str:
            if around is None:
                start = data.draw(st.integers(0, max(0, len(text) - 2)))
            else:
                low = max(0, around - 80)
                start = data.draw(
                    st.integers(low, max(low, min(len(text) - 1, around + 80)))
                )
            length = data.draw(st.integers(1, 5))
            return text[start : start + length]

        first = substring(None)
        second = substring(text.find(first))
        if not (_usable(first) and _usable(second)):
            return
        unit = data.draw(st.sampled_from(["/s", "/p", "/0", "/5", "/20", "/500"]))
        query = f'"{first}" {unit} "{second}"'
        form = data.draw(st.sampled_from(list(Form)))
        want = scan(query, form)
        nonempty.append(bool(want))
        assert engine(query, form) == want, query

    check()
    # The pairs must find documents, not agree on empty sets.
    assert sum(nonempty) >= len(nonempty) // 3


def test_pages_mark_only_the_qualifying_occurrences(search_index, client):
    body = "乡村振兴要发展产业。产业在后。\n乡村振兴带动产业。"
    doc = make_document("乡村振兴规划", body)
    index_documents([doc.pk])
    query = "乡村振兴 /s 产业"
    node = parse_query(query)
    full = searchable_fields(doc)[""]
    want = [
        full[h.start : h.end]
        for h in document_hits(searchable_fields(doc), node)[""]
        if h.start > len(doc.title)  # the body's, not the title's
    ]
    assert want == ["乡村振兴", "产业", "乡村振兴", "产业"]  # not 产业在后

    detail = client.get(f"/documents/{doc.pk}/", {"q": query}).content.decode()
    body_html = detail[detail.index('id="hit-1"') - 10 :]
    assert body_html.count("<mark") == len(want)
    assert "<mark>产业</mark>在后" not in detail
    assert 'id="hit-4"' in detail and 'id="hit-5"' not in detail

    results = client.get("/search/", {"q": query}).content.decode()
    assert "产业在后" not in results or "<mark>产业</mark>在后" not in results
    # The document link carries the query so the page marks the same.
    assert f"/documents/{doc.pk}/?q=" in results

    # The page's 同句 choice reads the terms the same way.
    joined = client.get(
        f"/documents/{doc.pk}/", {"q": "乡村振兴 产业", "near": "s"}
    ).content.decode()
    assert 'id="hit-4"' in joined and 'id="hit-5"' not in joined


def test_kwic_lines_are_the_qualifying_first_term(search_index):
    from research.kwic import concordance

    body = "产业兴旺，乡村振兴。产业在后。乡村振兴带动产业，产业融合。"
    doc = make_document("甲", body)
    index_documents([doc.pk])
    result = concordance(query="产业 /s 乡村振兴", filters=SearchFilters())
    lines = list(result.lines)
    assert [(line.offset, line.term) for line in lines] == [
        (0, "产业"),
        (21, "产业"),
        (24, "产业"),
    ]
    # Each line links to its mark on the document page: 乡村振兴 is marked too.
    assert [line.hit for line in lines] == [1, 4, 5]


def test_the_command_line_takes_the_operators_and_near(small_archive):
    import json
    from io import StringIO

    from django.core.management import call_command

    def ids(*args: str) -> set[int]:
        out = StringIO()
        call_command("search_plans", *args, "--json", stdout=out)
        return {row["id"] for row in json.loads(out.getvalue())["results"]}

    want = {small_archive["same"], small_archive["far"]}
    assert ids("乡村振兴 /s 产业") == want
    assert ids("乡村振兴 产业", "--near", "s") == want


def test_several_segments_and_an_edit(search_index):
    first = make_document("甲", "乡村振兴要发展产业。")
    index_documents([first.pk])
    second = make_document("乙", "乡村振兴。产业。")
    index_documents([second.pk])
    third = make_document("丙", "产业与乡村振兴。")
    index_documents([third.pk])
    assert engine("乡村振兴 /s 产业") == {first.pk, third.pk}
    # An edit replaces the document's entry (a deletion in its old segment).
    second.body = "乡村振兴带动产业。"
    second.save()
    index_documents([second.pk])
    assert engine("乡村振兴 /s 产业") == scan("乡村振兴 /s 产业")
    assert engine("乡村振兴 /s 产业") == {first.pk, second.pk, third.pk}


def test_one_character_terms_at_the_ends_of_texts(search_index):
    # 水 last in the text has no bigram starting at it; 村 first in the title.
    last = make_document("甲", "治理污染。保护水")
    first = make_document("村规", "民约。发展产业")
    inside = make_document("乙", "水是生命，污染要治理")
    index_documents([last.pk, first.pk, inside.pk])
    for query in (
        "污染 /s 水",
        "水 /s 污染",
        "村 /p 民约",
        "村 /0 规",
        "水 /3 污染",
        "水 /s 护",
    ):
        assert engine(query) == scan(query), query
    assert engine("污染 /s 水") == {inside.pk}
    assert engine("污染 /p 水") == {last.pk, inside.pk}
    assert engine("村 /0 规") == {first.pk}


def test_research_pages_keep_the_near_choice(search_index, client):
    doc = make_document("甲", "产业兴旺，乡村振兴。产业在后。乡村振兴带动产业。")
    index_documents([doc.pk])
    html = client.get(
        "/research/kwic/", {"q": "产业 乡村振兴", "near": "s"}
    ).content.decode()
    assert '<option value="s" selected>' in html
    api = client.get("/api/kwic", {"q": "产业 乡村振兴", "near": "s"}).json()
    # Each 产业 with 乡村振兴 in its sentence, not 产业在后.
    assert [line["offset"] for line in api["lines"]] == [0, 21]


def test_the_compare_form_offers_both_switches_and_keeps_them(search_index, client):
    html = client.get(
        "/research/compare/", {"q": "产业", "near": "p", "form": "exact"}
    ).content.decode()
    assert '<option value="p" selected>' in html
    assert 'name="form" value="exact" checked' in html


def test_a_title_term_counts_in_the_title_in_trend_kwic_and_export(search_index):
    # 标题:产业 counts the title's 产业 only, not the body's: trend (from the
    # index or the texts), KWIC's lines and the export's hit column agree.
    from research.export import hit_count
    from research.kwic import concordance
    from research.trend import trend

    doc = make_document("产业发展计划", "产业兴旺，产业融合。", plan_year=2022)
    index_documents([doc.pk])
    query = "标题:产业"
    assert document_hits(searchable_fields(doc), parse_query(query)) == {
        "title": [Hit(0, 2, "产业")]
    }
    result = trend(query=query, filters=SearchFilters())
    assert (result.series[0].documents, result.series[0].occurrences) == (1, 1)
    lines = list(concordance(query=query, filters=SearchFilters()).lines)
    assert [(line.field, line.offset) for line in lines] == [("title", 0)]
    assert hit_count(doc, parse_query(query)) == 1


def test_one_character_terms_in_the_exact_form(any_engine_index):
    # 發 is written as such in one text and folded to 发 in another: the exact
    # form tells them apart in a proximity clause, one character or two,
    # at the end of a text (no bigram starts there) and inside.
    docs = [
        make_document("甲", "發在产业。"),
        make_document("乙", "发在产业。"),
        make_document("丙", "產业在后。發"),
        make_document("丁", "产业在后。发"),
        make_document("戊", "產業發展，发"),
        make_document("發", "产业"),
    ]
    index_documents([d.pk for d in docs])
    for query in (
        "發 /s 产业",
        "发 /s 产业",
        "發 /p 产业",
        "产业 /p 發",
        "發 /3 产",
        "產 /s 發",
        "发 /0 產業",
        "發 /1 发",
        "業 /s 发",
        "發 /p 业",
    ):
        for form in Form:
            assert engine(query, form) == scan(query, form), (query, form)
    assert engine("發 /s 产业", Form.EXACT) == {docs[0].pk}
    assert engine("發 /s 产业") == {docs[0].pk, docs[1].pk, docs[4].pk}
