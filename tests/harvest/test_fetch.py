"""Fetcher against a real HTTP server on 127.0.0.1: politeness, retries, WARC."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

from documents.harvest.fetch import Fetcher
from documents.harvest.warc_journal import WarcJournal

ROOT = Path(__file__).resolve().parents[2]
WARCIO = ROOT / ".venv" / "bin" / "warcio"
UA = "plansite-harvester/1.0 (research archive of government work plans)"
BOMB = gzip.compress(b"\0" * 5_000_000, mtime=0)
PAGE = "<html><body><h1>2026年工作计划</h1></body></html>".encode()


@dataclass(frozen=True)
class Politeness:
    """Stand-in for documents.harvest.definitions.Politeness (same fields)."""

    delay: float = 0.0
    concurrency: int = 1
    timeout: float = 2.0
    retries: int = 2
    backoff: float = 0.05
    max_bytes: int = 100_000
    user_agent: str = UA
    obey_robots: bool = True


# Delays are timed where the client sends (the ``sent`` fixture): a server
# thread on a loaded 2-core machine may read a request a few hundred ms late.
JITTER = 0.02


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """(path, monotonic time) of each request as the fetcher's client sends it."""
    starts: list[tuple[str, float]] = []
    original = httpx.Client.stream

    def stream(self, method, url, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        starts.append((httpx.URL(str(url)).path, time.monotonic()))
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "stream", stream)
    return starts


