"""/healthz: 200 when the database and the index answer, 503 when either does not."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError, connection
from django.test import Client
from haystack import connections

from tests.conftest import ENGINE, search_connection, whoosh_options
from tests.search.conftest import make_document

pytestmark = pytest.mark.django_db


def _health(client: Client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


@pytest.fixture
def indexed(search_index):  # noqa: ANN001
    doc = make_document("东塍镇2021年工作计划", "全面推进乡村振兴。")
    index = connections["default"].get_unified_index().get_index(type(doc))
    search_index.update(index, [doc])
    return search_index


def test_healthy(indexed, client: Client) -> None:  # noqa: ANN001
    status, body = _health(client)
    assert (status, body) == (200, {"database": "ok", "index": "ok"})
    # Nothing else: no paths, versions or error text for a stranger to read.
    assert client.head("/healthz").status_code == 200


def test_index_folder_missing(settings, tmp_path, client: Client) -> None:  # noqa: ANN001
    make_document("东塍镇2021年工作计划", "全面推进乡村振兴。")
    options = whoosh_options(ENGINE, tmp_path / "never-built")
    with search_connection(settings, options):
        status, body = _health(client)
    assert (status, body) == (503, {"database": "ok", "index": "unavailable"})


def test_index_folder_of_garbage(settings, tmp_path, client: Client) -> None:  # noqa: ANN001
    folder = tmp_path / "whoosh_index"
    folder.mkdir()
    (folder / "_MAIN_1.toc").write_bytes(b"\x00garbage" * 64)
    (folder / "MAIN_abc.seg").write_bytes(b"not a segment")
    with search_connection(settings, whoosh_options(ENGINE, tmp_path)):
        status, body = _health(client)
    assert (status, body) == (503, {"database": "ok", "index": "unavailable"})


def test_index_segment_deleted(indexed, client: Client) -> None:  # noqa: ANN001
    from pathlib import Path

    segments = list(Path(indexed.path).glob("*.seg"))
    assert segments
    for path in segments:
        path.unlink()
    connections.reload("default")
    status, body = _health(client)
    assert (status, body) == (503, {"database": "ok", "index": "unavailable"})


def test_database_unavailable(indexed, client: Client, monkeypatch) -> None:  # noqa: ANN001
    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connection, "cursor", refuse)
    status, body = _health(client)
    assert status == 503
    assert body["database"] == "unavailable"
    assert "connect" not in json.dumps(body)
