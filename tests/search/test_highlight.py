"""Highlighting: every occurrence marked, CJK-safe, and never unescaped HTML."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from search.highlight import (
    MAX_PASSAGES,
    find_spans,
    highlight_full,
    mark,
    snippets,
)
from search.normalise import FOLD_TABLE, Form, fold


def test_marks_every_occurrence_with_numbered_ids():
    html, count = highlight_full("美丽城镇和美丽乡村，美丽城镇。", ["美丽城镇"])
    assert count == 2
    assert html == (
        '<mark id="hit-1">美丽城镇</mark>和美丽乡村，<mark id="hit-2">美丽城镇</mark>。'
    )


def test_hits_inside_longer_words_are_marked():
    """The search found 小微企业 inside 中小微企业, so the highlight must too."""
    html, count = highlight_full("扶持中小微企业", ["小微企业"])
    assert (html, count) == ('扶持中<mark id="hit-1">小微企业</mark>', 1)


def test_overlapping_terms_merge_into_one_mark():
    assert find_spans("马克思主义", ["马克", "马克思"]) == [(0, 3)]
    assert find_spans("哈哈哈", ["哈哈"]) == [(0, 3)]
    assert find_spans("小微企业", ["小微", "企业"]) == [(0, 2), (2, 4)]


def test_ascii_case_is_folded_like_the_search():
    html, count = highlight_full("推进5g和R&D投入", ["5G", "r&d"])
    assert count == 2
    assert '<mark id="hit-1">5g</mark>' in html
    assert '<mark id="hit-2">R&amp;D</mark>' in html


def test_script_in_text_or_query_stays_text():
    text = "注意<script>alert(1)</script>与&amp;"
    html, count = highlight_full(text, ["<script>", "amp"])
    assert "<script>" not in html
    assert html.startswith('注意<mark id="hit-1">&lt;script&gt;</mark>alert(1)')
    # "amp" matches the text's own "&amp;", not an escape we introduced.
    assert count == 2
    assert html.endswith('&amp;<mark id="hit-2">amp</mark>;')


def test_no_terms_means_escaped_text_and_no_marks():
    assert highlight_full("<b>", []) == ("&lt;b&gt;", 0)


def test_snippets_prefer_passages_with_all_terms():
    filler = "工作" * 200
    text = f"{filler}美丽城镇{filler}美丽城镇建设和垃圾分类{filler}垃圾分类{filler}"
    passages = snippets(text, ["美丽城镇", "垃圾分类"], n=1, width=40)
    assert len(passages) == 1
    assert "<mark>美丽城镇</mark>建设和<mark>垃圾分类</mark>" in passages[0]
    assert passages[0].startswith("…") and passages[0].endswith("…")


def test_snippets_do_not_overlap_and_keep_text_order():
    text = "。".join(f"第{i}段美丽城镇" + "文字" * 60 for i in range(6))
    passages = snippets(text, ["美丽城镇"], n=3, width=50)
    assert len(passages) == 3
    assert [p.count("<mark>") for p in passages] == [1, 1, 1]
    positions = [text.find(p.strip("…").split("<mark>")[0]) for p in passages]
    assert positions == sorted(positions)


def test_snippet_never_cuts_a_mark_and_all_hits_in_it_are_marked():
    text = "甲" * 30 + "小城市" + "乙" * 5 + "小城市" + "丙" * 30
    for passage in snippets(text, ["小城市"], n=3, width=38):
        plain = passage.replace("<mark>", "").replace("</mark>", "")
        assert plain.count("小城市") == passage.count("<mark>小城市</mark>")


def test_snippets_without_hits_show_the_start():
    assert snippets("<p>开头" + "字" * 300, ["无"], width=10) == [
        "&lt;p&gt;开头字字字字字…"
    ]
    assert snippets("", ["无"]) == []


def test_snippets_show_every_term_that_occurs_even_far_apart():
    text = (
        "甲乡村振兴乙。" + "。" * 400 + "丙共同富裕丁。" + "。" * 400 + "戊碳达峰己。"
    )
    passages = snippets(text, ["乡村振兴", "共同富裕", "碳达峰", "量子"], n=2, width=40)
    joined = "".join(passages)
    for term in ("乡村振兴", "共同富裕", "碳达峰"):
        assert f"<mark>{term}</mark>" in joined
    assert len(passages) == 3, "one more passage than asked, for the third term"


def test_snippets_of_a_text_with_tens_of_thousands_of_hits_still_show_every_term():
    # Past MAX_CANDIDATES hits only some are weighed as a passage's start: a
    # term that occurs once, between them and overlapping another term's hit,
    # is still shown, and the passages stay apart and in text order.
    filler = "的工作。" * 30_000
    middle = len(filler) // 2 + 1
    text = filler[:middle] + "乡村振兴的" + filler[middle:] + "末尾一次"
    passages = snippets(text, ["的", "振兴的", "末尾"])
    shown = " ".join(passages)
    assert "<mark>乡村" not in shown and "乡村<mark>振兴的</mark>" in shown
    assert "<mark>末尾</mark>" in shown
    assert len(passages) <= MAX_PASSAGES
    assert shown.index("振兴的</mark>") < shown.index("<mark>末尾</mark>")


def test_mark_escapes_and_marks_a_title():
    assert mark("周巷镇<b>计划", ["周巷"]) == "<mark>周巷</mark>镇&lt;b&gt;计划"


@example("橋ＡＢ１GDP")
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=200))
def test_fold_keeps_every_offset_and_changes_only_what_it_should(text: str) -> None:
    # Issue 17 (changed deliberately): the exact form lowers ASCII capitals
    # only; the folded form then maps what the table maps (橋 -> 桥, １ -> 1),
    # one code point for one, and nothing else.
    exact = fold(text, Form.EXACT)
    folded = fold(text)
    assert len(exact) == len(folded) == len(text)
    for before, as_written, after in zip(text, exact, folded, strict=True):
        lowered = before.lower() if "A" <= before <= "Z" else before
        assert as_written == lowered
        assert after == chr(FOLD_TABLE.get(ord(lowered), ord(lowered)))
