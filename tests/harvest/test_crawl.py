"""A harvest run against a real column on 127.0.0.1: what it captures, what a second
run fetches again, and what it decides about pages that change, vanish or leave
their list. WARC files are read back with warcio's own reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from documents.harvest.crawl import harvest
from documents.harvest.definitions import load_source
from documents.models import Availability, Capture, Document, HarvestRun, HarvestUrl
from tests.harvest.tiny_site import COLUMN, TinySite, serve

pytestmark = pytest.mark.django_db

WARCIO = Path(sys.executable).parent / "warcio"


@pytest.fixture
def harvest_dirs(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.WARC_DIR = tmp_path / "var" / "warc"
    return tmp_path


@pytest.fixture
def site(harvest_dirs):
    site = TinySite(documents=6, per_page=4)
    site.build()
    with serve(site):
        yield site


def responses(warc_dir: Path, files: list[str]) -> list[tuple[str, str, int | None]]:
    """(record type, target URI, HTTP status) of every response/revisit record."""
    found = []
    for name in files:
        with (warc_dir / name).open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    status = (
                        record.http_headers.get_statuscode()
                        if record.http_headers
                        else None
                    )
                    found.append(
                        (
                            record.rec_type,
                            record.rec_headers.get_header("WARC-Target-URI"),
                            int(status) if status else None,
                        )
                    )
    return found


def warcio_check(warc_dir: Path, files: list[str]) -> None:
    for name in files:
        checked = subprocess.run(
            [str(WARCIO), "check", str(warc_dir / name)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


def run_once(site: TinySite, folder: Path, **kwargs):
    source = load_source(str(site.definition(folder)))
    return harvest(source, import_captures=False, **kwargs)


def test_first_run_captures_every_listed_page(site, harvest_dirs, settings):
    report = run_once(site, harvest_dirs)

    assert (report.listed, report.stated_total, report.captured) == (6, 6, 6)
    assert (report.failed, report.unchanged, report.withdrawn) == (0, 0, 0)
    assert report.status == HarvestRun.Status.FINISHED and not report.resumed
    run = HarvestRun.objects.get(pk=report.run_id)
    assert (run.listed, run.captured, run.requests) == (6, 6, report.requests)
    assert run.title == "某某镇计划总结"  # the definition's, for the coverage page
    assert run.warc_files == report.warc_files and run.bytes_received > 0
    documents = HarvestUrl.objects.filter(source="tiny", kind="document")
    assert documents.count() == 6
    assert set(documents.values_list("state", flat=True)) == {"done"}
    assert all(row.link_text.startswith("某某镇2023年") for row in documents)
    assert HarvestUrl.objects.filter(source="tiny", kind="list").count() == 2

    # Every page is in the WARC files, where the captures say it is.
    records = responses(settings.WARC_DIR, report.warc_files)
    for path in site.listed:
        assert ("response", site.url(path), 200) in records
    warcio_check(settings.WARC_DIR, report.warc_files)
    for capture in Capture.objects.filter(url__kind="document"):
        assert capture.outcome == Capture.Outcome.NEW
        with (settings.WARC_DIR / capture.warc_file).open("rb") as stream:
            stream.seek(capture.warc_offset)
            record = next(iter(ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Target-URI") == capture.url.url


def test_second_run_with_nothing_changed_fetches_no_page_again(site, harvest_dirs):
    run_once(site, harvest_dirs)
    second = run_once(site, harvest_dirs)

    assert (second.captured, second.unchanged, second.failed) == (0, 6, 0)
    for path in site.listed:
        assert site.fetched(path) == 1, path  # the second time: 304
    # Lists are read afresh every run.
    assert site.fetched(COLUMN + "index.html") == 2
    outcomes = Capture.objects.filter(run_id=second.run_id, url__kind="document")
    assert set(outcomes.values_list("outcome", flat=True)) == {"unchanged"}


def test_changed_page_is_captured_again(site, harvest_dirs):
    run_once(site, harvest_dirs)
    changed = site.listed[2]
    site.change(changed, "计划调整：第三项工作改为乡村振兴。")
    second = run_once(site, harvest_dirs)

    assert (second.captured, second.unchanged) == (1, 5)
    capture = Capture.objects.get(run_id=second.run_id, url__url=site.url(changed))
    assert capture.outcome == Capture.Outcome.CHANGED


def test_deleted_page_is_withdrawn_with_its_last_seen(site, harvest_dirs):
    first = run_once(site, harvest_dirs)
    gone = site.listed[0]
    row = HarvestUrl.objects.get(url=site.url(gone))
    # As the import links it (tests/harvest/test_harvest_import.py does it for real).
    doc = Document.objects.create(title=site.titles[gone], body="稳中求进")
    row.document = doc
    row.save()
    seen = row.last_seen
    site.pages.pop(gone)  # 404, still listed

    second = run_once(site, harvest_dirs)

    assert second.withdrawn == 1 and first.withdrawn == 0
    row.refresh_from_db()
    assert (row.state, row.status_code) == (HarvestUrl.State.GONE, 404)
    doc.refresh_from_db()
    assert doc.availability == Availability.WITHDRAWN
    assert doc.last_seen == seen and doc.withdrawn_at is not None
    assert Capture.objects.get(run_id=second.run_id, url=row).outcome == "gone"

    # It comes back: online again.
    site.set_detail(gone, body="<p>恢复发布。</p>")
    run_once(site, harvest_dirs)
    doc.refresh_from_db()
    assert doc.availability == Availability.ONLINE and doc.withdrawn_at is None


def test_page_off_its_list_is_withdrawn_after_drop_after_runs(site, harvest_dirs):
    run_once(site, harvest_dirs)
    dropped = site.listed[-1]
    row = HarvestUrl.objects.get(url=site.url(dropped))
    doc = Document.objects.create(title=site.titles[dropped], body="稳中求进")
    row.document = doc
    row.save()
    site.unlist(dropped)

    # drop_after_runs = 2 in the tiny site's definition.
    first_absent = run_once(site, harvest_dirs)
    row.refresh_from_db()
    assert (row.state, row.missing_runs, first_absent.withdrawn) == ("done", 1, 0)
    second_absent = run_once(site, harvest_dirs)
    row.refresh_from_db()
    doc.refresh_from_db()
    assert (row.state, row.missing_runs, second_absent.withdrawn) == ("gone", 2, 1)
    assert doc.availability == Availability.WITHDRAWN
    # Never requested again, never deleted.
    assert site.fetched(dropped) == 1
    assert Document.objects.filter(pk=doc.pk).exists()


def test_failing_list_page_withdraws_nothing(site, harvest_dirs):
    run_once(site, harvest_dirs)
    second_page = COLUMN + "index_1.html"
    site.pages.pop(second_page)  # the list's second page fails: 404
    for _ in range(3):
        report = run_once(site, harvest_dirs)
    assert report.failures == {"列表页: HTTP 404": 1}
    assert not HarvestUrl.objects.filter(kind="document", state="gone").exists()
    assert set(
        HarvestUrl.objects.filter(kind="document").values_list(
            "missing_runs", flat=True
        )
    ) == {0}


def test_robots_and_failures_are_counted_with_their_reason(site, harvest_dirs):
    private = "/private/202301/t20230101_999999.html"
    site.pages[private] = site.pages[site.listed[0]]
    site.titles[private] = "内部文件"
    site.listed.append(private)
    site.failing.add(site.listed[1])
    site.rebuild_lists()

    report = run_once(site, harvest_dirs)

    assert site.fetched(private) == 0
    assert (report.failed, report.withdrawn, report.captured) == (2, 0, 5)
    robots = "robots.txt 不允许 (disallowed by robots.txt)"
    assert report.failures[robots] == 1
    (other,) = set(report.failures) - {robots}
    assert "500" in other
    row = HarvestUrl.objects.get(url=site.url(private))
    assert row.state == "failed" and "robots" in row.error
    failed = HarvestUrl.objects.get(url=site.url(site.listed[1]))
    assert (failed.state, failed.status_code) == ("failed", 500)
    assert Capture.objects.get(url=failed).error == other


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        # 镕 is in GBK, not GB2312: sites labelled gb2312 use it all the same.
        ("text/html; charset=gb2312", "朱镕基".encode("gbk"), "朱镕基"),
        ("text/html; charset=GBK", "计划".encode("gbk"), "计划"),
        # A server's default label that does not fit the page.
        ("text/html; charset=utf-8", "工作计划".encode("gb18030"), "工作计划"),
        ("text/html", "工作计划".encode(), "工作计划"),
    ],
)
def test_page_text_reads_what_the_label_gets_wrong(content_type, body, text):
    from documents.harvest.crawl import _text
    from documents.harvest.fetch import Fetched

    fetched = Fetched(
        url="http://127.0.0.1/",
        final_url="http://127.0.0.1/",
        status=200,
        body=body,
        headers={"content-type": content_type},
        sha256="",
    )
    assert _text(fetched) == text


def test_a_runs_warc_files_are_imported_in_the_order_written():
    from documents.harvest.crawl import _warc_order

    names = [f"s/s-20261207150000-{n}.warc.gz" for n in (10, 2, 0, 1)]
    assert sorted(names, key=_warc_order) == [
        f"s/s-20261207150000-{n}.warc.gz" for n in (0, 1, 2, 10)
    ]
