"""The bench's Tantivy peer is exact: its counts equal a substring scan.

tantivy is a bench requirement only (bench/requirements.txt); without it
these tests are skipped.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

pytest.importorskip("tantivy")

from bench import tantivy_peer as tp  # noqa: E402

ALPHABET = "乡村振兴发展振兴村aB。\n "
TOWNS = ("桃源乡", "店口镇", "车站街道")


def test_pairs_are_every_adjacent_pair_in_order():
    assert tp.pairs_text("乡村振兴").split(" ")[:-1] == [
        "乡村",
        "村振",
        "振兴",
        "兴\x01",
    ]
    # Whitespace is a GAP inside a pair; ASCII letters are folded, nothing else.
    assert tp.pairs_text("Ab 振").split(" ")[:-1] == ["ab", "b\x01", "\x01振", "振\x01"]
    assert tp.pairs_text("İ") == "İ\x01 "


def test_a_term_is_its_pairs_and_whitespace_is_refused():
    assert tp.term_pairs("乡村振兴") == ["乡村", "村振", "振兴"]
    assert tp.term_pairs("GDP") == ["gd", "dp"]
    assert tp.term_pairs("兴") == ["兴"]
    with pytest.raises(ValueError):
        tp.term_pairs("乡村 振兴")


def _rows(count: int, rng: random.Random) -> list[dict]:
    rows = []
    for number in range(count):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60)))
        year = rng.choice((None, 2019, 2020, 2021, 2022))
        day = date(year or 2020, 1 + number % 12, 1)
        rows.append(
            {
                "id": number + 1,
                "title": f"计划{number}",
                "issuer": rng.choice(("周巷镇人民政府", "")),
                "township": rng.choice((*TOWNS, "")),
                "county": rng.choice(("诸暨市", "孝南区")),
                "city": "",
                "province": rng.choice(("浙江省", "湖北省")),
                "division_code": "",
                "category": rng.choice(("综合类", "计划总结", "")),
                "plan_year": year,
                "doc_date": day,
                "publish_date": None,
                "needs_review": False,
                "availability": rng.choice(("online", "withdrawn", "unknown")),
                "text": text,
            }
        )
    return rows


def _expected(rows: list[dict], term: str, township: str = "", years=None) -> list:
    found = []
    for row in rows:
        if term and tp.fold(term) not in tp.fold(row["text"]):
            continue
        if township and row["township"] != township:
            continue
        if years and not (
            row["plan_year"] is not None and years[0] <= row["plan_year"] <= years[1]
        ):
            continue
        found.append(row)
    return found


def test_counts_hits_and_facets_equal_a_substring_scan(tmp_path):
    rng = random.Random(15)
    rows = _rows(150, rng)
    built = tp.build(tmp_path / "index", [dict(row) for row in rows], workers=1)
    assert built["indexed"] == len(rows)
    searcher = tp.TantivySearcher(tmp_path / "index")
    texts = [row["text"] for row in rows if len(row["text"]) > 6]
    terms = {"乡村振兴", "ab", "AB", "兴", "。", "b。", "无此词"}
    for text in rng.sample(texts, 20):
        start = rng.randrange(len(text) - 4)
        piece = text[start : start + rng.randint(1, 4)]
        if piece.split() == [piece]:  # a query term holds no whitespace
            terms.add(piece)
    checked = 0
    for term in sorted(terms):
        for township, years in (("", None), ("店口镇", None), ("", (2020, 2021))):
            want = _expected(rows, term, township, years)
            page = searcher.page(term, township=township, years=years)
            assert page.total == len(want), (term, township, years)
            assert {hit["id"] for hit in page.hits} <= {row["id"] for row in want}
            assert len(page.hits) == min(len(want), tp.PAGE_SIZE)
            for name in ("township", "plan_year", "category"):
                counts = Counter(
                    row[name] for row in want if row[name] not in ("", None)
                )
                assert dict(page.facets[name]) == dict(counts), (term, name)
            checked += 1
    assert checked == len(terms) * 3


def test_browse_lists_every_document_newest_first(tmp_path):
    rows = _rows(40, random.Random(3))
    tp.build(tmp_path / "index", [dict(row) for row in rows], workers=1)
    page = tp.TantivySearcher(tmp_path / "index").page("")
    assert page.total == len(rows)
    dates = [hit["doc_date"] for hit in page.hits]
    assert dates == sorted((row["doc_date"] for row in rows), reverse=True)[:20]


def test_the_peer_counts_the_facets_a_results_page_counts():
    # A facet added to the page and not to the peer makes plansite do work
    # Tantivy skips, and the bench's comparison unfair (as it was before
    # issuer and availability were added to both).
    from search.request import FACET_FIELDS

    assert tuple(tp.FACETS) == tuple(FACET_FIELDS)
