"""Proximity in real Chromium: 乡村振兴 /s 产业 marks only the occurrences that count."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.models import Document
from documents.texts import searchable_fields
from search.highlight import find_spans
from search.query import parse_query
from search.textmatch import matches
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUERY = "乡村振兴 /s 产业"
SHOTS = Path("/tmp/i17-near-shots")


def test_proximity_search_and_document_marks(page, browser, live_archive) -> None:  # noqa: ANN001
    node = parse_query(QUERY)
    want = {d.pk for d in Document.objects.all() if matches(searchable_fields(d), node)}
    assert want, "the sample archive has sentences with both"

    page.goto(f"{live_archive}/search/")
    page.get_by_role("searchbox").fill(QUERY)
    page.get_by_role("button", name="检索").click()
    assert page.locator(".result-count").inner_text().startswith(f"共 {len(want)} 篇")
    marked = set(page.locator(".hit .snippet mark").all_inner_texts())
    assert marked and marked <= {"乡村振兴", "产业"}
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "search-proximity-desktop.png"), full_page=True)
    screenshot(browser, page.url, "search-proximity")

    # The syntax help explains the operators.
    page.locator(".syntax-help summary").click()
    assert "/s" in page.locator(".syntax-help").inner_text()

    # The document page marks the body's qualifying occurrences only.
    page.locator(".hit h2 a").first.click()
    assert "near" not in page.url and "q=" in page.url
    title = page.locator("h1").inner_text()
    doc = Document.objects.get(title=title)
    spans = find_spans(doc.body, node)
    everywhere = find_spans(doc.body, ["乡村振兴", "产业"])
    assert len(spans) < len(everywhere), (
        "the document has occurrences that do not count"
    )
    assert page.locator("mark[id^='hit-']").count() == len(spans)
    page.screenshot(path=str(SHOTS / "document-proximity-desktop.png"), full_page=False)

    # The 同句 choice beside the box reads plain terms the same way.
    page.goto(f"{live_archive}/search/")
    page.get_by_role("searchbox").fill("乡村振兴 产业")
    page.locator("select[name='near']").select_option("s")
    page.get_by_role("button", name="检索").click()
    assert "near=s" in page.url
    assert page.locator(".result-count").inner_text().startswith(f"共 {len(want)} 篇")
    assert page.locator("select[name='near']").input_value() == "s"
    # Links to the document keep the choice, so it marks the same.
    assert "near=s" in page.locator(".hit h2 a").first.get_attribute("href")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "search-near-phone.png"), full_page=False)
