"""Link rules on real page structures: every shipped definition on its fixture
(tests/harvest/pages/, sources cited in each file's header), the generic one on
all of them, URL handling, and hostile pages."""

import json
import time
from pathlib import Path

import pytest

from documents.harvest.definitions import load_source
from documents.harvest.links import (
    Link,
    is_attachment_url,
    normalise_date,
    parse_document,
    parse_list,
)

PAGES = Path(__file__).parent / "pages"
SITE = "http://www.example.gov.cn"
TRS_LIST = f"{SITE}/zwgk/jhzj/index.html"
TRS_DETAIL = f"{SITE}/zwgk/jhzj/202301/t20230105_1234567.html"
DATAPROXY = (
    f"{SITE}/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=3&perpage=1"
    "&col=1&appid=1&webid=1&path=/&columnid=41740&unitid=69493&permissiontype=0"
)
HANWEB_DETAIL = f"{SITE}/art/2023/1/5/art_41740_3012345.html"
GKMLPT_API = f"{SITE}/qzf/gkmlpt/api/all/721?page=1&sid=662021"
GENERIC_LIST = f"{SITE}/zwgk/ghjh/index.shtml"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def source(name: str, **overrides):
    return load_source(name, overrides=overrides or None)


def user_source(tmp_path: Path, text: str):
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\nstart_urls = ["http://www.example.gov.cn/list/"]\n' + text,
        encoding="utf-8",
    )
    return load_source(str(path))


TRS_DOCUMENTS = [
    Link(
        f"{SITE}/zwgk/jhzj/202301/t20230105_1234567.html",
        "某某镇2023年工作计划",
        "2023-01-05",
    ),
    Link(
        f"{SITE}/zwgk/jhzj/202212/t20221228_1234001.html",
        "某某镇2022年工作总结",
        "2022-12-28",
    ),
    Link(
        f"{SITE}/zwgk/jhzj/202212/t20221201_1233900.html",
        "关于印发《某某镇农村人居环境整治三年行动方案》的通知",
        "2022-12-01",
    ),
    Link(
        f"{SITE}/zcjd/202211/t20221115_1233800.html",
        "某某镇2022年上半年工作总结",
        "2022-11-15",
    ),
    Link(
        f"{SITE}/zwgk/jhzj/202210/t20221008_1233700.html",
        "某某镇“十四五”规划实施情况中期评估报告",
        "2022-10-08",
    ),
]
TRS_NEXT = [f"{SITE}/zwgk/jhzj/index_{n}.html" for n in (1, 2, 3)]


# -- TRS WCM -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["trs-column", "generic"])
def test_trs_list(name):
    listed = parse_list(page("trs_list.html"), TRS_LIST, source(name))
    # relative ./ and ../../ links resolved, the #content fragment dropped and
    # the [解读] duplicate kept once; navigation, footer, javascript:, mailto:,
    # another site and the footer PDF are not documents
    assert listed.documents == TRS_DOCUMENTS
    assert listed.next_pages == TRS_NEXT
    assert listed.stated_total == 58


def test_trs_later_page_lists_the_others_and_stops_at_max_list_pages():
    html = page("trs_list.html").replace("var currentPage = 0;", "var currentPage = 2;")
    listed = parse_list(html, f"{SITE}/zwgk/jhzj/index_2.html", source("trs-column"))
    assert listed.next_pages == [
        f"{SITE}/zwgk/jhzj/index.html",
        f"{SITE}/zwgk/jhzj/index_1.html",
        f"{SITE}/zwgk/jhzj/index_3.html",
    ]
    capped = parse_list(
        page("trs_list.html"), TRS_LIST, source("trs-column", max_list_pages=2)
    )
    assert capped.next_pages == [f"{SITE}/zwgk/jhzj/index_1.html"]


