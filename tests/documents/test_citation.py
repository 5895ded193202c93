"""Citing a document: Highwire meta tags read from the page, RIS and BibTeX
downloads, a made-up title in [ ] in every format, and the print view."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from documents.citation import bibtex, bibtex_escape, gbt7714, ris
from documents.ingest.fingerprint import content_hash
from documents.models import Document
from documents.parts import split_parts
from tests.attachments.reading_fixtures import add_attachment

ACCESSED = date(2026, 12, 7)


class _Head(HTMLParser):
    """The page's <meta name=… content=…> pairs (in order, repeats kept) and
    whether any is outside <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.in_head = False
        self.outside: list[str] = []
        self.links: dict[str, str] = {}
        self.forms = 0
        self.nav = 0
        self.buttons = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "head":
            self.in_head = True
        elif tag == "meta" and values.get("name", "").startswith("citation_"):
            self.meta.append((values["name"], values.get("content", "")))
            if not self.in_head:
                self.outside.append(values["name"])
        elif tag == "a" and values.get("href"):
            self.links[values["href"]] = values.get("href", "")
        elif tag in ("form", "input", "select"):
            self.forms += 1
        elif tag == "nav":
            self.nav += 1
        elif tag == "button":
            self.buttons += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False


def _parse(html: str) -> _Head:
    parser = _Head()
    parser.feed(html)
    return parser


def _document(**values: object) -> Document:
    body = values.pop("body", "第一段。\n第二段：推进乡村振兴。")
    defaults: dict[str, object] = {
        "title": "东塍镇2021年工作计划",
        "issuer": "临海市东塍镇人民政府",
        "township": "东塍镇",
        "county": "临海市",
        "city": "台州市",
        "province": "浙江省",
        "doc_date": date(2021, 1, 13),
        "publish_date": date(2021, 2, 26),
        "doc_number": "东政〔2021〕5号",
        "index_no": "LH331082-074/2021-108413",
        "source_url": "https://www.linhai.gov.cn/art/2021/2/26/art_1.html",
        "body": body,
        "original": body,
        "content_hash": content_hash(str(body)),
    }
    defaults.update(values)
    return Document.objects.create(**defaults)


@pytest.fixture
def page(client, search_index):  # noqa: ANN001
    def get(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content.decode()

    return get


# --- Highwire Press meta tags -------------------------------------------------


@pytest.mark.django_db
def test_meta_tags_in_the_head_give_the_document_to_reference_managers(page) -> None:
    doc = _document()
    head = _parse(page(doc.get_absolute_url()))
    assert head.outside == []
    tags = dict(head.meta)
    assert tags["citation_title"] == "东塍镇2021年工作计划"
    assert tags["citation_author"] == "临海市东塍镇人民政府"
    assert tags["citation_publisher"] == "临海市东塍镇人民政府"
    # Highwire dates are YYYY/MM/DD: published, and written (成文日期).
    assert tags["citation_publication_date"] == "2021/02/26"
    assert tags["citation_date"] == "2021/01/13"
    assert tags["citation_public_url"] == doc.source_url
    assert tags["citation_language"] == "zh"
    assert tags["citation_technical_report_number"] == "东政〔2021〕5号"
    assert len(head.meta) == len(tags)  # each once


@pytest.mark.django_db
def test_meta_tags_without_source_date_or_issuer(page) -> None:
    doc = _document(
        issuer="",
        publish_date=None,
        doc_number="",
        source_url="",
        title="某镇工作计划",
        inferred=["title"],
    )
    tags = dict(_parse(page(doc.get_absolute_url())).meta)
    # The archive's page stands in for an unknown original address.
    assert tags["citation_public_url"] == f"http://testserver/documents/{doc.pk}/"
    # Only the 成文日期 is known: it is the publication date too.
    assert tags["citation_publication_date"] == "2021/01/13"
    assert tags["citation_date"] == "2021/01/13"
    assert "citation_author" not in tags and "citation_publisher" not in tags
    assert tags["citation_title"] == "[某镇工作计划]"


@pytest.mark.django_db
def test_meta_content_is_escaped(page) -> None:
    doc = _document(title='关于"双减"<工作>的计划 & 安排')
    html = page(doc.get_absolute_url())
    assert dict(_parse(html).meta)["citation_title"] == '关于"双减"<工作>的计划 & 安排'
    assert "<工作>" not in html.split("</head>")[0]


# --- the made-up title in [ ] -------------------------------------------------


@pytest.mark.django_db
def test_a_made_up_title_is_in_brackets_in_every_format(page, client) -> None:
    doc = _document(title="东塍镇2021年工作计划", inferred=["title"])
    url = f"http://testserver/documents/{doc.pk}/"
    assert "[东塍镇2021年工作计划][EB/OL]" in gbt7714(doc, url=url, accessed=ACCESSED)
    assert "TI  - [东塍镇2021年工作计划]\r\n" in ris(
        doc, page_url=url, accessed=ACCESSED
    )
    assert "title = {[东塍镇2021年工作计划]}" in bibtex(
        doc, page_url=url, accessed=ACCESSED
    )
    html = page(doc.get_absolute_url())
    citation = re.search(r'<span id="citation-text">([^<]*)</span>', html).group(1)
    assert citation.startswith("临海市东塍镇人民政府. [东塍镇2021年工作计划][EB/OL]. ")
    # A title read from the source is cited as it is.
    doc.inferred = []
    assert "[EB/OL]" in gbt7714(doc, url=url, accessed=ACCESSED)
    assert "[东塍镇" not in gbt7714(doc, url=url, accessed=ACCESSED)


@pytest.mark.django_db
def test_a_title_that_says_it_was_made_up_gets_no_second_mark() -> None:
    doc = _document(
        title="周巷镇2021年工作计划（无原标题，据正文拟）", inferred=["title"]
    )
    text = gbt7714(doc, url="u", accessed=ACCESSED)
    assert text.startswith(
        "临海市东塍镇人民政府. 周巷镇2021年工作计划（无原标题，据正文拟）[EB/OL]"
    )


# --- RIS ------------------------------------------------------------------------


def _ris_fields(text: str) -> list[tuple[str, str]]:
    lines = text.split("\r\n")
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines if line)
    return [(line[:2], line[6:]) for line in lines if line]


