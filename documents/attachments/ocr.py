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
# chi_sim (Debian's tessdata_fast model) reads characters about 20-28 px high
# best; 16 pt text scanned at 300 dpi (67 px) had 2-3 times the errors. Pages
# whose text is outside MIN..MAX are rescaled to TARGET (docs/ocr.md).
TARGET_TEXT_PX = 24.0
MIN_TEXT_PX = 16.0
MAX_TEXT_PX = 34.0


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
    threads: int = 1,
    rescale: bool = True,
) -> tuple[str, float | None]:
    """Run Tesseract on one image: (text, mean word confidence or None).

    With ``rescale``, a page whose characters are far from the size Tesseract
    reads best is rescaled first (``prepare_image``).
    """
    if rescale:
        with tempfile.TemporaryDirectory(prefix="plansite-ocr-") as tmp:
            prepared, prepared_dpi = prepare_image(path, Path(tmp), dpi)
            return ocr_image(
                prepared,
                languages=languages,
                psm=psm,
                dpi=prepared_dpi,
                timeout=timeout,
                threads=threads,
                rescale=False,
            )
    tsv = run_tesseract(
        path,
        languages=languages,
        psm=psm,
        dpi=dpi,
        timeout=timeout,
        config="tsv",
        threads=threads,
    )
    return text_from_tsv(tsv)


def text_height(image) -> float | None:
    """The median height in pixels of the text's ink, or None on a blank page.

    The page is cut into narrow vertical strips, so a skew of a few degrees
    moves a line by a few pixels within one; in each strip the runs of rows
    holding ink are the text lines. Chinese characters fill their em, so the
    median run is close to the character height.
    """
    import numpy as np

    ink = np.asarray(image.convert("L")) < 128
    height, width = ink.shape
    strip = max(32, width // 12)
    runs: list[int] = []
    for x0 in range(0, max(1, width - strip + 1), strip):
        rows = (ink[:, x0 : x0 + strip].sum(axis=1) >= 2).astype(np.int8)
        edges = np.diff(np.concatenate(([0], rows, [0])))
        lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
        runs.extend(int(n) for n in lengths if n >= 4)
    if len(runs) < 5:
        return None
    return float(np.median(runs))


def scale_for_ocr(height: float | None) -> float:
    """The factor that brings text of ``height`` px into Tesseract's best range."""
    if height is None or MIN_TEXT_PX <= height <= MAX_TEXT_PX:
        return 1.0
    return TARGET_TEXT_PX / height


def prepare_image(
    path: Path, out_dir: Path, dpi: int | None
) -> tuple[Path, int | None]:
    """Rescale a page so its characters are TARGET_TEXT_PX high, when they are
    far from it; returns the image Tesseract should read and its dpi."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
            if image.mode not in ("L", "1", "RGB"):
                image = image.convert("RGB")
            factor = scale_for_ocr(text_height(image))
            if factor == 1.0 and image.format in ("PNG", "JPEG", "TIFF"):
                return path, dpi
            size = (round(image.width * factor), round(image.height * factor))
            scaled = image.convert("L").resize(size, Image.Resampling.LANCZOS)
    except (OSError, ValueError, Image.DecompressionBombError):
        return path, dpi  # Tesseract says what is wrong with it
    new_dpi = round(dpi * factor) if dpi else None
    out = out_dir / f"{path.stem}-ocr.png"
    scaled.save(out, dpi=(new_dpi, new_dpi) if new_dpi else None)
    return out, new_dpi


def run_tesseract(
    path: Path,
    *,
    languages: str | None = None,
    psm: int = DEFAULT_PSM,
    dpi: int | None = None,
    timeout: float = PAGE_TIMEOUT,
    config: str = "tsv",
    threads: int = 1,
) -> str:
    """Tesseract's output (``config``: "tsv" or "txt") for one image.

    ``threads``: Tesseract's OpenMP threads (OMP_THREAD_LIMIT); 0 leaves its own
    default. Pages run in parallel instead (see the module's docstring).
    """
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
    env = dict(os.environ)
    if threads:
        env["OMP_THREAD_LIMIT"] = str(threads)
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
