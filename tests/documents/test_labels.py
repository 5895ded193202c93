"""Label recognition: synonyms, spacing, full-width colons and pipe tables."""

import pytest

from documents.ingest.labels import field_for_label, iter_labelled_pairs


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("索引号", "index_no"),
        ("索 引 号", "index_no"),
        ("发布机构", "issuer"),
        ("发布单位", "issuer"),
        ("发文机关", "issuer"),
        ("来源", "issuer"),
        ("成文日期", "doc_date"),
        ("发文日期", "doc_date"),
        ("公开日期", "publish_date"),
        ("发布日期", "publish_date"),
        ("发布时间", "publish_date"),
        ("日期", "publish_date"),
        ("文号", "doc_number"),
        ("发文字号", "doc_number"),
        ("主题分类", "category"),
        ("栏目", "category"),
        ("公开方式", "disclosure"),
        ("浏览次数", "ignored"),
        ("不是标签", None),
    ],
)
def test_label_synonyms(label: str, field: str | None) -> None:
    assert field_for_label(label) == field


def test_several_pairs_on_one_line_with_fullwidth_colon() -> None:
    pairs = list(
        iter_labelled_pairs("索 引 号： PZ00101-2500 主题分类： 发文机关： 中国平潭")
    )
    assert [(label.replace(" ", ""), value) for label, value, *_ in pairs] == [
        ("索引号", "PZ00101-2500"),
        ("主题分类", ""),
        ("发文机关", "中国平潭"),
    ]


def test_pipe_table_cells() -> None:
    line = "索引号: | 002590139/2023-74151 | 公开方式: | 主动公开 |"
    pairs = [(label, value) for label, value, *_ in iter_labelled_pairs(line)]
    assert pairs == [("索引号", "002590139/2023-74151"), ("公开方式", "主动公开")]


def test_a_word_inside_a_sentence_is_not_a_label() -> None:
    assert list(iter_labelled_pairs("资金来源：财政拨款，时间：三年")) == []
