"""The query syntax: AND by default, OR, -exclude, quotes; hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from search.query import (
    MAX_QUERY_LENGTH,
    And,
    Not,
    Or,
    QueryError,
    Term,
    has_positive,
    parse_query,
    terms_of,
    to_query_string,
    to_whoosh,
)


def test_terms_side_by_side_are_all_required():
    assert parse_query("美丽城镇 小城市") == And((Term("美丽城镇"), Term("小城市")))


def test_or_binds_tighter_than_and():
    assert parse_query("水 美丽城镇 OR 小城市") == And(
        (Term("水"), Or((Term("美丽城镇"), Term("小城市"))))
    )


def test_exclusion_and_quotes():
    assert parse_query('"中小 企业" -"垃圾 分类" -水') == And(
        (Term("中小 企业"), Not(Term("垃圾 分类")), Not(Term("水")))
    )


def test_chinese_quotes_and_full_width_space():
    assert parse_query("“最多跑一次”\u3000改革") == And(
        (Term("最多跑一次"), Term("改革"))
    )


def test_inner_hyphen_and_lower_case_or_are_literal():
    assert parse_query("5G-R or") == And((Term("5G-R"), Term("or")))


def test_empty_query_means_browse():
    assert parse_query("") is None
    assert parse_query("  \t\n ") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"乡村振兴', And((Term("乡村振兴"),))),  # unbalanced quote
        ('乡村"振兴', And((Term("乡村"), Term("振兴")))),
        ("- 水", And((Term("水"),))),  # lone minus
        ("OR 水", And((Term("水"),))),  # leading OR
        ("水 OR", And((Term("水"),))),  # trailing OR
        ("水 OR OR 火", And((Or((Term("水"), Term("火"))),))),
        ("水 AND 火", And((Term("水"), Term("火")))),
        ("水 水 水", And((Term("水"),))),
        ("水\x00火", And((Term("水"), Term("火")))),  # control character
        ("水\u200b火", And((Term("水"), Term("火")))),  # zero-width space
        (
            "<script>alert(1)</script>",
            And((Term("<script>alert(1)</script>"),)),
        ),
        (
            "a:b (c) [d] ^e ~f *",
            And(tuple(map(Term, ["a:b", "(c)", "[d]", "^e", "~f", "*"]))),
        ),
        ('""', None),
    ],
)
def test_bad_input_gets_a_sensible_parse(raw, expected):
    if expected is None:
        with pytest.raises(QueryError):
            parse_query(raw)
    else:
        assert parse_query(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["AND OR", "OR", "-", "- - -", "AND", "水 OR -火", "x" * 10_000, "水 " * 101],
)
def test_unusable_input_raises_query_error_in_chinese(raw):
    with pytest.raises(QueryError) as excinfo:
        parse_query(raw)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(excinfo.value))


def test_length_cap_is_a_named_limit():
    assert parse_query("水" * MAX_QUERY_LENGTH) is not None
    with pytest.raises(QueryError):
        parse_query("水" * (MAX_QUERY_LENGTH + 1))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_input_parses_or_raises_query_error(raw):
    try:
        node = parse_query(raw)
    except QueryError:
        return
    if node is None:
        return
    for term in terms_of(node, include_negated=True):
        # Quoted phrases keep their spaces; no term is only space.
        assert term.strip()
        assert '"' not in term
        assert "\n" not in term, "a query is one line"
    to_query_string(node)
    to_whoosh(node)


def test_positive_terms_are_for_highlighting():
    node = parse_query("美丽城镇 OR 小城市 -垃圾分类")
    assert terms_of(node) == ["美丽城镇", "小城市"]
    assert terms_of(node, include_negated=True)[-1] == "垃圾分类"
    assert has_positive(node)
    assert not has_positive(parse_query("-水"))


def test_query_string_quotes_every_term_on_an_exact_field():
    node = parse_query("美丽城镇 OR 水 -R&D")
    assert to_query_string(node) == (
        '(exact:"美丽城镇" OR chars:"水") AND NOT exact:"R&D"'
    )
    assert to_query_string(parse_query("-水")) == '* AND NOT chars:"水"'


def test_whoosh_query_is_a_phrase_of_bigrams():
    q = to_whoosh(parse_query("小微企业 水 -R&D 五水"))
    assert q == wq.AndNot(
        wq.And(
            [
                wq.Phrase("exact", ["小微", "微企", "企业"]),
                wq.Term("chars", "水"),
                wq.Term("exact", "五水"),
            ]
        ),
        wq.Or([wq.Phrase("exact", ["r&", "&d"])]),
    )


@pytest.mark.parametrize(
    ("raw", "term"),
    [
        ('"美丽  城镇"', "美丽  城镇"),  # spaces inside quotes count
        ('"丽\t城镇"', "丽\t城镇"),
        ('" 城镇"', " 城镇"),
        ('"小\n微"', "小 微"),  # a query is one line
        ('"“十四五”规划"', "“十四五”规划"),  # straight quotes keep curly ones
        ("“十四五”", "十四五"),
        ("美\u200b丽", None),  # an invisible character separates
    ],
)
def test_phrases_are_taken_as_written(raw, term):
    node = parse_query(raw)
    if term is None:
        assert terms_of(node) == ["美", "丽"]
    else:
        assert terms_of(node) == [term]


@pytest.mark.parametrize(
    ("raw", "note"),
    [
        ('"乡村振兴', "引号不成对"),
        ("规划”", "引号不成对"),
        ("发展)", "不支持括号分组和通配符"),
        ("乡村*", "不支持括号分组和通配符"),
    ],
)
def test_readings_the_user_should_know_about_are_noted(raw, note):
    assert any(note in n for n in parse_query(raw).notes)
    assert not parse_query("“乡村振兴” 发展").notes


def test_invisible_characters_alone_are_an_error():
    with pytest.raises(QueryError):
        parse_query("\x00\u200b")
    assert parse_query("\u3000 \t") is None


# -- issue 17: proximity operators, field prefixes, forms ---------------------

from search.normalise import Form  # noqa: E402
from search.query import MAX_DISTANCE, Near, Unit  # noqa: E402


@pytest.mark.parametrize(
    ("raw", "unit", "distance"),
    [
        ("乡村振兴 /s 产业", Unit.SENTENCE, 0),
        ("乡村振兴 /P 产业", Unit.PARAGRAPH, 0),
        ("乡村振兴 ／ｓ 产业", Unit.SENTENCE, 0),  # full-width, as IMEs type it
        ("乡村振兴 /20 产业", Unit.CHARS, 20),
        ("乡村振兴 /０ 产业", Unit.CHARS, 0),
    ],
)
def test_proximity_operators(raw, unit, distance):
    node = parse_query(raw)
    assert node.clauses == (Near((Term("乡村振兴"), Term("产业")), unit, distance),)


def test_quoted_operator_is_literal():
    assert parse_query('"/s" 产业').clauses == (Term("/s"), Term("产业"))


@pytest.mark.parametrize(
    "raw",
    [
        "/s 产业",
        "产业 /s",
        f"a /{MAX_DISTANCE + 1} b",
        "a OR b /s c",
        "a /s b /p c",
        "a /s -b",
        "a /3 b /3 c",
        "标题:a /s b",
        "标题:",
    ],
)
def test_bad_proximity_and_field_queries_say_why(raw):
    with pytest.raises(QueryError):
        parse_query(raw)


def test_field_prefixes_in_both_languages_and_colons():
    assert parse_query("标题:乡村振兴 issuer：某镇人民政府 -文号:2020").clauses == (
        Term("乡村振兴", "title"),
        Term("某镇人民政府", "issuer"),
        Not(Term("2020", "doc_number")),
    )
    assert parse_query('索引号: "001 2020"').clauses == (Term("001 2020", "index_no"),)


def test_form_travels_with_the_tree():
    assert parse_query("宪法", form=Form.EXACT).form is Form.EXACT
    assert parse_query("宪法").form is Form.FOLDED
