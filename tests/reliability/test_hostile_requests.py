"""Thousands of hostile GET requests to every public URL: never a server error,
JSON stays JSON, downloads are what they say, and nothing from the request is
echoed as live HTML."""

from __future__ import annotations

import csv
import functools
import io
import json
from pathlib import Path
from urllib.parse import quote, quote_from_bytes
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from hypothesis import given
from hypothesis import strategies as st

from documents.models import Document
from tests.conftest import import_samples
from tests.reliability.fuzzing import LONG, fuzz_settings, time_limit

pytestmark = [pytest.mark.django_db, pytest.mark.search]

# Each payload carries a marker; raw in an HTML page, it would run.
MARK = "x7q"
PAYLOADS = [
    f"<script>alert('{MARK}')</script>",
    f'"><img src=x onerror=alert("{MARK}")>',
    f"'><svg/onload=alert('{MARK}')>",
    f"</title><script>alert('{MARK}')</script>",
    f"<a href=javascript:alert('{MARK}')>{MARK}</a>",
    f"<b>{MARK}</b>",
]
ODD = [
    "",
    " ",
    "0",
    "-1",
    "-99999999999999999999",
    "99999999999999999999",
    "1e309",
    "NaN",
    "1.5",
    "0x10",
    "２０２１",
    "٢٠٢١",
    "2021-13-45",
    "0000-00-00",
    "1899",
    "2101",
    "-2021",
    "'; DROP TABLE documents_document; --",
    "' OR '1'='1",
    "1 UNION SELECT password FROM auth_user",
    '" AND "1"="1',
    "%",
    "_",
    "\\",
    "%00",
    "\x00",
    "\x1b[31m",
    "\u202e\u200b\u200d\ufeff",
    "e\u0301\u0301\u0301",
    "\U0001f600\U00020000",
    "乡村振兴 AND",
    "OR OR OR",
    '"乡村振兴',
    "乡村振兴~2^3*?",
    "(((((((((",
    "newest",
    "relevance",
    "year",
    "csv",
    "jsonl",
    "json",
    "township",
    "county",
    "left",
    "right",
    "1",
    "http://evil.example/",
    "//evil.example",
    "None",
    "null",
    "[]",
    "{}",
]
KEYS = [
    "q",
    "page",
    "page_size",
    "sort",
    "kind",
    "review",
    "year",
    "year_from",
    "year_to",
    "category",
    "province",
    "city",
    "county",
    "township",
    "issuer",
    "view",
    "format",
    # The research tools' own.
    "split",
    "lines",
    "order",
    "width",
    "level",
    "full",
    "place",
    "next",
]
# Raw, percent-encoded bytes that are not valid UTF-8 (lone surrogates in
# CESU-8, overlong forms, stray continuation bytes), and a NUL.
RAW_BYTES = [
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xc0\xaf",
    b"\xff\xfe",
    b"\x80",
    b"\x00",
    "\u4e61".encode("gbk"),
]


def _value(text: str) -> str:
    return quote(text, safe="")


values = st.one_of(
    st.sampled_from(ODD + PAYLOADS).map(_value),
    st.sampled_from(RAW_BYTES).map(lambda b: quote_from_bytes(b, safe="")),
    st.integers(-(10**30), 10**30).map(str),
    st.text(max_size=60).map(_value),
    # Huge strings, up to about 90 kB once encoded.
    st.builds(
        lambda s, n: _value(s * n),
        st.sampled_from(["乡", "a", "<", "%"]),
        st.integers(500, 10_000),
    ),
)
keys = st.one_of(
    st.sampled_from(KEYS),
    st.text(min_size=1, max_size=20).map(_value),
    st.sampled_from(PAYLOADS).map(_value),
)
# Repeated keys are allowed: ?page=1&page=x&page=-3.
query_strings = st.lists(st.tuples(keys, values), max_size=6).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
)
path_parts = st.one_of(
    st.sampled_from(
        [
            "浙江省",
            "台州市",
            "临海市",
            "东塍镇",
            "_",
            "..",
            ".",
            "%2e%2e",
            "%00",
            "%ED%A0%80",
        ]
    ).map(lambda p: p if "%" in p else _value(p)),
    st.sampled_from(PAYLOADS).map(_value),
    st.text(min_size=1, max_size=30).map(_value),
)
numbers = st.one_of(
    st.integers(-5, 10),
    st.integers(0, 10**40),
    st.sampled_from(["abc", "1.0", "%00", "0x1", "１"]),
)


