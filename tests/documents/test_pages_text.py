"""The outline (headings, table of contents) and the citation, as pure functions."""

from __future__ import annotations

from datetime import date

from documents.citation import export_filename, gbt7714, readable_note
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


def test_a_list_of_attachment_files_is_no_heading() -> None:
    """A page's 附件 list ("附件：1.….docx" / "2.….pdf") names files; a numbered
    item that is a file name is not a heading of the outline."""
    body = "现将计划印发给你们。\n附件：1.工作计划.docx\n2.重点项目清单（扫描件）.pdf\n3.1.加强管理"
    assert heading_level("2.重点项目清单（扫描件）.pdf") == 0
    assert heading_level("2.项目表.XLSX。") == 0
    assert heading_level("2.推进数字化.工作") == 3  # a dot that is not a file's
    assert [h.label for h in outline(body).headings] == []


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


def test_headings_inside_a_run_together_paragraph() -> None:
    # Pingtan's pages flatten a whole document into one paragraph.
    body = (
        "一、2022年工作总结今年来，片区管理局党委坚持以习近平新时代中国特色社会主义思想为指导，"
        "较好地完成了各项工作任务。（一）深入开展专项教育行动，答好净化政治生态答卷。对照区党工委"
        "的部署要求，研究制定实施方案。（二）全力推进项目提质提效，答好经济发展答卷。加快推进重点项目"
        "77个。二、2023年工作计划2023年是贯彻党的二十大精神的开局之年。"
    )
    shape = outline(body)
    assert [(h.level, h.label) for h in shape.headings] == [
        (1, "一、2022年工作总结"),
        (2, "（一）深入开展专项教育行动，答好净化政治生态答卷。"),
        (2, "（二）全力推进项目提质提效，答好经济发展答卷。"),
        (1, "二、2023年工作计划"),
    ]
    # Only line breaks are added; the stored body is untouched.
    assert shape.text.replace("\n", "") == body
    assert len(shape.text.split("\n")) == len(shape.lines)
    lines = shape.text.split("\n")
    assert lines[0] == "一、2022年工作总结"
    assert lines[1].startswith("今年来") and lines[1].endswith("各项工作任务。")


def test_inline_headings_need_a_sentence_start() -> None:
    # After a full stop or a space, not inside a sentence or a list in prose.
    body = "推动一、二、三产融合发展，见（一）项。二是加强管理。总体要求：一、稳增长；二、调结构；三、惠民生。"
    assert outline(body).headings == []
    spaced = "总述部分写在这里，内容较长，足以成段。 一、主要预期目标 全街道生产总值增长百分之五左右，财政收入稳步增长。"
    shape = outline(spaced)
    assert [h.label for h in shape.headings] == ["一、主要预期目标"]
    assert shape.text.replace("\n", "") == spaced
    # A heading followed straight by its first sub-item.
    nested = "总述。一、结合自贸区建设抓制度创新（一）继续深化商事登记制度改革。全面实施“多证合一”。"
    assert [h.label for h in outline(nested).headings] == [
        "一、结合自贸区建设抓制度创新",
        "（一）继续深化商事登记制度改革。",
    ]


def test_inline_headings_never_cut_a_hit() -> None:
    body = "前文写到这里为止。（一）聚力提质增效，塑造产业发展新优势。后文。"
    cut = body.index("（")
    shape = outline(body, keep=[(cut - 2, cut + 2)])
    assert "\n" not in shape.text[: cut + 2]


def test_review_notes_for_people() -> None:
    assert readable_note("元数据无标签，按位置识别：category、plan_year") == (
        "元数据无标签，按位置识别：主题分类、计划年度"
    )
    assert readable_note("计划年度2021：据正文““十四五”规划的开局之年”推断") == (
        "计划年度2021：据正文“‘十四五’规划的开局之年”推断"
    )
    assert readable_note("计划年度2015：据正文“谋划储备“十三五””推断") == (
        "计划年度2015：据正文“谋划储备‘十三五’”推断"
    )
    plain = "正文多次提及“慈溪”（5 次），推断为浙江省宁波市慈溪市"
    assert readable_note(plain) == plain


def test_citation_shows_a_readable_address() -> None:
    doc = Document(pk=9, title="2025年政府工作报告", issuer="国务院")
    url = "https://zh.wikisource.org/wiki/2025%E5%B9%B4%E6%94%BF%E5%BA%9C"
    assert gbt7714(doc, url=url, accessed=date(2026, 1, 2)).endswith(
        "https://zh.wikisource.org/wiki/2025年政府."
    )
