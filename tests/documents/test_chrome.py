"""Site chrome and boilerplate: what is cut from bodies, and what is kept."""

import pytest

from documents.ingest.chrome import (
    breadcrumb_parts,
    is_chrome_line,
    is_menu_line,
    trim_tail,
)
from documents.ingest.paragraphs import clean_body


@pytest.mark.parametrize(
    "line",
    [
        "【字体：大 中 小】 【打印】【关闭】",
        "字号：【大】【中】【小】",
        "字体：[ 大 中 小 ]",
        "扫一扫在手机上查看当前页面",
        "扫一扫在手机打开当前页",
        "上一篇：红岩乡关于开展森林防火宣传的通知",
        "下一篇：梅村街道召开安全生产工作会议",
        "主办：溧阳市人民政府办公室　网站标识码：3204810001　苏ICP备05003306号-1",
        "政府网站找错",
        "无障碍 | 长辈版 | 网站支持IPv6",
        "您当前的位置：首页 > 信息公开 > 社渚镇",
        "阅读量：1024",
    ],
)
def test_chrome_lines(line: str) -> None:
    assert is_chrome_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "上一年度完成投资12亿元。",
        "扫黑除恶专项斗争取得实效。",
        "全镇实现地区生产总值增长6%。",
    ],
)
def test_text_is_not_chrome(line: str) -> None:
    assert not is_chrome_line(line)


def test_menu_lines() -> None:
    assert is_menu_line("网站首页 | 政务公开 | 政务服务 | 互动交流 | 走进溧阳")
    assert is_menu_line("首页 政务公开 政务服务 互动交流")
    assert not is_menu_line("| 指标 | 2021年 | 增长 |")
    assert not is_menu_line("社渚镇2022年工作计划")


def test_breadcrumb_variants() -> None:
    line = "您当前的位置：首页 > 信息公开 > 镇（区、街道）信息公开 > 社渚镇"
    assert breadcrumb_parts(line)[-1] == "社渚镇"


def test_page_foot_is_trimmed() -> None:
    paragraphs = [
        "一、主要任务",
        "全年完成各项目标任务。",
        "相关文件：",
        "社渚镇2021年工作总结",
        "主办：溧阳市人民政府办公室　承办：溧阳市大数据管理中心",
        "政府网站找错",
    ]
    assert trim_tail(paragraphs) == ["一、主要任务", "全年完成各项目标任务。"]


def test_short_last_paragraph_without_a_marker_is_kept() -> None:
    paragraphs = ["全年完成各项目标任务。", "某某镇人民政府", "2021年1月5日"]
    assert trim_tail(paragraphs) == paragraphs


def test_licence_block_after_blank_lines_is_dropped() -> None:
    lines = [
        "各位代表：",
        "",
        "让我们团结奋斗！",
        *[""] * 6,
        "本作品是中华人民共和国的",
        "法律",
        "、",
        "法规",
        "，属于",
        "公有领域",
        "。",
        *[""] * 6,
        "Public domain",
        "Public domain",
        "false",
        "false",
    ]
    assert clean_body(lines) == "各位代表：\n让我们团结奋斗！"


def test_text_after_blank_lines_is_kept() -> None:
    lines = ["第一段。", "", "", "", "第二段，有中文。", "", "", "2021.01.05"]
    assert clean_body(lines) == "第一段。\n第二段，有中文。\n2021.01.05"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "一、主要预期目标 全街道地区生产总值增长6%左右。",
            ["一、主要预期目标", "全街道地区生产总值增长6%左右。"],
        ),
        (
            "三、2021年工作打算 2021年，我们将紧紧围绕上级决策部署。",
            ["三、2021年工作打算", "2021年，我们将紧紧围绕上级决策部署。"],
        ),
        ("二、关于1 9 9 8 年政府工作的建议", ["二、关于1 9 9 8 年政府工作的建议"]),
        ("（一）聚焦项目建设，增强发展后劲。坚持项目为王。", None),
    ],
)
def test_heading_glued_to_its_paragraph(line: str, expected: list[str] | None) -> None:
    assert clean_body([line]).split("\n") == (expected or [line])
