"""Label recognition: synonyms, spacing, full-width colons and pipe tables."""

import pytest

from documents.ingest.labels import (
    cell_label,
    field_for_label,
    iter_cell_pairs,
    iter_labelled_pairs,
)


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
        ("栏目", "ignored"),
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


def test_unknown_labels_and_tools_end_a_value() -> None:
    line = "发布时间：2021-01-12 10:30:00　来源：昆山市花桥镇人民政府　作者：党政办　【字体：大 中 小】"
    pairs = {label: value for label, value, *_ in iter_labelled_pairs(line)}
    assert pairs["来源"] == "昆山市花桥镇人民政府"
    assert pairs["发布时间"] == "2021-01-12 10:30:00"
    line = "发布时间：2022-01-05 17:41　　来源：华蓥市红岩乡人民政府　　浏览量：327"
    pairs = {label: value for label, value, *_ in iter_labelled_pairs(line)}
    assert pairs["来源"] == "华蓥市红岩乡人民政府"
    line = "发布时间：2021-02-03 信息来源：社渚镇 【字号：大 中 小】"
    pairs = {label: value for label, value, *_ in iter_labelled_pairs(line)}
    assert pairs["信息来源"] == "社渚镇"


@pytest.mark.parametrize(
    "line",
    [
        "| 索 引 号 | 007519498/2022-00015 | 分　　类 | 计划总结 |",
        "索引号\t007519498/2022-00015\t分类\t计划总结",
        "| 索引号 | 007519498/2022-00015 | 分类 | 计划总结",  # an HTML row, flattened
    ],
)
def test_label_cells_without_colons(line: str) -> None:
    assert iter_cell_pairs(line) == [
        ("索引号", "007519498/2022-00015"),
        ("分类", "计划总结"),
    ]


def test_label_cell_with_an_empty_value_cell() -> None:
    assert iter_cell_pairs("文号\t\t发布日期\t2023-01-30") == [
        ("文号", ""),
        ("发布日期", "2023-01-30"),
    ]
    assert iter_cell_pairs("| 文　　号 | 发布日期 | 2022年1月28日 |") == [
        ("文号", ""),
        ("发布日期", "2022年1月28日"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "| 指标 | 2021年 | 增长 |",  # a table in the text
        "索引号",  # one cell
        "全镇 | 索引号 | 1",  # a row must start with a label
    ],
)
def test_rows_that_are_not_label_tables(line: str) -> None:
    assert iter_cell_pairs(line) == []


def test_cell_label() -> None:
    assert cell_label("索 引 号") == "索引号"
    assert cell_label("发布机构：") == "发布机构"
    assert cell_label("索引号：X") is None
