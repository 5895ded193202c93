"""Every kind of page loads in Chromium without a script error or a failed request."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from documents.models import Document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TERM = quote("乡村振兴")


def test_no_page_logs_an_error(page, live_archive) -> None:  # noqa: ANN001
    doc = Document.objects.filter(body__contains="乡村振兴").first()
    assert doc is not None
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"{page.url}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    paths = [
        "/",
        "/documents/",
        f"/documents/{doc.pk}/?q={TERM}",
        "/regions/",
        "/years/",
        f"/search/?q={TERM}",
        f"/research/trend/?q={TERM}&split=county",
        f"/research/kwic/?q={TERM}",
        f"/research/compare/?q={TERM}",
        f"/research/export/?q={TERM}",
        "/research/api/",
        "/admin/login/",
    ]
    for path in paths:
        response = page.goto(live_archive + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        # Chromium asks for /favicon.ico after the load, if a page lets it.
        page.wait_for_timeout(300)
    assert not problems
