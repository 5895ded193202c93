"""A researcher browsing and reading in real Chromium: regions, years, a document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from documents.citation import gbt7714
from documents.models import Document
from tests.browser.conftest import VIEWPORTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOC_TITLE = "东塍镇2020年工作计划"


def expect_heading(page, text: str) -> None:  # noqa: ANN001
    # After a click the old page may still be showing: wait for the new heading.
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_home_to_a_document_through_the_region_tree(
    page, browser, live_archive_unindexed
) -> None:
    page.goto(f"{live_archive_unindexed}/")
    expect_heading(page, "政府工作计划档案")
    screenshot(browser, page.url, "home")

    page.get_by_role("link", name="全部地区 →").click()
    expect_heading(page, "按地区浏览")
    screenshot(browser, page.url, "regions")

    for place, child_label, shot in (
        ("浙江省", "地市", "province"),
        ("台州市", "区县", "city"),
        ("临海市", "乡镇街道", "county"),
    ):
        page.get_by_role("link", name=place, exact=True).click()
        expect_heading(page, place)
        # The crumbs name every level above, and the next level is listed.
        assert page.get_by_role("navigation", name="位置").get_by_text(place).count()
        assert page.get_by_role("heading", level=2, name=child_label).is_visible()
        screenshot(browser, page.url, f"region-{shot}")

    page.get_by_role("link", name="东塍镇", exact=True).click()
    expect_heading(page, "东塍镇")
    crumbs = page.get_by_role("navigation", name="位置").get_by_role("listitem")
    assert crumbs.all_inner_texts() == [
        "全部地区",
        "浙江省",
        "台州市",
        "临海市",
        "东塍镇",
    ]
    assert page.locator("figure.year-record").is_visible()
    assert page.get_by_role("heading", level=2, name="2020 年度").is_visible()
    screenshot(browser, page.url, "township")

    page.get_by_role("link", name=DOC_TITLE).click()
    expect_heading(page, DOC_TITLE)
    # Its 成文日期 (2021-01-13) is later than its 发布日期 (2020-02-26): flagged.
    notice = page.get_by_role("complementary", name="本条记录待复核")
    assert "系推断所得：计划年度。" in notice.inner_text()
    assert "成文日期晚于发布日期" in notice.inner_text()
    meta = page.locator("dl.meta")
    assert "浙江省 › 台州市 › 临海市 › 东塍镇" in meta.inner_text()
    # The mark never breaks in the middle: one line, as wide as it is.
    mark = meta.locator(".inferred").first
    box = mark.bounding_box()
    assert box["height"] < 2 * float(
        mark.evaluate("m => parseFloat(getComputedStyle(m).lineHeight) || 20")
    )
    assert_contents_list_not_clipped(page)
    screenshot(browser, page.url, "document")


def assert_contents_list_not_clipped(page) -> None:  # noqa: ANN001
    """Every entry of the contents list starts inside its (scrolling) box."""
    toc = page.get_by_role("navigation", name="目录")
    assert toc.is_visible()
    left = toc.bounding_box()["x"]
    links = toc.get_by_role("link")
    assert links.count() > 1
    for index in range(min(links.count(), 12)):
        assert links.nth(index).bounding_box()["x"] >= left, links.nth(
            index
        ).inner_text()


def test_a_run_together_document_gets_a_contents_list(
    page, browser, live_archive_unindexed
) -> None:
    # The Pingtan pages flatten the whole text into one paragraph.
    doc = Document.objects.get(title__startswith="平潭综合实验区金井片区管理局2022年")
    assert "\n" not in doc.body
    page.goto(f"{live_archive_unindexed}{doc.get_absolute_url()}")
    toc = page.get_by_role("navigation", name="目录")
    entries = toc.get_by_role("link").all_inner_texts()
    assert entries[:2] == [
        "一、2022年工作总结",
        "（一）深入开展专项教育行动，答好净化政治生态答卷。",
    ]
    assert "二、2023年工作计划" in entries and len(entries) >= 15
    assert_contents_list_not_clipped(page)
    # An entry leads to its heading in the text, which is the stored text.
    toc.get_by_role("link", name="二、2023年工作计划").click()
    target = page.locator("#" + page.url.rsplit("#", 1)[1])
    assert target.inner_text() == "二、2023年工作计划"
    text = page.get_by_role("region", name="正文").inner_text()
    assert "".join(text.split()) == "".join(doc.body.split())
    screenshot(browser, page.url, "document-run-together")


def test_the_list_of_all_documents_by_place_and_unknown_year(
    page, browser, live_archive_unindexed
) -> None:
    page.goto(f"{live_archive_unindexed}/documents/")
    expect_heading(page, "全部文档")
    page.get_by_text("筛选与排序").click()
    page.get_by_label("区县").fill("平潭")
    page.get_by_role("button", name="应用").click()
    # A name that is not quite right gets a hint with the place it may mean.
    hint = page.get_by_role("status").filter(has_text="没有名为“平潭”的区县")
    assert hint.is_visible()
    hint.get_by_role("link", name="平潭县").click()
    pingtan = Document.objects.filter(county="平潭县")
    assert f"共 {pingtan.count()} 篇" in page.locator(".count").inner_text()
    shown = page.locator(".doc-list > li > a").all_inner_texts()
    assert sorted(shown) == sorted(pingtan.values_list("title", flat=True))
    # No stray separator before the year of a document without a region.
    metas = page.locator(".doc-meta").all_inner_texts()
    assert not any(m.strip().startswith("·") for m in metas)
    screenshot(browser, page.url, "document-list")


def test_year_timeline_to_a_document(page, browser, live_archive_unindexed) -> None:
    page.goto(f"{live_archive_unindexed}/")
    page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name="年度"
    ).click()
    expect_heading(page, "按年度浏览")
    years = Document.objects.exclude(plan_year=None).values_list("plan_year", flat=True)
    assert f"计划年度共 {len(set(years))} 个" in page.locator(".lede").inner_text()
    screenshot(browser, page.url, "years")

    in_2020 = Document.objects.filter(plan_year=2020)
    page.get_by_role("link", name=re.compile(r"^2020\b")).click()
    expect_heading(page, "2020 年度")
    assert f"共 {in_2020.count()} 篇文档" in page.locator(".lede").inner_text()
    shown = page.locator(".region-group .doc-list > li > a").all_inner_texts()
    assert sorted(shown) == sorted(in_2020.values_list("title", flat=True))
    screenshot(browser, page.url, "year")

    page.get_by_role("link", name=DOC_TITLE).click()
    expect_heading(page, DOC_TITLE)
    assert page.get_by_role("link", name="2020", exact=True).is_visible()


def test_original_text_toggle(page, browser, live_archive_unindexed) -> None:
    doc = Document.objects.get(title=DOC_TITLE)
    page.goto(f"{live_archive_unindexed}{doc.get_absolute_url()}")
    assert page.locator("pre.original").count() == 0
    assert page.get_by_role("region", name="正文").is_visible()

    # A click only starts the navigation: wait for the new page, not the old one.
    page.get_by_role("link", name="原始文本").click()
    expect(page).to_have_url(re.compile(r"\?view=original$"))
    original = page.locator("pre.original")
    expect(original).to_be_visible()
    # The original is shown as imported, page chrome and all.
    assert "进入老年模式" in original.inner_text()
    assert page.get_by_role("region", name="正文").count() == 0
    screenshot(browser, page.url, "document-original")

    page.get_by_role("link", name="整理文本").click()
    expect(page.get_by_role("region", name="正文")).to_be_visible()
    expect(page.locator("pre.original")).to_have_count(0)


def test_without_javascript_every_control_still_works(
    browser, live_archive_unindexed
) -> None:
    # The narrowest phone in common use, where the sticky hit bar is tallest.
    context = browser.new_context(
        viewport={"width": 320, "height": 640},
        locale="zh-CN",
        java_script_enabled=False,
    )
    page = context.new_page()
    doc = Document.objects.get(title=DOC_TITLE)
    page.goto(f"{live_archive_unindexed}{doc.get_absolute_url()}?q=乡村振兴")
    # No script, no copy button; the citation is still there to select.
    assert not page.get_by_role("button", name="复制").is_visible()
    assert page.locator("#citation-text").inner_text().startswith("东塍镇. ")
    # Hit navigation is plain anchors.
    page.get_by_text("全部位置").click()
    # Each line of the list is the hit's number and its context (issue 17).
    page.get_by_role("link", name=re.compile(r"^2 .*乡村振兴")).click()
    assert page.url.endswith("#hit-2")
    assert page.locator("#hit-2").is_visible()
    # The hit jumped to is below the sticky bar of controls, not under it.
    bar = page.get_by_role("navigation", name="命中位置").bounding_box()
    mark = page.locator("#hit-2").bounding_box()
    assert mark["y"] >= bar["y"] + bar["height"]
    # The toggle is a link that keeps the query.
    page.get_by_role("link", name="原始文本").click()
    assert "view=original" in page.url and "q=" in page.url
    assert page.locator("pre.original mark").first.inner_text() == "乡村振兴"

    # List filters are a plain form; the choice lands in the URL.
    page.goto(f"{live_archive_unindexed}/years/2020/")
    page.get_by_text("筛选与排序").click()
    page.get_by_label("类型").select_option(label="报告与总结")
    page.get_by_role("button", name="应用").click()
    assert "kind=report" in page.url
    reports = Document.objects.filter(plan_year=2020, title__contains="报告")
    shown = page.locator(".region-group .doc-list > li > a").all_inner_texts()
    assert shown == list(reports.values_list("title", flat=True)) != []
    assert "报告与总结" in page.locator(".chips").inner_text()
    context.close()


def test_citation_copy_and_text_download(
    page, live_archive_unindexed, tmp_path: Path
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    doc = Document.objects.get(title=DOC_TITLE)
    url = f"{live_archive_unindexed}{doc.get_absolute_url()}"
    page.goto(url)
    expected = gbt7714(doc, url=doc.source_url or url, accessed=timezone.localdate())
    assert page.locator("#citation-text").inner_text() == expected

    page.get_by_role("button", name="复制").click()
    # The clipboard write is asynchronous: wait for the notice, do not poll once.
    expect(page.get_by_role("status").filter(has_text="已复制到剪贴板")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == expected

    with page.expect_download() as info:
        page.get_by_role("link", name="下载文本（.txt）").click()
    download = info.value
    assert download.suggested_filename.endswith(".txt")
    assert DOC_TITLE in download.suggested_filename
    saved = tmp_path / "doc.txt"
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith(f"标题：{DOC_TITLE}\n")
    assert f"引用格式：{expected}" in text


def test_keyboard_landmarks_and_the_missing_page(
    page, browser, live_archive_unindexed
) -> None:
    page.goto(f"{live_archive_unindexed}/")
    for role in ("banner", "main", "contentinfo", "search"):
        assert page.get_by_role(role).count() == 1, role
    assert page.get_by_role("navigation", name="主导航").is_visible()

    # The skip link is off screen until the first Tab shows it; following it
    # puts focus on the content.
    skip = page.get_by_role("link", name="跳到正文")
    assert skip.bounding_box()["y"] < 0
    page.keyboard.press("Tab")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # From there the search box is the next stop; type and submit with the keyboard.
    page.keyboard.press("Tab")
    searchbox = page.get_by_role("searchbox", name="检索词")
    assert searchbox.evaluate("el => el === document.activeElement")
    page.keyboard.type("乡村振兴")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    # What the search finds is test_search_journey's business (this archive has
    # no index); here the query arrives on the results page.
    assert page.get_by_role("searchbox").input_value() == "乡村振兴"
    assert page.locator(".result-count").is_visible()
    assert page.get_by_role("main").count() == 1

    response = page.goto(f"{live_archive_unindexed}/documents/999999/")
    assert response.status == 404
    expect_heading(page, "页面不存在")
    assert page.get_by_role("link", name="回到首页").is_visible()
    assert page.get_by_role("searchbox").is_visible()
    for role in ("banner", "main", "contentinfo"):
        assert page.get_by_role(role).count() == 1, role
    screenshot(browser, page.url, "not-found")


def contrast(colour: str, background: str) -> float:
    """WCAG contrast ratio of two computed rgb() colours."""

    def luminance(css: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", css)[:3]]
        linear = [
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
            for c in channels
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(colour), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_dark_mode_browser_still_gets_readable_text(
    browser, live_archive_unindexed
) -> None:
    """The site's colours are light only; a dark system must not give light-on-light."""
    context = browser.new_context(viewport=VIEWPORTS["phone"], color_scheme="dark")
    page = context.new_page()
    doc = Document.objects.filter(needs_review=True).first()
    page.goto(f"{live_archive_unindexed}{doc.get_absolute_url()}")
    page_bg = page.evaluate(
        "getComputedStyle(document.documentElement).backgroundColor"
    )
    for selector in ("h1", ".notice", ".meta dd", ".reading p"):
        element = page.locator(selector).first
        colour = element.evaluate("el => getComputedStyle(el).color")
        background = element.evaluate(
            """el => { for (; el; el = el.parentElement) {
                 const bg = getComputedStyle(el).backgroundColor;
                 if (bg !== "rgba(0, 0, 0, 0)") return bg; } return null; }"""
        )
        assert contrast(colour, background or page_bg) >= 4.5, selector
    context.close()
