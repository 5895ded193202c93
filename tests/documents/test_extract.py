"""Layout detection and field extraction, on the seeds and on layouts they lack."""

from pathlib import Path

import pytest

from documents.ingest.decode import decode_bytes
from documents.ingest.errors import RejectedInput
from documents.ingest.layouts import Layout, detect_layout, extract_records

CHROME = (
    "老年模式",
    "当前位置",
    "打印",
    "关闭",
    "浏览次数",
    "字号",
    "QQ空间",
    "附件下载",
)


def _record(path: Path):
    text = decode_bytes(path.read_bytes()).text
    (outcome,) = list(extract_records(text, filename=path.name))
    assert outcome.error is None
    return outcome.record


def _seed(seeds_dir: Path, prefix: str) -> Path:
    return next(seeds_dir.glob(f"{prefix}_*.txt"))


@pytest.mark.parametrize(
    ("prefix", "layout"),
    [
        ("000", Layout.VALUE_LIST),
        ("001", Layout.LABELLED),
        ("002", Layout.LABELLED),
        ("003", Layout.PLAIN),
        ("004", Layout.LABELLED),
    ],
)
def test_seed_layouts(seeds_dir: Path, prefix: str, layout: Layout) -> None:
    path = _seed(seeds_dir, prefix)
    assert detect_layout(path.read_text("utf-8"), filename=path.name) is layout


def test_value_list_seed_fields_by_shape(seeds_dir: Path) -> None:
    record = _record(_seed(seeds_dir, "000"))
    assert record.fields["index_no"] == "113302820029791000/2021-127594"
    assert record.fields["issuer"] == "周巷镇"
    assert record.fields["disclosure"] == "主动公开"
    assert record.fields["doc_date"] == "2021-01-27"
    assert record.fields["category"] == "计划总结"
    assert record.body.startswith("2021年是“十四五”规划的开局之年")
    assert "面向社会" not in record.body


def test_pipe_table_seed(seeds_dir: Path) -> None:
    record = _record(_seed(seeds_dir, "001"))
    assert record.fields == {
        "index_no": "002590139/2023-74151",
        "disclosure": "主动公开",
        "publish_date": "2023-06-16 11:08",
        "issuer": "章镇镇",
        "title": "2023年章镇镇政府主要工作安排和任务分解",
    }
    assert not record.body.rstrip().endswith("|")
    # Paragraphs flattened into one line by the scraper are split again.
    assert "\n（一）" in record.body or "\n(一)" in record.body


def test_markdown_table_seed(seeds_dir: Path) -> None:
    record = _record(_seed(seeds_dir, "002"))
    assert record.fields["index_no"] == "001008006002071/2020-144703"
    assert record.fields["category"] == "综合政务/政府工作"
    assert record.fields["issuer"] == "店口镇"
    assert record.fields["doc_date"] == "2020-11-04"
    assert record.fields["title"] == "店口镇2020年度政府工作报告"
    assert record.body.startswith("一、2019年工作回顾\n")


def test_page_dump_seed_loses_its_chrome(seeds_dir: Path) -> None:
    record = _record(_seed(seeds_dir, "004"))
    assert record.fields["index_no"] == "LH331082-074/2021-108413"
    assert record.fields["doc_date"] == "2021-01-13"
    assert record.fields["publish_date"] == "2020-02-26 10:48"
    assert record.fields["issuer"] == "东塍镇"  # 发布单位 beats 来源
    assert record.fields["title"] == "东塍镇2020年工作计划"
    assert "doc_number" not in record.fields  # 文号 is empty on the page
    assert record.breadcrumb[-2:] == ["东塍镇", "计划总结"]
    for chrome in CHROME:
        assert chrome not in record.body
    assert "进入老年模式" in record.original


def test_no_metadata_seed_is_all_body(seeds_dir: Path) -> None:
    record = _record(_seed(seeds_dir, "003"))
    assert record.fields == {}
    assert record.body.startswith("围绕上述目标要求")


