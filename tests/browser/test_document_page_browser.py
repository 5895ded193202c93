"""The document page in real Chromium: the 全部位置 list beside the outline on a
desktop and a phone, the n / p switch only where there is a keyboard, and the
title's hits marked."""

from __future__ import annotations

import pytest

from documents.models import Document
from tests.browser.conftest import SCREENSHOT_DIR, VIEWPORTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTION = (
    "加快推进乡村振兴，发展特色产业，完善基础设施，提升公共服务水平。"
    "坚持农业农村优先发展，推动乡村振兴取得新进展。"
)
BODY = "\n".join(
    line
    for number, heading in enumerate(["一、总体要求", "二、主要任务", "三、保障措施"])
    for line in (heading, *[f"{number}{SECTION}"] * 6)
)
# Both sizes the issue names; the desktop one is a common laptop screen.
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": VIEWPORTS["phone"]}


@pytest.fixture
def plan(live_server, search_index) -> str:  # noqa: ANN001
    doc = Document.objects.create(
        title="乡村振兴2024年工作计划", body=BODY, original=BODY
    )
    return f"{live_server.url}{doc.get_absolute_url()}?q=乡村振兴"


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@pytest.mark.parametrize("size", list(SIZES))
def test_the_hit_list_never_covers_the_outline_heading(browser, plan, size) -> None:
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    page = context.new_page()
    # Deep in the text (the bar stuck at the top), then where the bar sits.
    for where in ("#hit-9", ""):
        page.goto(plan + where)
        if not where:
            page.locator(".hit-nav").evaluate("bar => bar.scrollIntoView()")
        page.locator("details.hit-list > summary").click()
        items = page.locator("ol.hit-list-items > li")
        expect_total = BODY.count("乡村振兴")
        assert items.count() == expect_total
        assert items.first.locator("mark").inner_text() == "乡村振兴"
        assert items.first.is_visible()
        outline = page.locator("#toc-title").bounding_box()
        bar = page.locator(".hit-nav").bounding_box()
        panel = page.locator("ol.hit-list-items").bounding_box()
        on_screen = 0 <= outline["y"] <= SIZES[size]["height"]
        if size == "desktop":
            # The outline stays beside the text while reading.
            assert on_screen
        if on_screen:
            assert not overlap(outline, bar), (where, outline, bar)
            assert not overlap(outline, panel), (where, outline, panel)
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        name = f"document-hit-list{'-top' if not where else ''}-{size}.png"
        page.screenshot(path=str(SCREENSHOT_DIR / name))
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_line_of_the_list_goes_to_its_hit(browser, plan, size) -> None:
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    page = context.new_page()
    page.goto(plan)
    page.locator("details.hit-list > summary").click()
    page.locator("ol.hit-list-items a[href='#hit-4']").click()
    assert page.url.endswith("#hit-4")
    assert page.locator("mark.current").get_attribute("id") == "hit-4"
    # The list folds away, so it does not cover the hit it led to.
    assert page.locator("details.hit-list").get_attribute("open") is None
    mark = page.locator("#hit-4").bounding_box()
    bar = page.locator(".hit-nav").bounding_box()
    assert mark["y"] >= bar["y"] + bar["height"]
    assert page.locator("[data-hit-status]").inner_text().startswith("4 / ")
    context.close()


def test_the_key_switch_shows_on_a_desktop_not_on_a_phone(browser, plan) -> None:
    seen = {}
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.goto(plan)
        seen[size] = page.get_by_label("用 n / p 键跳转").is_visible()
        context.close()
    # A touch screen of any width has no keyboard to press n on either.
    context = browser.new_context(
        viewport={"width": 1024, "height": 768}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.goto(plan)
    seen["tablet"] = page.get_by_label("用 n / p 键跳转").is_visible()
    context.close()
    assert seen == {"desktop": True, "phone": False, "tablet": False}


def test_the_title_s_hits_are_marked(browser, plan) -> None:
    context = browser.new_context(viewport=SIZES["desktop"], locale="zh-CN")
    page = context.new_page()
    page.goto(plan)
    title = page.get_by_role("heading", level=1)
    assert title.locator("mark").all_inner_texts() == ["乡村振兴"]
    assert "在标题中出现 1 处" in page.locator(".hit-count").inner_text()
    context.close()
    screenshot(browser, plan, "document-title-hits")
