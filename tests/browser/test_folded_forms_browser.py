"""The 原字形 switch in real Chromium: folded forms by default, exact on request."""

from __future__ import annotations

import pytest

from search.services import index_documents
from tests.browser.conftest import screenshot
from tests.search.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_forms(live_server, search_index) -> str:  # noqa: ANN001
    ids = [
        make_document("中華人民共和國憲法草案", "全國人民代表大會通過了憲法。").pk,
        make_document("宪法宣传周", "学习宪法，１９５５年。").pk,
        make_document("乡村振兴", "产业兴旺。").pk,
    ]
    assert index_documents(ids) == len(ids)
    return live_server.url


def test_the_switch_turns_folding_off_and_stays_on(page, browser, live_forms) -> None:  # noqa: ANN001
    page.goto(f"{live_forms}/search/")
    page.get_by_role("searchbox").fill("宪法")
    page.get_by_role("button", name="检索").click()
    count = page.locator(".result-count")
    assert count.inner_text().startswith("共 2 篇")
    # Folded: the traditional document's 憲法 is marked for 宪法.
    assert "憲法" in page.locator(".hit mark").all_inner_texts()
    switch = page.get_by_role("checkbox", name="原字形")
    assert not switch.is_checked()

    switch.check()
    page.get_by_role("button", name="检索").click()
    assert "form=exact" in page.url
    assert count.inner_text().startswith("共 1 篇")
    assert page.get_by_role("checkbox", name="原字形").is_checked()
    assert set(page.locator(".hit mark").all_inner_texts()) == {"宪法"}
    screenshot(browser, page.url, "search-exact-form")

    # The research tools open in the same form.
    page.get_by_role("link", name="年度趋势").click()
    assert page.get_by_role("checkbox", name="原字形").is_checked()
    screenshot(browser, page.url, "trend-exact-form")

    # Full-width digits: folded finds them for 1955, exact only as written.
    page.goto(f"{live_forms}/search/?q=1955")
    assert count.inner_text().startswith("共 1 篇")
    page.goto(f"{live_forms}/search/?q=1955&form=exact")
    assert count.inner_text().startswith("共 0 篇")
