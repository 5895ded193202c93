"""Following a KWIC link to a deep hit of a 5 MiB document in real Chromium."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from bench.corpus import largest_body
from documents.models import Document
from research.kwic import document_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def part_of(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["part"][0])


def test_a_kwic_link_to_a_deep_hit_scrolls_to_it(
    page,
    browser,
    live_server,
    search_index,  # noqa: ANN001
) -> None:
    body = largest_body(settings.PLANSITE_MAX_DOCUMENT_BYTES)
    doc = Document.objects.create(title="超长文档", body=body, original=body)
    lines = list(document_lines(doc, ["的"], query="的", width=10))
    deep = lines[len(lines) * 3 // 4]
    assert "part=" in deep.url
    page.goto(f"{live_server.url}{deep.url}")
    current = page.locator("mark.current")
    assert current.get_attribute("id") == f"hit-{deep.hit}"
    box = current.bounding_box()
    assert 0 <= box["y"] <= page.viewport_size["height"] - box["height"]
    bar = page.get_by_role("navigation", name="命中位置")
    assert bar.locator("[data-hit-status]").inner_text() == f"{deep.hit} / {len(lines)}"

    # Past the last hit of the part, "next" goes on to the next part's first hit.
    last = page.locator("mark[id^='hit-']").last.get_attribute("id")
    page.goto(f"{live_server.url}{deep.url.split('#')[0]}#{last}")
    page.reload()  # a new fragment alone is no new page
    assert page.locator("mark.current").get_attribute("id") == last
    with page.expect_navigation():
        bar.get_by_role("link", name="下一处 →").click()
    following = f"hit-{int(last[4:]) + 1}"
    assert page.locator("mark.current").get_attribute("id") == following
    assert page.url.endswith(f"#{following}")
    assert part_of(page.url) == part_of(deep.url) + 1