@pytest.mark.django_db
def test_ris_download(client, search_index) -> None:
    doc = _document(body="正文。", title="东塍镇2021年\n工作计划")
    response = client.get(f"/documents/{doc.pk}/cite.ris")
    assert response.status_code == 200
    assert (
        response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert quote(f"{doc.pk}-东塍镇2021年") in disposition and ".ris" in disposition
    fields = _ris_fields(response.content.decode("utf-8"))
    assert fields[0] == ("TY", "GOVDOC")
    assert fields[-1] == ("ER", "")
    values = dict(fields)
    assert values["TI"] == "东塍镇2021年 工作计划"  # one line a field
    assert values["AU"] == "临海市东塍镇人民政府"
    assert values["DA"] == "2021/02/26/"
    assert values["PY"] == "2021"
    assert values["SN"] == "东政〔2021〕5号"
    assert values["AN"] == "LH331082-074/2021-108413"
    assert values["UR"] == doc.source_url
    assert values["L2"] == f"http://testserver/documents/{doc.pk}/"
    assert values["LA"] == "zh"
    assert values["CY"] == "浙江省 台州市 临海市 东塍镇"
    assert values["N1"].endswith(f"{doc.source_url}.")


# --- BibTeX ---------------------------------------------------------------------


def _bibtex_fields(text: str) -> tuple[str, str, dict[str, str]]:
    head = re.match(r"@(\w+)\{([^,]+),\n", text)
    assert head and text.endswith("\n}\n")
    fields = dict(re.findall(r"^  (\w+) = \{(.*)\},?$", text, flags=re.M))
    return head.group(1), head.group(2), fields


def _balanced(value: str) -> bool:
    depth = 0
    unescaped = re.sub(r"\\[{}]", "", value)
    for char in unescaped:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.django_db
def test_bibtex_download(client, search_index) -> None:
    doc = _document(title="50%的村{试点}_方案 & #1 $x$ \\ 计划")
    response = client.get(f"/documents/{doc.pk}/cite.bib")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert ".bib" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    kind, key, fields = _bibtex_fields(text)
    assert (kind, key) == ("techreport", f"plansite{doc.pk}")
    assert fields["title"] == (
        r"50\%的村\{试点\}\_方案 \& \#1 \$x\$ \textbackslash{} 计划"
    )
    assert all(_balanced(value) for value in fields.values()), fields
    # An organ in double braces is one name, not a surname and given names.
    assert fields["author"] == "{临海市东塍镇人民政府}"
    assert fields["institution"] == "临海市东塍镇人民政府"
    assert fields["number"] == "东政〔2021〕5号"
    assert fields["date"] == "2021-02-26" and fields["year"] == "2021"
    assert fields["url"] == doc.source_url
    assert fields["language"] == "chinese"
    assert "东塍镇" in text  # UTF-8 as is, no \\u escapes


@pytest.mark.django_db
def test_bibtex_without_an_issuer_is_misc() -> None:
    doc = _document(issuer="", source_url="https://x.gov.cn/a?b=1%E5&c={d}")
    kind, _key, fields = _bibtex_fields(bibtex(doc, page_url="p", accessed=ACCESSED))
    assert kind == "misc"
    assert "author" not in fields
    # A URL is verbatim to biblatex: % stays, braces would end the value.
    assert fields["url"] == "https://x.gov.cn/a?b=1%E5&c=%7Bd%7D"


def test_bibtex_escape_keeps_chinese_and_escapes_each_special_once() -> None:
    assert bibtex_escape("乡村振兴") == "乡村振兴"
    assert bibtex_escape("{}%&#_") == r"\{\}\%\&\#\_"
    assert bibtex_escape("a\\{") == r"a\textbackslash{}\{"
    assert bibtex_escape("一\n二") == "一 二"


@pytest.mark.django_db
def test_document_page_links_the_downloads_and_the_print_view(page) -> None:
    doc = _document()
    links = _parse(page(doc.get_absolute_url())).links
    for suffix in ("text.txt", "cite.ris", "cite.bib", "print/"):
        assert f"/documents/{doc.pk}/{suffix}" in links


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["cite.ris", "cite.bib", "print/"])
def test_unknown_documents_are_404(client, search_index, suffix: str) -> None:
    assert client.get(f"/documents/999999/{suffix}").status_code == 404
    assert client.post(f"/documents/999999/{suffix}").status_code == 405


