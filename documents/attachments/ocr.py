"""OCR of page images and scanned PDF pages with Tesseract (chi_sim).

Tesseract runs as a subprocess (``tesseract IMAGE stdout -l chi_sim --psm N tsv``)
with a timeout. Its TSV gives each word with its block, paragraph and line
numbers and a confidence (0-100; -1 on layout rows): the text is rebuilt line
by line from it, and a page's confidence is the mean over its words. One run
gives both, so a page is read once.

Tesseract puts a space between Chinese characters ("工 作 计 划"); they are
removed wherever one side is CJK, and kept between Latin words and digits.

Pages run in parallel, one Tesseract per core, each with OMP_THREAD_LIMIT=1:
Tesseract's own OpenMP threads gain less than a second process does
(measured in bench/ocr_bench.py, docs/ocr.md).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .result import ExtractionRejected

logger = logging.getLogger(__name__)

TESSERACT = "tesseract"
# Page segmentation mode: 6 = one uniform block of text; 3 = automatic layout.
# Chosen by CER on rendered pages (bench/ocr_bench.py, docs/ocr.md).
DEFAULT_PSM = 6
# Seconds for one page; a clean A4 page at 300 dpi takes a few seconds.
PAGE_TIMEOUT = 120.0
# PDF pages are rendered at this resolution for OCR (chosen by CER, docs/ocr.md).
DEFAULT_DPI = 300


@dataclass(frozen=True)
class OcrPage:
    """One page read by OCR."""

    number: int  # 1-based page number in the original
    text: str  # lines kept, "\n" between them; blank line between blocks
    confidence: float | None  # mean word confidence 0-100; None: no words found


def tesseract_available() -> bool:
    return shutil.which(TESSERACT) is not None


def default_languages() -> str:
    return getattr(settings, "PLANSITE_OCR_LANGUAGES", "chi_sim")


def workers() -> int:
    """Tesseract processes at once: one per core the process may use."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        n = os.cpu_count() or 1
    return max(1, n)


