"""Folded forms by default, exact forms on request (issue 17).

FOLDED: traditional and simplified characters, full-width and half-width
digits and letters match each other. EXACT (form=exact, 原字形): every
character as written. The truth is search/textmatch.py's scan, over the
folded text in the folded form and the text as written in the exact form.
"""

from __future__ import annotations

import json
import random
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from documents.models import Document
from documents.texts import searchable_fields
from search.normalise import FOLD_TABLE, Form, fold, fold_case, variants_of
from search.query import QueryError, parse_query
from search.selection import matching_documents
from search.services import (
    SearchFilters,
    index_documents,
    rebuild_index,
    search_documents,
)
from search.textmatch import document_hits, matches, text_hits
from tests.search.conftest import make_document


def hits(query: str, form: Form = Form.FOLDED) -> set[int]:
    page = search_documents(
        query=query,
        filters=SearchFilters(),
        sort="relevance",
        page=1,
        page_size=100,
        form=form,
    )
    assert page.total == len(page.results)
    return {hit.id for hit in page.results}


def scan(query: str, form: Form = Form.FOLDED) -> set[int]:
    node = parse_query(query, form=form)
    return {
        doc.pk
        for doc in Document.objects.all()
        if matches(searchable_fields(doc), node)
    }


# -- the table -------------------------------------------------------------------


def test_traditional_characters_fold_to_simplified_ones():
    assert fold("憲法草案") == fold("宪法草案") == "宪法草案"
    assert fold("中華人民共和國第一屆全國人民代表大會") == (
        "中华人民共和国第一届全国人民代表大会"
    )
    assert fold("憲法草案", Form.EXACT) == "憲法草案"


def test_full_width_digits_and_letters_fold_to_ascii():
    assert fold("１９５５年ＧＤＰ增长ｐｍ２.５") == "1955年gdp增长pm2.5"
    assert fold("１９５５", Form.EXACT) == "１９５５"
    # Full-width punctuation is how Chinese is written: not folded.
    assert fold("，：（）；！？％＃") == "，：（）；！？％＃"


def test_folding_keeps_every_offset_and_is_idempotent():
    assert all(len(chr(v)) == 1 for v in FOLD_TABLE.values())
    # No value is mapped further: folding twice is folding once.
    assert not set(FOLD_TABLE.values()) & set(FOLD_TABLE)
    text = "憲法１９５５ＡＢｃ\n乾隆薴麼" * 20
    assert len(fold(text)) == len(text)
    assert fold(fold(text)) == fold(text)
    # Long texts go through the array path, short ones through translate.
    assert fold(text) == "".join(fold(ch) for ch in text)


def test_variants_are_the_characters_that_fold_to_one():
    assert "憲" in variants_of("宪")
    assert variants_of("1") == {"１"}
    assert variants_of("a") == {"Ａ", "ａ"}
    assert not variants_of("憲")


def test_the_exact_form_folds_ascii_case_only():
    assert fold_case("GDP１") == "gdp１"


# -- the engines -----------------------------------------------------------------

EXAMPLES = {
    "1954": ("中華人民共和國憲法草案", "一九五四年，全國人民代表大會通過了憲法。"),
    "modern": ("宪法宣传周", "学习宪法，１９５５年与1955年。ＧＤＰ增长。"),
    "mixed": ("憲法与宪法", "憲法宣传，1955年，gdp。"),
    "plain": ("乡村振兴", "产业兴旺，生态宜居。"),
}
CASES = [
    # (query, folded hits, exact hits)
    ("宪法", {"1954", "modern", "mixed"}, {"modern", "mixed"}),
    ("憲法", {"1954", "modern", "mixed"}, {"1954", "mixed"}),
    ("憲法草案", {"1954"}, {"1954"}),
    ("宪法草案", {"1954"}, set()),
    ("1955", {"modern", "mixed"}, {"modern", "mixed"}),
    ("１９５５", {"modern", "mixed"}, {"modern"}),
    ("１９５５年与1955", {"modern"}, {"modern"}),
    ("1955年与1955", {"modern"}, set()),
    ("gdp", {"modern", "mixed"}, {"mixed"}),
    ("ＧＤＰ", {"modern", "mixed"}, {"modern"}),
    ("憲", {"1954", "modern", "mixed"}, {"1954", "mixed"}),
    ("宪", {"1954", "modern", "mixed"}, {"modern", "mixed"}),
    ("１", {"modern", "mixed"}, {"modern"}),
    ("國", {"1954"}, {"1954"}),
    ("国", {"1954"}, set()),
    ("宪法 -憲法", set(), {"modern"}),
    ("憲法 OR 国", {"1954", "modern", "mixed"}, {"1954", "mixed"}),
    ("乡村振兴", {"plain"}, {"plain"}),
]


