"""The version diff and the 采集与版本 panel in real Chromium, at desktop and
phone width: no sideways scrolling, the marks visible, no CSP complaint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from documents import history
from documents.models import (
    Availability,
    Capture,
    Document,
    DocumentVersion,
    HarvestRun,
    HarvestUrl,
)
from tests.browser.conftest import VIEWPORTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OLD = "\n".join(
    [
        "周巷镇2022年工作计划",
        "一、总体要求。坚持稳中求进工作总基调，推动周巷经济社会高质量发展。",
        *[
            f"（{n}）推进五水共治和三改一拆，完善农村基础设施，提升公共服务水平。"
            for n in range(1, 12)
        ],
        "二、保障措施。加强组织领导，落实工作责任。",
        "附件：https://www.cixi.gov.cn/art/2022/2/3/art_1229_4012345678901234567890.html",
    ]
)
NEW = (
    OLD.replace("（6）推进五水共治", "（6）全面推进污水零直排区建设和五水共治")
    .replace("加强组织领导，", "")
    .replace("二、保障措施。", "二、主要任务。深化最多跑一次改革。\n三、保障措施。")
)


@pytest.fixture
def versions(live_server, search_index) -> Document:  # noqa: ANN001
    doc = Document.objects.create(
        title="周巷镇2022年工作计划",
        body=NEW,
        original=NEW,
        availability=Availability.WITHDRAWN,
        first_seen=datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
        last_seen=datetime(2024, 5, 6, 7, 8, tzinfo=UTC),
        withdrawn_at=datetime(2024, 6, 1, tzinfo=UTC),
    )
    for number, text in ((1, OLD), (2, NEW)):
        DocumentVersion.objects.create(
            document=doc,
            number=number,
            recorded_at=datetime(2024, number, 2, 3, 4, tzinfo=UTC),
            title=doc.title,
            text=text,
            text_hash=history.text_hash(text),
            origin=f"trs-column/trs-column-2024010{number}030400-0.warc.gz "
            f"<urn:uuid:0b3a0c1e-0000-4000-8000-00000000000{number}>",
        )
    run = HarvestRun.objects.create(source="trs-column")
    url = HarvestUrl.objects.create(
        source="trs-column",
        url="http://127.0.0.1:8000/col/col1229/202202/t20220203_4012345678901234567890.html",
        kind=HarvestUrl.Kind.DOCUMENT,
        document=doc,
    )
    for number, (status, outcome) in enumerate(
        [
            (200, Capture.Outcome.NEW),
            (200, Capture.Outcome.CHANGED),
            (404, Capture.Outcome.GONE),
        ],
        start=1,
    ):
        Capture.objects.create(
            url=url,
            run=run,
            document=doc,
            captured_at=datetime(2024, number, 2, 3, 4, tzinfo=UTC),
            outcome=outcome,
            status_code=status,
            warc_file=""
            if status == 404
            else f"trs-column/trs-column-2024010{number}030400-0.warc.gz",
            warc_offset=None if status == 404 else 1234 * number,
            record_id=""
            if status == 404
            else f"<urn:uuid:0b3a0c1e-0000-4000-8000-00000000000{number}>",
        )
    return doc


def test_the_diff_reads_on_a_desktop_and_a_phone(
    browser, live_server, versions
) -> None:  # noqa: ANN001
    url = f"{live_server.url}/documents/{versions.pk}/versions/diff/"
    # Fails if either width scrolls sideways; the shots are looked at.
    screenshot(browser, url, "version-diff")
    for label, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.goto(url)
        inserted = page.locator("div.diff ins")
        assert inserted.first.is_visible()
        assert "污水零直排区建设和" in inserted.all_inner_texts()
        assert page.locator("div.diff del").all_inner_texts() == [
            "二",
            "加强组织领导，",
        ]
        # The changed line wraps inside the screen, its mark included.
        box = inserted.first.bounding_box()
        assert box["x"] + box["width"] <= viewport["width"], label
        # Without JavaScript the form still picks the versions (a GET form).
        assert page.locator("form.version-form").count() == 0  # two versions only
        context.close()


def test_the_history_panel_and_withdrawn_mark(browser, live_server, versions) -> None:  # noqa: ANN001
    url = f"{live_server.url}{versions.get_absolute_url()}"
    screenshot(browser, url + "#history", "document-history")
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN")
    page = context.new_page()
    page.goto(url)
    assert page.locator("table.captures tbody tr").count() == 3
    mark = page.locator("header.doc-header .withdrawn-mark")
    assert mark.is_visible()
    assert "已撤下" in mark.inner_text() and "2024-05-06" in mark.inner_text()
    page.locator("#history a", has_text="比较版本 1 与 2").click()
    page.wait_for_url("**/versions/diff/?from=1&to=2")
    assert page.locator("h1").inner_text() == "版本 1 与版本 2 的差异"
    context.close()


def test_the_version_pages_break_no_policy(watched, live_server, versions) -> None:  # noqa: ANN001
    page, problems = watched
    for path in (
        versions.get_absolute_url(),
        f"/documents/{versions.pk}/versions/",
        f"/documents/{versions.pk}/versions/diff/",
        f"/documents/{versions.pk}/versions/diff/?from=x",
    ):
        page.goto(live_server.url + path)
        assert page.evaluate("window.__violations") == [], path
    # The 400 page's own status is a console error in Chromium; nothing else.
    assert [p for p in problems if "400" not in p] == []
