"""The coverage pages in real Chromium: from the navigation to a source's page,
its failing URLs paged, a withdrawn document's page; desktop and phone."""

from __future__ import annotations

import pytest

from documents.harvest.definitions import load_source
from tests.browser.conftest import screenshot
from tests.harvest.test_coverage_pages import FAILING, SOURCE, make_harvest_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def archive(live_server) -> tuple[str, dict]:  # noqa: ANN001
    return live_server.url, make_harvest_rows()


def test_a_researcher_reads_a_sources_coverage(watched, browser, archive) -> None:
    page, problems = watched
    url, rows = archive
    page.goto(f"{url}/")
    page.locator("header nav").get_by_role("link", name="采集来源").click()
    page.wait_for_url(f"{url}/sources/")
    assert page.locator(".coverage-table tbody tr").count() == 2
    # A shipped definition's source is listed under its Chinese title.
    title = load_source(SOURCE).title
    page.locator(".coverage-table").get_by_role("link", name=title).click()
    page.wait_for_url(f"{url}/sources/{SOURCE}/")
    stats = page.locator(".coverage-stats").inner_text()
    assert "列表自述总数" in stats and "125" in stats
    assert page.locator(".failing-urls tbody tr").count() == 50
    page.locator("#failing-title ~ nav.pager").get_by_role(
        "link", name="下一页 →"
    ).click()
    assert "page=2" in page.url
    assert page.locator(".failing-urls tbody tr").count() == FAILING - 50
    gone = rows["withdrawn"][0]
    page.get_by_role("link", name=gone.title).click()
    page.wait_for_url(f"{url}/documents/{gone.pk}/")
    assert not problems, problems


def test_the_coverage_pages_fit_desktop_and_phone(browser, archive) -> None:
    url, _rows = archive
    screenshot(browser, f"{url}/sources/", "coverage-sources")
    screenshot(browser, f"{url}/sources/{SOURCE}/", "coverage-source")


def test_the_empty_page_fits_too(browser, live_server) -> None:  # noqa: ANN001
    screenshot(browser, f"{live_server.url}/sources/", "coverage-empty")


def test_a_researcher_narrows_a_search_to_withdrawn_documents(
    watched, browser, live_server, search_index
) -> None:
    from documents.models import Availability
    from search.services import index_documents
    from tests.search.conftest import make_document

    states = [Availability.ONLINE, Availability.WITHDRAWN, Availability.UNKNOWN]
    made = [
        make_document(
            f"东塍镇{2019 + n}年工作计划",
            f"推进乡村振兴，第{n}项。",
            township="东塍镇",
            county="临海市",
            province="浙江省",
            plan_year=2019 + n,
            availability=states[n % 3],
        )
        for n in range(6)
    ]
    index_documents([d.pk for d in made])
    page, problems = watched
    page.goto(f"{live_server.url}/search/?q=乡村振兴")
    facet = page.locator(".facets-side .facet-availability")
    facet.get_by_role("link", name="已撤下").click()
    page.wait_for_url("**availability=withdrawn**")
    hits = page.locator("article.hit")
    assert hits.count() == 2
    assert page.locator("article.hit .badge-withdrawn").count() == 2
    assert "在线状态：已撤下" in page.locator(".chip").all_inner_texts()[-1]
    assert not problems, problems
    screenshot(browser, page.url, "availability-search")