# --- print view -----------------------------------------------------------------


@pytest.mark.django_db
def test_print_view_has_citation_url_and_text_and_no_controls(page) -> None:
    doc = _document(body="一、总体要求\n推进乡村振兴。\n二、主要任务\n发展产业。")
    html = page(f"/documents/{doc.pk}/print/")
    parsed = _parse(html)
    assert parsed.forms == 0 and parsed.nav == 0 and parsed.buttons == 0
    assert "site-header" not in html and "检索" not in html.split("<body", 1)[1][:400]
    top = html.split("<h1>", 1)[0]
    assert gbt7714(doc, url=doc.source_url, accessed=date.today()) in top
    assert f"http://testserver/documents/{doc.pk}/" in top
    text = html.split('<main class="print-text">', 1)[1]
    for line in doc.body.splitlines():
        assert line in text
    assert "print.css" in html


@pytest.mark.django_db
def test_print_view_of_a_long_text_is_in_the_reading_page_parts(page, settings) -> None:
    settings.PLANSITE_DOCUMENT_PART_CHARS = 2_000
    body = "\n".join(f"第{n}段，推进乡村振兴工作。" + "内容" * 40 for n in range(200))
    doc = _document(body=body)
    parts = split_parts(
        doc.body,
        [],
        max_chars=2_000,
        max_marks=settings.PLANSITE_DOCUMENT_PART_MARKS,
    )
    assert parts.paged
    first = page(f"/documents/{doc.pk}/print/")
    assert f"第 1 / {len(parts)} 部分" in first
    assert "第0段" in first and "第199段" not in first
    assert f"/documents/{doc.pk}/print/?part=2" in first
    last = page(f"/documents/{doc.pk}/print/?part={len(parts)}")
    assert "第199段" in last and "第0段，" not in last


@pytest.mark.django_db
def test_print_view_names_the_attachments_and_where_to_print_them(
    page, settings, tmp_path
) -> None:  # noqa: ANN001
    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    doc = _document(body="")
    add_attachment(doc, "工作计划.docx", b"docx bytes", kind="docx", text="附件正文。")
    html = page(f"/documents/{doc.pk}/print/")
    section = html.split('class="print-attachments"', 1)[1]
    assert "附件1：工作计划.docx" in section
    assert f"http://testserver/documents/{doc.pk}/attachments/1/" in section
    assert "这篇文档没有整理文本" not in html