# Placeholders reversed into each route, then replaced by the drawn raw text
# (a hostile value would not pass the route's converter in reverse()).
# The citation downloads of a document (documents/views/citations.py).
CITATION_TYPES = {
    ".ris": "application/x-research-info-systems; charset=utf-8",
    ".bib": "application/x-bibtex; charset=utf-8",
}
ROUTE_PLACEHOLDERS = {
    "pk": 987654321,
    "year": 1234,
    "place": "PLACEHOLDER",
    "number": 4321,
    # A harvested source's name (/sources/<name>/).
    "name": "SOURCENAME",
}


@functools.cache
def public_routes() -> tuple[str, ...]:
    """Every URL of the site outside the admin, with its parameters as placeholders."""
    routes = []

    def walk(patterns, namespace: str) -> None:  # noqa: ANN001
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace != "admin":
                    walk(entry.url_patterns, entry.namespace or namespace)
                continue
            kwargs = {k: ROUTE_PLACEHOLDERS[k] for k in entry.pattern.converters}
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            routes.append(reverse(name, kwargs=kwargs))

    walk(get_resolver().url_patterns, "")
    return tuple(sorted(routes))


@st.composite
def hostile_paths(draw: st.DrawFn, doc_ids: list[int]) -> str:
    route = draw(st.sampled_from([*public_routes(), "/admin/login/"]))
    values = {
        "pk": st.one_of(st.sampled_from(doc_ids), numbers),
        "year": st.one_of(st.sampled_from([2020, 2021, 2023]), numbers),
        "place": st.lists(path_parts, min_size=1, max_size=6).map("/".join),
        "number": st.one_of(st.integers(min_value=0, max_value=3), numbers),
        "name": st.one_of(st.just("trs-column"), path_parts),
    }
    for name, placeholder in ROUTE_PLACEHOLDERS.items():
        if str(placeholder) in route:
            route = route.replace(str(placeholder), str(draw(values[name])))
    return route


def test_the_generated_requests_reach_every_public_url() -> None:
    routes = public_routes()
    names = {"/", "/search/", "/api/search", "/research/kwic/", "/api/export"}
    assert names <= set(routes), routes
    assert len(routes) >= 20, routes
    assert not [route for route in routes if route.startswith("/admin")]


@pytest.fixture
def archive(search_index, seeds_dir: Path, corpus_dir: Path) -> list[int]:  # noqa: ANN001
    import_samples(seeds_dir, corpus_dir)
    return list(Document.objects.values_list("pk", flat=True))


DOWNLOADS = {
    "text/csv; charset=utf-8": "csv",
    "application/x-ndjson; charset=utf-8": "jsonl",
}


def check_download(url: str, content_type: str, body: bytes) -> None:
    """A CSV or JSON-lines download: what its type says, whole, no live formula."""
    text = body.decode("utf-8")
    if DOWNLOADS[content_type] == "jsonl":
        for line in text.splitlines():
            json.loads(line)
        return
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), (url, cell)


