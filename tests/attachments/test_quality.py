"""quality.assess_text: text that is really text, and the garbage that is not."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from documents.attachments import quality
from documents.attachments.quality import assess_text
from tests.attachments import scans
from tests.conftest import _sample_dir

# ../shared/corpus when it is there, else the copy kept in the repo.
CORPUS = _sample_dir("corpus")
PLAN = (
    "为深入贯彻落实党的二十大精神，全面推进乡村振兴，结合本镇实际，制定本计划。"
    "一、总体要求。坚持以人民为中心的发展思想，统筹推进经济建设、政治建设、"
    "文化建设、社会建设、生态文明建设。二、重点任务。（一）抓好粮食生产，"
    "稳定播种面积2.3万亩，确保完成年度目标任务。"
)


def test_chinese_plan_text_is_usable():
    q = assess_text(PLAN)
    assert q.usable and q.reason == ""
    assert q.cjk_share > 0.95
    assert q.chars == len(PLAN)


@pytest.mark.parametrize("text", ["", "   \n\t", "- 3 -", "1\n2\n", "第 页"])
def test_a_scan_gives_nothing_or_stray_characters(text):
    q = assess_text(text)
    assert not q.usable and q.reason == quality.EMPTY
    assert q.needs_ocr


def test_a_short_last_page_is_still_text():
    q = assess_text("特此通知。\n\n某某镇人民政府\n2023年3月5日")
    assert q.usable, q


def test_cid_runs_from_a_font_without_tounicode():
    text = "(cid:12)(cid:345)(cid:7) (cid:88)(cid:90)\n(cid:3)(cid:4)" * 20
    q = assess_text(text)
    assert q.reason == quality.CID_GLYPHS and q.garbage_share > 0.9


def test_a_few_cid_among_real_text_are_tolerated():
    # One unmapped glyph (a rare character) in a page of text.
    q = assess_text(PLAN + "(cid:9021)")
    assert q.usable, q


@pytest.mark.parametrize(
    "garbage",
    ["\ue001\ue002\ue0a3\ue117", "\ufffd\ufffd\ufffd", "\x01\x04\x05\x06\x07\x08"],
    ids=["private-use", "replacement", "controls"],
)
def test_unmapped_characters(garbage):
    q = assess_text((garbage + "、，") * 30)
    assert not q.usable and q.reason == quality.UNMAPPED


def test_gb18030_bytes_read_as_latin1_are_mojibake():
    text = PLAN.encode("gb18030").decode("latin-1")
    q = assess_text(text)
    assert not q.usable and q.reason == quality.MOJIBAKE


def test_utf8_bytes_read_as_cp1252_are_mojibake():
    text = PLAN.encode("utf-8").decode("cp1252", errors="replace")
    assert not assess_text(text).usable


def test_glyph_codes_in_ascii_are_low_cjk():
    # A simple font with its own encoding: codes land on ASCII punctuation and
    # letters in runs, not words.
    text = "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 5
    q = assess_text(text)
    assert not q.usable and q.reason == quality.LOW_CJK


def test_english_prose_is_not_sent_to_chinese_ocr():
    text = (
        "The county government will complete the renovation of rural roads "
        "and improve drinking water safety in all villages by the end of 2023."
    )
    assert assess_text(text).usable


def test_a_table_of_figures_is_usable():
    assert assess_text("2021 2022 2023\n12.5 13.1 14.8\n3,200 3,450 3,900").usable


# ------------------------------------------------------ real PDFs, real readers


def _pdf_texts(pdf: Path) -> tuple[list[str], list[str]]:
    with pdfplumber.open(pdf) as document:
        plumber = [page.extract_text() or "" for page in document.pages]
    document = pdfium.PdfDocument(str(pdf))
    try:
        pdfium_texts = [
            document[i].get_textpage().get_text_range() for i in range(len(document))
        ]
    finally:
        document.close()
    return plumber, pdfium_texts


@pytest.fixture(scope="session")
def quality_pdfs(tmp_path_factory):
    """A LibreOffice text PDF of a Pingtan plan (2 pages or more), the same PDF
    with its fonts' ToUnicode maps removed, and a scanned PDF (img2pdf)."""
    out = tmp_path_factory.mktemp("quality-pdfs")
    source = CORPUS / "pingtan" / "42036.txt"
    text = source.read_text(encoding="utf-8").split("正文 ====================")[1]
    text = text[:3000]
    pdf = scans.text_pdfs({"plan": text}, out)["plan"]
    nomap = scans.strip_tounicode(pdf, out / "plan-nomap.pdf")
    scan, _truth = scans.scanned_pdf_of_text(text, out / "scan.pdf", dpi=150)
    return {"text": pdf, "nomap": nomap, "scan": scan}


@pytest.mark.converters
def test_libreoffice_text_pdf_is_usable_on_every_page(quality_pdfs):
    plumber, pdfium_texts = _pdf_texts(quality_pdfs["text"])
    assert len(plumber) >= 2
    for text in plumber + pdfium_texts:
        q = assess_text(text)
        assert q.usable, (q, text[:80])


@pytest.mark.converters
def test_pdf_without_tounicode_is_garbage_to_both_readers(quality_pdfs):
    plumber, pdfium_texts = _pdf_texts(quality_pdfs["nomap"])
    for text in plumber:
        assert "(cid:" in text
        assert assess_text(text).reason == quality.CID_GLYPHS
    for text in pdfium_texts:
        q = assess_text(text)
        assert not q.usable, (q, text[:80])
        assert q.cjk_share < 0.05


@pytest.mark.converters
def test_scanned_pdf_has_no_text(quality_pdfs):
    plumber, pdfium_texts = _pdf_texts(quality_pdfs["scan"])
    for text in plumber + pdfium_texts:
        assert assess_text(text).reason == quality.EMPTY
