"""OCR of page images and scanned PDF pages with Tesseract (chi_sim).

Tesseract runs as a subprocess (``tesseract IMAGE stdout -l chi_sim --psm N tsv``)
with a timeout. Its TSV gives each word with its block, paragraph and line
numbers and a confidence (0-100; -1 on layout rows): the text is rebuilt line
by line from it, and a page's confidence is the mean over its words. One run
gives both, so a page is read once (TSV costs what plain text costs).

Before Tesseract, a page is levelled (skew) and rescaled so its characters are
about 24 px high: Debian's chi_sim model made 3-4 times the errors on 16 pt text
scanned at 300 dpi (prepare_image; the figures are in docs/ocr.md).

Tesseract puts a space between Chinese characters ("工 作 计 划"); they are
removed wherever one side is CJK, and kept between Latin words and digits.

Pages run in parallel, one Tesseract per core, each with OMP_THREAD_LIMIT=1:
Tesseract's own OpenMP threads made it 3-4 times slower on two busy cores
(bench/ocr_bench.py, docs/ocr.md).
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
MAX_UPSCALE = 2.0
# Nor larger than this on its long side (A4 at about 340 dpi).
MAX_SIDE_PX = 4000
# Skew is looked for within ±MAX_SKEW degrees (a page fed crooked into a scanner);
# a skew of 2° doubled the CER before pages were levelled (docs/ocr.md).
MAX_SKEW = 5


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
    numbered = [(first_number + index, path) for index, path in enumerate(paths)]
    return _read_numbered(
        numbered, languages=languages, psm=psm, dpi=dpi, timeout=timeout
    )


def ocr_pdf_pages(
    pdf: Path,
    numbers: Sequence[int],
    *,
    dpi: int = DEFAULT_DPI,
    languages: str | None = None,
    psm: int = DEFAULT_PSM,
    timeout: float = PAGE_TIMEOUT,
) -> list[OcrPage]:
    """Render the pages ``numbers`` (1-based) of ``pdf`` and read them by OCR.

    A few pages at a time (PDFium renders in this thread only: it is not
    thread-safe), so a 300-page scan never has more than a handful of page
    images on disk.
    """
    if not numbers:
        return []
    batch = 2 * workers()
    pages: list[OcrPage] = []
    with tempfile.TemporaryDirectory(prefix="plansite-ocr-") as tmp:
        for start in range(0, len(numbers), batch):
            chunk = list(numbers[start : start + batch])
            images = render_pdf_pages(pdf, chunk, out_dir=Path(tmp), dpi=dpi)
            pages += _read_numbered(
                list(zip(chunk, images, strict=True)),
                languages=languages,
                psm=psm,
                dpi=dpi,
                timeout=timeout,
            )
            for image in images:
                image.unlink(missing_ok=True)
    return pages


def _read_numbered(
    items: Sequence[tuple[int, Path]],
    *,
    languages: str | None,
    psm: int,
    dpi: int | None,
    timeout: float,
) -> list[OcrPage]:
    """OCR each (page number, image), one Tesseract per core, in order."""
    langs = languages or default_languages()

    def one(item: tuple[int, Path]) -> OcrPage:
        number, path = item
        text, confidence = ocr_image(
            path, languages=langs, psm=psm, dpi=dpi, timeout=timeout
        )
        return OcrPage(number, text, confidence)

    if len(items) <= 1:
        return [one(item) for item in items]
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


def ink_mask(image):
    """Pixels darker than halfway between the ink and the paper (faded or grey
    print too), as a boolean array; None on a blank page."""
    import numpy as np
    from PIL import ImageFilter

    # A little blur first: a noisy scan's specks are not ink, strokes are.
    pixels = np.asarray(image.convert("L").filter(ImageFilter.BoxBlur(1)))
    ink, paper = np.percentile(pixels[::4, ::4], (1, 99))
    if paper - ink < 40:
        return None
    return pixels < (ink + paper) / 2


def text_height(image) -> float | None:
    """The median height in pixels of the text's ink, or None on a blank page.

    The page is cut into narrow vertical strips, so a skew of a few degrees
    moves a line by a few pixels within one; in each strip the runs of rows
    holding ink are the text lines. Chinese characters fill their em, so the
    median run is close to the character height.
    """
    import numpy as np

    ink = ink_mask(image)
    if ink is None:
        return None
    height, width = ink.shape
    strip = max(32, width // 12)
    runs: list[int] = []
    for x0 in range(0, max(1, width - strip + 1), strip):
        # A row of a text line has ink across a good part of the strip; a
        # row of scattered specks does not.
        rows = (ink[:, x0 : x0 + strip].sum(axis=1) >= max(2, strip // 25)).astype(
            np.int8
        )
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
    # Never more than twice as large: a wrong guess must not make a page that
    # Tesseract takes minutes over.
    return min(MAX_UPSCALE, TARGET_TEXT_PX / height)


def skew_angle(image) -> float:
    """The rotation (degrees, counter-clockwise) that makes the text lines level.

    Projection profiles: the ink of the page, shrunk to about 1000 px wide, is
    projected onto rows as if turned by each candidate angle (a shear, which
    is a rotation for a few degrees); level lines give the sharpest profile
    (the largest sum of squared differences between neighbouring rows).
    """
    import math

    import numpy as np
    from PIL import Image

    gray = image.convert("L")
    if gray.width > 1000:
        factor = 1000 / gray.width
        size = (1000, max(1, round(gray.height * factor)))
        gray = gray.resize(size, Image.Resampling.BILINEAR)
    ink = ink_mask(gray)
    if ink is None:
        return 0.0
    ys, xs = np.nonzero(ink)
    if len(ys) < 100:
        return 0.0
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - gray.width / 2
    top = gray.height + gray.width  # room for sheared rows

    def sharpness(angle: float) -> float:
        # Image.rotate(angle) turns counter-clockwise: a point's row moves by
        # -x·tan(angle) (y grows downwards).
        rows = np.rint(ys - xs * math.tan(math.radians(angle))).astype(np.int64)
        profile = np.bincount(rows + gray.width // 2 + 1, minlength=top)
        return float(np.sum(np.diff(profile.astype(np.float64)) ** 2))

    coarse = {float(a): sharpness(a) for a in range(-MAX_SKEW, MAX_SKEW + 1)}
    around = max(coarse, key=coarse.__getitem__)
    fine = {around + d / 8: sharpness(around + d / 8) for d in range(-7, 8)}
    best = max(fine, key=fine.__getitem__)
    # Ties and blank pages: leave the page as it is.
    if abs(best) < 0.2 or fine[best] <= coarse[0.0] * 1.01:
        return 0.0
    return best


def prepare_image(
    path: Path, out_dir: Path, dpi: int | None
) -> tuple[Path, int | None]:
    """Level a skewed page and rescale it so its characters are about
    TARGET_TEXT_PX high; returns the image Tesseract should read and its dpi.

    A photo's EXIF orientation is applied and a transparent background made
    white (Tesseract would read neither); the file itself is passed on when
    nothing needs doing.
    """
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as original:
            original.load()
            if dpi is None and original.info.get("dpi"):
                dpi = round(float(original.info["dpi"][0])) or None
            image = ImageOps.exif_transpose(original)
            turned = image is not original
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                white = Image.new("RGBA", image.size, "white")
                image = Image.alpha_composite(white, image.convert("RGBA"))
            image = image.convert("L")
            factor = scale_for_ocr(text_height(image))
            if factor > 1:
                factor = min(factor, MAX_SIDE_PX / max(image.size))
            angle = skew_angle(image)
            plain = original.mode in ("L", "1", "RGB") and not turned
            if (
                factor == 1.0
                and not angle
                and plain
                and original.format
                in (
                    "PNG",
                    "JPEG",
                )
            ):
                return path, dpi
            if factor != 1.0:
                size = (round(image.width * factor), round(image.height * factor))
                image = image.resize(size, Image.Resampling.LANCZOS)
            if angle:
                image = image.rotate(
                    angle, resample=Image.Resampling.BICUBIC, fillcolor=255
                )
    except (OSError, ValueError, Image.DecompressionBombError):
        return path, dpi  # Tesseract says what is wrong with it
    new_dpi = round(dpi * factor) if dpi else None
    out = out_dir / f"{path.stem}-ocr.png"
    if new_dpi:
        image.save(out, dpi=(new_dpi, new_dpi))
    else:
        image.save(out)
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


@dataclass
class _Line:
    block: int
    words: list[str]
    x0: int
    x1: int
    top: int
    bottom: int
    text: str = ""


# A line ending one of these ends its paragraph even when it is full. Not the
# ASCII ":" (fix_punctuation has made a Chinese colon full-width; "15:" is a time).
_SENTENCE_END = tuple("。！？：；!?;")


def text_from_tsv(tsv: str) -> tuple[str, float | None]:
    """Rebuild a page's text from Tesseract's TSV; mean confidence of its words.

    Lines are kept, except that a paragraph's wrapped lines are joined again
    (as extract/pdf.py does for a text layer), so that exact search finds a
    phrase across a line break. A blank line separates layout blocks.
    """
    lines: dict[tuple[int, int, int], _Line] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":  # level 5: a word
            continue
        word = cells[11].strip()
        if not word:
            continue
        try:
            block, par, number = int(cells[2]), int(cells[3]), int(cells[4])
            left, top, width, height = (int(c) for c in cells[6:10])
            confidence = float(cells[10])
        except ValueError:
            continue
        line = lines.get((block, par, number))
        if line is None:
            line = lines[(block, par, number)] = _Line(
                block, [], left, left + width, top, top + height
            )
        line.words.append(word)
        line.x0, line.x1 = min(line.x0, left), max(line.x1, left + width)
        line.top, line.bottom = min(line.top, top), max(line.bottom, top + height)
        if confidence >= 0:
            confidences.append(confidence)
    ordered = list(lines.values())
    for line in ordered:
        line.text = remove_cjk_spaces(fix_punctuation(join_words(line.words)))
    text = "\n".join(_paragraphs(ordered))
    mean = sum(confidences) / len(confidences) if confidences else None
    return text, (round(mean, 2) if mean is not None else None)


def _paragraphs(lines: list[_Line]) -> list[str]:
    """The output lines: wrapped lines of a paragraph joined, blocks apart.

    A line goes on in the next one when it reaches the right edge of the text
    (within 4 characters: a line breaks early before an unbreakable
    "〔2020〕42号"), does not end a sentence, and the next line starts at the
    left margin (a new paragraph is indented by two characters) in the same size.
    """
    if not lines:
        return []
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    heights = sorted(line.bottom - line.top for line in lines)
    em = heights[len(heights) // 2]
    out = [lines[0].text]
    for previous, line in zip(lines, lines[1:], strict=False):
        if line.block != previous.block:
            out += ["", line.text]
            continue
        size = previous.bottom - previous.top
        goes_on = (
            line.x0 <= left + 0.8 * em
            and abs((line.bottom - line.top) - size) <= 0.3 * max(size, em)
            and previous.x1 >= right - 4 * em
            and not out[-1].endswith(_SENTENCE_END)
        )
        if goes_on and out[-1] and line.text:
            latin = out[-1][-1].isascii() and line.text[0].isascii()
            out[-1] += (" " if latin else "") + line.text
        else:
            out.append(line.text)
    return out


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


# "（…）" read as "〈…)" or "(…〉": a bracket pair around a short run of text.
_BRACKETED = re.compile(r"[〈(（]([^〈〉()（）\n]{1,20})[)）〉]")
_HALF_TO_FULL = {
    "(": "（",
    ")": "）",
    ":": "：",
    ";": "；",
    "?": "？",
    "!": "！",
    ",": "，",
}
_HALF_PUNCT = re.compile(f"(?<=[{_CJK_CLASS}])[(),:;?!]|[(),:;?!](?=[{_CJK_CLASS}])")


def _full_brackets(match: re.Match[str]) -> str:
    inner = match.group(1)
    whole = match.group(0)
    if whole[0] == "〈" and whole[-1] == "〉":
        return whole  # a real 〈…〉
    if not _CJK_CHAR.search(inner) and whole[0] == "(" and whole[-1] == ")":
        return whole  # Latin or digits in ASCII brackets: "(a)", "(2023)"
    return f"（{inner}）"


def fix_punctuation(text: str) -> str:
    """Give Chinese text its full-width punctuation back.

    chi_sim often reads "：（）" as ASCII ":()" and the "（" of a numbered item
    "（一）" as "〈". Next to a Chinese character the full-width form is what
    was printed (a search for "时间：" must find it); between digits or Latin
    letters ("15:37", "3,200") the ASCII form stays.
    """
    text = _BRACKETED.sub(_full_brackets, text)
    return _HALF_PUNCT.sub(lambda m: _HALF_TO_FULL[m.group()], text)


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
