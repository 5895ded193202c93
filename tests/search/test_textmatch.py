"""search/textmatch.py: the plain-scan definition of what a query matches.

These pin the semantics the issue states, on texts small enough to check by
eye; the engines' property tests compare with textmatch itself.
"""

from __future__ import annotations

import pytest

from search.normalise import Form
from search.query import Near, Term, Unit, parse_query
from search.textmatch import Hit, boundaries, document_hits, matches, text_hits, unit_of


def doc(text: str, **fields: str) -> dict[str, str]:
    return {"": text, **fields}


def test_same_sentence_needs_both_terms_between_sentence_ends():
    node = parse_query("乡村振兴 /s 产业")
    assert matches(doc("推进乡村振兴，发展产业。"), node)
    assert not matches(doc("推进乡村振兴。发展产业。"), node)
    assert not matches(doc("推进乡村振兴；发展产业"), node)
    assert not matches(
        doc("推进乡村振兴\n发展产业"), node
    )  # a paragraph ends a sentence


def test_same_paragraph_spans_sentences_not_lines():
    node = parse_query("乡村振兴 /p 产业")
    assert matches(doc("推进乡村振兴。发展产业。"), node)
    assert not matches(doc("推进乡村振兴。\n发展产业。"), node)


def test_title_is_a_paragraph_of_its_own():
    node = parse_query("计划 /p 产业")
    assert not matches(doc("2023年工作计划\n发展产业"), node)


def test_distance_counts_the_characters_between_in_either_order():
    assert matches(doc("产业abc乡村"), parse_query("乡村 /3 产业"))
    assert not matches(doc("产业abcd乡村"), parse_query("乡村 /3 产业"))
    assert matches(doc("乡村产业"), parse_query("乡村 /0 产业"))
    # Overlapping occurrences are within any distance.
    assert matches(doc("乡村振兴"), parse_query("乡村振兴 /0 振兴"))


def test_a_repeated_term_needs_two_occurrences():
    assert not matches(doc("一次产业。"), parse_query("产业 /s 产业"))
    assert matches(doc("产业和产业。"), parse_query("产业 /s 产业"))
    assert not matches(doc("产业"), parse_query("产业 /5 产业"))
    assert matches(doc("产业x产业"), parse_query("产业 /1 产业"))


def test_only_qualifying_occurrences_count():
    text = "产业兴旺。乡村振兴带动产业。产业"
    hits = text_hits(text, parse_query("乡村振兴 /s 产业"))
    assert [(h.start, h.term) for h in hits] == [(5, "乡村振兴"), (11, "产业")]


def test_an_occurrence_across_a_sentence_end_is_in_no_sentence():
    bounds = boundaries("发展。产业", Unit.SENTENCE)
    assert unit_of(bounds, 0, 3) == 0  # "发展。" ends its sentence
    assert unit_of(bounds, 1, 4) is None  # "展。产" straddles it


def test_field_terms_match_only_their_field():
    node = parse_query("标题:乡村振兴")
    assert matches(doc("正文", title="乡村振兴计划"), node)
    assert not matches(doc("乡村振兴", title="工作计划"), node)
    hits = document_hits(doc("乡村振兴", title="乡村振兴计划"), node)
    assert hits == {"title": [Hit(0, 4, "乡村振兴")]}


def test_exclusion_and_or():
    node = parse_query("水 OR 电 -污水")
    assert matches(doc("供电"), node)
    assert not matches(doc("供电和污水"), node)


@pytest.mark.parametrize("form", list(Form))
def test_ascii_case_folds_in_both_forms(form):
    assert matches(doc("GDP增长"), parse_query("gdp", form=form))


def test_page_choice_joins_plain_terms():
    node = parse_query("乡村振兴 产业 -污水", near=Unit.SENTENCE)
    assert node.clauses[0] == Near((Term("乡村振兴"), Term("产业")), Unit.SENTENCE)
    assert not matches(doc("乡村振兴。产业。"), node)
    assert matches(doc("乡村振兴产业。"), node)
