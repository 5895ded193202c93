"""What a researcher gets from /api/export (issue 17): Chinese headers by
default, dates Excel reads, a hit count per document, a file name that says
what is inside, and the query, filters and versions in the first row."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import unquote

import pytest
from django.utils import timezone

from documents import export as export_module
from documents import fields as metadata
from documents.models import Document
from documents.texts import searchable_fields
from research.export import download_name
from search.query import parse_query
from search.textmatch import document_hits
from tests.conftest import close_response
from tests.research.conftest import scan

pytestmark = [pytest.mark.django_db, pytest.mark.search]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PUBLISHED = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?")


def _body(response) -> str:  # noqa: ANN001
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content).decode("utf-8")


def _csv(response) -> tuple[dict[str, str], list[str], list[list[str]]]:  # noqa: ANN001
    text = _body(response)
    assert text.startswith("\ufeff#plansite-export,")
    meta, header, *rows = csv.reader(io.StringIO(text[1:]))
    return export_module.read_meta_cells(meta), header, rows


def _filename(response) -> str:  # noqa: ANN001
    disposition = response["Content-Disposition"]
    match = re.search(r"filename\*=utf-8''([^;]+)", disposition)
    return unquote(match.group(1)) if match else disposition


def _true_hits(document: Document, query: str) -> int:
    """The occurrences that count, by the reference scan (search/textmatch.py)."""
    found = document_hits(searchable_fields(document), parse_query(query))
    return len(found.get("", [])) if found else 0


def test_default_csv_has_chinese_headers_and_the_first_row(client, archive) -> None:
    response = client.get(
        "/api/export", {"q": "乡村振兴", "county": "平潭县", "format": "csv"}
    )
    meta, header, rows = _csv(response)
    labels = {str(spec.label) for spec in metadata.FIELDS}
    assert header[:3] == ["编号", "索引号", "标题"]
    assert {"命中次数", "摘要", "档案链接", "发布日期", "成文日期"} <= set(header)
    assert all(re.search("[\u4e00-\u9fff]", name) for name in header)
    assert set(header) - {"编号", "命中次数", "摘要", "档案链接"} <= labels
    expected = scan("乡村振兴", county="平潭县")
    assert len(rows) == len(expected) > 0
    # The query, the filters and the versions travel with the file.
    assert meta["query"] == "乡村振兴"
    assert meta["filters"] == "county=平潭县"
    assert meta["total"] == meta["rows"] == str(len(expected))
    assert meta["version"] and meta["documents"] == str(Document.objects.count())
    assert meta["index_schema"]
    assert meta["search_url"].startswith("http://testserver/search/?q=")
    exported = meta["exported_at"]
    assert exported.startswith(timezone.localdate().isoformat()[:4])
    assert exported.endswith("+08:00")


def test_dates_are_what_excel_reads_as_dates(client, archive) -> None:
    response = client.get("/api/export", {"format": "csv"})
    _meta, header, rows = _csv(response)
    records = [dict(zip(header, row, strict=True)) for row in rows]
    written = [r["成文日期"] for r in records if r["成文日期"]]
    published = [r["发布日期"] for r in records if r["发布日期"]]
    assert written and published
    assert all(_DATE.fullmatch(value) for value in written)
    assert all(_PUBLISHED.fullmatch(value) for value in published), published[:5]
    assert not any("T" in value or "+" in value for value in published)


def test_hit_count_per_document_is_the_reference_scan(client, archive) -> None:
    for query in ("乡村振兴", "发展 产业"):
        response = client.get(
            "/api/export", {"q": query, "format": "jsonl", "full": "1"}
        )
        _meta, *lines = _body(response).splitlines()
        records = [json.loads(line) for line in lines]
        assert records
        for record in records:
            document = Document.objects.get(pk=record["id"])
            assert record["hits"] == _true_hits(document, query) > 0, record["id"]
    # Without a query there is nothing to count: the cell is empty.
    _meta, header, rows = _csv(client.get("/api/export", {"format": "csv"}))
    column = header.index("命中次数")
    assert {row[column] for row in rows} == {""}


def test_file_names_say_what_is_inside(client, archive) -> None:
    today = timezone.localdate().isoformat()
    response = client.get(
        "/api/export", {"q": "乡村振兴", "county": "平潭县", "format": "csv"}
    )
    close_response(response)
    assert "filename*=utf-8''" in response["Content-Disposition"]  # RFC 5987
    assert _filename(response) == f"plansite-乡村振兴-平潭县-{today}.csv"
    response = client.get("/api/export", {"format": "jsonl", "full": "1"})
    close_response(response)
    assert _filename(response) == f"plansite-全部-全文-{today}.jsonl"


def test_download_name_is_safe_and_short() -> None:
    day = timezone.localdate()
    name = download_name(
        query='"乡村 振兴" /s 产业:?*' + "长" * 80,
        filters={"province": "浙江省", "year_from": 2020, "year_to": 2022},
        fmt="csv",
        full=False,
        day=day,
    )
    assert not re.search(r'[\\/:*?"<>|\s]', name)
    assert name.startswith("plansite-乡村_振兴_s_产业")
    assert name.endswith(f"-浙江省-2020至2022年-{day.isoformat()}.csv")
    assert len(name) < 90


def test_lang_chooses_the_column_names(client, archive) -> None:
    en = client.get("/api/export", {"format": "csv", "lang": "en"})
    assert _csv(en)[1][:3] == ["id", "index_no", "title"]
    zh = client.get("/api/export", {"format": "jsonl", "lang": "zh"})
    _meta, first, *_rest = _body(zh).splitlines()
    assert list(json.loads(first))[:3] == ["编号", "索引号", "标题"]
    # JSON lines are read by programs: field names unless asked.
    default = client.get("/api/export", {"format": "jsonl"})
    _meta, first, *_rest = _body(default).splitlines()
    assert list(json.loads(first))[:3] == ["id", "index_no", "title"]
    bad = client.get("/api/export", {"format": "csv", "lang": "fr"})
    assert bad.status_code == 400
    assert "lang" in bad.content.decode()


def test_kwic_and_trend_downloads_are_named_too(client, archive) -> None:
    today = timezone.localdate().isoformat()
    kwic = client.get("/api/kwic", {"q": "乡村振兴", "format": "csv"})
    close_response(kwic)
    assert _filename(kwic) == f"plansite-kwic-乡村振兴-{today}.csv"
    trend = client.get("/api/trend", {"q": "乡村振兴", "format": "csv"})
    assert _filename(trend) == f"plansite-trend-乡村振兴-{today}.csv"
