"""A new user's journey through attachments in real Chromium: import a page
with a DOCX and a scanned PDF beside it, search a phrase that is only in the
scan, open the document, read the hit in context, download the original.

Every part is real: python-docx writes the DOCX, Pillow with Noto CJK renders
the scan and img2pdf makes its PDF (tests/attachments/scans.py), import_plans
stores, extracts and OCRs them with Tesseract, the index is on disk.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from documents.models import Attachment, Document
from documents.texts import searchable_text
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = (
    "标题：东塍镇2023年工作计划\n"
    "发布机构：东塍镇人民政府\n"
    "发布日期：2023-03-05\n\n"
    "现将东塍镇2023年工作计划印发给你们，请认真贯彻执行。\n"
    "附件：1.东塍镇2023年工作计划.docx 2.东塍镇重点项目清单（扫描件）.pdf\n"
)
DOCX_LINES = [
    "东塍镇2023年工作计划",
    "一、总体要求",
    "坚持以人民为中心的发展思想，统筹推进经济社会各项事业。",
    "二、主要任务",
    "推进乡村振兴，提升城镇品质。",
]
# Only in the scan: neither the page nor the DOCX holds it.
PHRASE = "智慧农业示范园"
PUNCTUATION = set("，。、；：（）“”\n ")
SCAN_TEXT = (
    "东塍镇重点项目清单\n"
    f"一、建设{PHRASE}，带动周边农户增收。\n"
    "二、完成老旧小区改造，改善居住环境。"
)


def phrase_read_from_scan(ocr_text: str, elsewhere: str) -> str:
    """PHRASE when OCR read it right; else the longest run of the scan's known
    text (4-8 characters, no punctuation) that OCR read right and that is in
    no other part: OCR may misread a character, the journey needs a phrase
    that is only in the scan and is really in its text."""
    if PHRASE in ocr_text:
        return PHRASE
    for size in range(8, 3, -1):
        for start in range(len(SCAN_TEXT) - size + 1):
            run = SCAN_TEXT[start : start + size]
            if PUNCTUATION.isdisjoint(run) and run in ocr_text and run not in elsewhere:
                return run
    raise AssertionError(f"OCR read none of the scan's text: {ocr_text!r}")


@pytest.fixture
def site_with_attachments(tmp_path: Path) -> tuple[Path, Path, Path]:
    """page.txt and its folder page/ holding a real DOCX and a scanned PDF."""
    from tests.attachments.makers import Para, write_docx
    from tests.attachments.scans import scanned_pdf_of_text

    site = tmp_path / "site"
    folder = site / "page"
    folder.mkdir(parents=True)
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    docx = write_docx(
        folder / "东塍镇2023年工作计划.docx",
        [Para(line, level=1 if line[1:2] == "、" else 0) for line in DOCX_LINES],
    )
    scan, _pages = scanned_pdf_of_text(
        SCAN_TEXT, tmp_path / "scan" / "scan.pdf", dpi=300, max_pages=1
    )
    pdf = folder / "东塍镇重点项目清单（扫描件）.pdf"
    pdf.write_bytes(scan.read_bytes())
    return site, docx, pdf


def test_a_phrase_only_in_a_scan_is_found_read_and_downloaded(
    page, browser, live_server, search_index, site_with_attachments, tmp_path
) -> None:  # noqa: ANN001
    site, docx, pdf = site_with_attachments
    call_command("import_plans", str(site), stdout=io.StringIO(), stderr=io.StringIO())
    document = Document.objects.get()
    rows = list(document.attachments.order_by("position", "id"))
    assert [r.status for r in rows] == [Attachment.Status.EXTRACTED] * 2, [
        (r.name, r.error) for r in rows
    ]
    scan_row = next(r for r in rows if r.name.endswith(".pdf"))
    assert scan_row.method == "ocr"
    number = rows.index(scan_row) + 1
    docx_row = next(r for r in rows if r.name.endswith(".docx"))
    elsewhere = "\n".join([document.title, document.body, docx_row.text])
    phrase = phrase_read_from_scan(scan_row.text, elsewhere)
    # The phrase is only in the scan's OCR text: the truth is a substring scan.
    assert phrase not in elsewhere
    assert searchable_text(document).count(phrase) == scan_row.text.count(phrase)

    # Search it as a new user would.
    page.goto(f"{live_server.url}/search/")
    page.get_by_role("searchbox").fill(phrase)
    page.get_by_role("button", name="检索").click()
    assert page.locator(".result-count").inner_text().startswith("共 1 篇")
    assert page.locator(".hit mark").first.inner_text() == phrase
    assert f"附件{number}" in page.locator(".snippet-part").first.inner_text()
    screenshot(browser, page.url, "attachment-search")

    # Open the document: its attachments, and how many hits each holds.
    page.locator(".hit h2 a").first.click()
    expect(page.locator("h1")).to_have_text(document.title)
    listing = page.locator(f"#attachment-{number}")
    assert "OCR" in listing.inner_text()
    hits = scan_row.text.count(phrase)
    assert f"命中 {hits} 处" in listing.inner_text()
    screenshot(browser, page.url, "attachment-document")

    # Read the hit in context, on the attachment's page.
    listing.get_by_role("link", name=f"命中 {hits} 处").click()
    assert page.url.endswith("#hit-1")
    assert page.locator("h1").inner_text().startswith(f"附件{number}：")
    hit = page.locator("mark#hit-1")
    assert hit.inner_text() == phrase
    assert hit.is_visible()
    # In context: the whole line of the scan's text the hit is in.
    paragraph = page.locator("section.reading > *", has=hit).inner_text()
    line = next(line for line in scan_row.text.splitlines() if phrase in line)
    assert paragraph == line
    assert page.locator(".page-marker").first.inner_text().startswith("第 1 页")
    screenshot(browser, page.url, "attachment-text")

    # Download the original: the same bytes as the file imported.
    with page.expect_download() as info:
        page.get_by_role("link", name="下载原件").click()
    download = info.value
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == pdf.read_bytes()
    assert download.suggested_filename == pdf.name

    # The DOCX's headings (its Heading styles) make the outline of its page.
    docx_number = rows.index(docx_row) + 1
    page.goto(f"{live_server.url}/documents/{document.pk}/attachments/{docx_number}/")
    outline = page.locator("nav.toc li").all_inner_texts()
    assert outline == ["一、总体要求", "二、主要任务"], docx_row.headings
    assert page.locator("section.reading h2").first.inner_text() == "一、总体要求"