def test_trs_six_argument_form_states_the_total():
    html = """<ul><li><a href="./202401/t20240102_9.html">计划</a> 2024-01-02</li></ul>
    <div id="page_div"></div>
    <script>createPageHTML('page_div', 3, 0, 'fg', 'shtml', 61);</script>"""
    listed = parse_list(html, f"{SITE}/gk/fg.shtml", source("trs-column"))
    assert listed.stated_total == 61
    assert listed.next_pages == [f"{SITE}/gk/fg_1.shtml", f"{SITE}/gk/fg_2.shtml"]
    assert listed.documents == [
        Link(f"{SITE}/gk/202401/t20240102_9.html", "计划", "2024-01-02")
    ]


def test_trs_detail_attachments():
    found = parse_document(page("trs_detail.html"), TRS_DETAIL, source("trs-column"))
    base = f"{SITE}/zwgk/jhzj/202301"
    assert found == [
        Link(f"{base}/P020230105123456789012.pdf", "1.某某镇2023年重点项目计划表.pdf"),
        Link(
            f"{base}/P020230105123456789013.docx", "2.某某镇2023年工作任务分解表.docx"
        ),
        # below the text body, found by TRS's file naming (the footer PDF is not)
        Link(f"{base}/P020230105123456789015.pdf", "3.某某镇2023年项目资金安排表.pdf"),
        # written by a script
        Link(f"{base}/P020230105123456789014.xls"),
    ]
    generic = parse_document(page("trs_detail.html"), TRS_DETAIL, source("generic"))
    # generic reads the whole page: every same-site file, footer included
    assert [a.url for a in generic] == [
        f"{base}/P020230105123456789012.pdf",
        f"{base}/P020230105123456789013.docx",
        f"{base}/P020230105123456789015.pdf",
        f"{SITE}/wzndbb/2022ndbb.pdf",
        f"{base}/P020230105123456789014.xls",
    ]


# -- Hanweb jcms -------------------------------------------------------------------

HANWEB_DOCUMENTS = [
    Link(
        f"{SITE}/art/2023/1/5/art_41740_3012345.html",
        "某市2023年政府工作报告重点任务分工方案",
        "2023-01-05",
    ),
    Link(
        f"{SITE}/art/2022/12/30/art_41740_3012001.html",
        "某市2022年度法治政府建设工作计划",
        "2022-12-30",
    ),
    Link(
        "https://www.example.gov.cn/art/2022/12/1/art_41740_3011900.html",
        "某市“十四五”生态环境保护规划",
        "2022-12-01",
    ),
]


@pytest.mark.parametrize("name", ["hanweb-column", "generic"])
def test_hanweb_dataproxy(name):
    listed = parse_list(page("hanweb_dataproxy.xml"), DATAPROXY, source(name))
    assert listed.documents == HANWEB_DOCUMENTS
    assert listed.stated_total == 7
    # windows of three records until <totalrecord>7</totalrecord>; every other
    # parameter kept as it was
    assert listed.next_pages == [
        DATAPROXY.replace("startrecord=1&endrecord=3", "startrecord=4&endrecord=6"),
        DATAPROXY.replace("startrecord=1&endrecord=3", "startrecord=7&endrecord=9"),
    ]


def test_hanweb_column_page_with_the_list_in_a_script():
    # The /col/colN/index.html page carries the first records in a text/xml script.
    html = (
        "<html><body><div id='41740'><script type='text/xml'>"
        + page("hanweb_dataproxy.xml").split("?>", 1)[1]
        + "</script></div></body></html>"
    )
    listed = parse_list(html, f"{SITE}/col/col41740/index.html", source("generic"))
    assert listed.documents == HANWEB_DOCUMENTS
    assert listed.stated_total == 7


def test_hanweb_page_parameter_form():
    url = f"{SITE}/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=146&columnid=41740&perpage=3"
    listed = parse_list(page("hanweb_dataproxy.xml"), url, source("hanweb-column"))
    assert listed.next_pages == [
        url.replace("page=1", "page=2"),
        url.replace("page=1", "page=3"),
    ]


