"""Filtering /documents/ in real Chromium: the menus' counts follow the chosen
filters and the county box suggests only the chosen province's counties; the
search page's one-year chip says the year once."""

from __future__ import annotations

import re

import pytest

from documents.models import Document
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = [
    ("浙江省", "临海市", "东塍镇", 2020),
    ("浙江省", "诸暨市", "店口镇", 2020),
    ("浙江省", "慈溪市", "周巷镇", 2021),
    ("福建省", "平潭县", "", 2020),
    ("福建省", "平潭县", "", 2020),
    ("上海市", "奉贤区", "庄行镇", 2020),
]


@pytest.fixture
def archive(live_server) -> str:  # noqa: ANN001
    for number, (province, county, township, year) in enumerate(DOCS):
        title = f"{township or county}{year}年工作计划（{number}）"
        Document.objects.create(
            title=title,
            body=f"{title}正文。",
            original=f"{title}正文。",
            content_hash=str(number),
            province=province,
            county=county,
            township=township,
            plan_year=year,
        )
    return live_server.url


def test_the_menus_count_what_they_list(page, browser, archive) -> None:
    page.goto(f"{archive}/documents/")
    page.get_by_text("筛选与排序").click()
    page.get_by_label("省份").select_option(label="浙江省 (3)")
    page.get_by_role("button", name="应用").click()
    assert "province=" in page.url
    year = page.locator("select[name=year]")
    labels = year.locator("option").all_inner_texts()
    # Within 浙江省: two of 2020, one of 2021 (the archive has five of 2020).
    assert "2020 (2)" in labels and "2021 (1)" in labels
    year.select_option(label="2020 (2)")
    page.get_by_role("button", name="应用").click()
    listed = page.locator(".doc-list > li > a").all_inner_texts()
    assert len(listed) == 2
    assert re.search(r"共 2 篇", page.locator(".count").inner_text())
    assert page.get_by_label("省份").locator("option:checked").inner_text() == (
        "浙江省 (2)"
    )
    counties = page.locator("#county-names option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert sorted(counties) == ["临海市", "诸暨市"]
    screenshot(browser, page.url, "documents-filtered")


def test_a_one_year_chip(page, browser, archive, search_index) -> None:  # noqa: ANN001
    page.goto(f"{archive}/search/?q=计划&year_from=2022&year_to=2022")
    chip = page.locator(".result-count .chip")
    assert chip.inner_text().startswith("2022 ")
    assert "2022–2022" not in page.content()
    screenshot(browser, page.url, "search-one-year")