def test_pingtan_key_value_header_and_flattened_block(corpus_dir: Path) -> None:
    record = _record(corpus_dir / "pingtan" / "59755.txt")
    assert record.fields["index_no"] == "PZ00101-2500-2016-00006"
    assert record.fields["doc_date"] == "2016-02-05"
    assert record.fields["doc_number"] == "岚综管综〔2016〕20号"
    assert record.fields["source_url"].startswith("https://www.pingtan.gov.cn/")
    # 栏目: 工作动态 is the site's section, read (so it leaves the body) but no
    # 主题分类.
    assert "category" not in record.fields
    for chrome in CHROME:
        assert chrome not in record.body
    assert "索 引 号" not in record.body


@pytest.mark.parametrize(
    "name", ["42036.txt", "42053.txt", "6329.txt", "83294.txt", "97139.txt"]
)
def test_pingtan_bodies_are_clean(corpus_dir: Path, name: str) -> None:
    record = _record(corpus_dir / "pingtan" / name)
    assert record.fields["title"]
    assert record.fields["publish_date"]
    for chrome in CHROME:
        assert chrome not in record.body
    assert "原文链接" not in record.body


def test_national_reports_jsonl(corpus_dir: Path) -> None:
    path = corpus_dir / "national-reports" / "government_work_reports.jsonl"
    outcomes = list(extract_records(path.read_text("utf-8"), filename=path.name))
    assert len(outcomes) == 72
    assert all(o.error is None for o in outcomes)
    first = outcomes[0].record
    assert first.fields["title"] == "2025年中华人民共和国国务院政府工作报告"
    assert first.fields["plan_year"] == "2025"
    assert first.fields["source_url"].startswith("https://zh.wikisource.org/")
    assert first.body.startswith("各位代表：")
    assert "\n\n" not in first.body


HTML_TABLE = """<!DOCTYPE html><html><head><title>五水共治工作计划_某某县人民政府</title>
<meta name="ArticleTitle" content="桃源乡2022年五水共治工作计划">
<meta name="PubDate" content="2022-03-04 09:30">
<meta name="ContentSource" content="桃源乡人民政府">
</head><body><div class="nav">首页 &gt; 政务公开</div>
<table class="meta"><tr><td>索引号：</td><td>001/2022-0001</td><td>发布机构：</td>
<td>桃源乡人民政府</td></tr><tr><td>成文日期：</td><td>2022年3月1日</td>
<td>文号：</td><td>桃政〔2022〕5号</td></tr></table>
<div id="zoom" class="TRS_Editor"><p>一、总体要求</p>
<p>坚持以五水共治为抓手，全面推进治污水、防洪水、排涝水、保供水、抓节水，确保全乡水环境质量持续改善。</p>
<p>二、主要任务</p><p>（一）治污水。完成农村生活污水处理设施提标改造十处，开展河道清淤三万立方米。</p>
<script>alert('x')</script></div><div class="footer">打印 关闭</div></body></html>"""


def test_html_page_table_and_meta() -> None:
    assert detect_layout(HTML_TABLE) is Layout.HTML
    (outcome,) = list(extract_records(HTML_TABLE, filename="a.html"))
    record = outcome.record
    assert record.fields["index_no"] == "001/2022-0001"
    assert record.fields["issuer"] == "桃源乡人民政府"
    assert record.fields["doc_date"] == "2022年3月1日"
    assert record.fields["doc_number"] == "桃政〔2022〕5号"
    assert record.fields["title"] == "桃源乡2022年五水共治工作计划"
    assert record.fields["publish_date"] == "2022-03-04 09:30"
    assert record.body.splitlines()[0] == "一、总体要求"
    assert "alert" not in record.body and "打印" not in record.body
    assert record.original == HTML_TABLE


def test_csv_with_header_row() -> None:
    text = (
        "标题,索引号,发布机构,成文日期,正文\r\n"
        '周巷镇2022年工作计划,113302820029791000/2022-1,周巷镇,2022/1/5,"第一段。\n第二段。"\r\n'
        "无正文的一行,X/1,周巷镇,2022-01-06,\r\n"
    )
    outcomes = list(extract_records(text, filename="plans.csv"))
    assert [o.suffix for o in outcomes] == ["#R2", "#R3"]
    good, bad = outcomes
    assert good.record.fields["title"] == "周巷镇2022年工作计划"
    assert good.record.fields["doc_date"] == "2022/1/5"
    assert good.record.body == "第一段。\n第二段。"
    assert bad.record is None and "没有正文" in bad.error