@pytest.mark.parametrize("name", ["hanweb-column", "generic"])
def test_hanweb_detail_attachments(name):
    found = parse_document(page("hanweb_detail.html"), HANWEB_DETAIL, source(name))
    assert found == [
        Link(
            f"{SITE}/module/download/downfile.jsp?classid=0&filename=2301051234567.pdf",
            "重点任务分工表",
        ),
        Link(f"{SITE}/picture/0/2301051234568.jpg", "图解"),
    ]


# -- gkmlpt (Guangdong 政府信息公开 platform) ---------------------------------------


@pytest.mark.parametrize("name", ["gkmlpt", "generic"])
def test_gkmlpt_json_list(name):
    listed = parse_list(page("gkmlpt_api.json"), GKMLPT_API, source(name))
    # the entry on another site is left out; dates are China time
    assert listed.documents == [
        Link(
            f"{SITE}/qzf/gkmlpt/content/0/963/post_963149.html",
            "某区2023年工作要点",
            "2023-01-05",
        ),
        Link(
            f"{SITE}/qzf/gkmlpt/content/0/963/post_963001.html",
            "某区2022年工作总结",
            "2022-12-28",
        ),
    ]
    assert listed.stated_total == 3
    assert listed.next_pages == []  # three shown, three in all


@pytest.mark.parametrize("name", ["gkmlpt", "generic"])
def test_gkmlpt_detail_attachments_in_the_page_config(name):
    url = f"{SITE}/qzf/gkmlpt/content/0/963/post_963149.html"
    found = parse_document(page("gkmlpt_detail.html"), url, source(name))
    assert [a.url for a in found] == [
        f"{SITE}/qzf/attachment/0/88/88389/963149.pdf",
        f"{SITE}/qzf/attachment/0/88/88390/963149.xlsx",
    ]


def test_gkmlpt_pages_follow_from_the_total():
    data = json.loads(page("gkmlpt_api.json"))
    data["total"] = 8
    listed = parse_list(json.dumps(data), GKMLPT_API, source("gkmlpt"))
    assert listed.next_pages == [
        GKMLPT_API.replace("page=1", "page=2"),
        GKMLPT_API.replace("page=1", "page=3"),
    ]
    empty = parse_list(
        '{"total": 8, "articles": []}',
        GKMLPT_API.replace("page=1", "page=4"),
        source("gkmlpt"),
    )
    assert empty.documents == []
    assert GKMLPT_API.replace("page=1", "page=5") not in empty.next_pages


# -- 政府信息公开 iList (Sichuan county sites) -----------------------------------------

ILIST = f"{SITE}/info/iList.jsp?node_id=GKmzs&cat_id=15971&cur_page=1"
ILIST_DOCUMENTS = [
    Link(
        f"{SITE}/info/iInfo.jsp?node_id=GKmzs&cat_id=15971&info_id=310045",
        "某市2023年国民经济和社会发展计划执行情况",  # the title attribute, not the cut text
        "2023-02-20",
    ),
    Link(
        f"{SITE}/info/iInfo.jsp?node_id=GKmzs&cat_id=15971&info_id=310001",
        "某市2023年政府信息公开工作要点",
        "2023-02-01",
    ),
]


def test_xxgk_ilist():
    listed = parse_list(page("xxgk_ilist.html"), ILIST, source("xxgk-ilist"))
    # entries of div.ewb-job only: the header and side menu links are not documents
    assert listed.documents == ILIST_DOCUMENTS
    assert listed.stated_total == 25
    assert listed.next_pages == [
        ILIST.replace("cur_page=1", "cur_page=2"),
        ILIST.replace("cur_page=1", "cur_page=3"),
    ]


def test_generic_on_xxgk_ilist():
    listed = parse_list(page("xxgk_ilist.html"), ILIST, source("generic"))
    assert listed.documents == ILIST_DOCUMENTS
    assert listed.next_pages == [ILIST.replace("cur_page=1", "cur_page=2")]


# -- generic --------------------------------------------------------------------------


