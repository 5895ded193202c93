"""Indexing fast paths give byte-identical postings to Whoosh's generic code."""

from __future__ import annotations

import pytest
from whoosh.formats import Positions

from search.analyzers import ExactPositions, exact_analyzer
from tests.search.conftest import sample_texts

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


def postings(fmt, text):
    return list(fmt.word_values(text, exact_analyzer(), mode="index"))


@pytest.mark.parametrize("text", EDGE_CASES)
def test_exact_positions_match_generic_positions_on_edge_cases(text):
    assert postings(ExactPositions(), text) == postings(Positions(), text)


def test_exact_positions_match_generic_positions_on_samples(seeds_dir, corpus_dir):
    for title, body in sample_texts(seeds_dir, corpus_dir)[:40]:
        text = f"{title}\n{body}"
        assert postings(ExactPositions(), text) == postings(Positions(), text)
