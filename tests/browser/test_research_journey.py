"""The research tools in real Chromium: results → trend → KWIC → the spot in the text."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import pytest

from documents.models import Document
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TERM = "乡村振兴"


def _texts() -> list[Document]:
    return [d for d in Document.objects.all() if TERM in f"{d.title}\n{d.body}"]


def test_results_to_trend_to_kwic_to_the_document(page, browser, live_archive) -> None:  # noqa: ANN001
    page.goto(f"{live_archive}/search/?q={quote(TERM)}")
    page.get_by_role("link", name="年度趋势").click()
    assert page.locator("h1").inner_text() == "趋势"

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
    assert page.locator("h1").inner_text() == "地区比较"
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