def test_generic_list_with_a_next_link():
    listed = parse_list(page("generic_list.html"), GENERIC_LIST, source("generic"))
    assert listed.documents == [
        Link(
            f"{SITE}/zwgk/ghjh/202302/a20230210_88001.shtml",
            "某县2023年国民经济和社会发展计划",
            "2023-02-10",
        ),
        Link(
            f"{SITE}/zwgk/ghjh/202301/a20230120_87990.shtml",
            "某县2023年民生实事项目计划",
            "2023-01-20",
        ),
        Link(
            f"{SITE}/zwgk/ghjh/2022-12/01/content_87001.htm",
            "某县2022年工作总结",
            "2022-12-01",
        ),
    ]
    assert listed.next_pages == [f"{SITE}/zwgk/ghjh/index_2.shtml"]
    assert listed.stated_total == 23


def test_generic_finds_no_documents_in_a_plain_page():
    html = '<a href="/about.html">关于</a><a href="/zwgk/index.shtml">政务公开</a>'
    listed = parse_list(html, f"{SITE}/", source("generic"))
    assert listed.documents == []
    assert listed.next_pages == []
    assert listed.stated_total is None


@pytest.mark.parametrize(
    ("snippet", "total"),
    [
        ("<div>共 123 条</div>", 123),
        ("<div>共123条记录 当前第1页</div>", 123),
        ("<div>共<span>123</span>条</div>", 123),
        ("<div>总共：45条</div>", 45),
        ("<script>createPageHTML('page_div', 5, 0, 'index', 'html', 98);</script>", 98),
        ("<script>var totalRecord = 77;</script>", 77),
        ("<div>第 1 页</div>", None),
    ],
)
def test_stated_totals(snippet, total):
    html = f'<a href="./202301/t20230105_1.html">x</a>{snippet}'
    assert parse_list(html, TRS_LIST, source("generic")).stated_total == total


# -- user definitions: pattern, query, selectors --------------------------------------


def test_pattern_pagination_from_the_page_count(tmp_path):
    mine = user_source(
        tmp_path,
        """
[pagination]
kind = "pattern"
pattern = "list_{n}.html"
first = 2
[selectors]
item = "ul.news li"
date = "em"
""",
    )
    html = """<ul class="news">
      <li><a href="/doc/1.html">一</a><em>2023.3.9</em></li>
      <li><a href="/doc/2.html">二</a><em>2023年3月8日</em></li></ul>
      <ul class="side"><li><a href="/doc/3.html">旁栏</a></li></ul>
      <div>共 4 页</div>"""
    listed = parse_list(html, f"{SITE}/gk/list.html", mine)
    assert [(d.url, d.date) for d in listed.documents] == [
        (f"{SITE}/doc/1.html", "2023-03-09"),
        (f"{SITE}/doc/2.html", "2023-03-08"),
    ]
    assert listed.next_pages == [f"{SITE}/gk/list_{n}.html" for n in (2, 3, 4)]
    third = parse_list(html, f"{SITE}/gk/list_3.html", mine)
    assert f"{SITE}/gk/list.html" not in third.next_pages  # page 1 is the start URL
    assert f"{SITE}/gk/list_3.html" not in third.next_pages


def test_query_pagination_without_a_count_goes_one_page_on(tmp_path):
    mine = user_source(
        tmp_path,
        """
[pagination]
kind = "query"
param = "cur_page"
[selectors]
list = "div.ewb-job"
item = "li"
""",
    )
    url = f"{SITE}/info/iList.jsp?node_id=GK&cat_id=15971&cur_page=3"
    html = '<div class="ewb-job"><ul><li><a href="/info/detail.jsp?id=5">五</a></li></ul></div>'
    listed = parse_list(html, url, mine)
    assert [d.url for d in listed.documents] == [f"{SITE}/info/detail.jsp?id=5"]
    assert url.replace("cur_page=3", "cur_page=4") in listed.next_pages
    # an empty page ends the list
    assert (
        url.replace("cur_page=3", "cur_page=4")
        not in parse_list("<div class='ewb-job'></div>", url, mine).next_pages
    )


