"""Every kind of page loads in Chromium without a script error or a failed request."""

from __future__ import annotations

import pytest

from documents.models import Document
from tests.browser.conftest import public_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_page_logs_an_error(watched, live_archive) -> None:  # noqa: ANN001
    page, problems = watched
    doc = Document.objects.filter(body__contains="乡村振兴").first()
    assert doc is not None
    for path in [*public_pages(doc), "/admin/login/"]:
        response = page.goto(live_archive + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        # Chromium asks for /favicon.ico after the load, if a page lets it.
        page.wait_for_timeout(300)
    assert not problems
