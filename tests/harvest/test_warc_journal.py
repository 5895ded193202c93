"""WarcJournal: records read back with warcio, file rolling, repair after kill -9."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from documents.harvest.fetch import Exchange
from documents.harvest.warc_journal import RevisitOf, WarcJournal, repair

ROOT = Path(__file__).resolve().parents[2]
WARCIO = ROOT / ".venv" / "bin" / "warcio"


def exchange(url: str, body: bytes, *, status: int = 200, **extra) -> Exchange:
    return Exchange(
        url=url,
        method="GET",
        request_headers=[("Host", "example.test"), ("User-Agent", "test")],
        status=status,
        reason="OK" if status == 200 else "Other",
        http_version="HTTP/1.1",
        headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
        raw_body=body,
        body=body,
        captured_at=datetime(2026, 12, 7, 8, 30, 15, 123456, tzinfo=UTC),
        peer="127.0.0.1",
        request_target="/" + url.split("/", 3)[-1],
        **extra,
    )


def records(path: Path) -> list:
    """(type, headers, http status, content) of every record, via warcio."""
    out = []
    with path.open("rb") as f:
        for record in ArchiveIterator(f):
            status = (
                record.http_headers.get_statuscode() if record.http_headers else None
            )
            out.append(
                (
                    record.rec_type,
                    record.rec_headers,
                    status,
                    record.content_stream().read(),
                )
            )
    return out


def warcio_ok(path: Path) -> None:
    """`warcio check` passes (digests) and `warcio index` reads every record."""
    check = subprocess.run(
        [str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    index = subprocess.run(
        [str(WARCIO), "index", str(path)], capture_output=True, text=True
    )
    assert index.returncode == 0, index.stderr
    assert index.stdout.count("\n") == len(records(path))


@pytest.fixture
def warc_dir(tmp_path, settings):
    settings.WARC_DIR = tmp_path
    return tmp_path


def test_exchange_written_as_response_and_request(warc_dir):
    journal = WarcJournal(warc_dir / "src", prefix="src")
    body = "<html>计划总结</html>".encode()
    location = journal.write_exchange(exchange("http://example.test/a.html", body))
    journal.close()

    assert journal.files == [location.file]
    assert location.file.startswith("src/src-") and location.file.endswith(".warc.gz")
    path = warc_dir / location.file
    got = records(path)
    assert [r[0] for r in got] == ["warcinfo", "response", "request"]
    info = got[0][3].decode()
    assert "software:" in info and "hostname:" in info and "format:" in info

    _, response, status, content = got[1]
    assert status == "200" and content == body
    assert response.get_header("WARC-Target-URI") == "http://example.test/a.html"
    assert response.get_header("WARC-Date") == "2026-12-07T08:30:15.123456Z"
    assert response.get_header("WARC-IP-Address") == "127.0.0.1"
    assert response.get_header("WARC-Payload-Digest").startswith("sha1:")
    assert response.get_header("WARC-Block-Digest").startswith("sha1:")
    assert response.get_header("WARC-Record-ID") == location.record_id
    request = got[2][1]
    assert request.get_header("WARC-Concurrent-To") == location.record_id

    # The location finds the record alone: one gzip member at that offset.
    with path.open("rb") as f:
        f.seek(location.offset)
        member = f.read(location.length)
    (alone,) = list(ArchiveIterator(io.BytesIO(member)))
    assert alone.rec_headers.get_header("WARC-Record-ID") == location.record_id
    warcio_ok(path)


def test_revisit_record(warc_dir):
    journal = WarcJournal(warc_dir, prefix="src")
    body = b"same body"
    first = journal.write_exchange(exchange("http://example.test/p", body))
    earlier = datetime(2026, 12, 1, tzinfo=UTC)
    second = journal.write_exchange(
        exchange("http://example.test/p", body),
        revisit_of=RevisitOf("http://example.test/p", earlier),
    )
    journal.close()
    got = records(warc_dir / second.file)
    assert [r[0] for r in got] == [
        "warcinfo",
        "response",
        "request",
        "revisit",
        "request",
    ]
    revisit = got[3][1]
    assert revisit.get_header("WARC-Record-ID") == second.record_id
    assert revisit.get_header("WARC-Profile") == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert revisit.get_header("WARC-Refers-To-Target-URI") == "http://example.test/p"
    assert revisit.get_header("WARC-Refers-To-Date") == "2026-12-01T00:00:00Z"
    assert revisit.get_header("WARC-Payload-Digest") == got[1][1].get_header(
        "WARC-Payload-Digest"
    )
    assert got[3][3] == b""  # no payload stored again
    assert first.file == second.file
    warcio_ok(warc_dir / second.file)


def test_rolls_to_a_new_file_and_never_appends(warc_dir):
    journal = WarcJournal(warc_dir, prefix="src", max_file_bytes=2000)
    locations = [
        journal.write_exchange(exchange(f"http://example.test/{n}", os.urandom(1500)))
        for n in range(3)
    ]
    journal.close()
    assert len({loc.file for loc in locations}) == 3
    assert journal.files == [loc.file for loc in locations]
    for loc in locations:
        got = records(warc_dir / loc.file)
        assert got[0][0] == "warcinfo"  # each file starts with its warcinfo
        warcio_ok(warc_dir / loc.file)

    # A second journal in the same second opens new files beside the old ones.
    sizes = {f: (warc_dir / f).stat().st_size for f in journal.files}
    again = WarcJournal(warc_dir, prefix="src", max_file_bytes=2000)
    again._started = journal._started  # the same timestamp: names would collide
    loc = again.write_exchange(exchange("http://example.test/x", b"x"))
    again.close()
    assert loc.file not in sizes
    assert {f: (warc_dir / f).stat().st_size for f in sizes} == sizes


def test_repair_whole_file_cuts_nothing(warc_dir):
    journal = WarcJournal(warc_dir, prefix="src")
    loc = journal.write_exchange(exchange("http://example.test/a", b"abc"))
    journal.close()
    path = warc_dir / loc.file
    size = path.stat().st_size
    assert repair(path) == 0
    assert path.stat().st_size == size


def test_repair_cuts_a_partial_member(warc_dir):
    journal = WarcJournal(warc_dir, prefix="src")
    journal.write_exchange(exchange("http://example.test/a", b"a" * 100))
    loc = journal.write_exchange(exchange("http://example.test/b", os.urandom(50_000)))
    journal.close()
    path = warc_dir / loc.file
    whole = path.read_bytes()
    # Cut in the middle of the second exchange's response record.
    path.write_bytes(whole[: loc.offset + loc.length // 2])
    cut = repair(path)
    assert cut == loc.length // 2
    assert [r[0] for r in records(path)] == ["warcinfo", "response", "request"]
    warcio_ok(path)


@pytest.mark.parametrize("keep", [1, 30, 0.5, -1])
def test_repair_at_any_cut_of_the_last_exchange(warc_dir, keep):
    """Cut anywhere in the last exchange's two records: both go, the rest stays."""
    journal = WarcJournal(warc_dir, prefix="src")
    first = journal.write_exchange(exchange("http://example.test/a", b"a" * 100))
    last = journal.write_exchange(exchange("http://example.test/b", os.urandom(5000)))
    journal.close()
    path = warc_dir / last.file
    whole = path.read_bytes()
    tail = len(whole) - last.offset  # the response and the request record
    cut_at = last.offset + (
        int(tail * keep) if isinstance(keep, float) else keep % tail
    )
    path.write_bytes(whole[:cut_at])
    repair(path)
    got = records(path)
    # The response may survive a cut in the request record after it.
    assert [r[1].get_header("WARC-Target-URI") for r in got[1:3]] == [
        "http://example.test/a"
    ] * 2
    assert len(got) in (3, 4)
    assert path.stat().st_size in (last.offset, last.offset + last.length)
    assert first.offset < last.offset
    warcio_ok(path)