def test_exclude_regex_and_total_selector(tmp_path):
    mine = user_source(
        tmp_path,
        """
[links]
document_regex = ['/doc/']
exclude_regex = ['/doc/draft']
[selectors]
total = ".count"
""",
    )
    html = '<a href="/doc/a.html">A</a><a href="/doc/draft-b.html">B</a><p class="count">记录：120</p>'
    listed = parse_list(html, f"{SITE}/", mine)
    assert [d.url for d in listed.documents] == [f"{SITE}/doc/a.html"]
    assert listed.stated_total == 120


# -- URLs ------------------------------------------------------------------------------


def test_urls_are_resolved_and_cleaned():
    html = """<base href="http://www.example.gov.cn/zwgk/jhzj/">
    <a href="./202301/t20230105_1.html#top">a</a>
    <a href="../other/202301/t20230105_2.html">b</a>
    <a href="http://example.gov.cn/x/t20230105_3.html">no www</a>
    <a href="https://zwgk.example.gov.cn/x/t20230105_4.html">sub-domain</a>
    <a href="http://www.elsewhere.gov.cn/x/t20230105_5.html">another site</a>
    <a href="javascript:openDoc('t20230105_6.html')">js</a>
    <a href="mailto:t20230105_7.html">mail</a>
    <a href="#t20230105_8.html">fragment only</a>
    <a href="./202301/t20230105_1.html">a again</a>
    <a>no href</a>"""
    listed = parse_list(html, f"{SITE}/somewhere/else.html", source("trs-column"))
    assert [d.url for d in listed.documents] == [
        f"{SITE}/zwgk/jhzj/202301/t20230105_1.html",
        f"{SITE}/zwgk/other/202301/t20230105_2.html",
        "http://example.gov.cn/x/t20230105_3.html",
        "https://zwgk.example.gov.cn/x/t20230105_4.html",
    ]


def test_a_list_on_the_registrys_own_site_does_not_own_its_sub_domains():
    # www.gov.cn's lists: a province's site under gov.cn is another site.
    html = """<a href="/zhengce/content/202301/t20230105_1.html">own</a>
    <a href="http://www.hubei.gov.cn/zwgk/202301/t20230105_2.html">province</a>"""
    listed = parse_list(html, "http://www.gov.cn/zhengce/index.html", source("generic"))
    assert [d.url for d in listed.documents] == [
        "http://www.gov.cn/zhengce/content/202301/t20230105_1.html"
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.gov.cn/P020230105.pdf", True),
        ("http://a.gov.cn/files/计划.DOCX", True),
        ("http://a.gov.cn/files/%E8%AE%A1%E5%88%92.wps", True),
        ("http://a.gov.cn/x.ofd", True),
        ("http://a.gov.cn/x.xlsx?v=2", True),
        ("http://a.gov.cn/x.zip", True),
        ("http://a.gov.cn/x.rar", True),
        ("http://a.gov.cn/x.jpg", True),
        ("http://a.gov.cn/download.jsp?filename=2301.pdf", True),
        ("http://a.gov.cn/t20230105_1.html", False),
        ("http://a.gov.cn/pdf/index.html", False),
        ("http://a.gov.cn/x.pdf.html", False),
        ("http://a.gov.cn/", False),
        ("not a url", False),
    ],
)
def test_is_attachment_url(url, expected):
    assert is_attachment_url(url) is expected


