"""Citing and printing a document in real Chromium (issue 17): the meta tags
Zotero's connector reads, RIS and BibTeX downloads, the print view."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.ingest.fingerprint import content_hash
from documents.models import Document
from tests.browser.conftest import SCREENSHOT_DIR, VIEWPORTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOC_TITLE = "东塍镇2020年工作计划"


def test_meta_tags_ris_and_bibtex_from_the_document_page(
    page, browser, live_archive_unindexed, tmp_path: Path
) -> None:
    doc = Document.objects.get(title=DOC_TITLE)
    page.goto(f"{live_archive_unindexed}{doc.get_absolute_url()}")
    # What a reference manager's connector reads from the page.
    meta = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll(
             'head meta[name^="citation_"]')].map(m => [m.name, m.content]))"""
    )
    assert meta["citation_title"] == DOC_TITLE
    assert meta["citation_author"] == doc.issuer
    assert meta["citation_language"] == "zh"
    assert meta["citation_public_url"] == (
        doc.source_url or f"{live_archive_unindexed}{doc.get_absolute_url()}"
    )
    screenshot(browser, page.url, "document-cite")

    for name, suffix, first in (
        ("RIS（EndNote、Zotero）", ".ris", "TY  - GOVDOC"),
        ("BibTeX", ".bib", "@techreport{"),
    ):
        with page.expect_download() as info:
            page.get_by_role("link", name=name).click()
        download = info.value
        assert download.suggested_filename.endswith(suffix)
        assert DOC_TITLE in download.suggested_filename
        saved = tmp_path / f"cite{suffix}"
        download.save_as(saved)
        text = saved.read_text(encoding="utf-8")
        assert text.startswith(first)
        assert DOC_TITLE in text


def test_print_view_is_the_text_at_full_width_with_the_citation_on_top(
    page, browser, live_archive_unindexed
) -> None:
    doc = Document.objects.get(title=DOC_TITLE)
    page.goto(f"{live_archive_unindexed}{doc.get_absolute_url()}")
    page.get_by_role("link", name="打印").click()
    page.wait_for_url(f"**/documents/{doc.pk}/print/")
    assert page.get_by_role("heading", level=1).inner_text() == DOC_TITLE
    # No site navigation, forms or buttons: nothing to print but the text.
    for role in ("navigation", "button", "textbox", "searchbox"):
        assert page.get_by_role(role).count() == 0, role
    cite = page.locator(".print-cite")
    assert "[EB/OL]" in cite.inner_text()
    assert f"/documents/{doc.pk}/" in cite.inner_text()
    # The citation comes before the title, the title before the text.
    tops = [
        page.locator(selector).bounding_box()["y"]
        for selector in (".print-cite", "h1", ".print-text")
    ]
    assert tops == sorted(tops)
    # Full width: the text fills the window but for the margins.
    width = page.locator(".print-text").bounding_box()["width"]
    assert width > 0.9 * VIEWPORTS["desktop"]["width"]
    first_line = next(line for line in doc.body.splitlines() if line.strip())
    assert first_line.strip()[:12] in page.locator(".print-text").inner_text()
    screenshot(browser, page.url, "document-print")
    # The printed pages: Chromium renders them (a PDF), the text at A4 width.
    page.emulate_media(media="print")
    width = page.locator(".print-text").bounding_box()["width"]
    assert width > 0.9 * page.evaluate("document.documentElement.clientWidth")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000


def test_a_long_text_prints_part_by_part(page, browser, live_server, settings) -> None:  # noqa: ANN001
    settings.PLANSITE_DOCUMENT_PART_CHARS = 3_000
    body = "\n".join(
        f"第{n}段。推进乡村振兴，发展特色产业。" + "工作内容" * 30 for n in range(120)
    )
    doc = Document.objects.create(
        title="很长的工作计划",
        issuer="某镇人民政府",
        body=body,
        original=body,
        content_hash=content_hash(body),
    )
    page.goto(f"{live_server.url}/documents/{doc.pk}/print/")
    assert "第 1 / " in page.locator(".print-part").inner_text()
    text = page.locator(".print-text").inner_text()
    assert "第0段" in text and "第119段" not in text
    # On screen the other parts are a click away; on paper the links are gone.
    parts = page.get_by_role("navigation", name="分部分阅读").first
    assert parts.is_visible()
    screenshot(browser, page.url, "document-print-paged")
    page.emulate_media(media="print")
    assert not parts.is_visible()
    page.emulate_media(media="screen")
    parts.get_by_role("link", name="下一部分 →").click()
    assert "第 2 / " in page.locator(".print-part").inner_text()
    assert "第0段" not in page.locator(".print-text").inner_text()


PASSWORD = "a-long-test-password-1"


def test_admin_list_names_the_site_keeps_titles_short_and_warns(
    page, live_server, django_user_model
) -> None:  # noqa: ANN001
    django_user_model.objects.create_superuser("editor", "e@example.org", PASSWORD)
    long_title = "关于印发《某镇2021年国民经济和社会发展计划执行情况与2022年计划草案》及重点项目安排的通知"
    for title, flagged in ((long_title, True), ("短标题", False)):
        body = f"{title}。正文。"
        Document.objects.create(
            title=title,
            body=body,
            original=body,
            content_hash=content_hash(body),
            needs_review=flagged,
        )
    page.goto(f"{live_server.url}/admin/login/")
    assert "Django" not in page.title()
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type='submit']")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "政府工作计划档案" in page.locator("#site-name").inner_text()
    page.goto(f"{live_server.url}/admin/documents/document/")
    cell = page.locator("td.field-short_title, th.field-short_title").filter(
        has_text="关于印发"
    )
    short = page.locator("td.field-short_title, th.field-short_title").filter(
        has_text="短标题"
    )
    # One line, as high as a short title's; the whole title on hover.
    assert cell.bounding_box()["height"] <= short.bounding_box()["height"] + 2
    assert cell.locator("[title]").get_attribute("title") == long_title
    flag = page.locator("td.field-review_flag .review-flag")
    assert flag.count() == 1 and flag.inner_text().strip() == "待复核"
    assert flag.locator("img").evaluate("img => img.naturalWidth") > 0
    assert page.locator("#result_list img[src*='icon-yes']").count() == 0
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for label, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.screenshot(
            path=str(SCREENSHOT_DIR / f"admin-list-{label}.png"), full_page=True
        )


def test_print_view_breaks_no_policy(watched, live_archive_unindexed) -> None:  # noqa: ANN001
    page, problems = watched
    doc = Document.objects.get(title=DOC_TITLE)
    page.goto(f"{live_archive_unindexed}/documents/{doc.pk}/print/")
    page.wait_for_load_state("load")
    # Its stylesheet loaded (the text is set in the print view's own layout).
    indent = page.locator(".print-text p").first.evaluate(
        "p => getComputedStyle(p).textIndent"
    )
    assert indent != "0px"
    problems += page.evaluate("window.__violations")
    assert not problems, "\n".join(problems)
