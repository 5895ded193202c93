"""Scanned pages go to OCR (i16-ocr's ocr.py) from the PDF reader and for images.

A PDF of one text page (LibreOffice) and one scanned page (rendered with Noto CJK,
img2pdf) comes back MIXED, each page with its method; a PNG is read by OCR. Both
run through the sandbox, so Tesseract runs under its memory and time limits.
"""

from __future__ import annotations

import difflib

import pypdfium2 as pdfium
import pytest

from documents.attachments.result import Method
from documents.attachments.sandbox import run_extraction
from tests.attachments.conftest import squash
from tests.attachments.scans import render_pages, save_pages, scanned_pdf_of_text

pytestmark = pytest.mark.converters

SCANNED = "全面推进乡村振兴，扎实开展农村人居环境整治提升行动，建设宜居宜业和美乡村。"


def similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, squash(a), squash(b), autojunk=False).ratio()


def test_a_pdf_with_a_scanned_page_is_mixed(made, limits, tmp_path):
    scan, (truth,) = scanned_pdf_of_text(SCANNED, tmp_path / "scan.pdf")
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument(str(made.path("twopage", "pdf"))), [0])
    mixed.import_pages(pdfium.PdfDocument(str(scan)), [0])
    mixed.save(str(tmp_path / "mixed.pdf"))
    result = run_extraction(tmp_path / "mixed.pdf", name="mixed.pdf", limits=limits)
    assert result.method == Method.MIXED
    assert [p.method for p in result.pages] == [Method.PDF_TEXT, Method.OCR]
    first, second = (result.text[p.start : p.end] for p in result.pages)
    assert "乡村振兴重点任务" in first
    assert similar(second, truth) > 0.9
    assert result.pages[1].confidence is not None
    assert result.ocr_confidence == result.pages[1].confidence


def test_a_page_image_is_read_by_ocr(limits, tmp_path):
    (page,) = render_pages(SCANNED, dpi=300, max_pages=1)
    (png,) = save_pages([page.image], tmp_path, stem="page", dpi=300)
    result = run_extraction(png, name="第1页.png", limits=limits)
    assert result.method == Method.OCR
    assert result.pages[0].label == "第1页.png"
    assert similar(result.text, page.text) > 0.9


def test_a_pdf_without_tounicode_maps_goes_to_ocr(made, limits, tmp_path):
    from tests.attachments.scans import strip_tounicode

    garbled = strip_tounicode(made.path("twopage", "pdf"), tmp_path / "garbled.pdf")
    result = run_extraction(garbled, name="garbled.pdf", limits=limits)
    assert result.method == Method.OCR
    assert [p.method for p in result.pages] == [Method.OCR, Method.OCR]
    first = result.text[result.pages[0].start : result.pages[0].end]
    assert similar(first, "第一页的内容：乡村振兴重点任务。") > 0.8


def test_a_multi_page_tiff_is_one_page_a_frame(limits, tmp_path):
    texts = ["第一页：推进农村公路建设。", "第二页：加强河道长效管护。"]
    images = [render_pages(t, dpi=200, max_pages=1)[0].image for t in texts]
    tiff = tmp_path / "扫描件.tif"
    images[0].save(tiff, save_all=True, append_images=images[1:], dpi=(200, 200))
    result = run_extraction(tiff, name=tiff.name, limits=limits)
    assert result.page_count == 2
    assert [p.number for p in result.pages] == [1, 2]
    for page, truth in zip(result.pages, texts, strict=True):
        assert similar(result.text[page.start : page.end], truth) > 0.8


def test_an_image_too_large_to_be_a_page_is_refused(limits, tmp_path):
    from PIL import Image

    from documents.attachments.result import ExtractionRejected

    huge = tmp_path / "huge.png"
    Image.new("1", (12000, 12000), 1).save(huge)  # 144 megapixels, 20 KB on disk
    with pytest.raises(ExtractionRejected, match="图片过大"):
        run_extraction(huge, name="huge.png", limits=limits)


def test_a_long_scan_is_cut_off_at_the_ocr_time_budget(limits, tmp_path):
    # One batch of pages (as many as Tesseract runs at once) is always read; then
    # the budget (80% of a 0.01 s limit: spent by any batch) is spent and the rest is named, not read.
    from dataclasses import replace

    from documents.attachments.extract import extract_file
    from documents.attachments.ocr import workers
    from tests.attachments.makers import repeat_pdf_pages

    scan, (truth,) = scanned_pdf_of_text(SCANNED, tmp_path / "scan.pdf", dpi=150)
    count = workers() + 2
    long = repeat_pdf_pages(scan, tmp_path / "long.pdf", count)
    result = extract_file(
        long, name="long.pdf", limits=replace(limits, timeout_seconds=0.01)
    )
    assert result.page_count == count and len(result.pages) == count
    assert result.truncated
    read = [p for p in result.pages if p.end > p.start]
    assert [p.number for p in read] == list(range(1, workers() + 1))
    assert similar(result.text[read[0].start : read[0].end], truth) > 0.8
    assert any(f"{workers() + 1}-{count}" in w for w in result.warnings)


def test_a_long_tiff_is_cut_off_at_the_ocr_time_budget(limits, tmp_path):
    # As a long scanned PDF: one batch is read, the rest named, not read - the
    # sandbox's wall clock would otherwise kill it and keep no page.
    from dataclasses import replace

    from documents.attachments.extract import extract_file
    from documents.attachments.ocr import workers

    count = workers() + 1
    image = render_pages(SCANNED, dpi=150, max_pages=1)[0].image
    tiff = tmp_path / "长扫描.tif"
    image.save(tiff, save_all=True, append_images=[image] * (count - 1), dpi=(150, 150))
    result = extract_file(
        tiff, name=tiff.name, limits=replace(limits, timeout_seconds=0.01)
    )
    assert result.page_count == count and len(result.pages) == count
    assert result.truncated
    read = [p for p in result.pages if p.end > p.start]
    assert [p.number for p in read] == list(range(1, workers() + 1))
    assert similar(result.text[read[0].start : read[0].end], SCANNED) > 0.8
    assert any(str(count) in w and "OCR" in w for w in result.warnings)
