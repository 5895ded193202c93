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

    # The page has a heading, and the year facet reads in year order.
    assert page.get_by_role("heading", level=1).count() == 1
    years = page.locator(".facets-side .facet-plan_year li a").all_inner_texts()
    assert years == sorted(years, reverse=True) and len(years) > 1

    # Narrow by a township facet: only that township's documents remain.
    # (The issuer facet may hold the same name: 东塍镇 issues its own plans.)
    page.locator(".facets-side .facet-township").get_by_role(
        "link", name="东塍镇"
    ).click()
    assert page.locator(".result-count").inner_text().startswith("共 1 篇")
    assert "东塍镇 ×" in page.locator(".result-count").inner_text()
    # The chip says which filter it removes; the chosen facet value is marked.
    assert page.get_by_role("link", name="取消筛选：东塍镇").is_visible()
    chosen = page.locator(".facets-side a[aria-current='true']")
    assert chosen.count() == 1 and chosen.inner_text().startswith("东塍镇")
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


def test_search_on_a_phone_puts_the_filters_first(browser, live_archive) -> None:  # noqa: ANN001
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_archive}/search/?q=发展&page_size=5")
    toggle = page.locator("details.facets-phone")
    results = page.get_by_role("region", name="检索结果")
    # A folded filter panel above the results, not after all of them.
    assert toggle.is_visible() and not page.locator(".facets-side").is_visible()
    assert toggle.bounding_box()["y"] < results.bounding_box()["y"]
    assert not toggle.get_by_role("button", name="应用").is_visible()
    toggle.locator("> summary").click()
    toggle.get_by_role("link", name="平潭县").click()
    assert "county=" in page.url
    assert "已选：平潭县" in page.locator("details.facets-phone > summary").inner_text()
    # Numbered pages, first and last, and a jump to any page.
    pager = page.get_by_role("navigation", name="分页")
    assert pager.get_by_role("link", name="第 2 页").is_visible()
    pager.get_by_label("跳到第").fill("2")
    pager.get_by_role("button", name="前往").click()
    assert "page=2" in page.url and "county=" in page.url
    assert pager.locator("a[aria-current='page']").inner_text() == "2"
    screenshot(browser, page.url, "search-results-filtered")
    context.close()


def test_an_empty_search_browses_newest_first(page, browser, live_archive) -> None:  # noqa: ANN001
    page.goto(f"{live_archive}/search/")
    sort = page.locator(".facets-side select[name='sort']")
    assert sort.evaluate("s => s.options[s.selectedIndex].text") == "最新"
    # Documents needing review say so, as in the lists.
    titles = page.locator(".hit h2 a").all_inner_texts()
    flagged = Document.objects.filter(title__in=titles, needs_review=True).count()
    assert page.locator(".hit .badge", has_text="待复核").count() == flagged
    # No stray separator where a document has no region.
    assert not any(
        t.strip().startswith("·") for t in page.locator(".hit-meta").all_inner_texts()
    )
    screenshot(browser, page.url, "search-browse")
