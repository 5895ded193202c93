"""The harvest's database side: availability, runs, resume, the frontier, the lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from documents.harvest import frontier, status
from documents.models import Availability, Capture, Document, HarvestRun, HarvestUrl
from documents.signals import documents_edited

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def edited():
    heard: list[list[int]] = []

    def listen(sender, *, document_ids, **kwargs):
        heard.append(sorted(document_ids))

    documents_edited.connect(listen)
    yield heard
    documents_edited.disconnect(listen)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_seen_then_withdrawn_then_back_online(edited):
    doc = Document.objects.create(title="周巷镇2024年工作计划", body="坚持稳中求进。")
    assert doc.availability == Availability.UNKNOWN

    assert status.mark_seen([doc.pk], at=T0) == 1
    doc.refresh_from_db()
    assert (doc.availability, doc.first_seen, doc.last_seen) == (
        Availability.ONLINE,
        T0,
        T0,
    )
    later = T0 + timedelta(days=7)
    status.mark_seen([doc.pk], at=later)
    # An older capture recorded late (a resumed run) moves neither end inward.
    status.mark_seen([doc.pk], at=T0 + timedelta(days=1))
    doc.refresh_from_db()
    assert (doc.first_seen, doc.last_seen) == (T0, later)

    gone = later + timedelta(days=30)
    assert status.mark_withdrawn([doc.pk], last_seen=later, at=gone) == 1
    doc.refresh_from_db()
    assert (doc.availability, doc.last_seen, doc.withdrawn_at) == (
        Availability.WITHDRAWN,
        later,
        gone,
    )
    # Withdrawn once: a second decision keeps the first date.
    assert status.mark_withdrawn([doc.pk], last_seen=None, at=gone + timedelta(1)) == 0
    doc.refresh_from_db()
    assert doc.withdrawn_at == gone

    back = gone + timedelta(days=2)
    status.mark_seen([doc.pk], at=back)
    doc.refresh_from_db()
    assert (doc.availability, doc.withdrawn_at, doc.last_seen) == (
        Availability.ONLINE,
        None,
        back,
    )
    assert Document.objects.filter(pk=doc.pk).exists()
    # Every change is announced, so the index follows (four seen, one withdrawn).
    assert edited == [[doc.pk]] * 5


def test_enqueue_once_per_run_and_again_on_the_next():
    start = frontier.start_run("town")
    run = start.run
    assert not start.resumed
    row = frontier.enqueue(
        run, "http://a.test/t1.html", kind="document", link_text="计划"
    )
    assert row is not None and row.state == HarvestUrl.State.PENDING
    assert frontier.enqueue(run, "http://a.test/t1.html", kind="document") is None
    frontier.record_capture(
        run, row, outcome=Capture.Outcome.NEW, state=HarvestUrl.State.DONE, at=T0
    )
    assert frontier.next_pending(run) is None
    frontier.finish_run(run, status=HarvestRun.Status.FINISHED)

    second = frontier.start_run("town")
    assert not second.resumed
    again = frontier.enqueue(second.run, "http://a.test/t1.html", kind="document")
    assert again is not None and again.pk == row.pk
    assert again.state == HarvestUrl.State.PENDING and again.link_text == "计划"
    assert frontier.next_pending(second.run).pk == row.pk
    assert HarvestUrl.objects.filter(source="town").count() == 1


def test_attachments_come_before_the_next_document():
    run = frontier.start_run("town").run
    first = frontier.enqueue(run, "http://a.test/t1.html", kind="document")
    frontier.enqueue(run, "http://a.test/t2.html", kind="document")
    frontier.enqueue(run, "http://a.test/P1.pdf", kind="attachment", parent=first)
    assert frontier.next_pending(run).url == "http://a.test/P1.pdf"


def test_a_dead_run_is_resumed_without_its_stored_urls():
    dead = frontier.start_run("town").run
    done = frontier.enqueue(dead, "http://a.test/t1.html", kind="document")
    frontier.enqueue(dead, "http://a.test/t2.html", kind="document")
    listing = frontier.enqueue(dead, "http://a.test/index.html", kind="list")
    dead.captured = 1
    frontier.record_capture(
        dead,
        done,
        outcome=Capture.Outcome.NEW,
        state=HarvestUrl.State.DONE,
        at=T0,
        warc_files=["town/town-1.warc.gz"],
    )
    # The process dies here: the run stays RUNNING.
    start = frontier.start_run("town")
    assert start.resumed and start.resumed_from.pk == dead.pk
    dead.refresh_from_db()
    assert dead.status == HarvestRun.Status.INTERRUPTED
    run = start.run
    assert (run.captured, run.warc_files) == (1, ["town/town-1.warc.gz"])
    # What the dead run stored is not fetched again; what it left is.
    assert frontier.enqueue(run, done.url, kind="document") is None
    assert frontier.next_pending(run).url == "http://a.test/t2.html"
    # List pages are fetched afresh.
    assert frontier.enqueue(run, listing.url, kind="list") is not None


def test_record_capture_keeps_validators_and_times():
    class Fetched:
        status = 200
        headers = {"etag": '"v1"', "last-modified": "Sun, 01 Mar 2026 08:00:00 GMT"}
        body = b"<html>1</html>"
        sha256 = "a" * 64
        warc = None
        not_modified = False

    run = frontier.start_run("town").run
    row = frontier.enqueue(run, "http://a.test/t1.html", kind="document")
    capture = frontier.record_capture(
        run,
        row,
        outcome=Capture.Outcome.NEW,
        state=HarvestUrl.State.DONE,
        at=T0,
        fetched=Fetched(),
    )
    row.refresh_from_db()
    assert (row.etag, row.payload_sha256, row.first_seen, row.status_code) == (
        '"v1"',
        "a" * 64,
        T0,
        200,
    )
    assert (capture.size, capture.payload_sha256) == (14, "a" * 64)


def test_two_harvests_of_one_source_refuse(var_dir):
    with frontier.source_lock("town"):
        with (
            pytest.raises(frontier.HarvestBusy, match="town"),
            frontier.source_lock("town"),
        ):
            pass
        # Another source is free.
        with frontier.source_lock("city"):
            pass
    with frontier.source_lock("town"):
        pass