def test_csv_without_body_column_is_rejected() -> None:
    with pytest.raises(RejectedInput):
        list(extract_records("a,b\n1,2\n", filename="x.csv"))


def test_jsonl_bad_line_is_reported_and_others_kept() -> None:
    text = '{"title": "甲", "content": "正文甲。"}\n{oops\n[1, 2]\n{"title": "乙", "content": "正文乙。"}\n'
    outcomes = list(extract_records(text, filename="x.jsonl"))
    assert [o.error is None for o in outcomes] == [True, False, False, True]
    assert "第2行" in outcomes[1].error


def test_file_of_only_chrome_is_rejected() -> None:
    with pytest.raises(RejectedInput):
        list(extract_records("进入老年模式\n打印 关闭\n", filename="x.txt"))


def test_ten_thousand_metadata_lines_do_not_hang() -> None:
    text = (
        "索引号：A/1\n"
        + "来源：某某镇\n" * 10000
        + "正文第一段，内容足够长，说明这是正文而不是元数据。。\n"
    )
    (outcome,) = list(extract_records(text, filename="x.txt"))
    assert outcome.record.fields["index_no"] == "A/1"


def _html(body: str, head: str = "") -> str:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


PARAGRAPHS = [
    "2022年是关键之年，全镇要坚持稳中求进工作总基调，推动经济社会高质量发展。",
    "一、主要预期目标",
    "全镇地区生产总值增长6%左右，一般公共预算收入增长5.5%，固定资产投资增长10%。",
    "二、重点工作任务",
    "（一）聚焦项目建设，增强发展后劲。全年计划实施重点项目二十个，总投资五十亿元。",
]


def test_html_paragraphs_as_divs_are_one_container() -> None:
    divs = "".join(f"<div style='text-indent:2em'>{p}</div>" for p in PARAGRAPHS)
    page = _html(
        f"<div class='crumbs'>当前位置：首页 &gt; 镇街</div>"
        f"<div class='TRS_Editor'><div class='Custom_UnionStyle'>{divs}</div></div>",
        "<title>北滘镇2022年工作要点_佛山市顺德区人民政府</title>",
    )
    (outcome,) = list(extract_records(page, filename="a.html"))
    assert outcome.record.body == "\n".join(PARAGRAPHS)


def test_html_site_logo_heading_is_not_the_title() -> None:
    ps = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = _html(
        "<div class='header'><h1 class='logo'>溧阳市人民政府</h1></div>"
        "<div class='con_title'>社渚镇2021年工作计划</div>"
        f"<div class='con_text'>{ps}</div>",
        "<title>社渚镇2021年工作计划 - 溧阳市人民政府</title>",
    )
    (outcome,) = list(extract_records(page, filename="a.html"))
    assert outcome.record.fields["title"] == "社渚镇2021年工作计划"


def test_html_title_info_line_and_table_inside_the_container() -> None:
    ps = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = _html(
        "<div class='article'>"
        "<table><tr><td>索引号：</td><td>001/2023-0009</td><td>文号：</td>"
        "<td>周政发〔2023〕1号</td></tr></table>"
        "<h2 class='art-title'>梅村街道2022年工作计划</h2>"
        "<p class='art-info'>发布时间：2022-01-25 09:00　来源：梅村街道办事处　阅读量：1024"
        "　【字体：大 中 小】　【打印】</p>"
        f"{ps}<p>上一篇：梅村街道2021年工作总结</p><p>下一篇：梅村街道召开会议</p></div>",
        "<title>梅村街道2022年工作计划-无锡市新吴区人民政府</title>",
    )
    (outcome,) = list(extract_records(page, filename="a.html"))
    record = outcome.record
    assert record.fields["index_no"] == "001/2023-0009"
    assert record.fields["doc_number"] == "周政发〔2023〕1号"
    assert record.fields["publish_date"] == "2022-01-25 09:00"
    assert record.fields["issuer"] == "梅村街道办事处"
    assert record.fields["title"] == "梅村街道2022年工作计划"
    assert record.body == "\n".join(PARAGRAPHS)