def ocr_images(
    paths: Sequence[Path],
    *,
    languages: str | None = None,
    first_number: int = 1,
    psm: int = DEFAULT_PSM,
    dpi: int | None = None,
    timeout: float = PAGE_TIMEOUT,
) -> list[OcrPage]:
    """Read each image as one page, numbered from ``first_number``, in order.

    ``dpi`` tells Tesseract the resolution when the image does not say it.
    Raises ExtractionRejected when Tesseract is missing, fails or times out.
    """
    langs = languages or default_languages()

    def one(item: tuple[int, Path]) -> OcrPage:
        index, path = item
        text, confidence = ocr_image(
            path, languages=langs, psm=psm, dpi=dpi, timeout=timeout
        )
        return OcrPage(first_number + index, text, confidence)

    items = list(enumerate(paths))
    if len(items) <= 1:
        return [one(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(workers(), len(items))) as pool:
        return list(pool.map(one, items))


def ocr_pdf_pages(
    pdf: Path,
    numbers: Sequence[int],
    *,
    dpi: int = DEFAULT_DPI,
    languages: str | None = None,
    psm: int = DEFAULT_PSM,
    timeout: float = PAGE_TIMEOUT,
) -> list[OcrPage]:
    """Render the pages ``numbers`` (1-based) of ``pdf`` and read them by OCR."""
    if not numbers:
        return []
    with tempfile.TemporaryDirectory(prefix="plansite-ocr-") as tmp:
        images = render_pdf_pages(pdf, numbers, out_dir=Path(tmp), dpi=dpi)
        langs = languages or default_languages()

        def one(item: tuple[int, Path]) -> OcrPage:
            number, path = item
            text, confidence = ocr_image(
                path, languages=langs, psm=psm, dpi=dpi, timeout=timeout
            )
            return OcrPage(number, text, confidence)

        items = list(zip(numbers, images, strict=True))
        if len(items) == 1:
            return [one(items[0])]
        with ThreadPoolExecutor(max_workers=min(workers(), len(items))) as pool:
            return list(pool.map(one, items))


def render_pdf_pages(
    pdf: Path, numbers: Sequence[int], *, out_dir: Path, dpi: int = DEFAULT_DPI
) -> list[Path]:
    """Render PDF pages to grayscale PNGs with pypdfium2; one path per number."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(pdf))
    except pdfium.PdfiumError as error:
        raise ExtractionRejected(
            f"PDF 无法打开，不能识别扫描页 (the PDF cannot be opened for OCR: {error})"
        ) from error
    paths = []
    try:
        count = len(document)
        for number in numbers:
            if not 1 <= number <= count:
                raise ValueError(f"page {number} not in 1..{count}")
            page = document[number - 1]
            try:
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                image = bitmap.to_pil()
            finally:
                page.close()
            path = out_dir / f"page-{number:05d}.png"
            # Tesseract reads the resolution from the PNG's pHYs chunk.
            image.save(path, dpi=(dpi, dpi))
            paths.append(path)
    finally:
        document.close()
    return paths


def ocr_image(
    path: Path,
    *,
    languages: str | None = None,
    psm: int = DEFAULT_PSM,
    dpi: int | None = None,
    timeout: float = PAGE_TIMEOUT,
) -> tuple[str, float | None]:
    """Run Tesseract on one image: (text, mean word confidence or None)."""
    tsv = run_tesseract(
        path, languages=languages, psm=psm, dpi=dpi, timeout=timeout, config="tsv"
    )
    return text_from_tsv(tsv)


def run_tesseract(
    path: Path,
    *,
    languages: str | None = None,
    psm: int = DEFAULT_PSM,
    dpi: int | None = None,
    timeout: float = PAGE_TIMEOUT,
    config: str = "tsv",
) -> str:
    """Tesseract's output (``config``: "tsv" or "txt") for one image."""
    if not tesseract_available():
        raise ExtractionRejected(
            "未安装 Tesseract，不能识别扫描页 "
            "(Tesseract is not installed: make attachment-deps)"
        )
    command = [
        TESSERACT,
        str(path),
        "stdout",
        "-l",
        languages or default_languages(),
        "--psm",
        str(psm),
    ]
    if dpi:
        command += ["--dpi", str(dpi)]
    if config != "txt":
        command.append(config)
    # One thread per Tesseract: pages run in parallel instead (see module doc).
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ExtractionRejected(
            f"文字识别超时（{timeout:g} 秒）(OCR timed out after {timeout:g} s)"
        ) from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()[-300:]
        raise ExtractionRejected(
            f"文字识别失败 (Tesseract failed: {message or done.returncode})"
        )
    return done.stdout.decode("utf-8", "replace")


def text_from_tsv(tsv: str) -> tuple[str, float | None]:
    """Rebuild a page's text from Tesseract's TSV; mean confidence of its words."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":  # level 5: a word
            continue
        word = cells[11].strip()
        if not word:
            continue
        try:
            block, par, line = int(cells[2]), int(cells[3]), int(cells[4])
            confidence = float(cells[10])
        except ValueError:
            continue
        lines.setdefault((block, par, line), []).append(word)
        if confidence >= 0:
            confidences.append(confidence)
    out: list[str] = []
    previous_block = None
    for (block, _par, _line), words in lines.items():
        if previous_block is not None and block != previous_block:
            out.append("")  # a blank line between layout blocks
        previous_block = block
        out.append(join_words(words))
    text = "\n".join(out)
    mean = sum(confidences) / len(confidences) if confidences else None
    return text, (round(mean, 2) if mean is not None else None)


# CJK ideographs, CJK punctuation, fullwidth forms, kana/hangul, CJK
# compatibility: a space next to any of them is Tesseract's, not the text's.
_CJK_CLASS = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff"
    "\u3200-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
)
_SPACE_AFTER_CJK = re.compile(f"(?<=[{_CJK_CLASS}])[ \t\u3000]+")
_SPACE_BEFORE_CJK = re.compile(f"[ \t\u3000]+(?=[{_CJK_CLASS}])")
_CJK_CHAR = re.compile(f"[{_CJK_CLASS}]")


def join_words(words: Sequence[str]) -> str:
    """Join one line's words: a space only between two non-CJK words."""
    out = ""
    for word in words:
        if out and not (_CJK_CHAR.match(out[-1]) or _CJK_CHAR.match(word[0])):
            out += " "
        out += word
    return out


def remove_cjk_spaces(text: str) -> str:
    """Remove spaces next to CJK characters; keep them between Latin words."""
    return _SPACE_BEFORE_CJK.sub("", _SPACE_AFTER_CJK.sub("", text))