def test_repair_file_cut_inside_its_warcinfo(warc_dir):
    journal = WarcJournal(warc_dir, prefix="src")
    loc = journal.write_exchange(exchange("http://example.test/a", b"a"))
    journal.close()
    path = warc_dir / loc.file
    path.write_bytes(path.read_bytes()[:20])
    assert repair(path) == 20
    assert path.stat().st_size == 0


def test_repair_uncompressed_warc(tmp_path):
    plain = tmp_path / "plain.warc"
    with plain.open("wb") as f:
        writer = WARCWriter(f, gzip=False)
        for n in range(2):
            writer.write_record(
                writer.create_warc_record(
                    f"urn:test:{n}", "resource", payload=io.BytesIO(b"x" * 1000)
                )
            )
    whole = plain.read_bytes()
    plain.write_bytes(whole[:-300])
    assert repair(plain) > 0
    assert len(records(plain)) == 1
    warcio_ok(plain)


CHILD = textwrap.dedent(
    """
    import os, sys
    from datetime import UTC, datetime
    from pathlib import Path
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plansite.settings.test")
    django.setup()
    from django.conf import settings
    from documents.harvest.fetch import Exchange
    from documents.harvest.warc_journal import WarcJournal
    directory = Path(sys.argv[1])
    settings.WARC_DIR = directory
    journal = WarcJournal(directory, prefix="kill")
    def ex(url, body):
        return Exchange(url=url, method="GET", request_headers=[("Host", "t")],
            status=200, reason="OK", http_version="HTTP/1.1",
            headers=[("Content-Type", "application/pdf")], raw_body=body, body=body,
            captured_at=datetime.now(UTC))
    for n in range(5):
        journal.write_exchange(ex(f"http://t/{n}", os.urandom(1000)))
    print("small done", flush=True)
    # A huge record: killed while its gzip member is being written.
    journal.write_exchange(ex("http://t/huge", os.urandom(200 * 1024 * 1024)))
    print("huge done", flush=True)
    """
)


def test_repair_after_kill_9(tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "small done"
        (path,) = list(tmp_path.glob("kill-*.warc.gz"))
        small = path.stat().st_size
        deadline = time.monotonic() + 60
        while path.stat().st_size < small + 1_000_000:
            assert time.monotonic() < deadline, "the huge record never grew"
            assert child.poll() is None, "the child finished before the kill"
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    before = path.stat().st_size
    cut = repair(path)
    assert cut > 1_000_000
    assert path.stat().st_size == before - cut == small
    got = records(path)
    assert [r[0] for r in got] == ["warcinfo"] + ["response", "request"] * 5
    assert [r[1].get_header("WARC-Target-URI") for r in got[1::2]] == [
        f"http://t/{n}" for n in range(5)
    ]
    warcio_ok(path)
    # Repaired once, whole now.
    assert repair(path) == 0