def check_response(url: str, response) -> None:  # noqa: ANN001
    status = response.status_code
    assert status < 500, (url, status)
    assert status in (200, 301, 302, 400, 404), (url, status)
    content_type = response.get("Content-Type", "")
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    if status in (301, 302):
        # Never a redirect off the site, whatever ?next= says.
        location = response["Location"]
        assert location.startswith("/") and not location.startswith("//"), location
        return
    if content_type in DOWNLOADS and status == 200:
        check_download(url, content_type, body)
        return
    if url.startswith("/search/feed/"):
        # The Atom feed of a search: XML that parses, or a 400 in plain text.
        if status == 200:
            assert content_type == "application/atom+xml; charset=utf-8", url
            ElementTree.fromstring(body)
        else:
            assert content_type == "text/plain; charset=utf-8", (url, status)
        return
    if url.startswith("/healthz"):
        assert content_type == "application/json", (url, content_type)
        assert set(json.loads(body)) == {"database", "index"}, url
        return
    if url.startswith("/api/"):
        # One header for every JSON answer, errors and successes alike.
        assert content_type == "application/json", (url, content_type)
        assert response["X-Content-Type-Options"] == "nosniff"
        data = json.loads(body)
        if url.startswith("/api/openapi.json"):
            assert "paths" in data
        elif status == 200:
            assert data and "error" not in data, url
        else:
            assert data["error"] and isinstance(data["messages"], list), url
        return
    if "/text.txt" in url and status == 200:
        assert content_type == "text/plain; charset=utf-8"
        return
    if url.split("?")[0].endswith(tuple(CITATION_TYPES)) and status == 200:
        # RIS and BibTeX for reference managers: a download in its own type,
        # never a page a browser would render.
        suffix = "." + url.split("?")[0].rsplit(".", 1)[1]
        assert content_type == CITATION_TYPES[suffix], (url, content_type)
        assert response["Content-Disposition"].startswith("attachment"), url
        body.decode("utf-8")
        return
    assert content_type == "text/html; charset=utf-8", (url, content_type)
    page = body.decode("utf-8")
    for raw in PAYLOADS:
        assert raw not in page, (url, raw)


def test_hostile_requests_never_break_a_page(archive: list[int]) -> None:
    # raise_request_exception: an exception in a view fails here, with its traceback.
    client = Client(raise_request_exception=True)
    sent = {"n": 0}

    # Each example sends one hostile query string to four URLs: 2,000 requests
    # by default, 20,000 in the long profile.
    @fuzz_settings(max_examples=5000 if LONG else 500)
    @given(
        paths=st.lists(hostile_paths(archive), min_size=4, max_size=4),
        query=query_strings,
    )
    def send(paths: list[str], query: str) -> None:
        for path in paths:
            url = f"{path}?{query}" if query else path
            with time_limit():
                response = client.get(url)
            sent["n"] += 1
            check_response(url, response)

    send()
    assert sent["n"] >= 2000
    print(f"hostile requests sent: {sent['n']}")  # bench/fuzz_bench.py reports it


@pytest.fixture
def two_docs() -> list[int]:
    """Enough for the write and admin checks, without an import or an index."""
    docs = [
        Document.objects.create(
            title=f"东塍镇{year}年工作计划",
            body=f"{year}年，全面推进乡村振兴。",
            original=f"{year}年，全面推进乡村振兴。",
            content_hash=str(year),
            province="浙江省",
            city="台州市",
            county="临海市",
            township="东塍镇",
            plan_year=year,
        )
        for year in (2020, 2021)
    ]
    return [doc.pk for doc in docs]


def test_visitors_can_only_read(two_docs: list[int]) -> None:
    pk = two_docs[0]
    filled = {"pk": pk, "year": 2021, "place": "浙江省", "number": 1, "name": "x"}
    urls = []
    for route in public_routes():
        for name, placeholder in ROUTE_PLACEHOLDERS.items():
            route = route.replace(str(placeholder), quote(str(filled[name])))
        urls.append(route)
    # Without CSRF checks the request reaches the view, which must refuse it
    # itself; with them, the CSRF middleware refuses it first.
    clients = ((Client(), {405}), (Client(enforce_csrf_checks=True), {403, 405}))
    for method in ("post", "put", "patch", "delete"):
        for client, allowed in clients:
            for url in urls:
                response = getattr(client, method)(
                    url, data={"q": "x", "title": "changed"}
                )
                assert response.status_code in allowed, (method, url, response)
    assert Document.objects.count() == len(two_docs)
    assert not Document.objects.filter(title="changed").exists()


def test_admin_requires_login(two_docs: list[int]) -> None:
    client = Client()
    pk = two_docs[0]
    for url in [
        "/admin/",
        "/admin/documents/document/",
        f"/admin/documents/document/{pk}/change/",
        f"/admin/documents/document/{pk}/delete/",
        "/admin/auth/user/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    # A write without a session is refused too.
    response = client.post(f"/admin/documents/document/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert Document.objects.filter(pk=pk).exists()
