"""Under the strict Content-Security-Policy, real Chromium reports no violation on
any page: the public pages, the trend chart with its tooltip open, and the admin."""

from __future__ import annotations

import pytest

from documents.models import Division, Document
from tests.browser.conftest import TERM, public_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "csp-editor-password-1"


def _visit(page, url: str, problems: list[str]) -> None:  # noqa: ANN001
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    # The policy under test is the one served, not one Chromium made up.
    assert "style-src 'self'" in response.headers.get("content-security-policy", "")
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    _collect(page, problems)


def _collect(page, problems: list[str]) -> None:  # noqa: ANN001
    problems.extend(f"{page.url}: {v}" for v in page.evaluate("window.__violations"))
    page.evaluate("window.__violations = []")


def _hover_across(page, selector: str) -> int:  # noqa: ANN001
    """Sweep the pointer over a chart; return how often its tooltip showed."""
    chart = page.locator(selector)
    chart.locator("svg, canvas").first.wait_for()
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None
    tooltip = page.locator(f"{selector} > div").nth(1)
    shown = 0
    # Through the first plot: a trend split by place is a stack of panels
    # (research-trend.js), and the middle of the stack may fall between two.
    height = min(box["height"] / 2, 90)
    for step in range(1, 16):
        page.mouse.move(box["x"] + box["width"] * step / 16, box["y"] + height)
        page.wait_for_timeout(60)
        shown += tooltip.is_visible()
    return shown


def test_public_pages_and_the_trend_chart_break_no_policy(
    watched, live_archive
) -> None:  # noqa: ANN001
    page, problems = watched
    doc = Document.objects.filter(body__contains="乡村振兴").first()
    assert doc is not None
    paths = public_pages(doc)
    for path in paths:
        _visit(page, live_archive + path, problems)
    # The region pages with their year bars (pct-N classes, no style="").
    page.goto(live_archive + "/regions/")
    page.locator("main a[href^='/regions/']").first.click()
    page.wait_for_load_state("load")
    _collect(page, problems)

    _visit(page, f"{live_archive}/research/trend/?q={TERM}&split=county", problems)
    assert _hover_across(page, "#trend-chart") > 0
    # Switching the measure redraws the chart.
    page.locator("input[name='measure'][value='documents']").check()
    assert _hover_across(page, "#trend-chart") > 0
    _collect(page, problems)
    assert not problems, "\n".join(problems)


def test_admin_pages_break_no_policy(watched, live_archive, django_user_model) -> None:  # noqa: ANN001
    page, problems = watched
    django_user_model.objects.create_superuser("editor", "e@example.org", PASSWORD)
    doc = Document.objects.first()
    assert doc is not None
    Document.objects.filter(pk=doc.pk).update(needs_review=True)

    _visit(page, live_archive + "/admin/login/", problems)
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type='submit']")
    page.wait_for_url(f"{live_archive}/admin/")
    _collect(page, problems)
    for path in [
        "/admin/documents/document/",
        f"/admin/documents/document/?q={TERM}",
        f"/admin/documents/document/{doc.pk}/change/",
        "/admin/documents/reviewitem/",
        "/admin/documents/division/",
        "/admin/axes/accessattempt/",
    ]:
        _visit(page, live_archive + path, problems)
    # The division picker (select2 under the admin's jQuery) opens and searches.
    # A transactional test before this one flushes the gazetteer the migrations
    # loaded, so the division searched for is made sure of here.
    Division.objects.get_or_create(
        code="350128", defaults={"name": "平潭县", "level": Division.Level.COUNTY}
    )
    page.goto(f"{live_archive}/admin/documents/document/{doc.pk}/change/")
    page.locator(".field-division .select2-selection").click()
    page.keyboard.type("平潭")
    page.locator(".select2-results__option", has_text="平潭").first.wait_for()
    _collect(page, problems)
    assert not problems, "\n".join(problems)
