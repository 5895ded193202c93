"""The document page: hits in the title marked and counted, every stored field
shown with its label, and the 全部位置 list with each hit's context."""

from __future__ import annotations

import re
from datetime import date, time
from html import unescape

import pytest

from documents import fields
from documents.hit_context import hit_entries
from documents.metadata_panel import INSIDE_OTHER_ROWS, SHOWN_ELSEWHERE
from documents.models import Document
from search import parse_query
from search.textmatch import text_hits

pytestmark = [pytest.mark.django_db, pytest.mark.search]

TITLE = "关于调整庄行镇小型建设工程项目管理实施意见的通知"
BODY = "各居村：\n为进一步规范小型建设工程项目管理，现将有关事项通知如下。\n一、工作要求\n请认真执行。"


def page(client, document: Document, **params) -> str:  # noqa: ANN001
    response = client.get(document.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def title_marks(html: str) -> list[str]:
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    return re.findall(r'<mark class="title-hit">(.*?)</mark>', h1)


def hit_count(html: str) -> str:
    return unescape(re.search(r'<p class="hit-count">([^<]*)', html).group(1))


@pytest.fixture
def notice(search_index) -> Document:  # noqa: ANN001
    return Document.objects.create(title=TITLE, body=BODY, original=BODY)


def test_a_title_only_match_is_marked_and_counted_in_the_title(client, notice) -> None:
    assert "关于调整" in notice.title and "关于调整" not in notice.body
    html = page(client, notice, q="关于调整")
    # The truth: the plain scan over the title.
    truth = text_hits(notice.title, parse_query("关于调整"))
    assert len(truth) == 1
    assert title_marks(html) == ["关于调整"]
    assert hit_count(html).startswith("“关于调整” 在标题中出现 1 处，在正文中出现 0 处")


def test_hits_in_title_and_body_are_counted_apart(client, notice) -> None:
    html = page(client, notice, q="小型建设工程")
    assert title_marks(html) == ["小型建设工程"]
    in_body = BODY.count("小型建设工程")
    assert "在标题中出现 1 处，在正文中出现 " + str(in_body) + " 处" in hit_count(html)
    assert len(re.findall(r'<mark id="hit-\d+">', html)) == in_body


def test_a_body_only_match_says_so_as_before(client, notice) -> None:
    html = page(client, notice, q="认真执行")
    assert title_marks(html) == []
    assert hit_count(html).startswith("“认真执行” 在正文中出现 1 处")


def test_a_title_field_term_marks_the_title(client, notice) -> None:
    html = page(client, notice, q="标题:实施意见")
    assert title_marks(html) == ["实施意见"]


def test_the_title_is_escaped_around_its_marks(client, search_index) -> None:
    doc = Document.objects.create(
        title="<b>关于</b>调整&通知", body="正文", original="正文"
    )
    html = page(client, doc, q="调整")
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert "&lt;b&gt;关于&lt;/b&gt;" in h1 and "&amp;通知" in h1
    assert title_marks(html) == ["调整"]


def test_every_stored_field_is_shown_with_its_label(client, search_index) -> None:
    doc = Document.objects.create(
        title=TITLE,
        body=BODY,
        original=BODY,
        index_no="LH331082-074/2021-108413",
        issuer="东塍镇人民政府",
        level=Document.Level.TOWNSHIP,
        province="浙江省",
        city="台州市",
        county="临海市",
        township="东塍镇",
        division_code="331082101",
        doc_date=date(2021, 1, 13),
        publish_date=date(2021, 1, 14),
        publish_time=time(10, 48),
        plan_year=2021,
        category="综合政务",
        doc_number="东政〔2021〕1号",
        disclosure="主动公开",
        source_file="seeds/004.txt",
        source_url="https://www.linhai.gov.cn/art/2021/1/14/art_1.html",
    )
    html = page(client, doc)
    shown = dict(
        (unescape(dt), unescape(re.sub(r"<[^>]+>", "", dd)))
        for dt, dd in re.findall(
            r"<dt>([^<]*)</dt><dd>(.*?)</dd>",
            re.search(r'<dl class="meta">(.*?)</dl>', html, re.S).group(1),
            re.S,
        )
    )
    assert shown["公开方式"] == "主动公开"
    for spec in fields.FIELDS:
        if spec.name in SHOWN_ELSEWHERE or spec.name in INSIDE_OTHER_ROWS:
            continue
        if spec.type in (fields.FieldType.BOOL, fields.FieldType.LIST):
            continue
        assert str(spec.label) in shown, spec.name
    assert shown["发布日期"] == "2021-01-14 10:48"
    assert shown["成文日期"] == "2021-01-13"
    assert shown["地区"].startswith("浙江省 › 台州市 › 临海市 › 东塍镇")
    assert "331082101" in shown["地区"]
    assert shown["文号"] == "东政〔2021〕1号"


def test_a_field_without_a_value_is_left_out(client, notice) -> None:
    html = page(client, notice)
    table = re.search(r'<dl class="meta">(.*?)</dl>', html, re.S).group(1)
    for label in ("公开方式", "文号", "索引号", "地区"):
        assert f"<dt>{label}</dt>" not in table


def test_the_hit_list_shows_each_hit_in_its_context(client, search_index) -> None:
    body = "第一段说乡村振兴很重要。\n第二段：推进乡村振兴。再说乡村振兴一次。\n末段。"
    doc = Document.objects.create(title="测试", body=body, original=body)
    html = page(client, doc, q="乡村振兴")
    items = re.findall(
        r'<li><a href="#hit-(\d+)"><span class="hit-number">\d+</span> (.*?)</a></li>',
        html,
    )
    assert [int(n) for n, _text in items] == [1, 2, 3]
    texts = [unescape(re.sub(r"</?mark>", "|", text)) for _n, text in items]
    # A few characters either side, never past the hit's own line.
    assert texts[0] == "第一段说|乡村振兴|很重要。"
    assert texts[1] == "第二段：推进|乡村振兴|。再说乡村振兴一次。"
    assert texts[2] == "…二段：推进乡村振兴。再说|乡村振兴|一次。"


def test_hit_entries_number_hits_from_the_part_s_first() -> None:
    text = "甲乙丙丁戊己庚辛壬癸" * 3
    spans = [(m.start(), m.end()) for m in re.finditer("戊", text)]
    entries = hit_entries(
        [(11, "#hit-11"), (12, "#hit-12"), (14, "#hit-14")],
        text,
        spans,
        first=11,
        width=2,
    )
    assert [(e.number, e.before, e.hit, e.after) for e in entries] == [
        (11, "…丙丁", "戊", "己庚…"),
        (12, "…丙丁", "戊", "己庚…"),
    ]


def test_an_attachment_page_lists_its_hits_in_context(
    client, settings, tmp_path
) -> None:
    from tests.attachments.reading_fixtures import add_attachment, pdf_bytes
    from tests.search.conftest import make_document

    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    doc = make_document("甲镇公告", "详见附件。")
    add_attachment(
        doc, "附件.pdf", pdf_bytes(1), kind="pdf", pages=["开展数字乡村试点工作。"]
    )
    response = client.get(f"/documents/{doc.pk}/attachments/1/", {"q": "数字乡村"})
    html = response.content.decode()
    assert re.search(
        r'<a href="#hit-1"><span class="hit-number">1</span> 开展<mark>数字乡村</mark>'
        r"试点工作。</a>",
        html,
    )


def test_a_later_part_lists_its_own_hits_with_their_context(
    client, settings, search_index
) -> None:
    settings.PLANSITE_DOCUMENT_PART_CHARS = 200
    body = "\n".join(f"第{i}段说乡村振兴。" for i in range(1, 61))
    doc = Document.objects.create(title="长文", body=body, original=body)
    html = page(client, doc, q="乡村振兴", part=3)
    items = re.findall(
        r'<li><a href="#hit-(\d+)"><span class="hit-number">\d+</span> (.*?)</a></li>',
        html,
    )
    marks = [int(n) for n in re.findall(r'<mark id="hit-(\d+)">', html)]
    assert items and [int(n) for n, _text in items] == marks
    for number, text in items:
        # Hit N is in the paragraph that names N: the context is its own.
        assert unescape(text) == f"第{number}段说<mark>乡村振兴</mark>。"