@pytest.fixture
def examples(db) -> dict[int, str]:
    names = {}
    for name, (title, body) in EXAMPLES.items():
        names[make_document(title, body).pk] = name
    return names


@pytest.mark.django_db
@pytest.mark.search
def test_each_form_finds_what_its_scan_finds(any_engine_index, examples):
    assert index_documents(list(examples)) == len(examples)
    wrong = {}
    for query, folded, exact in CASES:
        for form, want in ((Form.FOLDED, folded), (Form.EXACT, exact)):
            assert {examples[pk] for pk in scan(query, form)} == want, (query, form)
            got = {examples[pk] for pk in hits(query, form)}
            if got != want:
                wrong[(query, form.value)] = (sorted(got), sorted(want))
    assert not wrong


@pytest.mark.django_db
@pytest.mark.search
def test_research_tools_count_occurrences_in_each_form(any_engine_index, examples):
    assert index_documents(list(examples)) == len(examples)
    for query, form in [
        ("宪法", Form.EXACT),
        ("宪法", Form.FOLDED),
        ("５", Form.EXACT),
    ]:
        found = matching_documents(
            query=query, filters=SearchFilters(), occurrences_of=[query], form=form
        )
        want = scan(query, form)
        assert {m.id for m in found} == want
        node = parse_query(query, form=form)
        for match in found:
            if match.occurrences is None:
                continue  # a stock engine does not count
            doc = Document.objects.get(pk=match.id)
            hits_in_text = document_hits(searchable_fields(doc), node)
            assert match.occurrences == sum(map(len, hits_in_text.values()))


# -- random substrings, both forms -------------------------------------------------

# Characters of each text, some swapped for a variant (繁体, full width) or
# folded, so queries and texts disagree in form in every way.
TEXT_CHARS = 4000


def _archive_texts(corpus_dir: Path) -> list[tuple[str, str]]:
    """Reports of 1954 and 1957 (traditional), modern ones, and modern text
    written with traditional characters and full-width digits and letters
    in places."""
    reports = {}
    path = corpus_dir / "national-reports" / "government_work_reports.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        reports[record["title"]] = record["content"][:TEXT_CHARS]
    chosen = [t for t in reports if t.startswith(("1954", "1957", "2019", "2023"))]
    assert len(chosen) == 4
    texts = [(title, reports[title]) for title in chosen]
    swap = random.Random(17)
    for title in chosen[2:]:
        mixed = [
            swap.choice(sorted(variants_of(ch)))
            if variants_of(ch) and swap.random() < 0.3
            else ch
            for ch in reports[title]
        ]
        texts.append(
            (f"{title}（混排）", "".join(mixed) + " ＧＤＰ增长５.５％，GDP 5.5%")
        )
    return texts


@pytest.fixture
def archive(db, search_index, corpus_dir) -> list[str]:
    texts = _archive_texts(corpus_dir)
    ids = [make_document(title, body).pk for title, body in texts]
    # Two commits and a re-indexed document: several segments, a deletion.
    assert index_documents(ids[:3]) == 3
    assert index_documents(ids[3:]) == len(ids) - 3
    assert index_documents(ids[:1]) == 1
    return [searchable_fields(Document.objects.get(pk=pk))[""] for pk in ids]


def _respelt(text: str, choices: list[int]) -> str:
    """``text`` with each character kept, folded or swapped for a variant."""
    out = []
    for ch, choice in zip(text, choices, strict=False):
        folded = fold(ch)
        spellings = [ch, folded, *sorted(variants_of(folded))]
        out.append(spellings[choice % len(spellings)])
    return "".join(out)


