"""Missing pages and odd parameters, through the test client: one archive for all.

These tests only read (GET requests), so one committed import of the seeds and the
Pingtan pages serves the module, as tests/research/conftest.py does for its package:
each imported its own before (~2 s each, a third of tests/documents/test_pages.py).
The tests that edit the archive, count queries on a cold cache or read what an
import leaves stay in test_pages.py with an archive of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from documents.models import Document
from tests.conftest import committed_archive
from tests.documents.test_pages import LIST_URLS, html

pytestmark = [pytest.mark.django_db, pytest.mark.search]


@pytest.fixture(scope="module")
def archive(
    django_db_setup,  # noqa: ANN001
    django_db_blocker,  # noqa: ANN001
    tmp_path_factory: pytest.TempPathFactory,
    seeds_dir: Path,
    corpus_dir: Path,
) -> Iterator[None]:
    """The seeds and the Pingtan pages, imported, indexed and committed once for this
    module, and deleted after it."""
    index_dir = tmp_path_factory.mktemp("pages-odd") / "whoosh_index"
    with committed_archive(index_dir, django_db_blocker, seeds_dir, corpus_dir):
        yield


@pytest.mark.parametrize(
    "url",
    [
        "/nope/",
        "/documents/999999/",
        "/documents/999999/text.txt",
        "/documents/abc/",
        "/years/1800/",
        "/years/99999/",
        "/regions/火星省/",
        "/regions/浙江省/台州市/临海市/东塍镇/多余/",
        "/regions/浙江省/不存在市/",
        "/regions/浙江省//临海市/",
        "/regions/%00/",
        "/regions/浙江省/台州%0A市/",
        "/years/99999999999999999999/",
        "/documents/99999999999999999999/",
    ],
)
def test_missing_pages_get_the_404_page(client, archive, settings, url: str) -> None:
    settings.DEBUG = False
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert 'class="skip-link"' in page


ODD_VALUES = [
    "",
    "0",
    "-1",
    "abc",
    "99999999999999999999",
    "1.5",
    "%00",
    "\x00",
    "<script>alert(1)</script>",
    "'; DROP TABLE documents_document; --",
    "乡" * 500,
    "year",
    "None",
    "\u200b",
    "２０２０",
]


PARAMS = (
    "page",
    "sort",
    "kind",
    "review",
    "year",
    "category",
    "province",
    "county",
    "township",
)


def test_bad_parameters_never_give_a_500(client, archive) -> None:
    for url in LIST_URLS:
        for value in ODD_VALUES:
            response = client.get(url, dict.fromkeys(PARAMS, value))
            assert response.status_code == 200, (url, value)
            for name in ("page", "sort", "year"):
                response = client.get(url, {name: value})
                assert response.status_code == 200, (url, name, value)
        bad = {"page": "abc", "sort": "x", "kind": "y", "year": "z"}
        page = client.get(url, bad).content.decode()
        if url not in ("/", "/years/"):
            assert "已忽略" in page, url


def test_page_past_the_end_shows_the_last_page_with_a_message(client, archive) -> None:
    page = html(client, "/documents/", page=500)
    assert "超出范围" in page


def test_document_page_with_odd_parameters(client, archive) -> None:
    doc = Document.objects.first()
    for value in ODD_VALUES:
        for name in ("q", "view"):
            response = client.get(doc.get_absolute_url(), {name: value})
            assert response.status_code == 200, (name, value)