def test_the_date_beside_the_link_wins_over_one_in_the_title():
    html = """<ul>
      <li><a href="./202301/t20230110_1.html">2022年12月30日常务会议纪要</a>
          <span>2023-01-10</span></li>
      <li><a href="./202301/t20230111_2.html"><b>计划</b><i>2023-01-11</i></a></li>
      <li><a href="./202301/t20230112_3.html">无日期</a></li></ul>"""
    listed = parse_list(html, TRS_LIST, source("trs-column"))
    assert [d.date for d in listed.documents] == ["2023-01-10", "2023-01-11", ""]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[2023-01-05]", "2023-01-05"),
        ("2023年1月5日", "2023-01-05"),
        ("发布时间：2023/1/5 10:00", "2023-01-05"),
        ("2023.12.31", "2023-12-31"),
        ("2023-13-01 2022-02-03", "2022-02-03"),
        ("第2023号", ""),
    ],
)
def test_normalise_date(text, expected):
    assert normalise_date(text) == expected


# -- hostile pages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<",
        "<a href=",
        '<a href="./202301/t20230105_1.html',
        "<ul><li><a href='./202301/t20230105_1.html'>unclosed" * 50,
        "<html><body><table><tr><td><a href='http://[::1'>bad ipv6</a>",
        "<a href='http://www.example.gov.cn:99999/t20230105_1.html'>bad port</a>",
        "<record><![CDATA[<a href='/art/2023/1/5/art_1_2.html'>x</a>",
        "<record>" * 1000,
        "createPageHTML(" * 1000 + ")",
        "<script>createPageHTML(999999999, 0, 'index', 'html', 5)</script>",
        "{" * 5000,
        "[" * 100_000,
        '{"articles": [' + '{"url": 5},' * 100 + "{}]}",
        "\x00\ufffd<a href='\x00'>\x00</a>",
        "<div>" * 5000
        + "<a href='./202301/t20230105_1.html'>deep</a>"
        + "</div>" * 5000,
    ],
)
def test_hostile_input_never_raises(html):
    for name in ("trs-column", "hanweb-column", "gkmlpt", "xxgk-ilist", "generic"):
        listed = parse_list(html, TRS_LIST, source(name))
        assert len(listed.next_pages) <= 50
        parse_document(html, TRS_DETAIL, source(name))


def test_ten_thousand_links_in_bounded_time():
    rows = "".join(
        f'<li><a href="./2023{n % 12 + 1:02d}/t2023{n % 12 + 1:02d}01_{n}.html">文件{n}</a>'
        f"<span>2023-01-01</span></li><li><a href='/nav/{n}.html'>nav</a></li>"
        for n in range(10_000)
    )
    html = f"<ul>{rows}</ul><script>createPageHTML(100000, 0, 'index', 'html')</script>"
    started = time.monotonic()
    listed = parse_list(html, TRS_LIST, source("generic"))
    parse_document(html, TRS_DETAIL, source("generic"))
    # about 3 s on an idle machine; the bound catches quadratic work, not speed
    assert time.monotonic() - started < 90
    assert len(listed.documents) == 10_000
    assert listed.documents[0].url.endswith("/202301/t20230101_0.html")
    assert len(listed.next_pages) == 49  # max_list_pages (50), less this one


def test_huge_attributes_are_skipped():
    huge = "a" * 2_000_000
    html = (
        f'<a href="./{huge}/t20230105_1.html" title="{huge}">x</a>'
        '<a href="./202301/t20230105_2.html">ok</a>'
    )
    started = time.monotonic()
    listed = parse_list(html, TRS_LIST, source("trs-column"))
    assert time.monotonic() - started < 10
    assert [d.url for d in listed.documents] == [
        f"{SITE}/zwgk/jhzj/202301/t20230105_2.html"
    ]


def test_a_page_with_thousands_of_files_queues_a_bounded_number():
    from documents.harvest.links import MAX_ATTACHMENTS

    anchors = "".join(
        f'<a href="./P0202301{n:06d}.pdf">附件{n}</a>' for n in range(5000)
    )
    html = f"<html><body><div class='TRS_Editor'>{anchors}</div></body></html>"
    url = "http://www.example.gov.cn/zwgk/jhzj/202301/t20230105_1.html"
    found = parse_document(html, url, source("trs-column"))
    assert len(found) == MAX_ATTACHMENTS
    assert found[0].url.endswith("/202301/P0202301000000.pdf")
