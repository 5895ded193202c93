"""The outline (headings, table of contents) and the citation, as pure functions."""

from __future__ import annotations

from datetime import date

from documents.citation import export_filename, gbt7714
from documents.models import Document
from documents.outline import heading_level, outline
from documents.templatetags.archive import page_window


def test_heading_levels() -> None:
    assert heading_level("一、2024年工作回顾") == 1
    assert heading_level("第二部分 主要任务") == 1
    assert heading_level("（一）聚力提质增效") == 2
    assert heading_level("(三)围绕共富共美") == 2
    assert heading_level("1.构建现代产业体系。") == 3
    assert heading_level("2、做强重大项目引擎") == 3
    assert heading_level("1.5亿元用于道路建设") == 0
    assert heading_level("2023年是全面贯彻落实的开局之年") == 0
    assert heading_level("一是全覆盖推动学习教育") == 0
    assert heading_level("一、") == 0


def test_outline_splits_heading_sentences_and_numbers_anchors() -> None:
    body = (
        "总述段落。\n一、工作回顾\n"
        "(一)聚力提质增效,塑造产业发展新优势。实体经济是制胜未来的根基所在,要加速产业转型升级。\n"
        "1.构建现代产业体系。绘制产业链鱼骨图,围绕环保设备强链补链延链,推动制造业高端化。"
    )
    shape = outline(body)
    assert [(h.level, h.anchor) for h in shape.headings] == [
        (1, "sec-1"),
        (2, "sec-2"),
        (3, "sec-3"),
    ]
    assert shape.headings[1].label == "(一)聚力提质增效,塑造产业发展新优势。"
    lines = shape.text.split("\n")
    assert len(lines) == len(shape.lines)
    assert lines[2] == "(一)聚力提质增效,塑造产业发展新优势。"
    assert lines[3].startswith("实体经济")
    assert shape.text.replace("\n", "") == body.replace("\n", "")


def test_outline_never_cuts_a_hit_in_two() -> None:
    body = "(一)聚力提质增效,塑造产业发展新优势。实体经济是根基,要加速产业转型升级,推进现代化。"
    split_at = body.index("。") + 1
    shape = outline(body, keep=[(split_at - 2, split_at + 2)])
    assert "\n" not in shape.text
    assert shape.headings and shape.lines[0].level == -2


def test_citation_in_gbt7714_style() -> None:
    doc = Document(
        pk=7,
        title="东塍镇2020年工作计划",
        issuer="东塍镇人民政府",
        publish_date=date(2020, 2, 26),
    )
    assert gbt7714(doc, url="https://example.org/a", accessed=date(2026, 11, 21)) == (
        "东塍镇人民政府. 东塍镇2020年工作计划[EB/OL]. (2020-02-26)[2026-11-21]. "
        "https://example.org/a."
    )
    unknown = Document(pk=8, title="无题")
    assert gbt7714(unknown, url="u", accessed=date(2026, 1, 2)) == (
        "佚名. 无题[EB/OL]. [2026-01-02]. u."
    )


def test_export_filename_is_safe() -> None:
    doc = Document(pk=3, title='a/b\\c:"d"?')
    assert export_filename(doc) == "3-a_b_c_d.txt"


def test_page_window_links_the_ends_and_the_pages_around() -> None:
    assert page_window(1, 1) == [1]
    assert page_window(1, 5) == [1, 2, 3, 4, 5]
    assert page_window(6, 20) == [1, None, 4, 5, 6, 7, 8, None, 20]
    # One page left out is linked rather than shown as "…".
    assert page_window(4, 20) == [1, 2, 3, 4, 5, 6, None, 20]
    assert page_window(317, 317) == [1, None, 315, 316, 317]
