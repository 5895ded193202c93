"""The sample 政务公开 column behaves as the harvest tests need (httpx on loopback)."""

from __future__ import annotations

import gzip
import re
import time
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from protego import Protego

from documents.harvest import sample_site as ss
from documents.harvest.sample_site import SampleSite

TIMEOUT = httpx.Timeout(10.0)


@pytest.fixture
def client():
    with httpx.Client(timeout=TIMEOUT) as c:
        yield c


def _links(text: str) -> list[str]:
    return ss.list_links(text)


def test_column_lists_twelve_entries_over_three_pages(sample_site, client):
    seen = []
    for page, path in enumerate(ss.LIST_PATHS):
        response = client.get(sample_site.url_for(path))
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        text = response.text
        # The pager as TRS writes it, and the stated total.
        assert f'createPageHTML(3, {page}, "index", "html");' in text
        assert "共12条" in text
        seen += [str(httpx.URL(response.url).join(href)) for href in _links(text)]
    assert len(seen) == ss.STATED_TOTAL == 12
    assert len(set(seen)) == 12
    private = [u for u in seen if "/private/" in u]
    assert len(private) == 1
    assert [httpx.URL(u).path for u in seen if u not in private] == (
        sample_site.document_paths()
    )


def test_detail_pages_have_the_trs_shape_and_real_attachments(sample_site, client):
    paths = sample_site.document_paths()
    assert len(paths) == 11
    attachments = []
    for path in paths:
        assert re.fullmatch(r"/zwgk/jhzj/\d{6}/t\d{8}_\d{6}\.html", path)
        text = client.get(sample_site.url_for(path)).text
        assert "索引号：" in text and "发文机关：" in text and "发文日期：" in text
        assert '<div class="TRS_Editor">' in text
        for href in re.findall(r'<a href="(\./P020[^"]+)"', text):
            attachments.append(str(httpx.URL(sample_site.url_for(path)).join(href)))
    assert len(attachments) == 6
    assert sorted(httpx.URL(u).path for u in attachments) == (
        sample_site.attachment_paths()
    )
    kinds = set()
    for url in attachments:
        response = client.get(url)
        assert response.status_code == 200
        if url.endswith(".pdf"):
            assert response.content.startswith(b"%PDF-")
            assert response.headers["content-type"] == "application/pdf"
        else:
            assert response.content.startswith(b"PK")  # a zip: OOXML
            assert response.headers["content-type"] == ss.DOCX_TYPE
        kinds.add(url.rsplit(".", 1)[1])
    assert kinds == {"pdf", "docx"}


def test_pdf_attachment_has_a_chinese_text_layer(sample_site, client):
    import pypdfium2

    path = next(p for p in sample_site.attachment_paths() if p.endswith(".pdf"))
    data = client.get(sample_site.url_for(path)).content
    pdf = pypdfium2.PdfDocument(data)
    text = pdf[0].get_textpage().get_text_range()
    assert "附件" in text


def test_conditional_requests_answer_304(sample_site, client):
    url = sample_site.url_for(sample_site.document_paths()[0])
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    stale = client.get(
        url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}
    )
    assert stale.status_code == 200
    statuses = [r.status for r in sample_site.requests_for(httpx.URL(url).path)]
    assert statuses == [200, 304, 304, 200]