def test_html_first_heading_of_the_text_is_not_taken_for_a_title() -> None:
    body = ["一、工作目标", *PARAGRAPHS]
    ps = "".join(f"<p>{p}</p>" for p in body)
    page = _html(f"<div id='zoom'>{ps}</div>", "<title>某镇2022年工作计划</title>")
    (outcome,) = list(extract_records(page, filename="a.html"))
    assert outcome.record.body.startswith("一、工作目标\n")
    assert outcome.record.fields["title"] == "某镇2022年工作计划"


def test_html_of_only_chrome_is_rejected() -> None:
    page = _html(
        "<div>进入老年模式 无障碍浏览 网站首页</div>"
        "<div class='position'>当前位置：首页 &gt; 政务公开</div>"
        "<div class='footer'><p>主办单位：某某镇人民政府　承办单位：某某镇党政办公室　"
        "联系电话：0571-12345678</p><p>网站标识码：3301000001　浙ICP备12345678号</p></div>",
        "<title>信息公开_某某镇人民政府</title>",
    )
    with pytest.raises(RejectedInput):
        list(extract_records(page, filename="a.html"))


def test_csv_with_english_headers() -> None:
    text = (
        "Title,Publisher,PublishTime,IndexNo,Link,Content\r\n"
        "乐从镇2022年工作计划,佛山市顺德区乐从镇人民政府,2022-02-14 10:20:00,"
        "11440606MB2C11111/2022-000123,http://www.shunde.gov.cn/a.html,第一段。\r\n"
    )
    (outcome,) = list(extract_records(text, filename="rows.csv"))
    assert outcome.record.fields == {
        "title": "乐从镇2022年工作计划",
        "issuer": "佛山市顺德区乐从镇人民政府",
        "publish_date": "2022-02-14 10:20:00",
        "index_no": "11440606MB2C11111/2022-000123",
        "source_url": "http://www.shunde.gov.cn/a.html",
    }
    assert outcome.record.body == "第一段。"


@pytest.mark.parametrize(
    "row",
    [
        {
            "ArticleTitle": "石龙镇2022年工作要点",
            "PubDate": "2022-01-10",
            "ContentSource": "东莞市石龙镇人民政府",
            "content": "第一段。",
        },
        {
            "title": "石龙镇2022年工作要点",
            "index_number": "X1/2022-1",
            "department": "东莞市石龙镇人民政府",
            "publish_time": "2022-01-10",
            "body": "第一段。",
        },
    ],
)
def test_jsonl_with_cms_and_scraper_keys(row: dict[str, str]) -> None:
    import json

    (outcome,) = list(
        extract_records(json.dumps(row, ensure_ascii=False), filename="r.jsonl")
    )
    fields = outcome.record.fields
    assert fields["title"] == "石龙镇2022年工作要点"
    assert fields["issuer"] == "东莞市石龙镇人民政府"
    assert fields["publish_date"] == "2022-01-10"
    assert outcome.record.notes == []


def test_unknown_keys_are_noted_not_dropped_silently() -> None:
    line = '{"title": "甲", "content": "正文。", "author": "张三", "tags": ["a"], "empty": ""}'
    (outcome,) = list(extract_records(line, filename="r.jsonl"))
    (note,) = outcome.record.notes
    assert "author" in note and "tags" in note and "empty" not in note


def test_flattened_page_dump_on_one_line() -> None:
    sentence = (
        "坚持稳中求进工作总基调，推动全镇经济社会高质量发展，切实保障和改善民生。"
    )
    text = (
        "当前位置： 首页 > 信息公开 > 某镇 索 引 号： ZQ370114-03/2022-00019 "
        "成文日期： 2022-02-15 【字号：大 中 小】 打印 关闭 "
        + " ".join([sentence] * 20)
    )
    (outcome,) = list(extract_records(text, filename="a.txt"))
    record = outcome.record
    assert record.fields["index_no"] == "ZQ370114-03/2022-00019"
    assert record.fields["doc_date"] == "2022-02-15"
    assert record.body.split("\n") == [sentence] * 20


def test_html_title_with_a_year_range_is_not_cut_at_its_hyphen() -> None:
    ps = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = _html(
        f"<div id='zoom'>{ps}</div>", "<title>某镇2021-2025年规划_某某县</title>"
    )
    (outcome,) = list(extract_records(page, filename="a.html"))
    assert outcome.record.fields["title"] == "某镇2021-2025年规划"