def sent_to(starts: list[tuple[str, float]], path: str) -> list[float]:
    return [t for p, t in starts if p == path]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Site

    def log_message(self, *args) -> None:  # quiet
        pass

    def send(self, status: int, body: bytes = b"", headers=(), *, length=True) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        site = self.server
        path = self.path
        with site.lock:
            site.hits[path] += 1
            site.starts.append((path, time.monotonic()))
            site.active += 1
            site.max_active = max(site.max_active, site.active)
            hits = site.hits[path]
        try:
            self.route(path, hits)
        finally:
            with site.lock:
                site.active -= 1

    def route(self, path: str, hits: int) -> None:
        site = self.server
        if path == "/robots.txt":
            status, body = site.robots
            if status is None:
                time.sleep(5)  # never answers within the timeout
                return
            self.send(status, body.encode(), [("Content-Type", "text/plain")])
        elif path.startswith("/page") or path.startswith("/private"):
            self.send(200, PAGE, [("Content-Type", "text/html; charset=utf-8")])
        elif path == "/slowpage":
            time.sleep(0.3)  # for the concurrency count
            self.send(200, PAGE, [("Content-Type", "text/html")])
        elif path == "/gzip":
            self.send(
                200,
                gzip.compress(PAGE),
                [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            )
        elif path == "/bomb":
            # 5 MB of zeros in 5 kB: within the raw cap, over it decoded.
            self.send(
                200,
                BOMB,
                [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            )
        elif path == "/corrupt":
            self.send(200, b"not gzip at all", [("Content-Encoding", "gzip")])
        elif path == "/flaky":
            if hits <= 2:
                self.send(503, b"busy", [("Retry-After", "0")])
            else:
                self.send(200, PAGE)
        elif path == "/down":
            self.send(503, b"down")
        elif path == "/busy":
            self.send(429, b"slow down", [("Retry-After", "1")])
        elif path == "/sleep":
            time.sleep(3)
            self.send(200, PAGE)
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        elif path == "/missing":
            self.send(404, b"not here")
        elif path == "/forbidden":
            self.send(403, b"no")
        elif path.startswith("/hop/"):
            n = int(path.rsplit("/", 1)[1])
            target = "/page/end" if n >= 3 else f"/hop/{n + 1}"
            self.send(302, b"", [("Location", target)])
        elif path.startswith("/many/"):
            n = int(path.rsplit("/", 1)[1])
            self.send(302, b"", [("Location", f"/many/{n + 1}")])
        elif path == "/badlocation":
            self.send(302, b"", [("Location", "http://[broken/")])
        elif path == "/loop/a":
            self.send(301, b"", [("Location", "/loop/b")])
        elif path == "/loop/b":
            self.send(
                301, b"", [("Location", f"http://{self.headers['Host']}/loop/a#x")]
            )
        elif path == "/redirect-private":
            self.send(302, b"", [("Location", "/private/x")])
        elif path == "/big":
            self.send(200, b"x" * 200_000, [("Content-Type", "application/pdf")])
        elif path == "/bigchunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(50):
                chunk = b"y" * 10_000
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (PAGE[:10], PAGE[10:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send(304, b"", [("ETag", '"v1"')], length=False)
            else:
                self.send(200, PAGE, [("ETag", '"v1"')])
        elif path == "/modified":
            if self.headers.get("If-Modified-Since"):
                self.send(304, b"", length=False)
            else:
                self.send(
                    200, PAGE, [("Last-Modified", "Mon, 07 Dec 2026 08:00:00 GMT")]
                )
        else:
            self.send(404, b"?")


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, robots) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.robots = robots
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.starts: list[tuple[str, float]] = []
        self.active = 0
        self.max_active = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def starts_of(self, path: str) -> list[float]:
        return [t for p, t in self.starts if p == path]


@pytest.fixture
def serve():
    sites = []

    def start(robots=(200, "User-agent: *\nDisallow: /private/\n")) -> Site:
        site = Site(robots)
        thread = threading.Thread(target=site.serve_forever, daemon=True)
        thread.start()
        sites.append((site, thread))
        return site

    yield start
    for site, thread in sites:
        site.shutdown()
        site.server_close()
        thread.join(5)


@pytest.fixture
def journal(tmp_path, settings):
    settings.WARC_DIR = tmp_path
    journal = WarcJournal(tmp_path / "test", prefix="test")
    yield journal
    journal.close()


def fetcher(journal, **politeness) -> Fetcher:
    return Fetcher(Politeness(**politeness), journal=journal)


def warc_records(journal: WarcJournal, tmp_path: Path) -> list:
    """Every record of the journal's files, via warcio; warcio check/index pass."""
    journal.close()
    out = []
    for name in journal.files:
        path = tmp_path / name
        check = subprocess.run(
            [str(WARCIO), "check", str(path)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
        index = subprocess.run(
            [str(WARCIO), "index", str(path)], capture_output=True, text=True
        )
        assert index.returncode == 0, index.stderr
        count = 0
        with path.open("rb") as f:
            raws = [record.raw_stream.read() for record in ArchiveIterator(f)]
        with path.open("rb") as f:
            for record, raw in zip(ArchiveIterator(f), raws, strict=True):
                count += 1
                status = (
                    record.http_headers.get_statuscode()
                    if record.http_headers and record.rec_type != "request"
                    else None
                )
                # (type, target URI, status, record, decoded payload, raw payload)
                out.append(
                    (
                        record.rec_type,
                        record.rec_headers.get_header("WARC-Target-URI"),
                        status,
                        record,
                        record.content_stream().read(),
                        raw,
                    )
                )
        assert index.stdout.count("\n") == count
    return out


def responses(records) -> list[tuple[str, str, str]]:
    return [(r[0], r[1], r[2]) for r in records if r[0] in ("response", "revisit")]


def test_page_fetched_and_journaled(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal) as f:
        got = f.get(site.base + "/page/1")
    assert got.ok and got.status == 200 and got.body == PAGE
    assert got.captured_at is not None and got.captured_at.tzinfo is not None
    assert got.sha256 == hashlib.sha256(PAGE).hexdigest()
    assert got.headers["content-type"] == "text/html; charset=utf-8"
    assert got.exchanges == 1
    records = warc_records(journal, tmp_path)
    assert responses(records) == [
        ("response", site.base + "/robots.txt", "200"),
        ("response", site.base + "/page/1", "200"),
    ]
    page = [r for r in records if r[1] == site.base + "/page/1"]
    response, request = page[0][3], page[1][3]
    assert page[0][4] == PAGE
    assert response.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert response.rec_headers.get_header("WARC-Record-ID") == got.warc.record_id
    assert request.rec_type == "request"
    assert request.rec_headers.get_header("WARC-Concurrent-To") == got.warc.record_id
    assert request.http_headers.get_header("User-Agent") == UA
    assert request.http_headers.protocol == "GET"


def test_final_url_is_the_warc_target_uri(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal) as f:
        got = f.get(site.base + "/page/附件 1.html")
    assert got.ok and got.url == site.base + "/page/附件 1.html"
    assert got.final_url == site.base + "/page/%E9%99%84%E4%BB%B6%201.html"
    by_id = {
        r[3].rec_headers.get_header("WARC-Record-ID"): r
        for r in warc_records(journal, tmp_path)
    }
    assert by_id[got.warc.record_id][1] == got.final_url


def test_gzip_kept_raw_in_warc_and_decoded_in_result(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal) as f:
        got = f.get(site.base + "/gzip")
    assert got.ok and got.body == PAGE
    (record,) = [
        r for r in warc_records(journal, tmp_path) if (r[1] or "").endswith("/gzip")
    ][:1]
    # The record holds the bytes as sent (gzip); warcio's reader decodes them.
    assert record[5][:2] == b"\x1f\x8b" and gzip.decompress(record[5]) == PAGE
    assert record[4] == PAGE
    assert record[3].http_headers.get_header("Content-Encoding") == "gzip"


def test_gzip_bomb_and_corrupt_gzip(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal, max_bytes=100_000) as f:
        bomb = f.get(site.base + "/bomb")
        corrupt = f.get(site.base + "/corrupt")
    assert bomb.status == 200 and not bomb.ok and bomb.body == b""
    assert bomb.error == "响应过大 (decoded response larger than 100000 bytes)"
    assert corrupt.status == 200 and not corrupt.ok and "解码失败" in corrupt.error
    assert site.hits["/bomb"] == 1 and site.hits["/corrupt"] == 1  # not retried
    # Both are whole responses as received: journaled, and found by .warc.
    records = warc_records(journal, tmp_path)
    by_id = {r[3].rec_headers.get_header("WARC-Record-ID"): r for r in records}
    assert by_id[bomb.warc.record_id][5] == BOMB
    assert by_id[corrupt.warc.record_id][5] == b"not gzip at all"


def test_chunked_response_stored_dechunked(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal) as f:
        got = f.get(site.base + "/chunked")
    assert got.ok and got.body == PAGE
    (record,) = [
        r for r in warc_records(journal, tmp_path) if (r[1] or "").endswith("/chunked")
    ][:1]
    assert record[4] == PAGE
    assert record[3].http_headers.get_header("Transfer-Encoding") is None


def test_robots_disallow(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal) as f:
        assert f.allowed(site.base + "/page/1")
        assert not f.allowed(site.base + "/private/secret.html")
        got = f.get(site.base + "/private/secret.html")
        # A redirect into a disallowed path stops there too.
        hop = f.get(site.base + "/redirect-private")
    assert not got.ok and got.status is None
    assert got.error == "robots.txt 禁止 (disallowed by robots.txt)"
    assert got.exchanges == 0
    assert "robots.txt" in hop.error
    assert site.hits["/private/secret.html"] == 0 and site.hits["/private/x"] == 0
    assert site.hits["/robots.txt"] == 1  # fetched once per host
    records = warc_records(journal, tmp_path)
    assert ("response", site.base + "/robots.txt", "200") in responses(records)


def test_robots_for_our_user_agent(serve, journal):
    site = serve(
        robots=(
            200,
            "User-agent: *\nDisallow: /\n\nUser-agent: plansite-harvester\nAllow: /\n",
        )
    )
    with fetcher(journal) as f:
        assert f.allowed(site.base + "/page/1")
    with fetcher(journal, user_agent="OtherBot/2.0") as f:
        assert not f.allowed(site.base + "/page/1")


def test_robots_500_disallows_all_and_404_allows_all(serve, journal):
    down = serve(robots=(500, "oops"))
    with fetcher(journal, retries=1) as f:
        got = f.get(down.base + "/page/1")
        assert not f.allowed(down.base + "/page/2")
    assert (
        got.error == "robots.txt 无法获取 (robots.txt unreachable: host closed for now)"
    )
    assert down.hits["/page/1"] == 0
    assert down.hits["/robots.txt"] == 2  # one retry, then closed for now

    missing = serve(robots=(404, "no such file"))
    with fetcher(journal) as f:
        assert f.get(missing.base + "/page/1").ok


def test_robots_timeout_disallows_all(serve, journal):
    site = serve(robots=(None, ""))
    with fetcher(journal, timeout=0.3, retries=0) as f:
        assert not f.allowed(site.base + "/page/1")


def test_robots_ignored_when_told(serve, journal):
    site = serve()
    with fetcher(journal, obey_robots=False) as f:
        assert f.get(site.base + "/private/x").ok
    assert site.hits["/robots.txt"] == 0


def test_delay_between_request_starts(serve, journal, sent):
    site = serve()
    with fetcher(journal, delay=0.4) as f:
        for n in range(3):
            assert f.get(site.base + f"/page/{n}").ok
    starts = sorted(t for _, t in sent)
    assert len(starts) == 4  # robots.txt and three pages
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.4 - JITTER, gaps


def test_crawl_delay_raises_the_delay(serve, journal, sent):
    site = serve(robots=(200, "User-agent: *\nCrawl-delay: 0.5\n"))
    with fetcher(journal, delay=0.0) as f:
        assert f.get(site.base + "/page/1").ok
        assert f.get(site.base + "/page/2").ok
    starts = sorted(t for _, t in sent)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.5 - JITTER, gaps


def test_delay_and_concurrency_across_threads(serve, journal, sent):
    site = serve()

    def run(f: Fetcher, n: int) -> None:
        threads = [
            threading.Thread(target=f.get, args=(site.base + "/slowpage",))
            for _ in range(n)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)

    with fetcher(journal, concurrency=1) as f:
        run(f, 4)
    assert site.hits["/slowpage"] == 4 and site.max_active == 1

    site.max_active = 0
    with fetcher(journal, concurrency=2) as f:
        run(f, 6)
    assert site.max_active == 2

    # Two threads, delay 0.5: starts to the host stay 0.5 s apart.
    sent.clear()
    with fetcher(journal, concurrency=2, delay=0.5) as f:
        f.allowed(site.base + "/")
        run(f, 4)
    starts = sorted(sent_to(sent, "/slowpage"))
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(starts) == 4 and min(gaps) >= 0.5 - JITTER, gaps


def test_retries_with_backoff_then_success(serve, journal, sent, tmp_path):
    site = serve()
    with fetcher(journal, retries=3, backoff=0.2) as f:
        got = f.get(site.base + "/flaky")
    assert got.ok and got.body == PAGE and got.exchanges == 3
    starts = sent_to(sent, "/flaky")
    # Back-off doubles: 0.2 s, then 0.4 s.
    assert starts[1] - starts[0] >= 0.2 - JITTER
    assert starts[2] - starts[1] >= 0.4 - JITTER
    assert starts[2] - starts[1] > starts[1] - starts[0]
    statuses = [
        r[2] for r in responses(warc_records(journal, tmp_path)) if "flaky" in r[1]
    ]
    assert statuses == ["503", "503", "200"]  # every attempt journaled


def test_503_forever_fails_after_retries(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal, retries=2) as f:
        got = f.get(site.base + "/down")
    assert not got.ok and got.status == 503 and got.exchanges == 3
    assert got.error == "服务器错误 (HTTP 503)"  # one reason for the coverage page
    assert got.body == b"" and got.warc is not None
    assert site.hits["/down"] == 3
    records = warc_records(journal, tmp_path)
    assert [r[2] for r in responses(records) if (r[1] or "").endswith("/down")] == [
        "503"
    ] * 3


def test_429_honours_retry_after(serve, journal, sent):
    site = serve()
    with fetcher(journal, retries=1, backoff=0.01) as f:
        got = f.get(site.base + "/busy")
    assert got.status == 429 and "429" in got.error
    first, second = sent_to(sent, "/busy")
    assert second - first >= 1 - JITTER  # Retry-After: 1 beats the 0.01 s back-off


def test_timeout(serve, journal):
    site = serve()
    with fetcher(journal, timeout=0.5, retries=1, backoff=0.01) as f:
        started = time.monotonic()
        got = f.get(site.base + "/sleep")
        elapsed = time.monotonic() - started
    assert got.status is None and got.error == "超时 (timeout after 0.5 s)"
    assert got.exchanges == 2 and site.hits["/sleep"] == 2
    assert elapsed < 2.5


def test_dripping_body_times_out(serve, journal):
    site = serve()
    with fetcher(journal, timeout=0.5, retries=0) as f:
        started = time.monotonic()
        got = f.get(site.base + "/drip")
        elapsed = time.monotonic() - started
    # Each byte comes within the timeout; the body as a whole does not.
    assert got.status is None and got.error == "超时 (timeout after 0.5 s)"
    assert elapsed < 3


def test_connection_refused(journal):
    with fetcher(journal, retries=1, obey_robots=False) as f:
        got = f.get("http://127.0.0.1:9/page")
    assert got.status is None and "连接失败" in got.error and got.exchanges == 2


def test_404_is_a_result_and_403_an_error(serve, journal):
    site = serve()
    with fetcher(journal) as f:
        gone = f.get(site.base + "/missing")
        forbidden = f.get(site.base + "/forbidden")
    assert gone.status == 404 and gone.error == "" and not gone.ok
    assert site.hits["/missing"] == 1  # not retried
    assert gone.warc is not None
    assert forbidden.status == 403 and forbidden.error == "HTTP 错误 (HTTP 403)"


def test_redirect_chain_each_hop_journaled(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal) as f:
        got = f.get(site.base + "/hop/1")
    assert got.ok and got.final_url == site.base + "/page/end"
    assert got.url == site.base + "/hop/1" and got.exchanges == 4
    got_responses = responses(warc_records(journal, tmp_path))
    assert got_responses[1:] == [
        ("response", site.base + "/hop/1", "302"),
        ("response", site.base + "/hop/2", "302"),
        ("response", site.base + "/hop/3", "302"),
        ("response", site.base + "/page/end", "200"),
    ]


def test_redirect_loop(serve, journal):
    site = serve()
    with fetcher(journal) as f:
        got = f.get(site.base + "/loop/a")
    assert not got.ok and got.error == "重定向循环 (redirect loop)"
    assert site.hits["/loop/a"] == 1 and site.hits["/loop/b"] == 1


def test_too_many_redirects_and_a_bad_location(serve, journal):
    site = serve()
    with fetcher(journal) as f:
        many = f.get(site.base + "/many/0")
        bad = f.get(site.base + "/badlocation")
    assert "重定向过多" in many.error and many.exchanges == 11
    assert site.hits["/many/10"] == 1 and site.hits["/many/11"] == 0
    assert bad.status == 302 and "重定向无效" in bad.error


def test_robots_fetched_once_by_two_threads(serve, journal):
    site = serve()
    with fetcher(journal, concurrency=2) as f:
        threads = [
            threading.Thread(target=f.get, args=(site.base + f"/page/{n}",))
            for n in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert site.hits["/robots.txt"] == 1
    assert site.hits["/page/0"] == site.hits["/page/1"] == 1


def test_oversized_response_with_content_length(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal, max_bytes=50_000) as f:
        got = f.get(site.base + "/big")
    assert not got.ok and got.body == b""
    assert got.error == "响应过大 (response larger than 50000 bytes)"
    assert site.hits["/big"] == 1  # not retried
    (record,) = [
        r for r in warc_records(journal, tmp_path) if (r[1] or "").endswith("/big")
    ][:1]
    # Journaled as a truncated record, never as a complete response.
    assert record[3].rec_headers.get_header("WARC-Truncated") == "length"
    assert len(record[5]) <= 50_000


def test_oversized_chunked_response(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal, max_bytes=50_000) as f:
        got = f.get(site.base + "/bigchunked")
        # The connection was dropped mid-body; the next request still works.
        assert f.get(site.base + "/page/after").ok
    assert got.status == 200 and not got.ok and "响应过大" in got.error
    (record,) = [
        r
        for r in warc_records(journal, tmp_path)
        if (r[1] or "").endswith("/bigchunked")
    ][:1]
    assert record[3].rec_headers.get_header("WARC-Truncated") == "length"
    assert len(record[5]) == 50_000


def test_conditional_request_304(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal) as f:
        first = f.get(site.base + "/etag")
        again = f.get(site.base + "/etag", etag=first.headers["etag"])
        dated = f.get(site.base + "/modified")
        dated_again = f.get(
            site.base + "/modified", last_modified=dated.headers["last-modified"]
        )
    assert first.ok and not first.not_modified
    assert again.status == 304 and again.not_modified and not again.error
    assert dated_again.not_modified
    got = responses(warc_records(journal, tmp_path))
    assert ("response", site.base + "/etag", "304") in got
    assert again.warc is not None


def test_known_hash_gives_a_revisit_record(serve, journal, tmp_path):
    site = serve()
    with fetcher(journal) as f:
        first = f.get(site.base + "/page/r")
        again = f.get(site.base + "/page/r", known_sha256=first.sha256)
        changed = f.get(site.base + "/page/r", known_sha256="0" * 64)
    assert first.ok and not first.revisit
    assert again.ok and again.revisit and again.body == PAGE
    assert not changed.revisit
    records = warc_records(journal, tmp_path)
    assert [r[0] for r in records if r[1] == site.base + "/page/r"] == [
        "response",
        "request",
        "revisit",
        "request",
        "response",
        "request",
    ]
    (revisit,) = [r[3] for r in records if r[0] == "revisit"]
    assert revisit.rec_headers.get_header("WARC-Record-ID") == again.warc.record_id
    assert revisit.rec_headers.get_header("WARC-Refers-To-Target-URI") == (
        site.base + "/page/r"
    )
    assert revisit.rec_headers.get_header("WARC-Profile").endswith(
        "/revisit/identical-payload-digest"
    )


def test_without_journal(serve):
    site = serve()
    with Fetcher(Politeness(), journal=None) as f:
        got = f.get(site.base + "/page/1")
    assert got.ok and got.warc is None


def test_bad_urls_never_raise(journal):
    with fetcher(journal) as f:
        assert "网址无效" in f.get("ftp://example.test/x").error
        assert "网址无效" in f.get("http://[::1").error
        assert "网址无效" in f.get("http://127.0.0.1:99999/").error
        assert not f.allowed("http://[::1")


def test_robots_is_read_to_500_kib_only(serve, journal):
    """As Google reads it (RFC 9309 §2.5): rules past the first 500 KiB of a
    huge robots.txt are not parsed. One over the response size cap closes the
    host for now (it used to count as no robots.txt: everything allowed)."""
    padding = "# " + "x" * 1000 + "\n"
    text = "User-agent: *\nDisallow: /private/\n" + padding * 600
    site = serve(robots=(200, text + "Disallow: /page/\n"))
    with fetcher(journal, max_bytes=2_000_000) as f:
        assert f.allowed(site.base + "/page/1")
        assert not f.allowed(site.base + "/private/x")
    with fetcher(journal) as f:  # max_bytes 100 kB: unread, so closed for now
        got = f.get(site.base + "/page/1")
    assert got.error.startswith("robots.txt 无法获取")