@pytest.mark.django_db
@pytest.mark.search
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_random_substrings_find_what_the_scan_finds_in_both_forms(archive, data):
    text = archive[data.draw(st.integers(0, len(archive) - 1))]
    length = data.draw(st.integers(1, 6))
    start = data.draw(st.integers(0, len(text) - length))
    choices = data.draw(st.lists(st.integers(0, 3), min_size=length, max_size=length))
    term = _respelt(text[start : start + length], choices)
    assume(term.strip() and not set(term) & set('"＂“”\n\r'))
    query = f'"{term}"'
    if data.draw(st.booleans()):
        other = text[data.draw(st.integers(0, len(text) - 2)) :][:2]
        assume(other.strip() and not set(other) & set('"＂“”\n\r-'))
        query += f' -"{other}"'
    # A term of characters the parser drops (spaces of other kinds, controls)
    # is an empty quote: a clear QueryError, tested elsewhere, not a search.
    try:
        parse_query(query)
    except QueryError:
        assume(False)
    for form in Form:
        assert hits(query, form) == scan(query, form), (query, form)


def test_highlights_land_on_the_characters_as_written():
    text = "中華人民共和國憲法草案，１９５４年"
    node = parse_query("宪法 1954")
    found = [text[h.start : h.end] for h in text_hits(text, node)]
    assert found == ["憲法", "１９５４"]
    assert not text_hits(text, parse_query("宪法 1954", form=Form.EXACT))
    exact = parse_query("憲法 １９５４", form=Form.EXACT)
    assert [text[h.start : h.end] for h in text_hits(text, exact)] == [
        "憲法",
        "１９５４",
    ]


# -- the pages ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.search
def test_the_exact_switch_is_on_the_page_and_kept_by_its_links(
    client, search_index, examples
):
    assert index_documents(list(examples)) == len(examples)
    folded = client.get("/search/", {"q": "宪法"}).content.decode()
    assert switch(folded) == ""  # unchecked
    assert "共 3 篇文档" in folded
    page = client.get("/search/", {"q": "宪法", "form": "exact", "page_size": 1})
    html = page.content.decode()
    assert switch(html) == "checked"
    assert "共 2 篇文档" in html
    # Pages, facets and the research tools keep the form.
    hrefs = [a.split('"')[0] for a in html.split('href="')[1:]]
    links = [a for a in hrefs if "q=" in a]
    assert len(links) >= 4  # the next page, the facets, the tools
    assert all("form=exact" in a for a in links)
    tool = client.get("/research/trend/", {"q": "宪法", "form": "exact"})
    assert switch(tool.content.decode()) == "checked"
    assert switch(client.get("/research/kwic/", {"q": "宪法"}).content.decode()) == ""


def switch(html: str) -> str:
    """ "checked" or "" for the page's one 原字形 checkbox."""
    found = re.findall(r'<input type="checkbox" name="form" value="exact"[^>]*>', html)
    assert len(found) == 1
    return "checked" if " checked" in found[0] else ""


@pytest.mark.django_db
@pytest.mark.search
def test_the_api_takes_the_form(client, search_index, examples):
    assert index_documents(list(examples)) == len(examples)
    for form, want in (("folded", {"1954"}), ("exact", set())):
        data = client.get("/api/search", {"q": "宪法草案", "form": form}).json()
        assert {examples[r["id"]] for r in data["results"]} == want


@pytest.mark.django_db
@pytest.mark.search
def test_the_command_line_takes_the_form(search_index, examples):
    assert index_documents(list(examples)) == len(examples)
    for form, want in (("folded", {"1954"}), ("exact", set())):
        out = StringIO()
        call_command("search_plans", "宪法草案", "--form", form, "--json", stdout=out)
        data = json.loads(out.getvalue())
        assert {examples[r["id"]] for r in data["results"]} == want


@pytest.mark.django_db
@pytest.mark.search
def test_checked_candidates_keep_the_facets_the_engine_gives(
    any_engine_index, examples
):
    """A stock engine's exact-form results are checked one by one; their facet
    counts read as the engine's own do (the same set gives the same facets)."""
    Document.objects.update(township="周巷镇", county="慈溪市", plan_year=2021)
    assert index_documents(list(examples)) == len(examples)
    pages = [
        search_documents(
            query="乡村振兴",
            filters=SearchFilters(),
            sort="relevance",
            page=1,
            page_size=10,
            form=form,
        )
        for form in Form
    ]
    assert pages[0].total == pages[1].total == 1
    assert pages[0].facets == pages[1].facets
    assert pages[1].facets["township"] == [("周巷镇", 1)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.search
def test_a_rebuilt_index_holds_the_variants(search_index, examples):
    assert rebuild_index() == len(examples)
    for query, folded, exact in CASES[:6]:
        for form, want in ((Form.FOLDED, folded), (Form.EXACT, exact)):
            assert {examples[pk] for pk in hits(query, form)} == want, (query, form)
