"""A harvest killed with SIGKILL (or stopped with SIGTERM) part-way resumes: no
document page is fetched twice, the WARC files pass `warcio check`, and every
document is stored once.

Real `manage.py harvest` processes on a database of their own
(tests/processes.py), against the sample column served from this process,
slowed down so that the kill lands among the document pages.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from documents.harvest.sample_site import COLUMN
from tests.processes import ProcessDatabases, manage, start

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

WARCIO = Path(sys.executable).parent / "warcio"
DOCUMENT_PAGES = 11  # the 12th list entry is under /private/ (robots.txt)

LOOK = """
import json
from documents.models import Capture, Document, HarvestRun, HarvestUrl, SourcePath
print(json.dumps({
    "runs": list(HarvestRun.objects.order_by("id").values_list("status", flat=True)),
    "documents": Document.objects.count(),
    "linked": HarvestUrl.objects.filter(kind="document", document__isnull=False).count(),
    "done": HarvestUrl.objects.filter(kind="document", state="done").count(),
    "captures": Capture.objects.filter(url__kind="document", outcome="new").count(),
    "locators": sorted(SourcePath.objects.values_list("locator", flat=True)),
}))
"""


def document_fetches(site) -> Counter:
    """Document pages answered with a body (200), by path."""
    return Counter(
        r.path
        for r in site.requests
        if r.status == 200 and "/t" in r.path and r.path.endswith(".html")
    )


def wait_for(condition, *, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"harvest ended early: {process.stdout.read()}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def look(env: dict[str, str]) -> dict:
    done = manage(env, "shell", "-c", LOOK)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def warc_files_check(var_dir: Path) -> list[Path]:
    files = sorted((var_dir / "warc" / "sample-site").glob("*.warc.gz"))
    assert files
    for path in files:
        checked = subprocess.run(
            [str(WARCIO), "check", str(path)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        indexed = subprocess.run(
            [str(WARCIO), "index", str(path)], capture_output=True, text=True
        )
        assert indexed.returncode == 0, indexed.stderr
    return files


def stored_pages(var_dir: Path) -> set[str]:
    """Paths of the document pages whose responses are in the WARC files."""
    found = set()
    for path in (var_dir / "warc" / "sample-site").glob("*.warc.gz"):
        with path.open("rb") as stream:
            try:
                for record in ArchiveIterator(stream):
                    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                    if record.rec_type == "response" and "/t" in uri:
                        found.add(urlsplit(uri).path)
            except Exception:  # noqa: BLE001 - a cut last record ends the reading
                pass
    return found


@pytest.fixture
def harvest_env(sample_site, process_databases: ProcessDatabases, tmp_path):
    var_dir = tmp_path / "proc"
    env = process_databases.environment(var_dir)
    definition = tmp_path / "sample-site.toml"
    definition.write_text(sample_site.definition_toml(delay=0.0), encoding="utf-8")
    return env, var_dir, str(definition)


@pytest.mark.parametrize("how", ["kill", "term"])
def test_stopped_harvest_resumes_without_fetching_twice(sample_site, harvest_env, how):
    env, var_dir, definition = harvest_env
    sample_site.set_delay(COLUMN, 0.4)
    process = start(env, "harvest", definition)
    try:
        wait_for(
            lambda: sum(document_fetches(sample_site).values()) >= 4,
            process=process,
        )
        if how == "kill":
            process.kill()
        else:
            process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0
    if how == "term":
        # Stopped cleanly after the record in hand, and it says so.
        assert "已中断" in output, output
        assert look(env)["runs"] == ["interrupted"]
    stopped_at = sum(document_fetches(sample_site).values())
    assert stopped_at < DOCUMENT_PAGES
    # What the killed process had stored: a page answered while the kill
    # landed may not be, and only such a page may be asked for again.
    stored = stored_pages(var_dir)
    assert len(stored) >= 3

    sample_site.set_delay(COLUMN, 0.0)
    resumed = manage(env, "harvest", definition)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "续接 resumed" in resumed.stdout

    fetches = document_fetches(sample_site)
    assert len(fetches) == DOCUMENT_PAGES
    twice = {path for path, count in fetches.items() if count > 1}
    assert len(twice) <= 1 and not twice & stored, (fetches, stored)
    warc_files_check(var_dir)
    state = look(env)
    assert state["runs"] == ["interrupted", "finished"]
    assert state["documents"] == DOCUMENT_PAGES
    assert state["linked"] == state["done"] == state["captures"] == DOCUMENT_PAGES
    # Each page stored once, under its URL.
    assert len(set(state["locators"])) == len(state["locators"]) == DOCUMENT_PAGES


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs in the harvest's code."""


def test_record_on_disk_but_not_committed_is_taken_up(
    sample_site, settings, tmp_path, monkeypatch
):
    """The window a kill can hit: the fetcher has fsynced the page's record,
    the run has not committed its capture. The next run reads the record from
    the WARC file instead of asking the site again."""
    from documents.harvest import frontier
    from documents.harvest.crawl import harvest
    from documents.harvest.definitions import load_source
    from documents.models import Capture, HarvestRun, HarvestUrl

    settings.VAR_DIR = tmp_path / "var"
    settings.WARC_DIR = tmp_path / "var" / "warc"
    definition = tmp_path / "sample-site.toml"
    definition.write_text(sample_site.definition_toml(delay=0.0), encoding="utf-8")
    source = load_source(str(definition))
    record = frontier.record_capture
    documents_seen: list[str] = []

    def dies_on_the_third_page(run, row, **kwargs):
        if row.kind == "document":
            documents_seen.append(row.url)
            if len(documents_seen) == 3:
                raise Killed
        return record(run, row, **kwargs)

    monkeypatch.setattr(frontier, "record_capture", dies_on_the_third_page)
    with pytest.raises(Killed):
        harvest(source, import_captures=False)
    monkeypatch.setattr(frontier, "record_capture", record)
    lost = documents_seen[-1]
    assert HarvestUrl.objects.get(url=lost).state == "pending"
    assert HarvestRun.objects.get().status == HarvestRun.Status.RUNNING

    lines: list[str] = []
    report = harvest(source, import_captures=False, progress=lines.append)

    assert report.resumed and report.captured == DOCUMENT_PAGES
    assert any("already in the WARC files: 1" in line for line in lines), lines
    path = urlsplit(lost).path
    assert [r.status for r in sample_site.requests_for(path)] == [200]
    capture = Capture.objects.get(url__url=lost)
    assert capture.outcome == "new" and capture.warc_file and capture.record_id
    with (settings.WARC_DIR / capture.warc_file).open("rb") as stream:
        stream.seek(capture.warc_offset)
        taken = next(iter(ArchiveIterator(stream)))
    assert taken.rec_headers.get_header("WARC-Target-URI") == lost
    assert [run.status for run in HarvestRun.objects.order_by("id")] == [
        HarvestRun.Status.INTERRUPTED,
        HarvestRun.Status.FINISHED,
    ]
