"""The research tools in real Chromium: results → trend → KWIC → the spot in the text."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from documents.models import Document
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TERM = "乡村振兴"


def _texts() -> list[Document]:
    return [d for d in Document.objects.all() if TERM in f"{d.title}\n{d.body}"]


def test_results_to_trend_to_kwic_to_the_document(page, browser, live_archive) -> None:  # noqa: ANN001
    page.goto(f"{live_archive}/search/?q={quote(TERM)}")
    page.get_by_role("link", name="年度趋势").click()
    expect(page.locator("h1")).to_have_text("趋势")

    # The table under the chart: matching documents per plan year, as a scan finds.
    expected = Counter(d.plan_year for d in _texts())
    rows = page.locator("table.trend-table").first.locator("tbody tr")
    shown = {}
    for index in range(rows.count()):
        cells = rows.nth(index).locator("th, td").all_inner_texts()
        year = None if cells[0] == "年度不详" else int(cells[0])
        shown[year] = int(cells[2])
    assert {y: n for y, n in shown.items() if n} == dict(expected)
    # ECharts drew the chart (a canvas inside the chart box) from the vendored file.
    chart = page.locator("#trend-chart")
    assert chart.is_visible()
    assert chart.locator("canvas, svg").count() >= 1
    screenshot(browser, page.url, "research-trend")

    page.goto(f"{live_archive}/research/kwic/?q={quote(TERM)}&page_size=100")
    occurrences = sum(f"{d.title}\n{d.body}".count(TERM) for d in _texts())
    lines = page.locator("table.kwic tbody tr")
    assert lines.count() == min(occurrences, 100)
    first = lines.first
    assert first.locator("td.term").inner_text() == TERM
    left = first.locator("td.left").inner_text()
    right = first.locator("td.right").inner_text()
    screenshot(browser, page.url, "research-kwic")

    # The link lands on that occurrence, highlighted, with its context around it.
    first.locator("td.term a").click()
    target = page.url.rsplit("#", 1)[1]
    mark = page.locator(f"mark#{target}")
    assert mark.inner_text() == TERM
    paragraph = mark.evaluate("m => m.parentElement.closest('p, li, div').innerText")
    assert (
        left.strip()[-3:] + TERM in paragraph or TERM + right.strip()[:3] in paragraph
    )


def test_compare_two_townships(page, browser, live_archive) -> None:  # noqa: ANN001
    page.goto(
        f"{live_archive}/research/compare/?level=township&place=东塍镇&place=周巷镇"
    )
    expect(page.locator("h1")).to_have_text("地区比较")
    table = page.locator("table.compare-table")
    header = table.locator("thead").inner_text()
    assert "东塍镇" in header and "周巷镇" in header
    total = {
        name: Document.objects.filter(township=name).count()
        for name in ("东塍镇", "周巷镇")
    }
    body = table.inner_text()
    for name, count in total.items():
        assert count > 0, name
        assert str(count) in body
    assert page.locator("h3", has_text="东塍镇").count() == 1
    screenshot(browser, page.url, "research-compare")

    # A name with no documents is named, and nothing is compared.
    page.get_by_label("地方 2").fill("火星镇")
    page.get_by_role("button", name="比较").click()
    assert (
        page.get_by_role("alert")
        .inner_text()
        .startswith("没有找到名为“火星镇”的乡镇街道")
    )
    assert page.locator("table.compare-table").count() == 0
    # The suggestions follow the level chosen.
    box = page.get_by_label("地方 1")
    assert box.get_attribute("list") == "places-township"
    page.get_by_label("区县", exact=True).first.check()
    assert box.get_attribute("list") == "places-county"


def test_the_tools_on_a_phone(browser, live_archive) -> None:  # noqa: ANN001
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_archive}/research/trend/?q=发展&split=county")
    page.locator("#trend-chart svg").first.wait_for()
    # Nothing wider than the screen: not the chart's legend, not the tables.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    header = page.locator("table.trend-table thead th").nth(1)
    # A header line holds several characters, not one.
    assert header.bounding_box()["width"] >= 36
    screenshot(browser, page.url, "research-trend-split")

    page.goto(f"{live_archive}/research/kwic/?q={quote(TERM)}")
    first = page.locator("table.kwic tbody tr").first
    # Stacked: the context reads as one line of text across the screen.
    assert first.locator("td.right").bounding_box()["width"] > 0
    assert first.bounding_box()["width"] > 300
    doc = first.locator("td.doc")
    assert doc.bounding_box()["y"] > first.locator("td.term").bounding_box()["y"]
    assert "…" not in doc.locator("a").inner_text()[:6]
    context.close()


def test_research_index_export_and_the_api_page(page, browser, live_archive) -> None:  # noqa: ANN001
    page.goto(f"{live_archive}/research/")
    expect(page.locator("h1")).to_have_text("研究工具")
    screenshot(browser, page.url, "research-index")
    page.get_by_role("link", name="API 说明").click()
    expect(page.locator("h1")).to_have_text("API 说明")
    for path in (
        "/api/search",
        "/api/trend",
        "/api/kwic",
        "/api/compare",
        "/api/export",
    ):
        assert page.get_by_role("heading", name=f"GET {path}").is_visible()
    screenshot(browser, page.url, "research-api")
    # An example runs.
    page.locator("#apicompare .api-examples a").first.click()
    assert "东塍镇" in page.content()

    page.goto(f"{live_archive}/research/export/?q={quote(TERM)}")
    text = page.locator("main").inner_text()
    assert "X-Export" not in text and "未登录时每个文件最多" in text
    screenshot(browser, page.url, "research-export")
