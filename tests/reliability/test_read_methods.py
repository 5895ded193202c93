"""Every public URL answers HEAD like GET and OPTIONS with its methods; writes
stay refused. Uptime monitors and link checkers send HEAD."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from documents.models import HarvestRun
from plansite.http import read_only
from tests.reliability.test_hostile_requests import ROUTE_PLACEHOLDERS, public_routes
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.search]

# Headers that may differ between two answers to the same request.
VOLATILE = {"Set-Cookie", "Date", "Expires", "Last-Modified"}


@pytest.fixture
def urls(search_index) -> list[str]:  # noqa: ANN001
    """Every public route, filled with a real document, year and place."""
    doc = make_document(
        "东塍镇2021年工作计划",
        "2021年，东塍镇全面推进乡村振兴，完善农村人居环境整治。",
        province="浙江省",
        city="台州市",
        county="临海市",
        township="东塍镇",
        plan_year=2021,
    )
    _attach(doc)
    search_index.update(_document_index(), [doc])
    # A harvested source, so /sources/<name>/ answers 200.
    HarvestRun.objects.create(source="trs-column", status=HarvestRun.Status.FINISHED)
    filled = {
        "pk": doc.pk,
        "year": 2021,
        "place": "浙江省",
        "number": 1,
        "name": "trs-column",
    }
    found = []
    for route in public_routes():
        for name, placeholder in ROUTE_PLACEHOLDERS.items():
            route = route.replace(str(placeholder), quote(str(filled[name])))
        found.append(route + ("?q=乡村振兴" if route != "/healthz" else ""))
    return found


def _attach(doc) -> None:  # noqa: ANN001
    """An extracted attachment, so the attachment routes answer 200."""
    from documents.attachments import store
    from documents.models import Attachment

    data = "附件：乡村振兴工作安排".encode()
    stored = store.put_bytes(data)
    Attachment.objects.create(
        document=doc,
        name="附件.txt",
        kind="html",
        media_type="text/plain",
        size=stored.size,
        sha256=stored.sha256,
        status=Attachment.Status.EXTRACTED,
        text="附件：乡村振兴工作安排",
        method="text",
    )


def _document_index():  # noqa: ANN202
    from haystack import connections

    from documents.models import Document

    return connections["default"].get_unified_index().get_index(Document)


def _headers(response) -> dict[str, str]:  # noqa: ANN001
    return {k: v for k, v in response.headers.items() if k not in VOLATILE}


def test_head_answers_as_get_without_a_body(urls: list[str]) -> None:
    client = Client()
    for url in urls:
        get = client.get(url)
        head = client.head(url)
        # /api/compare wants two groups: 400 to GET, so 400 to HEAD too.
        assert get.status_code in (200, 400), (url, get.status_code)
        assert head.status_code == get.status_code, (url, head.status_code)
        assert _headers(head) == _headers(get), url
        body = b"".join(head.streaming_content) if head.streaming else head.content
        assert body == b"", url


def test_options_lists_the_read_methods(urls: list[str]) -> None:
    client = Client()
    for url in urls:
        response = client.options(url)
        assert response.status_code == 200, (url, response.status_code)
        allowed = {m.strip() for m in response["Allow"].split(",")}
        assert allowed == {"GET", "HEAD", "OPTIONS"}, (url, allowed)


def test_writes_are_still_refused(urls: list[str]) -> None:
    client = Client()
    for url in urls:
        for method in ("post", "put", "patch", "delete", "trace"):
            response = getattr(client, method)(url)
            assert response.status_code == 405, (method, url, response.status_code)
            allowed = {m.strip() for m in response["Allow"].split(",")}
            assert allowed == {"GET", "HEAD", "OPTIONS"}, (method, url, allowed)


def test_the_decorator_never_lets_a_write_reach_the_view(rf) -> None:  # noqa: ANN001
    reached = []

    @read_only
    def view(request):  # noqa: ANN001, ANN202
        reached.append(request.method)
        from django.http import HttpResponse

        return HttpResponse("body")

    for method in ("post", "put", "patch", "delete"):
        assert getattr(rf, method)("/x").method.upper() == method.upper()
        assert view(getattr(rf, method)("/x")).status_code == 405
    assert view(rf.options("/x")).content == b""
    assert view(rf.head("/x")).status_code == 200
    assert reached == ["HEAD"]
