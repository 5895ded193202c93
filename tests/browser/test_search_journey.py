"""A researcher's search journey in real Chromium: search, facet, document, hits."""

from __future__ import annotations

import pytest

from documents.models import Document
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_facet_document_next_highlight(page, browser, live_archive) -> None:  # noqa: ANN001
    page.goto(f"{live_archive}/search/")
    page.get_by_role("searchbox").fill("乡村振兴")
    page.get_by_role("button", name="检索").click()
    expected = sum(
        1 for d in Document.objects.all() if "乡村振兴" in f"{d.title}\n{d.body}"
    )
    assert page.locator(".result-count").inner_text().startswith(f"共 {expected} 篇")
    assert page.locator(".hit mark").first.inner_text() == "乡村振兴"
    screenshot(browser, page.url, "search-results")

    # Narrow by a township facet: only that township's documents remain.
    page.locator(".facets").get_by_role("link", name="东塍镇").click()
    assert page.locator(".result-count").inner_text().startswith("共 1 篇")
    assert "东塍镇 ×" in page.locator(".result-count").inner_text()
    page.locator(".hit h2 a").first.click()

    assert page.locator("h1").inner_text() == "东塍镇2020年工作计划"
    marks = page.locator("mark[id^='hit-']")
    doc = Document.objects.get(title="东塍镇2020年工作计划")
    assert marks.count() == doc.body.count("乡村振兴") > 1
    page.get_by_role("link", name="下一处 →").click()
    assert page.locator("mark.current").get_attribute("id") == "hit-1"
    page.get_by_role("link", name="下一处 →").click()
    assert page.locator("mark.current").get_attribute("id") == "hit-2"
    assert page.url.endswith("#hit-2")
    page.get_by_role("link", name="← 上一处").click()
    assert page.locator("mark.current").get_attribute("id") == "hit-1"
    # Single-key shortcuts are off until the reader turns them on (WCAG 2.1.4).
    page.keyboard.press("n")
    assert page.locator("mark.current").get_attribute("id") == "hit-1"
    page.get_by_label("用 n / p 键跳转").check()
    page.keyboard.press("n")
    assert page.locator("mark.current").get_attribute("id") == "hit-2"
    screenshot(browser, page.url, "document-highlights")


def test_hostile_query_in_the_browser_shows_a_message(page, live_archive) -> None:  # noqa: ANN001
    page.goto(f"{live_archive}/search/?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert page.get_by_role("searchbox").input_value() == "<script>alert(1)</script>"
    assert "共 0 篇" in page.locator(".result-count").inner_text()
