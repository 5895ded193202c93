"""One rule for a bad parameter (issue 17): every endpoint answers 400 with the
parameter's name in ``fields``; the page that shows the same thing ignores the
value and says so. The bad values are made from what /api/openapi.json says of
each parameter, so a new parameter is tested as soon as it is described."""

from __future__ import annotations

from typing import Any

import pytest

from plansite.api import openapi_document

pytestmark = [pytest.mark.django_db, pytest.mark.search]

# A request each endpoint answers with 200; one parameter at a time is spoilt.
GOOD = {
    "/api/search": {"q": "发展"},
    "/api/trend": {"q": "发展"},
    "/api/kwic": {"q": "发展"},
    "/api/compare": {"q": "发展", "level": "county", "place": ["平潭县", "慈溪市"]},
    "/api/export": {"q": "发展"},
}
PAGES = {
    "/api/search": "/search/",
    "/api/trend": "/research/trend/",
    "/api/kwic": "/research/kwic/",
    "/api/compare": "/research/compare/",
    "/api/export": "/research/export/",
}
FILTERS = {"township", "county", "city", "province", "category", "issuer"}


def _plain(described: dict) -> dict:
    options = [o for o in described.get("anyOf", []) if o.get("type") != "null"]
    return {**options[0], **described} if len(options) == 1 else described


def _bad_values(name: str, schema: dict) -> list[Any]:
    """Values the schema of parameter ``name`` rules out."""
    if schema.get("type") == "array":
        # One name too long, beside a good one.
        return [["x" * 101, "平潭县"]]
    values: list[Any] = []
    if "enum" in schema:
        values.append("no-such-choice")
    if schema.get("type") == "integer":
        values.append("abc")
        if "maximum" in schema:
            values.append(str(schema["maximum"] + 1))
        if "minimum" in schema:
            values.append(str(schema["minimum"] - 1))
    if "maxLength" in schema:
        values.append("乡" * (schema["maxLength"] + 1))
    if name in FILTERS:
        values.append('平潭"县')
    return values


def _cases() -> list[tuple[str, str, Any]]:
    cases = []
    for path, item in openapi_document()["paths"].items():
        if path not in GOOD:
            continue
        for parameter in item["get"].get("parameters", []):
            name = parameter["name"]
            for value in _bad_values(name, _plain(parameter["schema"])):
                cases.append((path, name, value))
    return cases


CASES = _cases()


def test_every_endpoint_and_parameter_is_covered() -> None:
    assert {path for path, _n, _v in CASES} == set(GOOD)
    described = {
        (path, p["name"])
        for path, item in openapi_document()["paths"].items()
        if path in GOOD
        for p in item["get"].get("parameters", [])
    }
    covered = {(path, name) for path, name, _v in CASES}
    # Every described parameter has a value its schema rules out.
    assert described - covered == set()
    assert len(CASES) > 100


@pytest.mark.parametrize(("path", "name", "value"), CASES)
def test_a_bad_parameter_is_a_400_naming_it(client, archive, path, name, value):
    response = client.get(path, {**GOOD[path], name: value})
    assert response.status_code == 400, (path, name, value)
    body = response.json()
    assert set(body) == {"error", "fields", "messages"}
    assert body["error"]
    assert name in body["fields"], body
    assert all(body["fields"][name])
    # Nothing is "ignored" in an answer that refuses.
    assert not any("已忽略" in m or "已去掉" in m for m in body["messages"])


@pytest.mark.parametrize(("path", "name", "value"), CASES)
def test_the_page_ignores_it_with_a_notice(client, archive, path, name, value):
    response = client.get(PAGES[path], {**GOOD[path], name: value})
    assert response.status_code == 200
    assert 'class="notice"' in response.content.decode()


def test_the_400_is_the_documented_shape(client, archive) -> None:
    schema = client.get("/api/openapi.json").json()
    for path in GOOD:
        answer = schema["paths"][path]["get"]["responses"]["400"]
        ref = answer["content"]["application/json"]["schema"]["$ref"]
        described = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        body = client.get(path, {**GOOD[path], "year_from": "abc"}).json()
        assert set(body) == set(described["properties"]), path
    # The rule is said once, in the API's description and on its page.
    rule = schema["info"]["description"]
    assert "400" in rule and "fields" in rule
    assert rule in client.get("/research/api/").content.decode()


def test_a_good_request_and_a_swapped_year_range_still_answer(client, archive):
    for path in ("/api/search", "/api/trend", "/api/kwic", "/api/compare"):
        ok = client.get(path, GOOD[path])
        assert ok.status_code == 200, (path, ok.content)
    swapped = client.get(
        "/api/search", {"q": "发展", "year_from": "2025", "year_to": "2001"}
    )
    assert swapped.status_code == 200
    assert any("对调" in m for m in swapped.json()["messages"])


def test_parameters_an_endpoint_does_not_read_are_not_read(client, archive):
    # split belongs to /api/trend; /api/kwic does not read it, bad or good.
    response = client.get("/api/kwic", {"q": "发展", "split": "planet"})
    assert response.status_code == 200
