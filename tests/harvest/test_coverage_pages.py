"""The coverage pages (/sources/, /sources/<name>/) and the coverage an export's
provenance carries, from HarvestRun, HarvestUrl and Capture rows made here."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.utils import timezone

from documents import export as export_module
from documents.harvest.coverage import (
    UnknownSource,
    all_sources,
    provenance_coverage,
    source_coverage,
)
from documents.models import Availability, Capture, Document, HarvestRun, HarvestUrl
from search.services import index_documents
from tests.conftest import close_response
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db]

SOURCE = "trs-column"
BASE = "http://127.0.0.1:8765/zwgk/jhzj"
TIMEOUT = "超时 (timeout after 30 s)"
NOT_FOUND = "HTTP 404"
FAILING = 57  # more than one page of failing URLs (50 a page)


@pytest.fixture
def harvested(db) -> dict:
    return make_harvest_rows()


def make_harvest_rows() -> dict:
    """Two finished runs of SOURCE (the second with failures), an older source
    with one interrupted run, documents online and withdrawn, failing URLs."""
    now = timezone.now()
    first = HarvestRun.objects.create(
        source=SOURCE,
        started_at=now - timedelta(days=7),
        finished_at=now - timedelta(days=7) + timedelta(minutes=3),
        status=HarvestRun.Status.FINISHED,
        listed=118,
        stated_total=120,
        captured=118,
        requests=240,
        warc_files=[f"{SOURCE}/{SOURCE}-20261130080000-0.warc.gz"],
    )
    latest = HarvestRun.objects.create(
        source=SOURCE,
        started_at=now - timedelta(hours=1),
        finished_at=now - timedelta(minutes=50),
        status=HarvestRun.Status.FINISHED,
        listed=121,
        stated_total=125,
        captured=4,
        unchanged=112,
        failed=FAILING,
        withdrawn=2,
        requests=190,
        warc_files=[
            f"{SOURCE}/{SOURCE}-20261207150000-0.warc.gz",
            f"{SOURCE}/{SOURCE}-20261207150000-1.warc.gz",
        ],
        failures={TIMEOUT: FAILING - 3, NOT_FOUND: 3},
    )
    HarvestRun.objects.create(
        source="hanweb-plans",
        started_at=now - timedelta(days=2),
        status=HarvestRun.Status.INTERRUPTED,
        listed=40,
        captured=12,
    )
    online, withdrawn = [], []
    for n in range(5):
        gone = n < 2
        doc = make_document(
            f"采集文档{n}：2021年工作计划",
            f"正文{n}：推进乡村振兴。",
            availability=Availability.WITHDRAWN if gone else Availability.ONLINE,
            first_seen=now - timedelta(days=7),
            last_seen=now - timedelta(days=3 if gone else 0),
            withdrawn_at=now if gone else None,
        )
        (withdrawn if gone else online).append(doc)
        url = HarvestUrl.objects.create(
            source=SOURCE,
            url=f"{BASE}/202101/t20210113_{n:06d}.html",
            kind=HarvestUrl.Kind.DOCUMENT,
            state=HarvestUrl.State.GONE if gone else HarvestUrl.State.DONE,
            run=latest,
            document=doc,
            status_code=404 if gone else 200,
        )
        Capture.objects.create(
            url=url,
            run=latest,
            document=doc,
            outcome=Capture.Outcome.GONE if gone else Capture.Outcome.UNCHANGED,
            status_code=404 if gone else 200,
        )
    for n in range(FAILING):
        HarvestUrl.objects.create(
            source=SOURCE,
            url=f"{BASE}/202102/t20210201_{n:06d}.html",
            kind=HarvestUrl.Kind.DOCUMENT,
            state=HarvestUrl.State.FAILED,
            run=latest,
            status_code=None if n >= 3 else 404,
            error=NOT_FOUND if n < 3 else TIMEOUT,
            link_text=f"失败的文件{n}",
        )
    imported = make_document("从文件导入的计划", "正文：推进乡村振兴。")
    return {
        "first": first,
        "latest": latest,
        "online": online,
        "withdrawn": withdrawn,
        "imported": imported,
    }


def _soup(client, url: str, data: dict | None = None) -> BeautifulSoup:  # noqa: ANN001
    response = client.get(url, data or {})
    assert response.status_code == 200, response.content[:300]
    return BeautifulSoup(response.content.decode(), "html.parser")


def test_the_selectors_give_the_latest_run_the_runs_and_the_documents(harvested):
    coverage = source_coverage(SOURCE)
    assert coverage.latest.id == harvested["latest"].pk
    assert [run.id for run in coverage.runs] == [
        harvested["latest"].pk,
        harvested["first"].pk,
    ]
    assert coverage.latest.failures == [(TIMEOUT, FAILING - 3), (NOT_FOUND, 3)]
    assert coverage.latest.unlisted == 4
    assert (coverage.documents, coverage.online, coverage.withdrawn) == (5, 3, 2)
    assert coverage.failing_urls == FAILING
    interrupted = source_coverage("hanweb-plans")
    assert interrupted.last_finished is None
    assert interrupted.reference.status == HarvestRun.Status.INTERRUPTED
    assert [c.source for c in all_sources()] == ["hanweb-plans", SOURCE]
    with pytest.raises(UnknownSource):
        source_coverage("no-such-source")


def test_the_list_of_sources_shows_each_latest_run(client, harvested):
    soup = _soup(client, "/sources/")
    rows = soup.select(".coverage-table tbody tr")
    assert len(rows) == 2
    row = next(r for r in rows if SOURCE in r.get_text())
    cells = [c.get_text(" ", strip=True) for c in row.select("td")]
    assert cells[1:] == ["121", "125", "4", "112", str(FAILING), "2"]
    assert "已完成" in cells[0]
    link = row.select_one("th a")
    assert link["href"] == f"/sources/{SOURCE}/"
    other = next(r for r in rows if "hanweb-plans" in r.get_text())
    assert "已中断" in other.get_text()
    # The site's navigation leads here.
    nav = soup.select_one("header nav")
    current = nav.select_one('a[aria-current="page"]')
    assert current["href"] == "/sources/" and "采集来源" in current.get_text()


def test_a_sources_page_shows_figures_failures_withdrawn_and_runs(client, harvested):
    soup = _soup(client, f"/sources/{SOURCE}/")
    stats = {
        div.dt.get_text(strip=True): div.dd.get_text(strip=True)
        for div in soup.select(".coverage-stats div")
    }
    assert stats == {
        "列表条目": "121",
        "列表自述总数": "125",
        "新采集或已更新": "4",
        "未变化": "112",
        "失败": str(FAILING),
        "判定撤下": "2",
    }
    reasons = [
        li.get_text(" ", strip=True) for li in soup.select(".failure-reasons li")
    ]
    assert reasons == [f"{TIMEOUT} ({FAILING - 3})", f"{NOT_FOUND} (3)"]
    # The failing URLs, each with its reason, 50 a page.
    first_page = soup.select(".failing-urls tbody tr")
    assert len(first_page) == 50
    second = _soup(client, f"/sources/{SOURCE}/", {"page": 2})
    rest = second.select(".failing-urls tbody tr")
    assert len(rest) == FAILING - 50
    shown = {
        r.select_one("a")["href"]: r.select("td")[-1].get_text(strip=True)
        for r in first_page + rest
    }
    expected = dict(
        HarvestUrl.objects.filter(source=SOURCE, state="failed").values_list(
            "url", "error"
        )
    )
    assert shown == expected
    # Withdrawn documents link to their pages, with the day last seen.
    links = soup.select("#withdrawn-title ~ ol.doc-list li")
    assert {li.a["href"] for li in links} == {
        d.get_absolute_url() for d in harvested["withdrawn"]
    }
    assert all(li.select_one(".badge-withdrawn") for li in links)
    assert all("最后在线" in li.get_text() for li in links)
    # Every run, newest first, with its WARC files.
    runs = soup.select(".runs-table tbody tr")
    assert len(runs) == 2
    assert [c.get_text() for c in runs[0].select(".warc-files code")] == harvested[
        "latest"
    ].warc_files
    assert harvested["first"].warc_files[0] in runs[1].get_text()


def test_a_page_past_the_end_shows_the_last_one(client, harvested):
    soup = _soup(client, f"/sources/{SOURCE}/", {"page": "999"})
    assert len(soup.select(".failing-urls tbody tr")) == FAILING - 50
    soup = _soup(client, f"/sources/{SOURCE}/", {"page": "x", "withdrawn_page": "-3"})
    assert len(soup.select(".failing-urls tbody tr")) == 50


def test_without_any_run_the_pages_say_what_to_do(client, db):
    soup = _soup(client, "/sources/")
    assert soup.select_one(".coverage-table") is None
    notice = soup.select_one(".empty-sources").get_text()
    assert "还没有采集过任何来源" in notice and "manage.py harvest" in notice
    response = client.get("/sources/no-such-source/")
    assert response.status_code == 404
    page = BeautifulSoup(response.content.decode(), "html.parser")
    assert page.select_one("header nav") is not None  # the site's own 404 page


def _export_lines(response) -> list[dict]:  # noqa: ANN001
    assert response.status_code == 200, response.content[:300]
    try:
        text = b"".join(response.streaming_content).decode("utf-8")
    finally:
        close_response(response)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.search
def test_an_export_carries_the_coverage_of_its_harvested_sources(
    client, harvested, search_index
):
    index_documents(Document.objects.values_list("pk", flat=True))
    lines = _export_lines(
        client.get("/api/export", {"q": "乡村振兴", "format": "jsonl"})
    )
    meta = lines[0][export_module.META_KEY]
    (coverage,) = meta["harvest_coverage"]
    latest = harvested["latest"]
    assert coverage["source"] == SOURCE
    assert coverage["run"] == latest.pk
    assert (
        coverage["listed"],
        coverage["stated_total"],
        coverage["captured"],
        coverage["failed"],
    ) == (121, 125, 4, FAILING)
    assert coverage["failures"] == {TIMEOUT: FAILING - 3, NOT_FOUND: 3}
    assert coverage["finished_at"].startswith(latest.finished_at.date().isoformat())
    # In a CSV the same facts, as JSON in the first row's cell.
    response = client.get("/api/export", {"q": "乡村振兴", "format": "csv"})
    try:
        text = b"".join(response.streaming_content).decode("utf-8")
    finally:
        close_response(response)
    cells = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    read = export_module.read_meta_cells(cells)
    assert json.loads(read["harvest_coverage"]) == meta["harvest_coverage"]
    # A result set of imported files only says nothing of harvests.
    lines = _export_lines(
        client.get("/api/export", {"q": "从文件导入", "format": "jsonl"})
    )
    assert "harvest_coverage" not in lines[0][export_module.META_KEY]


def test_the_archive_export_carries_every_sources_coverage(harvested):
    out = io.StringIO()
    call_command("export_plans", "--format", "jsonl", stdout=out)
    first = json.loads(out.getvalue().splitlines()[0])[export_module.META_KEY]
    assert {c["source"] for c in first["harvest_coverage"]} == {
        SOURCE,
        "hanweb-plans",
    }
    assert provenance_coverage([harvested["imported"].pk]) == []


def test_a_long_history_lists_the_newest_runs_and_counts_them_all(
    client, harvested, monkeypatch
):
    from documents.harvest import coverage as coverage_module

    monkeypatch.setattr(coverage_module, "RUNS_SHOWN", 1)
    coverage = source_coverage(SOURCE)
    assert [run.id for run in coverage.runs] == [harvested["latest"].pk]
    assert coverage.runs_total == 2
    assert coverage.last_finished.id == harvested["latest"].pk
    soup = _soup(client, f"/sources/{SOURCE}/")
    assert len(soup.select(".runs-table tbody tr")) == 1
    assert "共 2 次采集，这里列出最近 1 次。" in soup.get_text()


def test_a_document_tied_only_by_a_capture_counts_for_its_source(harvested):
    doc = make_document("只由采集记录关联的文档", "正文")
    url = HarvestUrl.objects.create(
        source=SOURCE, url=f"{BASE}/202103/t20210301_000001.html", kind="document"
    )
    Capture.objects.create(
        url=url, run=harvested["latest"], document=doc, outcome="new"
    )
    assert source_coverage(SOURCE).documents == 6
    assert provenance_coverage([doc.pk])[0]["source"] == SOURCE


def test_a_user_defined_source_is_headed_by_its_definitions_title(client, harvested):
    # A definition file of the user's own is not in the repository: the run
    # recorded its title, which heads the page instead of the bare name.
    HarvestRun.objects.filter(source="hanweb-plans").update(
        title="某镇政务公开·规划计划"
    )
    soup = _soup(client, "/sources/hanweb-plans/")
    assert soup.h1.get_text(strip=True) == "某镇政务公开·规划计划"
    assert "hanweb-plans" in soup.select_one("main").get_text()
    listing = _soup(client, "/sources/").select_one("main").get_text()
    assert "某镇政务公开·规划计划" in listing
