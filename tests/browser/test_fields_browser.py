"""Field search, numbers typed in another form, the issuer and province facets
and the issuer in each result, in real Chromium at desktop and phone width."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from documents.models import Document
from tests.browser.conftest import VIEWPORTS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SHOTS = Path(os.environ.get("PLANSITE_SHOTS", "/tmp/i17-fields-shots"))
INDEX_NO = "002590139/2023-74151"
# The same 索引号 as a reader might paste it: full-width digits, slash and dash.
TYPED = "００２５９０１３９／２０２３－７４１５１"


def _count(page) -> int:  # noqa: ANN001
    text = page.locator(".result-count").inner_text()
    return int(re.search(r"共\s*(\d+)\s*篇", text).group(1))


def test_a_pasted_number_issuer_facet_and_issuers(browser, live_archive) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    numbered = Document.objects.get(index_no=INDEX_NO)
    for name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_archive}/search/?q={quote(TYPED)}")
        first = page.locator("article.hit").first
        assert "编号相符" in first.inner_text()
        assert (
            first.locator("h2 a")
            .get_attribute("href")
            .startswith(f"/documents/{numbered.pk}/")
        )
        page.screenshot(path=str(SHOTS / f"search-number-{name}.png"), full_page=True)

        page.goto(f"{live_archive}/search/?q={quote('发展')}")
        hits = page.locator("article.hit")
        with_issuer = page.locator("article.hit .hit-issuer")
        assert hits.count() >= 10
        assert with_issuer.count() >= hits.count() - 2
        assert with_issuer.first.is_visible()
        page.screenshot(path=str(SHOTS / f"search-issuers-{name}.png"), full_page=True)
        if name == "desktop":
            # Pick the first issuer: exactly its count of documents remain.
            facet = page.locator(".facets-side .facet-issuer li").first
            wanted = int(facet.locator("small").inner_text().strip("()"))
            issuer = facet.locator("a").inner_text()
            facet.locator("a").click()
            page.wait_for_load_state()
            assert _count(page) == wanted
            issuers = page.locator("article.hit .hit-issuer").all_inner_texts()
            assert issuers and set(issuers) == {issuer}
            # The province facet filters by province (it set the category before).
            page.goto(f"{live_archive}/search/?q={quote('发展')}")
            province = page.locator(".facets-side .facet-province li").first
            wanted = int(province.locator("small").inner_text().strip("()"))
            province.locator("a").click()
            page.wait_for_load_state()
            assert "province=" in page.url and "category=" not in page.url
            assert _count(page) == wanted
            page.screenshot(path=str(SHOTS / "search-province-desktop.png"))
        page.goto(f"{live_archive}/search/?q={quote('标题:工作')}&page_size=100")
        titles = page.locator("article.hit h2").all_inner_texts()
        assert titles and all("工作" in t for t in titles)
        assert _count(page) == Document.objects.filter(title__contains="工作").count()
        page.screenshot(path=str(SHOTS / f"search-title-field-{name}.png"))
        context.close()
