"""Documents whose text and metadata carry script, read in real Chromium: the
script never runs on any page (the trend chart's tooltip included), and the
reader sees the characters as they were written."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest

from documents.ingest.fingerprint import content_hash
from documents.models import Document
from search.services import index_documents

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each payload counts its own runs in window.__xss.
RUN = "window.__xss=(window.__xss||0)+1"
IMG = f'<img src=x onerror="{RUN}">'
SCRIPT = f"<script>{RUN}</script>"
SVG = f"<svg onload={RUN}>"
TERM = "乡村振兴"


def _document(n: int, township: str, county: str) -> Document:
    body = (
        f"一、总体要求。全面推进{TERM}，{IMG}加快美丽城镇建设。\n"
        f"二、重点任务。{SCRIPT}深化改革，推进{TERM}示范带建设。{SVG}\n"
    )
    return Document.objects.create(
        title=f"{IMG}{township}202{n}年工作计划{SCRIPT}",
        body=body,
        original=body,
        content_hash=content_hash(body),
        index_no=f"XSS-{n}",
        issuer=SCRIPT + township,
        province="浙江省",
        city="台州市",
        county=county,
        township=township,
        category=IMG,
        plan_year=2020 + n,
        doc_date=date(2020 + n, 1, 10),
    )


@pytest.fixture
def hostile_archive(live_server, search_index) -> dict:  # noqa: ANN001
    docs = [
        _document(1, f"{IMG}甲镇", f"{SCRIPT}乙县"),
        _document(2, f"{SVG}丙乡", f"{IMG}丁区"),
    ]
    index_documents([d.pk for d in docs])
    return {"url": live_server.url, "docs": docs}


def _no_script_ran(page) -> None:  # noqa: ANN001
    assert page.evaluate("window.__xss || 0") == 0, page.url


def test_no_page_runs_the_documents_script(page, hostile_archive) -> None:  # noqa: ANN001
    base = hostile_archive["url"]
    doc = hostile_archive["docs"][0]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    q = quote(TERM)
    town = quote(doc.township)
    pages = [
        "/",
        "/documents/",
        f"/documents/{doc.pk}/",
        f"/documents/{doc.pk}/?q={q}",
        f"/documents/{doc.pk}/?q={quote('<script>')}",
        f"/documents/{doc.pk}/?view=original",
        f"/search/?q={q}",
        f"/search/?q={q}&township={town}",
        f"/search/?q={quote(SCRIPT)}",
        "/regions/",
        "/years/2021/",
        f"/research/trend/?q={q}&split=township",
        f"/research/kwic/?q={q}",
        f"/research/kwic/?q={quote('<img')}&order=left",
        f"/research/compare/?q={q}&level=township&place={town}"
        f"&place={quote(hostile_archive['docs'][1].township)}",
        f"/research/export/?q={q}",
    ]
    for path in pages:
        page.goto(base + path)
        page.wait_for_load_state("load")
        _no_script_ran(page)
    assert not dialogs

    # The reader sees the characters of the title, not an image.
    page.goto(f"{base}/documents/{doc.pk}/")
    assert IMG in page.locator("h1").inner_text()
    assert page.locator("main img").count() == 0


def test_trend_chart_tooltip_shows_hostile_place_names_as_text(
    page, hostile_archive
) -> None:  # noqa: ANN001
    base = hostile_archive["url"]
    page.goto(f"{base}/research/trend/?q={quote(TERM)}&split=township")
    chart = page.locator("#trend-chart")
    chart.locator("svg").first.wait_for()
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None
    # ECharts' tooltip is the chart's second child, filled while the pointer
    # is over the plot. Sweep across it so it opens over each year.
    tooltip = page.locator("#trend-chart > div").nth(1)
    shown = set()
    # Through the first plot: split by township, the chart is a stack of
    # panels, and the tooltip of any panel names every line.
    height = min(box["height"] / 2, 90)
    for step in range(1, 20):
        page.mouse.move(box["x"] + box["width"] * step / 20, box["y"] + height)
        page.wait_for_timeout(50)
        _no_script_ran(page)
        if tooltip.is_visible():
            shown.add(tooltip.inner_text())
    text = "\n".join(shown)
    # The names as the reader should see them: their characters, markup and all.
    assert IMG + "甲镇" in text and SVG + "丙乡" in text, shown
    assert page.locator("#trend-chart img, #trend-chart div svg[onload]").count() == 0
    _no_script_ran(page)
