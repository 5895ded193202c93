"""/api/openapi.json is generated from the forms and Schemas that serve the API,
and says what the endpoints really take and answer."""

from __future__ import annotations

import html

import pytest
from django import forms

from plansite.api_fields import document_fields
from research.forms import ToolForm
from search.forms import SearchForm

pytestmark = [pytest.mark.django_db, pytest.mark.search]

JSON_ANSWERS = {
    "/api/search": {"q": "乡村振兴"},
    "/api/trend": {"q": "乡村振兴", "split": "county"},
    "/api/kwic": {"q": "乡村振兴", "page_size": 5},
    "/api/compare": {"level": "county", "place": ["平潭县", "慈溪市"], "q": "发展"},
}


@pytest.fixture
def schema(client) -> dict:
    return client.get("/api/openapi.json").json()


def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref")
    if ref is None:
        return node
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _plain(described: dict) -> dict:
    """The schema of an optional value without pydantic's anyOf-with-null."""
    options = [o for o in described.get("anyOf", []) if o.get("type") != "null"]
    return {**options[0], **described} if len(options) == 1 else described


def _form_field(name: str) -> forms.Field | None:
    return SearchForm.base_fields.get(name) or ToolForm.base_fields.get(name)


def test_parameters_carry_the_limits_of_the_form_that_reads_them(schema) -> None:
    checked = 0
    for path, item in schema["paths"].items():
        for parameter in item["get"].get("parameters", []):
            field = _form_field(parameter["name"])
            if field is None:
                continue
            described = _plain(parameter["schema"])
            if isinstance(field, forms.ChoiceField):
                offered = {str(v) for v, _label in field.choices if v != ""}
                assert set(described["enum"]) <= offered, (path, parameter)
            elif isinstance(field, forms.IntegerField):
                assert described["type"] == "integer", (path, parameter)
                assert described["minimum"] == field.min_value, (path, parameter)
                assert described["maximum"] == field.max_value, (path, parameter)
            elif field.max_length is not None:
                assert described["maxLength"] == field.max_length, (path, parameter)
            assert parameter["description"] == str(field.help_text), (path, parameter)
            checked += 1
    assert checked > 40


def test_a_bad_value_is_a_400_with_field_errors_never_a_422(client, archive) -> None:
    # Issue 17 changed this: /api/search used to answer 200 and ignore the value
    # (the pages still do), and the tools' 400s said "（已忽略）".
    refused = client.get("/api/search", {"q": "发展", "page": "abc", "sort": "x"})
    assert refused.status_code == 400
    body = refused.json()
    assert set(body) == {"error", "fields", "messages"}
    assert set(body["fields"]) == {"page", "sort"}
    assert not any("已忽略" in m for m in body["messages"])
    for path in ("/api/trend", "/api/kwic", "/api/export"):
        refused = client.get(path, {"q": "发展", "year_from": "abc"})
        assert refused.status_code == 400, path
        assert set(refused.json()) == {"error", "fields", "messages"}, path
        assert set(refused.json()["fields"]) == {"year_from"}, path
    # place is required in the schema; its absence is the API's own 400.
    missing = client.get("/api/compare", {"q": "发展"}).json()
    assert set(missing) == {"error", "fields", "messages"}
    assert set(missing["fields"]) == {"place"}
    # The page ignores the same values and says so.
    page = client.get("/search/", {"q": "发展", "page": "abc", "sort": "x"})
    assert page.status_code == 200
    assert page.content.decode().count("（已忽略）") == 2


def test_every_json_answer_has_exactly_the_fields_of_its_schema(
    client, archive, schema
) -> None:
    for path, params in JSON_ANSWERS.items():
        response = client.get(path, params)
        assert response.status_code == 200, (path, response.content)
        body = response.json()
        described = schema["paths"][path]["get"]["responses"]["200"]
        answer = _resolve(schema, described["content"]["application/json"]["schema"])
        assert set(body) == set(answer["properties"]), path
        assert not set(answer.get("required", [])) - set(body), path


def test_a_search_hit_shows_every_document_field(client, archive, schema) -> None:
    row = client.get("/api/search", {"q": "乡村振兴"}).json()["results"][0]
    assert set(document_fields()) <= set(row)
    hit = schema["components"]["schemas"]["SearchHit"]["properties"]
    assert set(document_fields()) <= set(hit)


def test_the_api_page_is_the_schema_in_words(client, archive, schema) -> None:
    page = html.unescape(client.get("/research/api/").content.decode())
    for item in schema["paths"].values():
        operation = item["get"]
        assert operation["summary"] in page
        assert operation.get("description", "") in page
        for parameter in operation.get("parameters", []):
            assert parameter["description"] in page
    assert "export" in schema["paths"]["/api/export"]["get"]["operationId"]


def test_the_document_is_valid_openapi(schema) -> None:
    from openapi_spec_validator import validate

    validate(schema)
    assert schema["openapi"].startswith("3.1")
    assert schema["servers"] == [{"url": "http://testserver"}]
