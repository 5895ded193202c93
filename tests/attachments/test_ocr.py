"""ocr.py: real Tesseract (chi_sim) on pages rendered from known text."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from PIL import Image

from documents.attachments import ocr
from documents.attachments.ocr import OcrPage, join_words, remove_cjk_spaces
from documents.attachments.result import ExtractionRejected
from tests.attachments import scans
from tests.conftest import _sample_dir

# ../shared/corpus when it is there, else the copy kept in the repo.
CORPUS = _sample_dir("corpus")
TITLE = "平潭综合实验区苏平片区管理局2022年度工作计划"


def _plan_text() -> str:
    source = CORPUS / "pingtan" / "42036.txt"
    body = source.read_text(encoding="utf-8").split("正文 ====================")[1]
    return body[:2200]


# ------------------------------------------------------------ spaces


@pytest.mark.parametrize(
    ("words", "line"),
    [
        (["工", "作", "计", "划"], "工作计划"),
        (["2023", "年", "3", "月"], "2023年3月"),
        (["QQ", "空间"], "QQ空间"),
        (["Tesseract", "OCR", "5.3"], "Tesseract OCR 5.3"),
        (["（一）", "党建"], "（一）党建"),
        (["15:37", "微信"], "15:37微信"),
    ],
)
def test_join_words_keeps_spaces_only_between_latin_words(words, line):
    assert join_words(words) == line


def test_remove_cjk_spaces():
    assert (
        remove_cjk_spaces("平 潭 综 合 2022 年 度 QQ 空 间") == "平潭综合2022年度QQ空间"
    )
    assert remove_cjk_spaces("Work plan 2023") == "Work plan 2023"
    assert remove_cjk_spaces("时间： 2021-12-31 15:37") == "时间：2021-12-31 15:37"


# ------------------------------------------------------------ real Tesseract


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """Two pages of a Pingtan plan at 300 dpi (clean, and the first wrecked),
    as PNG/JPEG files and as a scanned PDF made with img2pdf."""
    out = tmp_path_factory.mktemp("ocr-pages")
    pages = scans.render_pages(_plan_text(), title=TITLE, dpi=300, max_pages=2)
    assert len(pages) == 2
    clean = scans.save_pages([p.image for p in pages], out, stem="clean", dpi=300)
    # Faded, blurred, skewed by 4°, noisy, JPEG quality 15: CER about 16%.
    low = pages[0]
    bad = scans.degrade_named(low.image, "wrecked", dpi=300, seed=1)
    bad_path = out / "bad.jpg"
    bad.save(bad_path, "JPEG", quality=95, dpi=(300, 300))
    pdf = scans.scanned_pdf(clean, out / "scan.pdf")
    blank = out / "blank.png"
    Image.new("L", (1240, 1754), 255).save(blank, dpi=(150, 150))
    return {
        "clean": clean,
        "truth": [p.text for p in pages],
        "pages": pages,
        "bad": bad_path,
        "bad_truth": low.text,
        "pdf": pdf,
        "blank": blank,
    }


@pytest.mark.converters
def test_clean_page_reads_nearly_exactly(rendered):
    [page] = ocr.ocr_images(rendered["clean"][:1])
    assert isinstance(page, OcrPage) and page.number == 1
    assert scans.cer(page.text, rendered["truth"][0]) < 0.03
    # A paragraph's wrapped lines are joined again, other lines kept, and no
    # space is left between two Chinese characters.
    paragraphs = rendered["pages"][0].paragraphs
    assert abs(len(page.text.splitlines()) - len(paragraphs)) <= 1
    assert not re.search(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]", page.text)
    assert "工作计划" in page.text
    assert page.confidence is not None
    assert page.confidence >= settings.PLANSITE_OCR_MIN_CONFIDENCE


@pytest.mark.converters
def test_a_phrase_across_a_line_break_is_found(rendered):
    [page] = ocr.ocr_images(rendered["clean"][:1])
    lines = rendered["truth"][0].splitlines()
    # Six characters astride each wrap inside a paragraph of the body.
    phrases = [
        a[-3:] + b[:3]
        for a, b in zip(lines[2:], lines[3:], strict=False)
        if len(a) > 10 and len(b) > 10 and not a.endswith("。")
    ]
    assert len(phrases) >= 10
    found = [phrase for phrase in phrases if phrase in page.text]
    assert len(found) >= 0.8 * len(phrases), (phrases, page.text)


@pytest.mark.converters
def test_pages_are_numbered_from_first_number_in_order(rendered):
    pages = ocr.ocr_images(rendered["clean"], first_number=5)
    assert [p.number for p in pages] == [5, 6]
    for page, truth in zip(pages, rendered["truth"], strict=True):
        assert scans.cer(page.text, truth) < 0.03


@pytest.mark.converters
def test_scanned_pdf_pages_are_rendered_and_read(rendered):
    [page] = ocr.ocr_pdf_pages(rendered["pdf"], [2])
    assert page.number == 2
    assert scans.cer(page.text, rendered["truth"][1]) < 0.03


@pytest.mark.converters
def test_a_wrecked_page_falls_under_the_review_threshold(rendered):
    [clean] = ocr.ocr_images(rendered["clean"][:1])
    [bad] = ocr.ocr_images([rendered["bad"]])
    assert bad.confidence is not None
    assert bad.confidence < settings.PLANSITE_OCR_MIN_CONFIDENCE <= clean.confidence
    # Still read in part: more errors, but far from nothing.
    assert 0.05 < scans.cer(bad.text, rendered["bad_truth"]) < 0.5


@pytest.mark.converters
def test_noise_is_not_taken_for_small_text(rendered):
    from PIL import Image as PILImage

    with PILImage.open(rendered["bad"]) as image:
        height = ocr.text_height(image)
    em = 16 / 72 * 300
    assert 0.85 * em <= height <= 1.15 * em


@pytest.mark.converters
def test_blank_page_gives_no_text_and_no_confidence(rendered):
    [page] = ocr.ocr_images([rendered["blank"]])
    assert page.text == "" and page.confidence is None


@pytest.mark.converters
def test_timeout_is_a_rejection_with_a_reason(rendered):
    with pytest.raises(ExtractionRejected, match="OCR timed out"):
        ocr.ocr_images(rendered["clean"][:1], timeout=0.01)


@pytest.mark.converters
def test_unreadable_image_is_a_rejection(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(ExtractionRejected, match="Tesseract failed"):
        ocr.ocr_images([broken])


def test_missing_tesseract_is_a_rejection(monkeypatch, tmp_path):
    monkeypatch.setattr(ocr, "TESSERACT", "tesseract-not-installed-here")
    with pytest.raises(ExtractionRejected, match="not installed"):
        ocr.ocr_images([tmp_path / "page.png"])


@pytest.mark.converters
def test_pdf_page_out_of_range(rendered):
    with pytest.raises(ValueError):
        ocr.ocr_pdf_pages(rendered["pdf"], [3])


@pytest.mark.parametrize(
    ("dpi", "pt"), [(100, 10.5), (150, 16), (300, 10.5), (300, 16)]
)
def test_text_height_is_the_character_height_even_when_skewed(dpi, pt):
    page = scans.render_pages(_plan_text(), dpi=dpi, body_pt=pt, max_pages=1)[0]
    em = pt / 72 * dpi
    for name in ("clean", "all"):
        image = scans.degrade_named(page.image, name, dpi=dpi, seed=2)
        assert 0.85 * em <= ocr.text_height(image) <= 1.1 * em


def test_blank_page_has_no_text_height():
    assert ocr.text_height(Image.new("L", (1240, 1754), 255)) is None


def test_large_text_is_scaled_down_and_small_text_up_at_most_twice():
    assert ocr.scale_for_ocr(None) == 1.0
    assert ocr.scale_for_ocr(24) == 1.0
    assert ocr.scale_for_ocr(62) == pytest.approx(ocr.TARGET_TEXT_PX / 62)
    assert ocr.scale_for_ocr(14) == pytest.approx(ocr.TARGET_TEXT_PX / 14)
    assert ocr.scale_for_ocr(5) == ocr.MAX_UPSCALE


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("〈三)作风建设", "（三）作风建设"),
        ("(一)党建", "（一）党建"),
        ("时间: 2021-12-31 15:37", "时间：2021-12-31 15:37"),
        ("3,200 元", "3,200元"),
        ("任务:", "任务："),
        ("see (a) and b)", "see (a) and b)"),
    ],
)
def test_chinese_text_gets_full_width_punctuation_back(read, printed):
    assert remove_cjk_spaces(ocr.fix_punctuation(read)) == printed


@pytest.mark.parametrize("skew", [-3.0, -1.0, 0.0, 2.0])
def test_skew_angle_finds_the_rotation_that_levels_the_page(skew):
    page = scans.render_pages(_plan_text(), dpi=150, max_pages=1)[0]
    turned = scans.degrade(page.image, skew=skew, noise=12, jpeg_quality=30)
    assert ocr.skew_angle(turned) == pytest.approx(-skew, abs=0.2)


@pytest.mark.converters
def test_a_phone_photo_turned_by_exif_and_a_transparent_png_are_read(tmp_path):
    page = scans.render_pages(_plan_text()[:300], dpi=150, max_pages=1)[0]
    # Stored sideways (turned 90° counter-clockwise); EXIF 6 says "turn it back".
    photo = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    page.image.transpose(Image.Transpose.ROTATE_90).save(
        photo, "JPEG", quality=90, exif=exif.tobytes()
    )
    # Black text on a transparent background (an exported slide, a web image).
    clear = tmp_path / "clear.png"
    rgba = Image.new("RGBA", page.image.size, (0, 0, 0, 0))
    rgba.putalpha(page.image.point(lambda p: 255 - p))
    rgba.save(clear)
    for result in ocr.ocr_images([photo, clear]):
        assert scans.cer(result.text, page.text) < 0.05, result


@pytest.mark.converters
def test_pages_of_a_long_scan_come_back_numbered_and_in_order(tmp_path):
    texts = [
        f"第{n}页：全面推进乡村振兴，扎实开展农村人居环境整治提升行动。"
        for n in "一二三四五六"
    ]
    images = [scans.render_pages(t, dpi=150, max_pages=1)[0].image for t in texts]
    paths = scans.save_pages(images, tmp_path, stem="p", dpi=150)
    pdf = scans.scanned_pdf(paths, tmp_path / "six.pdf")
    wanted = [6, 1, 3, 5, 2]  # more than one batch, not in page order
    pages = ocr.ocr_pdf_pages(pdf, wanted, dpi=150)
    assert [p.number for p in pages] == wanted
    for page in pages:
        assert scans.cer(page.text, texts[page.number - 1]) < 0.1, page
