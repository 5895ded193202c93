"""Documents whose fields hold HTML and script are shown as text everywhere, and
exported spreadsheet cells never run as formulas."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from documents.export import EXPORT_KEYS
from documents.ingest.fingerprint import content_hash
from documents.models import Document
from search.services import index_documents

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def script(tag: str) -> str:
    return f"<script>alert('{tag}')</script>"


def img(tag: str) -> str:
    return f'"><img src=x onerror=alert("{tag}")>'


def bold(tag: str) -> str:
    # Region names become URL path segments, so these carry no "/".
    return f"'><b onmouseover=alert('{tag}')>{tag}"


# What must never appear in an HTML page: the start of live markup.
LIVE = ["<script>alert", "<img src=x", "<b onmouseover", "<svg onload", "<iframe src"]
BODY = (
    "一、总体要求。坚持稳中求进，全面推进乡村振兴，推动经济社会高质量发展。\n"
    f"二、重点任务。{script('body')}{img('body')}<svg onload=alert(1)>加快美丽城镇建设。\n"
    "三、保障措施。<iframe src=javascript:alert(1)></iframe>落实责任。"
)
CREATED = {
    "index_no": script("index") + img("index"),
    "title": f"</title>{script('title')}{img('title')}工作计划",
    "issuer": script("issuer") + img("issuer"),
    "province": bold("province") + "省",
    "city": bold("city") + "市",
    "county": bold("county") + "县",
    "township": img("town") + "镇",
    "category": script("category") + img("category"),
    "doc_number": script("doc_number"),
    "disclosure": img("disclosure"),
    "source_url": 'https://example.com/"><script>alert("url")</script>',
    "source_file": script("source_file"),
}
IMPORTED_FILE = f"""索引号：XS330000-001/2021-000001
标题：{script("ititle")}{img("ititle")}东塍镇2021年工作计划
发布机构：{img("iissuer")}东塍镇
主题分类：{script("icategory")}
文号：<iframe src=javascript:alert(1)>
成文日期：2021-01-13
原文链接：https://example.com/x"><script>alert("iurl")</script>
{BODY}
四、另一份文件。{script("ibody")}东塍镇全面推进乡村振兴。
"""


@pytest.fixture
def docs(search_index, tmp_path: Path) -> dict[str, Document]:  # noqa: ANN001
    created = Document.objects.create(
        body=BODY,
        original=BODY,
        content_hash=content_hash(BODY),
        plan_year=2021,
        doc_date=date(2021, 1, 13),
        **CREATED,
    )
    path = tmp_path / "hostile.txt"
    path.write_text(IMPORTED_FILE, encoding="utf-8")
    out = io.StringIO()
    call_command("import_plans", str(path), "--progress=log", stdout=out, stderr=out)
    assert "imported 1," in out.getvalue(), out.getvalue()
    imported = Document.objects.exclude(pk=created.pk).get()
    index_documents([created.pk])
    return {"created": created, "imported": imported}


def html_page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode("utf-8")
    for live in LIVE:
        assert live not in page, (url, live)
    return page


def region_urls(doc: Document) -> list[str]:
    path = [doc.province, doc.city, doc.county, doc.township]
    return [
        "/regions/"
        + "/".join(quote(part or "_", safe="") for part in path[:depth])
        + "/"
        for depth in range(1, 5)
    ]


def test_imported_fields_keep_their_markup_as_text(docs) -> None:  # noqa: ANN001
    doc = docs["imported"]
    # The importer stores what the page said; escaping is the templates' job.
    assert doc.title.startswith(script("ititle"))
    assert "<svg onload=alert(1)>" in doc.body
    assert doc.source_url.endswith('<script>alert("iurl")</script>')


@pytest.mark.parametrize("which", ["created", "imported"])
def test_every_page_shows_markup_as_text(client, docs, which: str) -> None:  # noqa: ANN001
    doc = docs[which]
    detail = doc.get_absolute_url()
    pages = {
        "/": None,
        "/documents/": doc.title,
        "/documents/?sort=newest": doc.title,
        detail: doc.title,
        detail + "?q=alert": None,
        detail + "?q=script": None,
        detail + "?q=" + quote("乡村振兴"): None,
        detail + "?q=" + quote(script("q")): None,
        detail + "?view=original": None,
        detail + "?view=original&q=alert": None,
        "/regions/": None,
        "/years/": None,
        "/years/2021/": doc.title,
        "/search/?q=" + quote("乡村振兴"): None,
        "/search/?q=" + quote("美丽城镇 alert"): None,
        "/search/?q=" + quote(script("sq")): None,
        "/search/?q=" + quote("乡村振兴") + "&category=" + quote(doc.category): None,
        "/search/?q=" + quote("乡村振兴") + "&township=" + quote(doc.township): None,
    }
    for url in region_urls(doc) if doc.province else []:
        pages[url] = None
    for url, must_show in pages.items():
        page = html_page(client, url)
        if must_show:
            assert escape(must_show) in page, url
    page = html_page(client, detail)
    for value in (doc.issuer, doc.category, doc.doc_number):
        if value:
            assert escape(value) in page, value


def test_region_pages_list_hostile_place_names_as_text(client, docs) -> None:  # noqa: ANN001
    doc = docs["created"]
    urls = region_urls(doc)
    parent = html_page(client, "/regions/")
    assert escape(doc.province) in parent
    for url, child in zip(urls, [doc.city, doc.county, doc.township], strict=False):
        page = html_page(client, url)
        assert escape(child) in page, url
    assert escape(doc.title) in html_page(client, urls[-1])


def test_search_api_returns_the_values_as_json_data(client, docs) -> None:  # noqa: ANN001
    response = client.get("/api/search", {"q": "乡村振兴"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    data = json.loads(response.content)
    titles = {row["title"] for row in data["results"]}
    assert {docs["created"].title, docs["imported"].title} <= titles


def test_text_download_is_plain_text(client, docs) -> None:  # noqa: ANN001
    response = client.get(docs["created"].get_absolute_url() + "text.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]


def _export(fmt: str) -> str:
    """export_plans' records with the field names as keys, without the first
    row of what the file holds (issue 17), which is checked on its own."""
    out = io.StringIO()
    call_command(
        "export_plans",
        "--format",
        fmt,
        "--lang",
        "en",
        stdout=out,
        stderr=io.StringIO(),
    )
    return _without_meta(out.getvalue())


def _without_meta(text: str) -> str:
    """The file after its first row, once that row is checked to be harmless
    in a spreadsheet (#plansite-export and key=value cells) or JSON."""
    text = text.lstrip("\ufeff")
    first, _, rest = text.partition("\n")
    if first.startswith("#plansite-export"):
        for cell in next(csv.reader([first])):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        return rest
    if first.startswith('{"plansite_export"'):
        return rest
    return text


def test_exports_keep_the_values_verbatim(docs) -> None:  # noqa: ANN001
    rows = [json.loads(line) for line in _export("jsonl").splitlines()]
    by_title = {row["title"]: row for row in rows}
    created = by_title[docs["created"].title]
    for key, value in CREATED.items():
        if key in EXPORT_KEYS:
            assert created[key] == value, key
    assert created["body"] == BODY
    rows = list(csv.DictReader(io.StringIO(_export("csv"))))
    assert {row["title"] for row in rows} == set(by_title)
    (row,) = [r for r in rows if r["title"] == docs["created"].title]
    assert row["issuer"] == CREATED["issuer"] and row["body"] == BODY


FORMULAS = {
    "index_no": "=1+2",
    "title": '=HYPERLINK("http://evil.example/","点击")',
    "issuer": "+SUM(1,2)",
    "township": "-2+3",
    "county": "@SUM(A1:A2)",
    "city": "\t=1+1",
    "province": "\r=1+1",
    "category": "=cmd|' /C calc'!A0",
    "doc_number": "-1",
    "disclosure": "+",
    "source_file": "@x",
}


def test_csv_cells_that_start_like_formulas_are_neutralised(search_index) -> None:  # noqa: ANN001
    body = "=1+1 写在正文开头的公式。"
    Document.objects.create(
        body=body, original=body, content_hash=content_hash(body), **FORMULAS
    )
    rows = list(csv.DictReader(io.StringIO(_export("csv"))))
    (row,) = rows
    for key, value in {**FORMULAS, "body": body}.items():
        assert row[key] == "'" + value, key
    # No cell a spreadsheet would run: each starts with something harmless.
    for key, cell in row.items():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (key, cell)
    # JSON lines are data, not a spreadsheet: values stay exactly as stored.
    (data,) = [json.loads(line) for line in _export("jsonl").splitlines()]
    assert data["title"] == FORMULAS["title"]


def _csv_download(client, url: str, params: dict) -> list[dict[str, str]]:  # noqa: ANN001
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = (
        b"".join(response.streaming_content).decode("utf-8")
        if (response.streaming)
        else response.content.decode("utf-8")
    )
    return list(csv.DictReader(io.StringIO(_without_meta(text))))


def test_downloads_over_http_neutralise_formulas(client, search_index) -> None:  # noqa: ANN001
    body = "=1+1 写在正文开头的公式。乡村振兴=SUM(A1)也写在正文中间。"
    doc = Document.objects.create(
        body=body,
        original=body,
        content_hash=content_hash(body),
        plan_year=2021,
        **FORMULAS,
    )
    index_documents([doc.pk])
    query = {"q": "乡村振兴=SUM"}
    # Field names as the export's columns (issue 17 made Chinese the default).
    export = {**query, "format": "csv", "lang": "en"}
    downloads = {
        "/api/export": _csv_download(client, "/api/export", export),
        "/api/export full": _csv_download(
            client, "/api/export", {**export, "full": "1"}
        ),
        "/api/kwic": _csv_download(client, "/api/kwic", {**query, "format": "csv"}),
        "/api/trend": _csv_download(
            client, "/api/trend", {**query, "format": "csv", "split": "township"}
        ),
    }
    for url, rows in downloads.items():
        assert rows, url
        for row in rows:
            for key, cell in row.items():
                assert not (cell or "").startswith(("=", "+", "-", "@", "\t", "\r")), (
                    url,
                    key,
                    cell,
                )
    (row,) = downloads["/api/export full"]
    assert row["title"] == "'" + FORMULAS["title"]
    assert row["township"] == "'" + FORMULAS["township"]
    assert row["body"] == "'" + body
    (line,) = downloads["/api/kwic"]
    assert line["match"] == "乡村振兴=SUM"
    assert line["left"] == "'=1+1 写在正文开头的公式。"
    assert line["title"] == "'" + FORMULAS["title"]
    # The split line is named by the township, defused like every other cell.
    places = {row["place"] for row in downloads["/api/trend"]}
    assert places == {"全部", "'" + FORMULAS["township"]}
