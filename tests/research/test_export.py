"""Export: streamed CSV (BOM, Chinese intact, formula-safe) and JSON lines, capped."""

from __future__ import annotations

import csv
import io
import json

import pytest

from documents import export as export_module
from documents.models import Document
from research import export, throttle
from tests.conftest import close_response
from tests.research.conftest import scan

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def _body(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def _lines(response) -> list[str]:
    """A JSON lines export's record lines, after the object of what it holds
    (issue 17: the first line is {"plansite_export": {...}})."""
    meta, *lines = _body(response).splitlines()
    assert export_module.read_meta_object(json.loads(meta)) is not None
    return lines


def _csv_rows(text: str) -> list[list[str]]:
    """A CSV export's header and rows, after its first row of what it holds."""
    meta, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    assert export_module.read_meta_cells(meta) is not None
    return rows


def test_csv_reads_back_with_chinese_and_bom(client, archive) -> None:
    # Field names as the columns (lang=en); issue 17 made Chinese the default.
    params = {"q": "乡村振兴", "format": "csv", "lang": "en"}
    response = client.get("/api/export", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = _body(response)
    assert text.startswith("\ufeff")
    header, *cells = _csv_rows(text)
    rows = [dict(zip(header, row, strict=True)) for row in cells]
    expected = {d.pk: d for d in scan("乡村振兴")}
    assert {int(r["id"]) for r in rows} == set(expected)
    assert response["X-Export-Total"] == str(len(expected))
    assert response["X-Export-Rows"] == str(len(expected))
    assert response["X-Export-Limit"] == str(export.ANONYMOUS_ROW_LIMIT)
    for row in rows:
        document = expected[int(row["id"])]
        assert row["title"] == document.title
        assert "乡村振兴" in row["snippet"]
        assert "<mark>" not in row["snippet"]
        assert row["url"].startswith(f"http://testserver/documents/{document.pk}/?q=")
        assert "body" not in row
    assert list(rows[0])[:3] == ["id", "index_no", "title"]


def test_jsonl_is_valid_and_full_text_is_optional(client, archive) -> None:
    response = client.get("/api/export", {"county": "平潭县", "full": "1"})
    assert response["Content-Type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in _lines(response)]
    pingtan = Document.objects.filter(county="平潭县")
    assert {r["id"] for r in records} == set(pingtan.values_list("pk", flat=True))
    for record in records:
        assert record["body"] == pingtan.get(pk=record["id"]).body
        assert record["county"] == "平潭县"
    brief = [json.loads(line) for line in _lines(client.get("/api/export"))]
    assert len(brief) == Document.objects.count()
    assert "body" not in brief[0]


def test_newest_first_when_asked(client, archive) -> None:
    records = [
        json.loads(line)
        for line in _lines(client.get("/api/export", {"sort": "oldest"}))
    ]
    years = [r["plan_year"] for r in records if r["plan_year"]]
    assert years == sorted(years)


def test_anonymous_cap_and_staff_without_cap(
    client, admin_client, archive, monkeypatch
) -> None:
    monkeypatch.setattr(export, "ANONYMOUS_ROW_LIMIT", 3)
    response = client.get("/api/export", {"format": "csv"})
    rows = _csv_rows(_body(response))
    assert len(rows) == 1 + 3
    assert response["X-Export-Limit"] == "3"
    assert response["X-Export-Rows"] == "3"
    assert int(response["X-Export-Total"]) == Document.objects.count()
    staff = admin_client.get("/api/export", {"format": "jsonl"})
    assert staff["X-Export-Limit"] == "none"
    assert len(_lines(staff)) == Document.objects.count()


def test_formula_cells_are_defused() -> None:
    records = [{"id": 1, "title": "=HYPERLINK(1)", "snippet": "+1", "url": "@x"}]
    text = "".join(export.csv_chunks(records, ["id", "title", "snippet", "url"]))
    row = list(csv.reader(io.StringIO(text[1:])))[1]
    assert row == ["1", "'=HYPERLINK(1)", "'+1", "'@x"]


def test_export_page_states_the_cap(client, archive) -> None:
    html = client.get("/research/export/", {"q": "乡村振兴"}).content.decode()
    assert "10000" in html
    assert "/api/export?q=" in html
    # Said for researchers; the response headers are for the API description.
    assert "X-Export" not in html and "响应头" not in html
    assert "文件中包含全部" in html


def test_documents_deleted_since_indexing_are_skipped(client, archive) -> None:
    gone = scan("乡村振兴")[0]
    Document.objects.filter(pk=gone.pk).delete()
    lines = _lines(client.get("/api/export", {"q": "乡村振兴"}))
    ids = {json.loads(line)["id"] for line in lines}
    assert gone.pk not in ids
    assert len(ids) == len(scan("乡村振兴"))


def test_downloads_beyond_the_process_limit_are_asked_to_retry(
    client, archive, settings
) -> None:  # noqa: ANN001
    """One client cannot hold every worker thread with downloads: past the
    limit it gets 429 and Retry-After, and a place is free again as soon as a
    download ends or its client goes away."""
    settings.PLANSITE_MAX_DOWNLOADS = 2
    export_url = "/api/export?q=发展&format=jsonl&full=1"
    kwic_url = "/api/kwic?q=发展&format=csv"
    first = client.get(export_url)
    second = client.get(kwic_url)
    assert first.status_code == second.status_code == 200
    # Both streams are open (a chunk read, the rest not yet).
    next(iter(first.streaming_content))
    next(iter(second.streaming_content))
    assert throttle.active_downloads() == 2
    for url in (export_url, kwic_url):
        busy = client.get(url)
        assert busy.status_code == 429
        assert int(busy["Retry-After"]) > 0
        assert busy.json()["error"]
    # Searching and reading are not downloads: they are never turned away.
    assert client.get("/api/search", {"q": "发展"}).status_code == 200
    assert client.get("/api/kwic", {"q": "发展"}).status_code == 200

    # A client that goes away: the server closes the response unread.
    close_response(first)
    assert throttle.active_downloads() == 1
    again = client.get(export_url)
    assert again.status_code == 200
    # A download read to the end gives its place back too.
    rows = _lines(again)
    assert rows and all(json.loads(row)["body"] for row in rows)
    assert throttle.active_downloads() == 1
    close_response(second)
    assert throttle.active_downloads() == 0
    # Answers that are not downloads never keep a place.
    assert client.get("/api/kwic", {"q": "-", "format": "csv"}).status_code == 400
    assert client.get("/api/export", {"q": '"'}).status_code == 400
    assert throttle.active_downloads() == 0


@pytest.mark.parametrize(
    "params",
    [{"q": "乡村振兴"}, {"q": "发展", "county": "平潭县"}, {"q": "发展 -乡村"}],
)
def test_export_page_counts_what_the_download_holds(client, archive, params) -> None:
    response = client.get("/api/export", {**params, "format": "csv"})
    total = int(response["X-Export-Total"])
    close_response(response)
    html = client.get("/research/export/", params).content.decode()
    assert f"命中 {total} 篇文档" in html


def test_export_total_is_the_substring_scan(client, archive) -> None:
    response = client.get("/api/export", {"q": "乡村振兴", "format": "csv"})
    assert int(response["X-Export-Total"]) == len(scan("乡村振兴")) > 0
    close_response(response)
