"""Issue 17's research-page fixes in real Chromium, measured rather than eyed:
KWIC's columns, the trend chart's axis and panels, the compare form's two
questions, the search page's feed link. Screenshots at desktop and phone
width go to var/screenshots/ (tests.browser.conftest.screenshot)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TERM = "乡村振兴"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# For each KWIC line: the context's characters, and whether its text box lies
# inside the cell's content box (nothing clipped, not even half a glyph).
MEASURE_KWIC = """() => [...document.querySelectorAll('table.kwic tbody tr')].map(tr => {
  const box = (cell) => {
    const r = cell.getBoundingClientRect(), s = getComputedStyle(cell);
    return {left: r.left + parseFloat(s.paddingLeft) - 0.5,
            right: r.right - parseFloat(s.paddingRight) + 0.5};
  };
  const left = tr.querySelector('td.left'), right = tr.querySelector('td.right');
  const range = document.createRange();
  range.selectNodeContents(right);
  const l = left.querySelector('bdi').getBoundingClientRect(), lb = box(left);
  const r = range.getBoundingClientRect(), rb = box(right);
  return {
    left: left.innerText.length, right: right.innerText.length,
    leftInside: l.left >= lb.left && l.right <= lb.right,
    rightInside: r.left >= rb.left && r.right <= rb.right,
    rightOverflows: right.scrollWidth > right.clientWidth,
    leftOverflows: l.width > lb.right - lb.left,
    ellipsis: getComputedStyle(left).textOverflow + " " + getComputedStyle(right).textOverflow,
    term: tr.querySelector('td.term').getBoundingClientRect().width,
  };
})"""


def test_kwic_shows_every_context_character_on_a_desktop(page, browser, live_archive):  # noqa: ANN001
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_archive}/research/kwic/?q={quote(TERM)}&width=30&page_size=100")
    lines = page.evaluate(MEASURE_KWIC)
    assert len(lines) > 20
    full = [line for line in lines if line["left"] == 30 and line["right"] == 30]
    assert len(full) > 10
    for line in lines:
        assert line["leftInside"] and line["rightInside"], line
        # The term column is as wide as a short term, not a quarter of the table.
        assert line["term"] < 120, line
    screenshot(browser, page.url, "research-kwic-30")

    # Wider than the columns: the far ends are cut at whole characters behind
    # an ellipsis that CSS draws (text-overflow), the term side never.
    page.goto(f"{live_archive}/research/kwic/?q={quote(TERM)}&width=80&page_size=20")
    lines = page.evaluate(MEASURE_KWIC)
    assert any(line["leftOverflows"] for line in lines)
    assert any(line["rightOverflows"] for line in lines)
    assert all(line["ellipsis"] == "ellipsis ellipsis" for line in lines)
    shown = page.locator("table.kwic tbody tr").first
    left_cell = shown.locator("td.left").bounding_box()
    term_cell = shown.locator("td.term").bounding_box()
    assert abs(left_cell["x"] + left_cell["width"] - term_cell["x"]) < 1

    # On a phone each line is a wrapped sentence: nothing cut at all.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_archive}/research/kwic/?q={quote(TERM)}&width=30")
    wrapped = page.evaluate(
        """() => [...document.querySelectorAll('table.kwic td.left, table.kwic td.right')]
        .every(td => td.scrollWidth <= td.clientWidth + 1)"""
    )
    assert wrapped
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


CHART = """() => {
  const chart = echarts.getInstanceByDom(document.getElementById('trend-chart'));
  const option = chart.getOption();
  return {
    axes: option.xAxis.map(axis => axis.data),
    grids: option.grid.length,
    series: option.series.map(s => ({name: s.name, all: s.showAllSymbol,
      points: s.data.filter(v => v !== null).length})),
    data: JSON.parse(document.getElementById('trend-data').textContent),
  };
}"""


def test_trend_axis_fits_the_data_and_places_get_panels(page, browser, live_archive):  # noqa: ANN001
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_archive}/research/trend/?q={quote(TERM)}&split=county")
    page.wait_for_function(
        "() => document.querySelector('#trend-chart svg, #trend-chart canvas')"
    )
    drawn = page.evaluate(CHART)
    # The table's years with matches, read off the page as a reader would.
    rows = page.locator("table.trend-table").first.locator("tbody tr")
    matched, known = [], []
    for index in range(rows.count()):
        cells = rows.nth(index).locator("th, td").all_inner_texts()
        if cells[0].isdigit():
            known.append(int(cells[0]))
            if int(cells[2]):
                matched.append(int(cells[0]))
    years = [str(y) for y in drawn["data"]["years"]]
    # A year either side of the matches, within the archive's years.
    assert min(known) < min(matched) - 1
    assert int(years[0]) == min(matched) - 1
    assert int(years[-1]) == min(max(matched) + 1, max(known))
    # One panel per line, each on the same fitted years.
    assert drawn["grids"] == len(drawn["series"]) > 1
    assert all(axis == years for axis in drawn["axes"])
    # A place with a year or two is drawn as dots that are never hidden.
    sparse = [s for s in drawn["series"] if s["points"] <= 2]
    assert sparse and all(s["all"] is True for s in sparse)
    # Tall enough for every panel.
    height = page.locator("#trend-chart").bounding_box()["height"]
    assert height >= 150 * len(drawn["series"])
    screenshot(browser, page.url, "research-trend-split")


def test_compare_form_separates_places_from_the_archive_scope(
    page, browser, live_archive
):  # noqa: ANN001
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"{live_archive}/research/compare/")
        places = page.locator("fieldset.compare-places")
        scope = page.locator("fieldset.compare-scope")
        assert "比较哪些地方" in places.locator("legend").inner_text()
        assert scope.locator("legend").inner_text() == "限定范围（可选）"
        assert places.locator("input[name=place]").count() == 5
        assert places.locator("input[name=level]").count() == 2
        assert places.locator("input[name=q], input[name=county]").count() == 0
        for name in ("q", "county", "year_from", "year_to"):
            assert scope.locator(f"input[name={name}]").is_visible(), name
        assert scope.locator("input[name=place]").count() == 0
        # No township box beside the place boxes: places are the boxes above.
        assert page.locator("input[name=township]:visible").count() == 0
        # The second question comes after the first, each with its help.
        assert places.bounding_box()["y"] < scope.bounding_box()["y"]
        assert scope.get_attribute("aria-describedby") == "scope-help"
        assert (
            page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        )
    screenshot(browser, f"{live_archive}/research/compare/", "research-compare-form")

    # The form still runs a comparison within its scope.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_archive}/research/compare/")
    page.locator("input[name=level][value=county]").check()
    page.locator("input[name=place]").nth(0).fill("平潭县")
    page.locator("input[name=place]").nth(1).fill("慈溪市")
    page.locator("fieldset.compare-scope input[name=q]").fill("发展")
    page.get_by_role("button", name="比较").click()
    assert page.locator("table.compare-table").is_visible()
    screenshot(browser, page.url, "research-compare-run")


def test_results_page_offers_its_feed(page, browser, live_archive):  # noqa: ANN001
    page.goto(f"{live_archive}/search/?q={quote(TERM)}")
    href = page.locator(
        'head link[rel=alternate][type="application/atom+xml"]'
    ).get_attribute("href")
    visible = page.locator(f'a[href="{href}"]')
    assert visible.is_visible()
    assert "订阅" in visible.inner_text()
    response = page.request.get(f"{live_archive}{href}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert "<entry>" in response.text()
    screenshot(browser, page.url, "search-feed-link")
