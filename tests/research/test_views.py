"""Every research page and endpoint: bad input never gives a 500; text stays text."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import Resolver404, resolve

from tests.conftest import close_response

pytestmark = [pytest.mark.django_db, pytest.mark.search]

PAGES = [
    "/research/",
    "/research/trend/",
    "/research/kwic/",
    "/research/compare/",
    "/research/export/",
]
APIS = ["/api/trend", "/api/kwic", "/api/compare", "/api/export"]
HOSTILE = [
    {"q": "\x00乡村\x00振兴"},
    {"q": "乡" * 500},
    {"q": '"'},
    {"q": "-"},
    {"q": "OR"},
    {"q": "a -b OR c"},
    {"q": "发展", "page": "99999999999999999999"},
    {"q": "发展", "page": "-1", "page_size": "0"},
    {"q": "发展", "year_from": "abc", "year_to": "1e9"},
    {"q": "发展", "year_from": "2030", "year_to": "2001"},
    {"q": "发展", "split": "'; DROP TABLE", "lines": "999"},
    {"q": "发展", "order": "<b>", "width": "-5"},
    {"q": "发展", "format": "exe", "full": "maybe"},
    {"q": "发展", "level": "planet", "place": ["x" * 300, "", "\x00"]},
    {"place": [str(i) for i in range(40)]},
    {"place": "平潭县,城关镇、东塍镇 海坛街道；潭城镇;苏澳镇"},
    {"township": "桃源乡 人民政府", "county": '"\\*:?'},
]


@pytest.mark.parametrize("params", HOSTILE)
@pytest.mark.parametrize("url", PAGES)
def test_pages_never_fail(client, archive, url: str, params: dict) -> None:
    response = client.get(url, params)
    assert response.status_code == 200


@pytest.mark.parametrize("params", HOSTILE)
@pytest.mark.parametrize("url", APIS)
def test_api_answers_200_or_400_with_an_error(client, archive, url, params) -> None:
    response = client.get(url, params)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        body = response.json()
        assert body["error"]
        assert isinstance(body["messages"], list)
    elif response.streaming:
        b"".join(response.streaming_content)


@pytest.mark.parametrize("url", PAGES + APIS)
def test_undecodable_bytes_are_harmless(client, archive, url: str) -> None:
    response = client.get(f"{url}?q=%FF%FE%ED%A0%80&township=%ED%A0%80&place=%C0")
    assert response.status_code in (200, 400)


def test_invalid_parameters_are_a_400(client, archive) -> None:
    for url, params in [
        ("/api/trend", {"q": "发展", "split": "planet"}),
        ("/api/kwic", {"q": "发展", "width": "1000"}),
        ("/api/kwic", {"q": "-发展"}),
        ("/api/compare", {"place": ["a", "b"], "level": "planet"}),
        ("/api/export", {"year_from": "abc"}),
        ("/api/export", {"q": "-乡村 OR 振兴"}),
        ("/api/export", {"q": "乡" * 500}),
        ("/api/trend", {"q": "x", "format": "jsonl"}),
    ]:
        response = client.get(url, params)
        assert response.status_code == 400, (url, params)
        assert response.json()["error"]


def test_query_is_shown_as_text_not_markup(client, archive) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    for url in PAGES:
        html = client.get(url, {"q": attack, "place": [attack, "b"]}).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
    kwic = client.get("/research/kwic/", {"q": "发展 OR <b>x</b>"}).content.decode()
    assert "<b>x</b>" not in kwic
    assert "&lt;b&gt;x&lt;/b&gt;" in kwic


def test_bare_pages_show_the_form_without_running(client, archive) -> None:
    for url in PAGES:
        html = client.get(url).content.decode()
        assert 'name="q"' in html or url == "/research/"
    assert "/research/" in client.get("/").content.decode()


def test_tools_hand_the_result_set_on(client, archive) -> None:
    html = client.get(
        "/research/trend/", {"q": "乡村振兴", "county": "平潭县"}
    ).content.decode()
    shared = (
        "q=%E4%B9%A1%E6%9D%91%E6%8C%AF%E5%85%B4&amp;county=%E5%B9%B3%E6%BD%AD%E5%8E%BF"
    )
    assert f"/research/kwic/?{shared}" in html
    assert f"/research/export/?{shared}" in html


def test_openapi_describes_every_endpoint(client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert {
        "/api/search",
        "/api/trend",
        "/api/kwic",
        "/api/compare",
        "/api/export",
    } <= set(paths)
    for path, item in paths.items():
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"{path} is described but not served")
        for parameter in item["get"].get("parameters", []):
            assert parameter["in"] == "query"
            assert parameter["name"]


def test_search_results_link_to_the_tools(client, archive) -> None:
    html = client.get(
        "/search/", {"q": "乡村振兴", "county": "平潭县", "page": 1}
    ).content.decode()
    assert "/research/trend/?q=%E4%B9%A1%E6%9D%91%E6%8C%AF%E5%85%B4&amp;county=" in html
    assert "/research/kwic/?q=" in html
    assert "page=1" not in html.split("research-links")[1].split("</p>")[0]


def test_place_boxes_offer_names_and_hint_at_near_misses(client, archive) -> None:
    html = client.get(
        "/research/trend/", {"q": "发展", "county": "平潭"}
    ).content.decode()
    assert '<datalist id="county-names">' in html and '<option value="平潭县">' in html
    assert "没有名为“平潭”的区县" in html and "平潭县</a>" in html
    # Messages name the box as the form does.
    bad = client.get("/research/trend/", {"q": "发展", "lines": "99"}).content.decode()
    assert "分线数：" in bad and "分组" not in bad


def test_api_page_in_chinese_lists_every_endpoint_and_parameter(
    client, archive
) -> None:
    html = client.get("/research/api/").content.decode()
    schema = client.get("/api/openapi.json").json()
    assert "<h1>API 说明</h1>" in html
    for path, item in schema["paths"].items():
        assert f"GET {path}" in html
        for parameter in item["get"].get("parameters", []):
            assert f"<code>{parameter['name']}</code>" in html
    # The wording is Chinese, the English descriptions stay in the JSON.
    assert "Exact township name" not in html and "乡镇街道全名" in html
    # Every example runs, shown readable and linked encoded.
    examples = re.findall(r'<li><a href="(http://testserver/api/[^"]+)">', html)
    assert len(examples) >= len(schema["paths"])
    for url in examples:
        response = client.get(
            url.replace("http://testserver", "").replace("&amp;", "&")
        )
        assert response.status_code == 200, url
        # As a server does once the client has what it wants (a download
        # keeps its place until then).
        close_response(response)
    assert "/api/search?q=乡村振兴" in html
    # The tools page links here, and to the JSON.
    index = client.get("/research/").content.decode()
    assert 'href="/research/api/"' in index and 'href="/api/openapi.json"' in index
