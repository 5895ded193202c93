"""The version pages and the document page's 采集与版本 panel: the versions, the
diff with exactly the changed characters in <ins>/<del>, the captures with
their WARC records, the 已撤下 mark in words; bad diff parameters are a 400."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from documents import history
from documents.ingest.pipeline import import_paths
from documents.models import (
    Availability,
    Capture,
    Document,
    DocumentVersion,
    HarvestRun,
    HarvestUrl,
)

pytestmark = pytest.mark.django_db

PLAN = """索引号：ZZ330282-001/2022-000001
发布机构：周巷镇
成文日期：2022年2月3日
周巷镇2022年工作计划
一、总体要求。坚持稳中求进工作总基调，推动周巷经济社会高质量发展，全力打造慈溪西部中心镇。
二、主要任务。深化最多跑一次改革，推进五水共治和三改一拆。
三、保障措施。加强组织领导，落实工作责任。
"""
CHANGED = PLAN.replace("三改一拆", "三改一拆和美丽城镇建设").replace(
    "加强组织领导，", ""
)


def soup(client, url: str, status: int = 200) -> BeautifulSoup:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:500]
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.fixture
def changed(tmp_path: Path) -> Document:
    """A document imported, then imported again with a changed text."""
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    import_paths([path])
    path.write_text(CHANGED, encoding="utf-8")
    import_paths([path])
    return Document.objects.get()


def test_the_diff_shows_the_changed_characters(client, changed) -> None:  # noqa: ANN001
    page = soup(client, f"/documents/{changed.pk}/versions/diff/")
    assert "版本 1 与版本 2 的差异" in page.h1.get_text()
    diff = page.select_one("div.diff")
    assert [ins.get_text() for ins in diff.find_all("ins")] == ["和美丽城镇建设"]
    assert [d.get_text() for d in diff.find_all("del")] == ["加强组织领导，"]
    summary = page.select_one(".diff-summary").get_text()
    assert "新增 7 字，删除 7 字" in summary
    # The same pair asked for by number; the reverse direction swaps the marks.
    page = soup(client, f"/documents/{changed.pk}/versions/diff/?from=2&to=1")
    diff = page.select_one("div.diff")
    assert [d.get_text() for d in diff.find_all("del")] == ["和美丽城镇建设"]
    # Screen readers hear which side a line is on, not only see a colour.
    hidden = {s.get_text() for s in diff.select(".visually-hidden")}
    assert hidden == {"原：", "现："}


def test_the_version_list_links_each_diff(client, changed) -> None:  # noqa: ANN001
    page = soup(client, f"/documents/{changed.pk}/versions/")
    rows = page.select("table.versions tbody tr")
    assert [r.th.get_text() for r in rows] == ["2", "1"]
    assert "新增 7，删除 7" in rows[0].get_text()
    link = rows[0].find("a")
    assert link["href"] == f"/documents/{changed.pk}/versions/diff/?from=1&to=2"
    assert "plan.txt" in rows[1].select_one(".version-origin").get_text()


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("from=abc&to=2", "参数 from 应为版本号"),
        ("from=1&to=9", "没有版本 9"),
        ("from=0", "参数 from 应为版本号"),
        ("from=2&to=2", "两个不同的版本"),
        ("to=1", "没有版本 0"),
        ("from=" + "9" * 400, "没有版本"),
    ],
)
def test_bad_diff_parameters_are_a_400_that_says_why(
    client, changed, query, says
) -> None:  # noqa: ANN001
    page = soup(client, f"/documents/{changed.pk}/versions/diff/?{query}", 400)
    assert page.h1.get_text() == "无法比较版本"
    assert says in page.select_one("[role=alert]").get_text()
    # The way on: the form with both versions, the list, the document.
    assert page.select("form.version-form select[name=from] option")


def test_a_document_without_versions_shows_its_current_text_only(
    client,  # noqa: ANN001
    search_index,  # noqa: ANN001
) -> None:
    doc = Document.objects.create(title="某镇工作计划", body="第一段。", original="")
    page = soup(client, f"/documents/{doc.pk}/versions/diff/")
    assert "当前文本" in page.get_text()
    page = soup(client, f"/documents/{doc.pk}/versions/")
    assert "当前文本" in page.get_text()
    panel = soup(client, doc.get_absolute_url()).select_one("#history")
    assert "当前文本" in panel.get_text()
    assert "未知" in panel.get_text()
    assert (
        "已撤下"
        not in soup(client, doc.get_absolute_url())
        .select_one("header.doc-header")
        .get_text()
    )
    history.record_version(doc.pk)
    page = soup(client, f"/documents/{doc.pk}/versions/diff/")
    assert "只记录了一个版本" in page.get_text()


def test_the_document_page_shows_the_withdrawn_mark_and_the_history(
    client,  # noqa: ANN001
    changed,  # noqa: ANN001
    search_index,  # noqa: ANN001
) -> None:
    seen = datetime(2024, 5, 6, 7, 8, tzinfo=UTC)
    Document.objects.filter(pk=changed.pk).update(
        availability=Availability.WITHDRAWN,
        first_seen=datetime(2024, 1, 2, tzinfo=UTC),
        last_seen=seen,
        withdrawn_at=datetime(2024, 6, 1, tzinfo=UTC),
    )
    run = HarvestRun.objects.create(source="trs-column")
    url = HarvestUrl.objects.create(
        source="trs-column",
        url="http://127.0.0.1:8000/zwgk/jhzj/202401/t20240102_000001.html",
        kind=HarvestUrl.Kind.DOCUMENT,
        document=changed,
    )
    Capture.objects.create(
        url=url,
        run=run,
        document=changed,
        captured_at=seen,
        outcome=Capture.Outcome.NEW,
        status_code=200,
        warc_file="trs-column/trs-column-20240506070800-0.warc.gz",
        warc_offset=1234,
        record_id="<urn:uuid:0b3a0c1e-0000-4000-8000-000000000001>",
    )
    Capture.objects.create(
        url=url,
        run=run,
        document=changed,
        captured_at=datetime(2024, 6, 1, tzinfo=UTC),
        outcome=Capture.Outcome.GONE,
        status_code=404,
    )
    page = soup(client, changed.get_absolute_url())
    mark = page.select_one("header.doc-header .withdrawn-mark")
    # Said in words, with the date last seen, not by colour alone.
    assert "已撤下" in mark.get_text()
    assert "2024-05-06" in mark.get_text()
    assert mark.find("a")["href"] == "#history"
    panel = page.select_one("#history")
    assert panel.h2.get_text() == "采集与版本"
    text = panel.get_text()
    assert "已撤下" in text and "2024-01-02" in text
    rows = panel.select("table.captures tbody tr")
    assert len(rows) == 2
    assert "404" in rows[0].get_text() and "已撤下" in rows[0].get_text()
    assert "trs-column-20240506070800-0.warc.gz" in rows[1].get_text()
    assert "<urn:uuid:0b3a0c1e-0000-4000-8000-000000000001>" in rows[1].get_text()
    assert "t20240102_000001.html" in text
    versions = panel.select("ul.version-list li")
    assert len(versions) == 2
    assert "版本 2" in versions[0].get_text()
    assert "新增 7 字，删除 7 字" in versions[0].get_text()
    assert versions[0].find("a")["href"].endswith("diff/?from=1&to=2")
    # The withdrawn mark follows the document to its version pages.
    diff = soup(client, f"/documents/{changed.pk}/versions/diff/")
    assert "已撤下" in diff.select_one(".withdrawn-mark").get_text()


def test_a_long_diff_is_cut_and_says_so(client, search_index) -> None:  # noqa: ANN001
    doc = Document.objects.create(title="长文", body="", original="")
    old = "\n".join(f"原来的第{n}段。" for n in range(5000))
    new = "\n".join(f"全新的第{n}段文字。" for n in range(5000))
    for number, text in ((1, old), (2, new)):
        DocumentVersion.objects.create(
            document=doc,
            number=number,
            recorded_at=datetime(2024, 1, number, tzinfo=UTC),
            text=text,
            text_hash=history.text_hash(text),
        )
    page = soup(client, f"/documents/{doc.pk}/versions/diff/")
    assert len(page.select("div.diff .dl")) <= 3000
    assert "未显示" in page.get_text()


def test_three_versions_any_pair_is_chosen_with_a_plain_form(
    client,  # noqa: ANN001
    search_index,  # noqa: ANN001
) -> None:
    doc = Document.objects.create(title="某镇工作计划", body="甲。", original="")
    for number, text in enumerate(["甲。", "甲乙。", "甲乙丙。"], start=1):
        DocumentVersion.objects.create(
            document=doc,
            number=number,
            recorded_at=datetime(2024, 1, number, tzinfo=UTC),
            text=text,
            text_hash=history.text_hash(text),
        )
    page = soup(client, f"/documents/{doc.pk}/versions/diff/")
    # The latest two by default; a GET form (no script) picks any other pair.
    assert [i.get_text() for i in page.select("div.diff ins")] == ["丙"]
    form = page.select_one("form.version-form")
    assert form["method"] == "get"
    assert form.select_one("select[name=from] option[selected]")["value"] == "2"
    page = soup(client, f"/documents/{doc.pk}/versions/diff/?from=1&to=3")
    assert [i.get_text() for i in page.select("div.diff ins")] == ["乙丙"]
    assert client.head(f"/documents/{doc.pk}/versions/diff/").status_code == 200
    assert client.post(f"/documents/{doc.pk}/versions/diff/").status_code == 405
    assert client.get("/documents/999999/versions/").status_code == 404


def test_the_document_page_lists_the_latest_versions_the_list_all(
    client,  # noqa: ANN001
    search_index,  # noqa: ANN001
) -> None:
    doc = Document.objects.create(title="某镇工作计划", body="甲。", original="")
    total = history.VERSIONS_SHOWN + 3
    for number in range(1, total + 1):
        text = "甲" * number
        DocumentVersion.objects.create(
            document=doc,
            number=number,
            recorded_at=datetime(2024, 1, number, tzinfo=UTC),
            text=text,
            text_hash=history.text_hash(text),
        )
    panel = soup(client, doc.get_absolute_url()).select_one("#history")
    items = panel.select("ul.version-list li")
    assert len(items) == history.VERSIONS_SHOWN
    assert f"版本 {total}" in items[0].get_text()
    # The oldest shown still says what changed since the one before it.
    assert "新增 1 字，删除 0 字" in items[-1].get_text()
    assert f"最近 {history.VERSIONS_SHOWN} 个版本" in panel.get_text()
    rows = soup(client, f"/documents/{doc.pk}/versions/").select(
        "table.versions tbody tr"
    )
    assert len(rows) == total