def test_changed_page_gets_new_validators(sample_site, client):
    path = sample_site.document_paths()[0]
    url = sample_site.url_for(path)
    first = client.get(url)
    sample_site.change_page(path, first.text.replace("索引号", "索引号（已修改）"))
    changed = client.get(
        url,
        headers={
            "If-None-Match": first.headers["etag"],
        },
    )
    assert changed.status_code == 200
    assert "已修改" in changed.text
    assert changed.headers["etag"] != first.headers["etag"]
    again = client.get(
        url, headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert again.status_code == 200  # Last-Modified moved on by a second at least


def test_gzip_when_asked(sample_site):
    url = sample_site.start_url
    with httpx.Client(timeout=TIMEOUT) as c:
        plain = c.get(url, headers={"Accept-Encoding": "identity"})
        zipped = c.get(url, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.text == plain.text  # httpx decoded it
    assert int(zipped.headers["content-length"]) < len(plain.content)
    assert zipped.headers["etag"] != plain.headers["etag"]
    # On the wire: gzip bytes.
    with (
        httpx.Client(timeout=TIMEOUT) as c,
        c.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as raw,
    ):
        wire = b"".join(raw.iter_raw())
    assert gzip.decompress(wire) == plain.content


def test_added_document_tops_the_first_list(sample_site, client):
    first = client.get(sample_site.start_url)
    path = sample_site.add_document(
        "示例镇2026年工作计划", date="2026-12-01", serial=900001
    )
    assert path == "/zwgk/jhzj/202612/t20261201_900001.html"
    text = client.get(sample_site.start_url).text
    assert ss.list_links(text)[0] == "./202612/t20261201_900001.html"
    assert "共13条" in text
    assert "共13条" in client.get(sample_site.url_for(ss.LIST_PATHS[2])).text
    assert sample_site.document_paths()[0] == path
    page = client.get(sample_site.url_for(path))
    assert page.status_code == 200 and "示例镇2026年工作计划" in page.text
    # The list page changed: a conditional request sees it.
    again = client.get(
        sample_site.start_url, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 200


def test_deleted_page_is_404(sample_site, client):
    path = sample_site.document_paths()[-1]
    assert client.get(sample_site.url_for(path)).status_code == 200
    sample_site.delete_page(path)
    assert client.get(sample_site.url_for(path)).status_code == 404
    assert path not in [p for p in sample_site.attachment_paths()]
    # The copy was edited, never the shipped site.
    assert (ss.SAMPLE_SITE_DIR / path.lstrip("/")).exists()


def test_robots_txt_disallows_a_listed_path(sample_site, client):
    response = client.get(sample_site.url_for("/robots.txt"))
    assert response.status_code == 200
    robots = Protego.parse(response.text)
    private = sample_site.document_paths(include_private=True)
    blocked = [p for p in private if not robots.can_fetch(sample_site.url_for(p), "*")]
    assert blocked == [p for p in private if p.startswith("/private/")]
    assert len(blocked) == 1
    # The page is really there: only robots.txt keeps a crawler out.
    assert client.get(sample_site.url_for(blocked[0])).status_code == 200


def test_slow_route_waits(sample_site, client):
    sample_site.set_delay("/slow/", 0.4)
    started = time.monotonic()
    assert client.get(sample_site.url_for("/slow/page.html")).status_code == 200
    assert time.monotonic() - started >= 0.35
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(sample_site.url_for("/slow/other.html"), timeout=0.1)


def test_delay_on_real_pages(sample_site, client):
    sample_site.set_delay("/zwgk/", 0.3)
    started = time.monotonic()
    assert client.get(sample_site.start_url).status_code == 200
    assert time.monotonic() - started >= 0.25


def test_flaky_fails_then_recovers(sample_site, client):
    sample_site.set_flaky(2)
    url = sample_site.url_for("/flaky/doc.html")
    assert [client.get(url).status_code for _ in range(4)] == [503, 503, 200, 200]
    # Each path counts on its own.
    assert client.get(sample_site.url_for("/flaky/other.html")).status_code == 503


def test_fail_gone_and_redirect_loop(sample_site, client):
    assert client.get(sample_site.url_for("/fail/x.html")).status_code == 500
    assert client.get(sample_site.url_for("/gone/x.html")).status_code == 410
    with (
        httpx.Client(timeout=TIMEOUT, follow_redirects=True, max_redirects=5) as c,
        pytest.raises(httpx.TooManyRedirects),
    ):
        c.get(sample_site.url_for("/loop/a"))


@pytest.mark.parametrize("prefix", [ss.BIG_WITH_LENGTH_PREFIX, ss.BIG_CHUNKED_PREFIX])
def test_oversized_responses(sample_site, prefix):
    sample_site.big_bytes = 1_000_000
    url = sample_site.url_for(prefix + "page.html")
    with httpx.Client(timeout=TIMEOUT) as c, c.stream("GET", url) as response:
        if prefix == ss.BIG_WITH_LENGTH_PREFIX:
            assert response.headers["content-length"] == "1000000"
        else:
            assert "content-length" not in response.headers
            assert response.headers["transfer-encoding"] == "chunked"
        size = sum(len(chunk) for chunk in response.iter_bytes())
    assert size == 1_000_000
    # A client that stops reading at a cap leaves the server serving others.
    with httpx.Client(timeout=TIMEOUT) as c:
        with c.stream("GET", url) as response:
            next(response.iter_bytes())
        assert c.get(sample_site.start_url).status_code == 200


def test_request_log_records_method_path_status_time(sample_site, client):
    before = time.time()
    client.get(sample_site.start_url, headers={"User-Agent": "plansite-test"})
    client.head(sample_site.url_for("/nothing-here.html"))
    log = sample_site.requests
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", ss.START_PATH, 200),
        ("HEAD", "/nothing-here.html", 404),
    ]
    assert all(r.at >= before for r in log)
    assert log[0].headers["user-agent"] == "plansite-test"
    assert log[0].bytes_sent > 0


def test_stop_is_bounded_with_a_slow_request_pending(tmp_path):
    import threading

    site = SampleSite(tmp_path / "site")
    site.start()
    site.set_delay("/slow/", 30)
    errors: list[Exception] = []

    def ask() -> None:
        try:
            httpx.get(site.url_for("/slow/x"), timeout=10)
        except httpx.HTTPError as error:
            errors.append(error)

    thread = threading.Thread(target=ask)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    site.stop()
    thread.join(timeout=10)
    assert time.monotonic() - started < 5
    assert not thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(site.start_url or "http://127.0.0.1:1/", timeout=2)


def test_context_manager_and_generated_site(tmp_path):
    docs = ss.generate_site(tmp_path / "big", documents=45, per_page=20)
    assert len(docs) == 45
    with SampleSite(tmp_path / "big", source=None) as site, httpx.Client() as c:
        text = c.get(site.start_url).text
        assert 'createPageHTML(3, 0, "index", "html");' in text
        assert "共45条" in text
        assert len(site.document_paths()) == 45
        assert c.get(site.url_for(docs[0].path)).status_code == 200
        assert len(site.attachment_paths()) == 5


def test_definition_toml_names_the_start_url(sample_site):
    import tomllib

    data = tomllib.loads(sample_site.definition_toml(delay=0, max_list_pages=5))
    assert data["name"] == "sample-site"
    assert data["cms"] == "trs"
    assert data["start_urls"] == [sample_site.start_url]
    assert data["max_list_pages"] == 5
    assert data["politeness"]["delay"] == 0.0


def test_serve_sample_site_command_writes_a_definition(tmp_path, settings):
    """The command copies the site, writes the definition, serves until stopped."""
    import io
    import threading
    import tomllib

    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    stop = threading.Event()
    thread = threading.Thread(
        target=call_command,
        args=("serve_sample_site",),
        kwargs={"port": 0, "stdout": out, "stop_event": stop},
    )
    thread.start()
    try:
        definition = tmp_path / "harvest" / "sample-site.toml"
        deadline = time.monotonic() + 10
        while not definition.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        data = tomllib.loads(definition.read_text("utf-8"))
        start = data["start_urls"][0]
        assert httpx.get(start, timeout=5).status_code == 200
        assert (tmp_path / "sample-site" / "robots.txt").exists()
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    text = out.getvalue()
    assert "manage.py harvest" in text and str(definition) in text
    assert Path(tmp_path / "sample-site").is_dir()


def test_prepare_copy_keeps_edits_until_reset(tmp_path):
    target = tmp_path / "copy"
    assert ss.prepare_copy(target) is True
    page = target / "zwgk" / "jhzj" / "index_2.html"
    page.unlink()
    assert ss.prepare_copy(target) is False
    assert not page.exists()  # the user's deletion is kept
    assert ss.prepare_copy(target, reset=True) is True
    assert page.exists()
